//! The journal and the lock through the real binary: a torn last line is set aside, damage
//! before it is a clear error, files are private, and one run per runbook holds the lock.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::{
    count, journal, journal_path, kill_leftover, outcome, project, read, records, run_ids,
    runs_json,
};

/// Appends `bytes` to the file at `path`, as a write cut short by a crash would.
fn append(path: &Path, bytes: &[u8]) {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

const FAILS_SECOND: &str = r#"
[runbook]
title = "Journal"

[[step]]
id = "first"
run = "echo run >> first.calls"

[[step]]
id = "second"
run = "echo run >> second.calls; test -f fixed"
"#;

#[test]
fn torn_last_line_is_set_aside_and_resume_works() {
    let t = project(FAILS_SECOND);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let path = journal_path(t.path());
    let before = std::fs::read(&path).unwrap();
    let torn = br#"{"ts":"2026-11-26T10:00:00Z","type":"step-sta"#;
    append(&path, torn);

    std::fs::write(t.path().join("fixed"), "").unwrap();
    let ran = t.invoke(&["resume", "--yes"]);
    ran.expect_exit(0)
        .expect_stderr_contains("torn")
        .expect_stderr_contains("journal.jsonl.torn");
    let set_aside = path.with_extension("jsonl.torn.1");
    assert_eq!(std::fs::read(&set_aside).unwrap(), torn);
    assert_eq!(
        std::fs::metadata(&set_aside).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let after = std::fs::read(&path).unwrap();
    assert!(
        after.starts_with(&before),
        "the good records are kept as they were"
    );
    let j = journal(t.path());
    assert_eq!(outcome(&j, "second"), "succeeded");
    assert_eq!(count(t.path(), "first.calls"), 1);
    assert_eq!(count(t.path(), "second.calls"), 2);
}

#[test]
fn a_line_torn_inside_a_utf8_character_is_set_aside_too() {
    let t = project(&FAILS_SECOND.replace(
        "id = \"second\"",
        "id = \"second\"\ntitle = \"Zweiter Schritt — größer\"",
    ));
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let path = journal_path(t.path());
    let bytes = std::fs::read(&path).unwrap();
    // Cut a copy of the `second` step-started record in the middle of the `—` (3 bytes).
    let text = String::from_utf8(bytes.clone()).unwrap();
    let line = text.lines().find(|l| l.contains("Zweiter")).unwrap();
    let cut = line.find('—').unwrap() + 1;
    let torn = &line.as_bytes()[..cut];
    assert!(std::str::from_utf8(torn).is_err());
    append(&path, torn);

    std::fs::write(t.path().join("fixed"), "").unwrap();
    t.invoke(&["resume", "--yes"])
        .expect_exit(0)
        .expect_stderr_contains("torn");
    assert_eq!(
        std::fs::read(path.with_extension("jsonl.torn.1")).unwrap(),
        torn
    );
    assert!(std::fs::read(&path).unwrap().starts_with(&bytes));
}

#[test]
fn listing_runs_does_not_repair_a_torn_journal() {
    let t = project(FAILS_SECOND);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let path = journal_path(t.path());
    append(&path, b"{\"ts\":");
    let before = std::fs::read(&path).unwrap();
    t.invoke(&["runs", "--json"]).expect_exit(0);
    assert_eq!(std::fs::read(&path).unwrap(), before, "`runs` only reads");
    t.invoke(&["log"])
        .expect_exit(0)
        .expect_stderr_contains("torn");
}

#[test]
fn a_complete_last_record_without_its_newline_is_kept() {
    let t = project(FAILS_SECOND);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let path = journal_path(t.path());
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.trim_end_matches('\n')).unwrap();
    std::fs::write(t.path().join("fixed"), "").unwrap();
    let ran = t.invoke(&["resume", "--yes"]);
    ran.expect_exit(0);
    assert!(!ran.stderr.contains("torn"), "{}", ran.report());
    assert!(!path.with_extension("jsonl.torn.1").exists());
    assert_eq!(journal(t.path()).last().unwrap()["state"], "succeeded");
}

#[test]
fn damage_before_the_last_line_is_a_clear_error() {
    let t = project(FAILS_SECOND);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let path = journal_path(t.path());
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 3);
    lines[2] = "{\"ts\": garbage";
    let damaged = format!("{}\n", lines.join("\n"));
    std::fs::write(&path, &damaged).unwrap();

    std::fs::write(t.path().join("fixed"), "").unwrap();
    let id = run_ids(t.path()).remove(0);
    let ran = t.invoke(&["resume", &id, "--yes"]);
    assert_ne!(ran.status, 0, "{}", ran.report());
    ran.expect_stderr_contains(&format!("{id}/journal.jsonl"))
        .expect_stderr_contains("line 3");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        damaged,
        "a damaged journal is not touched"
    );
    assert!(!path.with_extension("jsonl.torn.1").exists());
    assert_eq!(count(t.path(), "second.calls"), 1, "nothing ran");
    t.invoke(&["log", &id]).expect_stderr_contains("line 3");
}

#[test]
fn state_files_are_private() {
    let t = project(FAILS_SECOND);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let run_dir = journal_path(t.path()).parent().unwrap().to_path_buf();
    assert_eq!(mode(&journal_path(t.path())), 0o600);
    for dir in [
        t.path().join(".runbook/runs"),
        run_dir.clone(),
        run_dir.join("logs"),
        t.path().join(".runbook/locks"),
    ] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    for log in std::fs::read_dir(run_dir.join("logs")).unwrap().flatten() {
        assert_eq!(mode(&log.path()), 0o600, "{}", log.path().display());
    }
}

#[test]
fn every_step_record_has_ts_type_and_step() {
    let t = project(
        r#"
[runbook]
title = "Records"

[[step]]
id = "one"
run = "true"
checkpoint = true

[[step.verify]]
run = "true"

[[step.rollback]]
run = "echo undo"

[[step]]
id = "two"
run = "exit 1"
on-failure = "continue"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]);
    let j = journal(t.path());
    for record in &j {
        assert!(
            record["ts"].is_string() && record["type"].is_string(),
            "{record}"
        );
        if ["step-started", "step-finished", "check"].contains(&record["type"].as_str().unwrap()) {
            assert!(record["step"].is_string(), "{record}");
        }
    }
    let started = &records(&j, "step-started", "one")[0];
    assert_eq!(started["checkpoint"], true);
    assert_eq!(started["undo"][0]["run"], "echo undo");
    let check = &records(&j, "check", "one")[0];
    assert_eq!(
        (
            check["phase"].as_str(),
            check["attempt"].as_u64(),
            check["passed"].as_bool()
        ),
        (Some("verify"), Some(1), Some(true))
    );
    assert_eq!(outcome(&j, "two"), "failed");
}

#[test]
fn a_second_run_of_a_locked_runbook_names_the_holder() {
    let t = project(
        r#"
[runbook]
title = "Long"

[[step]]
id = "wait"
run = "touch started; sleep 30"
"#,
    )
    .runbook(
        "other",
        "[runbook]\ntitle = \"Other\"\n\n[[step]]\nid = \"x\"\nrun = \"touch other\"\n",
    );
    let mut child = t.spawn(&["run", "rb", "--yes"]);
    child.wait_for(&t.path().join("started"));
    let id = run_ids(t.path()).remove(0);
    let info: serde_json::Value =
        serde_json::from_str(&read(t.path(), ".runbook/locks/rb.lock.info")).unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();

    let ran = t.invoke(&["run", "rb", "--yes"]);
    ran.expect_exit(5)
        .expect_stderr_contains(&format!("pid {}", child.id()))
        .expect_stderr_contains(host.trim())
        .expect_stderr_contains(&id)
        .expect_stderr_contains(info["started"].as_str().unwrap());
    assert_eq!(
        run_ids(t.path()).len(),
        1,
        "the refused run left no state behind"
    );
    t.invoke(&["resume", &id, "--yes"])
        .expect_exit(5)
        .expect_stderr_contains(&id);
    // Another runbook is not blocked.
    t.invoke(&["run", "other", "--yes"]).expect_exit(0);

    child.signal("INT");
    child.finish().expect_exit(130);
    assert!(!t.path().join(".runbook/locks/rb.lock.info").exists());
    // The lock is free again once the holder exited.
    t.invoke(&["run", "other", "--yes"]).expect_exit(0);
}

#[test]
fn a_killed_holder_releases_the_lock() {
    let t = project(
        "[runbook]\ntitle = \"Long\"\n\n[[step]]\nid = \"wait\"\nrun = \"echo $$ > pid; touch started; test -f fast || sleep 30\"\nidempotent = true\n",
    );
    let mut child = t.spawn(&["run", "rb", "--yes"]);
    child.wait_for(&t.path().join("started"));
    child.kill();
    child.finish();
    kill_leftover(&format!("-{}", read(t.path(), "pid").trim()));
    std::fs::write(t.path().join("fast"), "").unwrap();
    t.invoke(&["resume", "--yes"]).expect_exit(0);
}

/// Flips a byte in the middle of line `line` (1-based) of a journal: the line no longer
/// parses, and it is not the last line.
fn damage_line(path: &Path, line: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(lines.len() > line, "line {line} must not be the last");
    let middle = lines[line - 1].len() / 2;
    lines[line - 1].insert(middle, '"');
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn runs_shows_a_damaged_journal_and_commands_without_an_id_stop_at_it() {
    let t = project(FAILS_SECOND);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    // A second, newer run of the same runbook (the first is abandoned for it).
    t.invoke(&["run", "rb", "--yes", "--new"]).expect_exit(1);
    let ids = run_ids(t.path());
    assert_eq!(ids.len(), 2, "{ids:?}");
    let newest = crate::support::run_journal_path(t.path(), &ids[1]);
    damage_line(&newest, 2);

    let runs = runs_json(&t);
    assert_eq!(runs.len(), 2, "a damaged run does not vanish: {runs:?}");
    assert_eq!(runs[1]["id"], ids[1].as_str());
    assert_eq!(runs[1]["state"], "damaged (line 2)");
    t.invoke(&["runs"])
        .expect_exit(0)
        .expect_stdout_contains("damaged (line 2)");

    std::fs::write(t.path().join("fixed"), "").unwrap();
    let before = std::fs::read(&newest).unwrap();
    for args in [
        &["resume", "--yes"][..],
        &["rollback", "--yes"][..],
        &["log"][..],
    ] {
        t.invoke(args)
            .expect_exit(1)
            .expect_stderr_contains("damaged at line 2")
            .expect_stderr_contains(&ids[1]);
    }
    assert_eq!(std::fs::read(&newest).unwrap(), before, "nothing appended");
    assert_eq!(
        count(t.path(), "second.calls"),
        2,
        "the older run was not resumed"
    );
}

#[test]
fn runs_shows_a_live_run_as_running_with_its_pid() {
    let t = project(
        r#"
[runbook]
title = "Slow"

[[step]]
id = "wait"
run = "touch started; while [ ! -f release ]; do sleep 0.05; done"
"#,
    );
    let mut child = t.spawn(&["run", "rb", "--yes"]);
    child.wait_for(&t.path().join("started"));
    let runs = runs_json(&t);
    std::fs::write(t.path().join("release"), "").unwrap();
    let pid = child.id();
    child.finish().expect_exit(0);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["state"], "running");
    assert_eq!(runs[0]["pid"], pid);
    assert_eq!(runs_json(&t)[0]["state"], "succeeded");
    assert!(runs_json(&t)[0]["pid"].is_null());
}

#[test]
fn runs_shows_rolled_back_after_a_finished_rollback() {
    let t = project(
        r#"
[runbook]
title = "Undo"

[[step]]
id = "base"
run = "true"
checkpoint = true

[[step]]
id = "change"
run = "touch changed"

[[step.rollback]]
run = "rm changed"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    // Back to the checkpoint: the run stays open, and says it was rolled back.
    t.invoke(&["rollback", "--yes"]).expect_exit(0);
    assert_eq!(runs_json(&t)[0]["state"], "rolled-back");
    // Everything: the run is over, rolled back.
    t.invoke(&["rollback", "--yes"]).expect_exit(0);
    assert_eq!(runs_json(&t)[0]["state"], "rolled-back");
    t.invoke(&["resume", "--yes"])
        .expect_exit(2)
        .expect_stderr_contains("no unfinished run");
}

#[test]
fn runs_and_log_read_journals_without_validating_runbooks() {
    let t = project(FAILS_SECOND);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    // A runbook broken after the run: listing runs and reading a journal need none.
    std::fs::write(t.path().join("runbooks/broken.toml"), "[runbook\n").unwrap();
    t.invoke(&["runs"])
        .expect_exit(0)
        .expect_stdout_contains("failed");
    t.invoke(&["log"])
        .expect_exit(0)
        .expect_stdout_contains("second: failed");
}
