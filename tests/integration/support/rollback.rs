//! What the rollback tests share: runbooks whose every command appends to the file `order`
//! (so the order of what ran is observable), and readers of that file, of the runs and of
//! a run's `rollback-step` records. Reads only; the tests run the binary.

use std::fs;

use super::{Test, run_journal, runs_json};

/// The lines appended to `order` since the last call, which empties it.
pub fn order(p: &Test) -> Vec<String> {
    let path = p.path().join("order");
    let text = fs::read_to_string(&path).unwrap_or_default();
    let _ = fs::remove_file(&path);
    text.lines().map(str::to_string).collect()
}

pub fn touch(p: &Test, name: &str) {
    fs::write(p.path().join(name), "").expect("create flag file");
}

/// `(id, state)` of every run, oldest first.
#[track_caller]
pub fn runs(p: &Test) -> Vec<(String, String)> {
    runs_json(p)
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[track_caller]
pub fn only_run(p: &Test) -> (String, String) {
    let runs = runs(p);
    assert_eq!(runs.len(), 1, "expected one run: {runs:?}");
    runs.into_iter().next().unwrap()
}

/// `(step, outcome)` of every `rollback-step` record of a run.
#[track_caller]
pub fn rollback_steps(p: &Test, run_id: &str) -> Vec<(String, String)> {
    run_journal(p.path(), run_id)
        .iter()
        .filter(|r| r["type"] == "rollback-step")
        .map(|r| {
            (
                r["step"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The steps a run's rollback undid (its `rollback-step` records that succeeded), in order.
#[track_caller]
pub fn undone(p: &Test, run_id: &str) -> Vec<String> {
    rollback_steps(p, run_id)
        .into_iter()
        .filter(|(_, o)| o == "succeeded")
        .map(|(s, _)| s)
        .collect()
}

pub fn lines(expected: &[&str]) -> Vec<String> {
    expected.iter().map(|s| (*s).to_string()).collect()
}

/// `a` → `b` (checkpoint, captures `version`) → `c` and `d` (both need `b`) → `e` (needs both). `d` has no undo.
pub const GRAPH: &str = r#"[runbook]
title = "Graph"

[vars.app]
default = "shop"

[[step]]
id = "a"
title = "A"
run = "echo do-a >> order"
[[step.rollback]]
run = "echo undo-a >> order"

[[step]]
id = "b"
title = "B"
run = "echo do-b >> order; echo v2"
capture = "version"
checkpoint = true
[[step.rollback]]
run = "echo undo-b >> order"

[[step]]
id = "c"
title = "C"
needs = ["b"]
run = "echo do-c >> order"
[[step.rollback]]
run = "echo undo-c {{ app }} {{ version }} >> order"

[[step]]
id = "d"
title = "D"
needs = ["b"]
run = "echo do-d >> order"

[[step]]
id = "e"
title = "E"
needs = ["c", "d"]
run = "echo do-e >> order"
[[step.rollback]]
name = "first"
run = "echo undo-e1 >> order"
[[step.rollback]]
run = "echo undo-e2 >> order"
"#;

/// `a`, `b` (two undo commands, the second fails while `broken` exists), `c`. No checkpoint.
pub const FLAKY_UNDO: &str = r#"[runbook]
title = "Flaky undo"

[[step]]
id = "a"
title = "A"
run = "echo do-a >> order"
[[step.rollback]]
run = "echo undo-a >> order"

[[step]]
id = "gate"
title = "A gate, nothing to undo"

[[step]]
id = "b"
title = "B"
run = "echo do-b >> order"
[[step.rollback]]
run = "echo undo-b1 >> order"
[[step.rollback]]
run = "echo undo-b2 >> order; if [ -f broken ]; then echo 'cannot reach the cluster' >&2; exit 3; fi"

[[step]]
id = "c"
title = "C"
run = "echo do-c >> order"
[[step.rollback]]
run = "echo undo-c >> order"
"#;
