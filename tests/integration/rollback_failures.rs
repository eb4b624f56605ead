//! Rollbacks that go wrong and how they continue: a failing undo command stops the rollback
//! and a second one continues, `resume` refuses meanwhile, a rollback killed mid-undo goes
//! on from that step, and `on_failure = "rollback"` (and its own failure) after a failed
//! step.

use std::fs;

use crate::support::rollback::{FLAKY_UNDO, lines, only_run, order, rollback_steps, touch};
use crate::support::{Test, kill_leftover, run_journal};

#[test]
fn a_failing_undo_command_stops_the_rollback_and_a_second_rollback_continues() {
    let p = Test::new().runbook("flaky", FLAKY_UNDO);
    p.invoke(&["run", "flaky", "--yes"]).expect_exit(0);
    order(&p);
    touch(&p, "broken");
    p.invoke(&["rollback", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("cannot reach the cluster")
        .expect_stderr_contains("exit code 3")
        .expect_stderr_contains("runbook rollback");
    assert_eq!(order(&p), lines(&["undo-c", "undo-b1", "undo-b2"]));
    let (id, state) = only_run(&p);
    assert_eq!(state, "rollback-failed");

    fs::remove_file(p.path().join("broken")).unwrap();
    p.invoke(&["rollback", "--yes"]).expect_exit(0);
    // `c` is not undone again; `b` runs again from its first undo command.
    assert_eq!(order(&p), lines(&["undo-b1", "undo-b2", "undo-a"]));
    assert_eq!(only_run(&p).1, "rolled-back");
    let finished: Vec<String> = run_journal(p.path(), &id)
        .iter()
        .filter(|r| r["type"] == "rollback-finished")
        .map(|r| {
            format!(
                "{} {}",
                r["state"].as_str().unwrap(),
                r["reason"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(finished.len(), 2, "{finished:?}");
    assert!(
        finished[0].starts_with("rollback-failed `b`:"),
        "{finished:?}"
    );
    assert_eq!(finished[1].trim(), "rolled-back");
}

#[test]
fn resume_refuses_while_a_rollback_is_unfinished() {
    let p = Test::new().runbook("flaky", FLAKY_UNDO);
    p.invoke(&["run", "flaky", "--yes"]).expect_exit(0);
    touch(&p, "broken");
    p.invoke(&["rollback", "--yes"]).expect_exit(1);
    let (id, _) = only_run(&p);
    order(&p);
    p.invoke(&["resume", &id, "--yes"])
        .expect_exit(2)
        .expect_stderr_contains("unfinished rollback")
        .expect_stderr_contains(&format!("runbook rollback {id}"));
    assert!(order(&p).is_empty());
}

#[test]
fn a_rollback_killed_mid_undo_continues_from_that_step() {
    let toml = r#"[runbook]
title = "Crash"

[[step]]
id = "a"
title = "A"
run = "echo do-a >> order"
[[step.rollback]]
run = "echo undo-a >> order"

[[step]]
id = "b"
title = "B"
run = "echo do-b >> order"
[[step.rollback]]
run = "echo undo-b1 >> order"
[[step.rollback]]
run = "echo undo-b2 >> order; if [ ! -f crashed ]; then echo $$ > sleeper.pid; touch crashed; exec sleep 300; fi"

[[step]]
id = "c"
title = "C"
run = "echo do-c >> order"
[[step.rollback]]
run = "echo undo-c >> order"
"#;
    let p = Test::new().runbook("crash", toml);
    p.invoke(&["run", "crash", "--yes"]).expect_exit(0);
    order(&p);

    let mut child = p.spawn(&["rollback", "--yes"]);
    child.wait_for(&p.path().join("crashed"));
    child.kill();
    let sleeper = fs::read_to_string(p.path().join("sleeper.pid")).unwrap_or_default();
    kill_leftover(&sleeper);
    child.finish();

    let (id, state) = only_run(&p);
    assert_eq!(state, "rolling-back");
    assert_eq!(order(&p), lines(&["undo-c", "undo-b1", "undo-b2"]));

    p.invoke(&["rollback", "--yes"])
        .expect_exit(0)
        .expect_stderr_contains("b:")
        .expect_stderr_lacks("c: $");
    assert_eq!(order(&p), lines(&["undo-b1", "undo-b2", "undo-a"]));
    assert_eq!(only_run(&p).1, "rolled-back");
    assert_eq!(
        rollback_steps(&p, &id),
        [
            ("c", "started"),
            ("c", "succeeded"),
            ("b", "started"),
            ("b", "started"),
            ("b", "succeeded"),
            ("a", "started"),
            ("a", "succeeded")
        ]
        .map(|(s, o)| (s.to_string(), o.to_string()))
    );
}

#[test]
fn on_failure_rollback_undoes_back_to_the_checkpoint() {
    let toml = r#"[runbook]
title = "Auto"

[[step]]
id = "a"
title = "A"
run = "echo do-a >> order"
[[step.rollback]]
run = "echo undo-a >> order"

[[step]]
id = "b"
title = "B"
run = "echo do-b >> order"
checkpoint = true
[[step.rollback]]
run = "echo undo-b >> order"

[[step]]
id = "c"
title = "C"
run = "echo do-c >> order"
[[step.rollback]]
run = "echo undo-c >> order"

[[step]]
id = "d"
title = "D"
run = "echo do-d >> order; test -f fixed"
on-failure = "rollback"

[[step]]
id = "e"
title = "E"
run = "echo do-e >> order"
"#;
    let p = Test::new().runbook("auto", toml);
    p.invoke(&["run", "auto", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("rolled back to the last checkpoint");
    assert_eq!(
        order(&p),
        lines(&["do-a", "do-b", "do-c", "do-d", "undo-c"])
    );
    let (id, state) = only_run(&p);
    assert_eq!(state, "failed");
    assert_eq!(
        rollback_steps(&p, &id),
        [("d", "no-undo"), ("c", "started"), ("c", "succeeded")]
            .map(|(s, o)| (s.to_string(), o.to_string()))
    );
    let types: Vec<String> = run_journal(p.path(), &id)
        .iter()
        .map(|r| r["type"].as_str().unwrap().to_string())
        .collect();
    let started = types
        .iter()
        .position(|t| t == "rollback-started")
        .expect("rollback-started");
    let finished = types
        .iter()
        .position(|t| t == "rollback-finished")
        .expect("rollback-finished");
    assert!(
        started < finished && types.last().map(String::as_str) == Some("run-finished"),
        "{types:?}"
    );

    // Fixed: resume re-runs the undone steps from the checkpoint on.
    touch(&p, "fixed");
    p.invoke(&["resume", &id, "--yes"]).expect_exit(0);
    assert_eq!(order(&p), lines(&["do-c", "do-d", "do-e"]));
    assert_eq!(only_run(&p).1, "succeeded");
}

#[test]
fn a_failing_automatic_rollback_says_so() {
    let toml = r#"[runbook]
title = "Auto"

[[step]]
id = "a"
title = "A"
run = "echo do-a >> order"
checkpoint = true

[[step]]
id = "b"
title = "B"
run = "echo do-b >> order"
[[step.rollback]]
run = "echo undo-b >> order; test -f fixed"

[[step]]
id = "c"
title = "C"
run = "false"
on-failure = "rollback"
"#;
    let p = Test::new().runbook("auto", toml);
    let out = p.invoke(&["run", "auto", "--yes"]);
    out.expect_exit(1)
        .expect_stderr_contains("rollback")
        .expect_stderr_lacks("rolled back to the last checkpoint");
    let (id, state) = only_run(&p);
    assert_eq!(state, "rollback-failed");
    touch(&p, "fixed");
    order(&p);
    p.invoke(&["rollback", &id, "--yes"]).expect_exit(0);
    assert_eq!(order(&p), lines(&["undo-b"]));
    assert_eq!(only_run(&p).1, "failed");
}
