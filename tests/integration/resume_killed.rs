//! Resuming a run whose `runbook` was killed mid-step (SIGKILL, no journal record of the
//! end): a step whose verify then passes counts as done, an idempotent one runs again, any
//! other waits for the operator's decision; SIGTERM is an interruption like Ctrl-C.

use crate::support::{
    Test, count, journal, kill_leftover, log_json, outcome, project, read, records, runs_json,
    wait_for,
};

/// A step that records its pid (its process group), touches `marker` and then sleeps,
/// unless `fast` exists.
fn killable(extra: &str) -> String {
    format!(
        r#"
[runbook]
title = "Killed"

[[step]]
id = "before"
run = "echo run >> before.calls"

[[step]]
id = "apply"
run = "echo run >> apply.calls; echo $$ > apply.pid; touch marker; test -f fast || sleep 30"
{extra}

[[step]]
id = "after"
run = "echo run >> after.calls"
"#
    )
}

/// Starts a run, waits until the step is inside its command, then kills the binary with
/// SIGKILL (and the orphaned command's group, as a machine crash would).
fn run_and_kill(t: &Test) {
    let mut child = t.spawn(&["run", "rb", "--yes"]);
    child.wait_for(&t.path().join("marker"));
    child.kill();
    let ran = child.finish();
    assert_eq!(ran.status, -1, "killed by a signal\n{}", ran.report());
    wait_for(&t.path().join("apply.pid"));
    let pgid = read(t.path(), "apply.pid");
    kill_leftover(&format!("-{}", pgid.trim()));
    let j = journal(t.path());
    assert_eq!(
        records(&j, "step-started", "apply").len(),
        1,
        "the intent was on disk before the command ran"
    );
    assert!(records(&j, "step-finished", "apply").is_empty());
    assert_eq!(log_json(t).len(), j.len());
    let runs = runs_json(t);
    assert_eq!(runs[0]["state"], "stopped");
    assert_eq!(runs[0]["step"], "apply");
}

#[test]
fn killed_mid_step_then_verify_passes_counts_as_done() {
    let t = project(&killable("\n[[step.verify]]\nrun = \"test -f marker\"\n"));
    run_and_kill(&t);
    t.invoke(&["resume", "--yes"])
        .expect_exit(0)
        .expect_stderr_contains("no recorded outcome");
    assert_eq!(
        count(t.path(), "apply.calls"),
        1,
        "a verified unknown step is not run again"
    );
    assert_eq!(count(t.path(), "before.calls"), 1);
    assert_eq!(count(t.path(), "after.calls"), 1);
    let j = journal(t.path());
    assert_eq!(outcome(&j, "apply"), "succeeded");
    assert!(
        records(&j, "step-finished", "apply")[0]["reason"]
            .as_str()
            .unwrap()
            .contains("verified")
    );
}

#[test]
fn killed_mid_idempotent_step_runs_it_again() {
    // Its verify looks first and does not pass yet (one call so far), so `idempotent`
    // decides: the step runs again, and then its verify passes.
    let t = project(&killable(
        "idempotent = true\n\n[[step.verify]]\nrun = \"test $(wc -l < apply.calls) -ge 2\"\n",
    ));
    run_and_kill(&t);
    std::fs::write(t.path().join("fast"), "").unwrap();
    t.invoke(&["resume", "--yes"]).expect_exit(0);
    assert_eq!(
        count(t.path(), "apply.calls"),
        2,
        "an idempotent unknown step runs again"
    );
    assert_eq!(count(t.path(), "before.calls"), 1);
    assert_eq!(count(t.path(), "after.calls"), 1);
    let j = journal(t.path());
    let starts = records(&j, "step-started", "apply");
    assert_eq!(starts.len(), 2);
    assert_eq!(starts[1]["attempt"], 2);
    let verify: Vec<bool> = records(&j, "check", "apply")
        .iter()
        .map(|c| c["passed"].as_bool().unwrap())
        .collect();
    assert_eq!(
        verify,
        [false, true],
        "verify first (fails), then after the re-run (passes)"
    );
    assert_eq!(outcome(&j, "apply"), "succeeded");
}

#[test]
fn killed_mid_step_without_verify_or_idempotent_waits_for_a_decision() {
    let t = project(&killable(""));
    run_and_kill(&t);
    std::fs::write(t.path().join("fast"), "").unwrap();
    let ran = t.invoke(&["resume", "--yes"]);
    ran.expect_exit(4)
        .expect_stderr_contains("`apply`")
        .expect_stderr_contains("outcome is unknown")
        .expect_stderr_contains("idempotent");
    assert_eq!(
        count(t.path(), "apply.calls"),
        1,
        "an unknown step is never silently re-run"
    );
    assert_eq!(count(t.path(), "after.calls"), 0);
    let j = journal(t.path());
    assert!(
        records(&j, "step-finished", "apply").is_empty(),
        "nor silently marked done or failed"
    );
    // Still resumable: the operator decides later.
    t.invoke(&["resume", "--auto"]).expect_exit(4);
}

#[test]
fn sigterm_mid_step_is_an_interruption_like_ctrl_c() {
    let t = project(&killable("idempotent = true\n"));
    let mut child = t.spawn(&["run", "rb", "--yes"]);
    child.wait_for(&t.path().join("marker"));
    child.signal("TERM");
    child.finish().expect_exit(130);
    std::fs::write(t.path().join("fast"), "").unwrap();
    t.invoke(&["resume", "--yes"]).expect_exit(0);
    assert_eq!(count(t.path(), "apply.calls"), 2);
}
