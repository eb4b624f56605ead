//! The journal through the real binary: a torn last line is set aside (and resume works),
//! also inside a UTF-8 character, listing runs does not repair it, a complete last record
//! without its newline is kept, damage before the last line is a clear error, state files
//! are private, and every step record has its `ts`, `type` and `step`.

use std::os::unix::fs::PermissionsExt;

use crate::support::{
    FAILS_SECOND, append, count, journal, journal_path, outcome, project, records, run_ids,
};

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
