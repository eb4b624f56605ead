//! Runs side by side: a second run of a locked runbook names the holder, a killed holder
//! releases the lock, and `runs` shows a damaged journal, a live run with its pid and a
//! rolled-back run, reading journals without validating the runbooks.

use std::path::Path;

use crate::support::{FAILS_SECOND, count, kill_leftover, project, read, run_ids, runs_json};

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
