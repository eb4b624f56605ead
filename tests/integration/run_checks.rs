//! `runbook run` judging its steps: verify polling and its attempts, expected exit codes and
//! output, preconditions of the runbook and of a step, `on_failure = "continue"` and retries.
//! Not the step kinds (run_steps.rs) nor variables (run_vars.rs).

use crate::support::{
    count, journal, log_json, outcome, passes_on_call, project, records, run_ids,
};

#[test]
fn verify_passes_on_the_third_poll() {
    let t = project(&format!(
        r#"
[runbook]
title = "Poll"

[[step]]
id = "deploy"
run = "echo ran >> deploy.calls"

[[step.verify]]
name = "rolled out"
run = "{}"
attempts = 5
interval = "100ms"
"#,
        passes_on_call("verify.calls", 3)
    ));
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(count(t.path(), "deploy.calls"), 1);
    assert_eq!(count(t.path(), "verify.calls"), 3);
    let log = log_json(&t);
    let checks: Vec<_> = records(&log, "check", "deploy");
    assert_eq!(checks.len(), 3, "{checks:#?}");
    for (i, check) in checks.iter().enumerate() {
        assert_eq!(check["phase"], "verify");
        assert_eq!(check["name"], "rolled out");
        assert_eq!(check["attempt"], i + 1);
        assert_eq!(check["passed"], i == 2);
    }
    assert_eq!(outcome(&log, "deploy"), "succeeded");
    assert_eq!(log.last().unwrap()["type"], "run-finished");
    assert_eq!(log.last().unwrap()["state"], "succeeded");
}

#[test]
fn verify_that_never_passes_fails_the_step_after_its_attempts() {
    let t = project(
        r#"
[runbook]
title = "Poll"

[[step]]
id = "deploy"
run = "true"

[[step.verify]]
run = "echo try >> verify.calls; false"
attempts = 3
interval = "100ms"
message = "look at the pods"

[[step]]
id = "after"
run = "touch after"
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("look at the pods");
    assert_eq!(count(t.path(), "verify.calls"), 3);
    assert!(!t.path().join("after").exists());
    let j = journal(t.path());
    assert_eq!(outcome(&j, "deploy"), "failed");
    assert_eq!(j.last().unwrap()["state"], "failed");
}

#[test]
fn expect_exit_expect_stdout_and_reject_stdout() {
    let t = project(
        r#"
[runbook]
title = "Checks"

[vars.name]
default = "a.b"

[[step]]
id = "good"
run = "true"

[[step.verify]]
run = "exit 3"
expect-exit = 3

[[step.verify]]
run = "printf 'x\nstatus: Ready\n'"
expect-stdout = '^status: Ready$'

[[step.verify]]
run = "echo fine"
reject-stdout = "error"

[[step.verify]]
name = "value matches literally"
run = "echo a.b"
expect-stdout = '^{{ name }}$'

[[step]]
id = "bad-exit"
on-failure = "continue"
run = "true"

[[step.verify]]
run = "exit 0"
expect-exit = 2

[[step]]
id = "bad-stdout"
needs = []
on-failure = "continue"
run = "true"

[[step.verify]]
run = "echo status: Failed"
expect-stdout = "Ready"

[[step]]
id = "rejected"
needs = []
on-failure = "continue"
run = "true"

[[step.verify]]
run = "echo an error happened"
reject-stdout = "error"

[[step]]
id = "not-literal"
needs = []
on-failure = "continue"
run = "true"

[[step.verify]]
run = "echo axb"
expect-stdout = '^{{ name }}$'
"#,
    );
    let ran = t.invoke(&["run", "rb", "--yes"]);
    let j = journal(t.path());
    assert_eq!(outcome(&j, "good"), "succeeded", "{}", ran.report());
    for step in ["bad-exit", "bad-stdout", "rejected", "not-literal"] {
        assert_eq!(outcome(&j, step), "failed", "{step}\n{}", ran.report());
    }
    let reason = |step: &str| {
        records(&j, "step-finished", step)[0]["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        reason("bad-exit").contains("exit code 0, expected 2"),
        "{}",
        reason("bad-exit")
    );
    assert!(
        reason("bad-stdout").contains("does not match"),
        "{}",
        reason("bad-stdout")
    );
    assert!(
        reason("rejected").contains("rejected pattern"),
        "{}",
        reason("rejected")
    );
}

#[test]
fn runbook_precondition_failing_runs_nothing() {
    let t = project(
        r#"
[runbook]
title = "Pre"

[[precondition]]
name = "cluster reachable"
run = "echo pre >> pre.calls; false"
message = "connect the VPN"

[[step]]
id = "one"
run = "touch one"
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("cluster reachable")
        .expect_stderr_contains("connect the VPN");
    assert!(!t.path().join("one").exists());
    assert_eq!(count(t.path(), "pre.calls"), 1);
    let j = journal(t.path());
    assert!(j.iter().all(|r| r["type"] != "step-started"), "{j:#?}");
    let checks: Vec<_> = j.iter().filter(|r| r["type"] == "check").collect();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0]["phase"], "runbook-precondition");
    assert_eq!(checks[0]["passed"], false);
}

#[test]
fn step_precondition_blocks_the_step() {
    let t = project(
        r#"
[runbook]
title = "Pre"

[[step]]
id = "first"
run = "touch first"

[[step]]
id = "guarded"
run = "touch guarded"

[[step.precondition]]
run = "test -f missing"
message = "HelmRelease not found"
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("HelmRelease not found");
    assert!(t.path().join("first").exists());
    assert!(!t.path().join("guarded").exists());
    let j = journal(t.path());
    assert!(
        records(&j, "step-started", "guarded").is_empty(),
        "a blocked step never starts"
    );
    assert_eq!(outcome(&j, "guarded"), "failed");
    assert_eq!(records(&j, "check", "guarded")[0]["phase"], "precondition");
}

#[test]
fn on_failure_continue_skips_steps_that_need_the_failed_one() {
    let t = project(
        r#"
[runbook]
title = "Continue"

[[step]]
id = "broken"
run = "exit 7"
on-failure = "continue"

[[step]]
id = "dependent"
run = "touch dependent"

[[step]]
id = "independent"
needs = []
run = "touch independent"
"#,
    );
    let ran = t.invoke(&["run", "rb", "--yes"]);
    // The walk goes on, but a run with a failed step does not end `succeeded`.
    ran.expect_exit(1)
        .expect_stderr_contains("the run went on (`on-failure = \"continue\"`): `broken`");
    assert!(!t.path().join("dependent").exists(), "{}", ran.report());
    assert!(t.path().join("independent").exists(), "{}", ran.report());
    let j = journal(t.path());
    assert_eq!(outcome(&j, "broken"), "failed");
    assert_eq!(records(&j, "step-finished", "broken")[0]["exit-code"], 7);
    assert_eq!(outcome(&j, "dependent"), "skipped");
    assert!(
        records(&j, "step-finished", "dependent")[0]["reason"]
            .as_str()
            .unwrap()
            .contains("broken")
    );
    assert_eq!(outcome(&j, "independent"), "succeeded");
}

#[test]
fn retry_runs_the_command_until_it_passes() {
    let t = project(&format!(
        r#"
[runbook]
title = "Retry"

[[step]]
id = "flaky"
run = "{}"
retry = {{ attempts = 4, delay = "100ms" }}
"#,
        passes_on_call("tries", 3)
    ));
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(count(t.path(), "tries"), 3);
    let j = journal(t.path());
    assert_eq!(outcome(&j, "flaky"), "succeeded");
    assert_eq!(records(&j, "step-finished", "flaky")[0]["attempts"], 3);
    let logs = t
        .path()
        .join(".runbook/runs")
        .join(&run_ids(t.path())[0])
        .join("logs");
    let mut names: Vec<String> = std::fs::read_dir(logs)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The failing tries keep a log; the third succeeded silently, which leaves none.
    assert_eq!(names, ["flaky.1.log", "flaky.2.log"]);
}

#[test]
fn retry_gives_up_after_its_attempts() {
    let t = project(
        r#"
[runbook]
title = "Retry"

[[step]]
id = "broken"
run = "echo try >> tries; exit 3"
retry = { attempts = 3, delay = "100ms" }
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("after 3 attempts");
    assert_eq!(count(t.path(), "tries"), 3);
    // The failure is journaled with its tries, as a success is.
    let j = journal(t.path());
    assert_eq!(records(&j, "step-finished", "broken")[0]["attempts"], 3);

    // Resumed, it gets its retries again; no earlier log is lost.
    t.invoke(&["resume", "--yes"]).expect_exit(1);
    assert_eq!(count(t.path(), "tries"), 6);
    let logs = t
        .path()
        .join(".runbook/runs")
        .join(&run_ids(t.path())[0])
        .join("logs");
    let commands: usize = std::fs::read_dir(logs)
        .unwrap()
        .flatten()
        .map(|e| {
            std::fs::read_to_string(e.path())
                .unwrap()
                .matches("$ echo try")
                .count()
        })
        .sum();
    assert_eq!(commands, 6, "every try keeps its log");
}
