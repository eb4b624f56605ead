//! `runbook test` on what a scenario does to the steps it runs: `poll_interval` replacing a
//! polled check's interval, a rollback back to the checkpoint before judging, a temporary
//! directory of its own per scenario, and a confirmed manual step answered yes and no.

use crate::support::Test;

/// `poll-interval` replaces a check's `interval`: a verify that polls hourly passes on its
/// third try within the scenario's timeout, and `check` locates a duration it cannot read.
#[test]
fn poll_interval_replaces_the_interval_of_a_polled_check() {
    let runbook = r#"[runbook]
title = "Polled"

[[step]]
id = "wait"
title = "Wait for the rollout"
run = "true"

[[step.verify]]
run = "kubectl rollout status deploy/web"
attempts = 3
interval = "1h"
"#;
    let scenario = |interval: &str| {
        format!(
            r#"[[scenario]]
name = "ready on the third poll"
timeout = 30
poll-interval = "{interval}"

[[scenario.double]]
program = "kubectl"
exit = 1
then = [{{ exit = 1 }}, {{ stdout = "successfully rolled out\n" }}]

[scenario.expect]
state = "succeeded"
output = 'next in 0ms'
calls = ["kubectl rollout *", "kubectl rollout *", "kubectl rollout *"]
"#
        )
    };
    let project = |interval: &str| {
        Test::new()
            .runbook("polled", runbook)
            .file("runbooks/polled.test.toml", scenario(interval))
    };
    project("0s")
        .args(["test"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("test polled :: ready on the third poll ... ok");
    project("soon")
        .invoke(&["check"])
        .expect_exit(3)
        .expect_diagnostic(
            "invalid duration: expected a number at `soon`",
            "runbooks/polled.test.toml:4:17",
        );
}

/// `rollback = true` runs `runbook rollback --yes` after the run: the journal is judged
/// after the undo, and the undo's calls are seen; without it the run only stopped.
#[test]
fn rollback_undoes_the_run_back_to_its_checkpoint_before_judging() {
    let runbook = r#"[runbook]
title = "Undo"

[[step]]
id = "first"
title = "First change"
run = "kubectl apply -f first.yaml"
checkpoint = true

[[step]]
id = "second"
title = "Second change"
run = "kubectl apply -f second.yaml"

[[step.rollback]]
run = "kubectl delete -f second.yaml"

[[step]]
id = "check"
title = "Check"
run = "kubectl get pods"
"#;
    let scenario = |rollback: bool| {
        format!(
            r#"[[scenario]]
name = "undone to the first change"
rollback = {rollback}

[[scenario.double]]
program = "kubectl"
args = "get pods"
exit = 1

[[scenario.double]]
program = "kubectl"

[scenario.expect]
state = "rolled-back"
exit = 1
steps = {{ first = "succeeded", second = "rolled-back" }}
calls = ["kubectl apply -f second.yaml", "kubectl get pods", "kubectl delete -f second.yaml"]
never = ["kubectl delete -f first.yaml"]
"#
        )
    };
    let project = |rollback: bool| {
        Test::new()
            .runbook("undo", runbook)
            .file("runbooks/undo.test.toml", scenario(rollback))
    };
    project(true)
        .args(["test"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("test undo :: undone to the first change ... ok");
    project(false)
        .args(["test"])
        .run()
        .expect_exit(1)
        .expect_stdout_contains("run state:\n  expected: rolled-back\n  actual:   failed");
}

/// A scenario's `TMPDIR` is its own: runbooks keep scratch files under
/// `${TMPDIR:-/tmp}/runbook-<run id>`, and run ids of parallel scenarios can be equal.
#[test]
fn each_scenario_has_its_own_tmpdir() {
    let runbook = r#"[runbook]
title = "Scratch"

[[step]]
id = "scratch"
title = "Scratch"
run = "printf 'TMPDIR=%s\n' \"$TMPDIR\"; test -d \"$TMPDIR\""
"#;
    let scenario = r#"[[scenario]]
name = "scratch space"

[scenario.expect]
output = 'TMPDIR=\S*runbook-test-\d+-\d+/tmp'
"#;
    Test::new()
        .runbook("scratch", runbook)
        .file("runbooks/scratch.test.toml", scenario)
        .args(["test"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("test scratch :: scratch space ... ok");
}

/// A manual step with `confirm = true` asks first: `no` is an answer for it (declining
/// aborts the run before its instructions are shown).
#[test]
fn a_confirmed_manual_step_takes_yes_and_no() {
    let runbook = r#"[runbook]
title = "Handover"

[[step]]
id = "handover"
title = "Hand over"
manual = "Add the new manager."
confirm = true

[[step]]
id = "apply"
title = "Apply"
run = "kubectl apply -f manager.yaml"
"#;
    let scenario = r#"[[scenario]]
name = "declined"
mode = "auto"
answers = { handover = "no" }

[[scenario.double]]
program = "kubectl"

[scenario.expect]
state = "aborted"
never = ["kubectl *"]
"#;
    Test::new()
        .runbook("handover", runbook)
        .file("runbooks/handover.test.toml", scenario)
        .args(["test"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("test handover :: declined ... ok");
}
