//! Reading a project's run state: the runs in `.runbook/runs`, their journal files, `runbook
//! log --json` and `runbook runs --json`, and the records in them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Test;

/// Two steps; `second` fails until the file `fixed` exists (the journal tests' runbook).
pub const FAILS_SECOND: &str = r#"
[runbook]
title = "Journal"

[[step]]
id = "first"
run = "echo run >> first.calls"

[[step]]
id = "second"
run = "echo run >> second.calls; test -f fixed"
"#;

/// The ids of the runs in the project's state directory, sorted.
pub fn run_ids(root: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(root.join(".runbook/runs"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// The journal file of the run `run_id`.
pub fn run_journal_path(root: &Path, run_id: &str) -> PathBuf {
    root.join(".runbook/runs")
        .join(run_id)
        .join("journal.jsonl")
}

/// The journal file of the only run.
#[track_caller]
pub fn journal_path(root: &Path) -> PathBuf {
    let ids = run_ids(root);
    assert_eq!(ids.len(), 1, "expected exactly one run, found {ids:?}");
    run_journal_path(root, &ids[0])
}

/// The records of the run `run_id`, read from its file.
#[track_caller]
pub fn run_journal(root: &Path, run_id: &str) -> Vec<Value> {
    parse_journal(&run_journal_path(root, run_id))
}

/// The records of the only run, read from the file.
#[track_caller]
pub fn journal(root: &Path) -> Vec<Value> {
    parse_journal(&journal_path(root))
}

#[track_caller]
fn parse_journal(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read the journal {}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad journal line {l:?}: {e}")))
        .collect()
}

/// The records of the newest run as `runbook log --json` prints them.
#[track_caller]
pub fn log_json(test: &Test) -> Vec<Value> {
    json_array(test, &["log", "--json"])
}

/// The runs as `runbook runs --json` prints them, oldest first.
#[track_caller]
pub fn runs_json(test: &Test) -> Vec<Value> {
    json_array(test, &["runs", "--json"])
}

/// Runs `runbook ARGS`, which must exit 0 and print a JSON array.
#[track_caller]
fn json_array(test: &Test, args: &[&str]) -> Vec<Value> {
    let ran = test.invoke(args);
    ran.expect_exit(0);
    match serde_json::from_str(&ran.stdout) {
        Ok(Value::Array(items)) => items,
        other => panic!(
            "{} is not an array: {other:?}\n{}",
            args.join(" "),
            ran.report()
        ),
    }
}

/// Records of `kind` (`"step-finished"`, …) about `step`.
pub fn records<'a>(journal: &'a [Value], kind: &str, step: &str) -> Vec<&'a Value> {
    journal
        .iter()
        .filter(|r| r["type"] == kind && r["step"] == step)
        .collect()
}

/// The `outcome` of the last `step-finished` record of `step`.
#[track_caller]
pub fn outcome(journal: &[Value], step: &str) -> String {
    let finished = records(journal, "step-finished", step);
    let last = finished
        .last()
        .unwrap_or_else(|| panic!("no step-finished record for `{step}` in {journal:#?}"));
    last["outcome"].as_str().unwrap().to_string()
}
