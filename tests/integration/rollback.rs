//! `runbook rollback` back to a checkpoint: the plan listed before anything runs (and in
//! `show`), the undo order newest first, rolling back to a step, a second rollback going
//! one checkpoint further, a partial rollback leaving the run resumable and a complete one
//! ending it, and `--yes` needed without a terminal.

use crate::support::rollback::{FLAKY_UNDO, GRAPH, lines, only_run, order, rollback_steps, runs};
use crate::support::{Test, run_journal};

#[test]
fn undoes_the_steps_after_the_checkpoint_newest_first() {
    let p = Test::new().runbook("graph", GRAPH);
    p.invoke(&["run", "graph", "--yes"]).expect_exit(0);
    assert_eq!(order(&p), lines(&["do-a", "do-b", "do-c", "do-d", "do-e"]));
    let (id, state) = only_run(&p);
    assert_eq!(state, "succeeded");

    let out = p.invoke(&["rollback", "--yes"]);
    // Rendered with the run's variables and captures, at step start.
    out.expect_exit(0)
        .expect_stderr_contains("rollback plan")
        .expect_stderr_contains("$ echo undo-c shop v2 >> order")
        .expect_stderr_lacks("undo-b");
    assert_eq!(order(&p), lines(&["undo-e1", "undo-e2", "undo-c shop v2"]));
    assert_eq!(
        rollback_steps(&p, &id),
        [
            ("e", "started"),
            ("e", "succeeded"),
            ("d", "no-undo"),
            ("c", "started"),
            ("c", "succeeded")
        ]
        .map(|(s, o)| (s.to_string(), o.to_string()))
    );
    let types: Vec<String> = run_journal(p.path(), &id)
        .iter()
        .map(|r| r["type"].as_str().unwrap().to_string())
        .collect();
    assert!(
        types.contains(&"rollback-started".to_string())
            && types.contains(&"rollback-finished".to_string()),
        "{types:?}"
    );
}

#[test]
fn no_undo_steps_are_listed_before_anything_runs() {
    let p = Test::new().runbook("graph", GRAPH);
    p.invoke(&["run", "graph", "--yes"]).expect_exit(0);
    let out = p.invoke(&["rollback", "--yes"]);
    out.expect_exit(0);
    let plan = out.stderr_position("rollback plan");
    let listed = out.stderr_position("d: no undo");
    let note = out.stderr_position("`d` cannot be undone automatically");
    let first_undo = out.stderr_position("undone: e");
    assert!(
        plan < listed && listed < note && note < first_undo,
        "{}",
        out.report()
    );
}

#[test]
fn rollback_to_a_step_keeps_that_step() {
    let p = Test::new().runbook("graph", GRAPH);
    p.invoke(&["run", "graph", "--yes"]).expect_exit(0);
    order(&p);
    p.invoke(&["rollback", "--to", "a", "--yes"]).expect_exit(0);
    assert_eq!(
        order(&p),
        lines(&["undo-e1", "undo-e2", "undo-c shop v2", "undo-b"])
    );
}

#[test]
fn rollback_to_a_step_that_did_not_run_is_a_usage_error() {
    let p = Test::new().runbook("graph", GRAPH);
    p.invoke(&["run", "graph", "--yes"]).expect_exit(0);
    order(&p);
    p.invoke(&["rollback", "--to", "nope", "--yes"])
        .expect_exit(2)
        .expect_stderr_contains("step `nope` did not run in this run");
    assert!(order(&p).is_empty());
}

#[test]
fn a_second_rollback_goes_back_one_more_checkpoint() {
    let p = Test::new().runbook("graph", GRAPH);
    p.invoke(&["run", "graph", "--yes"]).expect_exit(0);
    order(&p);
    p.invoke(&["rollback", "--yes"]).expect_exit(0);
    assert_eq!(order(&p), lines(&["undo-e1", "undo-e2", "undo-c shop v2"]));
    p.invoke(&["rollback", "--yes"]).expect_exit(0);
    assert_eq!(order(&p), lines(&["undo-b", "undo-a"]));
    assert_eq!(only_run(&p).1, "rolled-back");
    p.invoke(&["rollback", "--yes"])
        .expect_exit(0)
        .expect_stderr_contains("nothing to roll back");
}

#[test]
fn a_partial_rollback_leaves_the_run_resumable_and_resume_reruns_the_undone_steps() {
    let p = Test::new().runbook("graph", GRAPH);
    p.invoke(&["run", "graph", "--yes"]).expect_exit(0);
    order(&p);
    p.invoke(&["rollback", "--yes"])
        .expect_exit(0)
        .expect_stderr_contains("runbook resume");
    assert_eq!(order(&p), lines(&["undo-e1", "undo-e2", "undo-c shop v2"]));
    let (id, state) = only_run(&p);
    assert_ne!(
        state, "succeeded",
        "a partly undone run is no longer succeeded"
    );
    p.invoke(&["resume", &id, "--yes"]).expect_exit(0);
    assert_eq!(order(&p), lines(&["do-c", "do-d", "do-e"]));
    assert_eq!(only_run(&p).1, "succeeded");
}

#[test]
fn a_complete_rollback_ends_the_run_and_run_starts_fresh() {
    let p = Test::new().runbook("flaky", FLAKY_UNDO);
    p.invoke(&["run", "flaky", "--yes"]).expect_exit(0);
    order(&p);
    p.invoke(&["rollback", "--yes"])
        .expect_exit(0)
        .expect_stderr_contains("runbook run flaky");
    assert_eq!(
        order(&p),
        lines(&["undo-c", "undo-b1", "undo-b2", "undo-a"])
    );
    let (id, state) = only_run(&p);
    assert_eq!(state, "rolled-back");
    p.invoke(&["resume", &id, "--yes"])
        .expect_exit(2)
        .expect_stderr_contains("already ended (rolled-back)");

    p.invoke(&["run", "flaky", "--yes"]).expect_exit(0);
    assert_eq!(order(&p), lines(&["do-a", "do-b", "do-c"]));
    let runs = runs(&p);
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(
        runs.iter().filter(|(_, s)| s == "succeeded").count(),
        1,
        "{runs:?}"
    );
}

#[test]
fn without_a_terminal_rollback_needs_yes() {
    let p = Test::new().runbook("graph", GRAPH);
    p.invoke(&["run", "graph", "--yes"]).expect_exit(0);
    order(&p);
    p.invoke(&["rollback"])
        .expect_exit(2)
        .expect_stderr_contains("no terminal")
        .expect_stderr_contains("--yes");
    assert!(order(&p).is_empty());
    assert_eq!(only_run(&p).1, "succeeded");
}

#[test]
fn rolls_back_a_failed_run() {
    let p = Test::new().runbook("flaky", &FLAKY_UNDO.replace("echo do-c >> order", "exit 1"));
    p.invoke(&["run", "flaky", "--yes"]).expect_exit(1);
    order(&p);
    // The failed step's command began, so its undo runs too (undo commands are idempotent).
    p.invoke(&["rollback", "--yes"])
        .expect_exit(0)
        .expect_stderr_contains("1. c: $ echo undo-c");
    assert_eq!(
        order(&p),
        lines(&["undo-c", "undo-b1", "undo-b2", "undo-a"])
    );
    assert_eq!(only_run(&p).1, "rolled-back");
}

#[test]
fn show_lists_each_steps_undo() {
    let p = Test::new().runbook("graph", GRAPH);
    let out = p.invoke(&["show", "graph", "--var", "app=web shop"]);
    let stdout = &out.stdout;
    assert!(out.status == 0, "{stdout}");
    assert!(
        stdout.contains("undo: $ echo undo-c 'web shop'"),
        "{stdout}"
    );
    assert!(
        stdout.contains("undo: $ echo undo-e1 >> order")
            && stdout.contains("undo: $ echo undo-e2 >> order"),
        "{stdout}"
    );
    assert!(stdout.contains("undo: none"), "{stdout}");
}
