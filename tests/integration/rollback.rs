//! `runbook rollback` and `on-failure = "rollback"`: the plan, the undo order, the journal,
//! failing and interrupted rollbacks and how they continue. Every command appends to the
//! file `order` in the project, so the order of what ran is observable.

use std::fs;

use crate::support::{Test, kill_leftover, run_journal, run_journal_path, runs_json};

/// The lines appended to `order` since the last call, which empties it.
fn order(p: &Test) -> Vec<String> {
    let path = p.path().join("order");
    let text = fs::read_to_string(&path).unwrap_or_default();
    let _ = fs::remove_file(&path);
    text.lines().map(str::to_string).collect()
}

fn touch(p: &Test, name: &str) {
    fs::write(p.path().join(name), "").expect("create flag file");
}

/// `(id, state)` of every run, oldest first.
#[track_caller]
fn runs(p: &Test) -> Vec<(String, String)> {
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
fn only_run(p: &Test) -> (String, String) {
    let runs = runs(p);
    assert_eq!(runs.len(), 1, "expected one run: {runs:?}");
    runs.into_iter().next().unwrap()
}

/// `(step, outcome)` of every `rollback-step` record of a run.
#[track_caller]
fn rollback_steps(p: &Test, run_id: &str) -> Vec<(String, String)> {
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

fn lines(expected: &[&str]) -> Vec<String> {
    expected.iter().map(|s| (*s).to_string()).collect()
}

/// `a` → `b` (checkpoint, captures `version`) → `c` and `d` (both need `b`) → `e` (needs both). `d` has no undo.
const GRAPH: &str = r#"[runbook]
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

/// `a`, `b` (two undo commands, the second fails while `broken` exists), `c`. No checkpoint.
const FLAKY_UNDO: &str = r#"[runbook]
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

#[test]
fn foreach_items_are_undone_in_reverse() {
    let toml = r#"[runbook]
title = "Loop"

[[step]]
id = "prepare"
title = "Prepare"
run = "echo do-prepare >> order"
checkpoint = true

[[step]]
id = "deploy"
title = "Deploy {{ app }}"
foreach = { var = "app", in = ["a", "b", "c"] }
run = "echo do-{{ app }} >> order"
[[step.rollback]]
run = "echo undo-{{ app }} >> order"
"#;
    let p = Test::new().runbook("loop", toml);
    p.invoke(&["run", "loop", "--yes"]).expect_exit(0);
    order(&p);
    let out = p.invoke(&["rollback", "--yes"]);
    out.expect_exit(0);
    assert!(
        out.stderr_position("deploy[c]") < out.stderr_position("deploy[b]")
            && out.stderr_position("deploy[b]") < out.stderr_position("deploy[a]"),
        "{}",
        out.report()
    );
    assert_eq!(order(&p), lines(&["undo-c", "undo-b", "undo-a"]));
    let (id, _) = only_run(&p);
    let undone: Vec<String> = rollback_steps(&p, &id)
        .into_iter()
        .filter(|(_, o)| o == "succeeded")
        .map(|(s, _)| s)
        .collect();
    assert_eq!(undone, lines(&["deploy[c]", "deploy[b]", "deploy[a]"]));
}

#[test]
fn call_inner_steps_are_undone_in_reverse() {
    let inner = r#"[runbook]
title = "Fix"

[vars.target]
default = "x"

[[step]]
id = "a"
title = "A"
run = "echo do-fix-a {{ target }} >> order"
[[step.rollback]]
run = "echo undo-fix-a {{ target }} >> order"

[[step]]
id = "b"
title = "B"
run = "echo do-fix-b >> order"
[[step.rollback]]
run = "echo undo-fix-b >> order"
"#;
    let outer = r#"[runbook]
title = "Outer"

[[step]]
id = "start"
title = "Start"
run = "echo do-start >> order"
checkpoint = true

[[step]]
id = "fix"
title = "Fix"
call = "fix"
with = { target = "prod" }
[[step.rollback]]
run = "echo undo-fix >> order"
"#;
    let p = Test::new().runbook("fix", inner).runbook("outer", outer);
    p.invoke(&["run", "outer", "--yes"]).expect_exit(0);
    assert_eq!(order(&p), lines(&["do-start", "do-fix-a prod", "do-fix-b"]));
    p.invoke(&["rollback", "--yes"]).expect_exit(0);
    assert_eq!(
        order(&p),
        lines(&["undo-fix-b", "undo-fix-a prod", "undo-fix"])
    );
    let (id, _) = only_run(&p);
    let undone: Vec<String> = rollback_steps(&p, &id)
        .into_iter()
        .filter(|(_, o)| o == "succeeded")
        .map(|(s, _)| s)
        .collect();
    assert_eq!(undone, lines(&["fix/b", "fix/a", "fix"]));
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
fn a_checkpoint_without_a_command_is_a_rollback_point() {
    let toml = r#"[runbook]
title = "Gate checkpoint"

[[step]]
id = "a"
title = "A"
run = "echo do-a >> order"
[[step.rollback]]
run = "echo undo-a >> order"

[[step]]
id = "healthy"
title = "Everything is healthy"
checkpoint = true

[[step]]
id = "b"
title = "B"
run = "echo do-b >> order"
[[step.rollback]]
run = "echo undo-b >> order"
"#;
    let p = Test::new().runbook("gate", toml);
    p.invoke(&["run", "gate", "--yes"]).expect_exit(0);
    order(&p);
    p.invoke(&["rollback", "--yes"]).expect_exit(0);
    assert_eq!(order(&p), lines(&["undo-b"]));
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

const SECRET: &str = r#"[runbook]
title = "Secret"

[vars.token]
secret = true
from-env = "DEPLOY_TOKEN"

[[step]]
id = "login"
title = "Log in"
run = "echo do-login {{ token }} >> order"
[[step.rollback]]
run = "echo undo-login {{ token }} >> order"
"#;

#[test]
fn undo_commands_get_secrets_from_the_environment_again() {
    let p = Test::new().runbook("secret", SECRET);
    let run = |args: &[&str], token: Option<&str>| match token {
        Some(token) => p.invoke_env(args, &[("DEPLOY_TOKEN", token)]),
        None => p.invoke(args),
    };
    run(&["run", "secret", "--yes"], Some("s3cret")).expect_exit(0);
    assert_eq!(order(&p), lines(&["do-login s3cret"]));
    let (id, _) = only_run(&p);
    assert!(
        !fs::read_to_string(run_journal_path(p.path(), &id))
            .unwrap()
            .contains("s3cret"),
        "a secret reached the journal"
    );

    run(&["rollback", "--yes"], None)
        .expect_exit(2)
        .expect_stderr_contains("the undo commands need the secret `token`")
        .expect_stderr_contains("DEPLOY_TOKEN");
    assert!(order(&p).is_empty());
    run(&["rollback", "--yes"], Some("s3cret"))
        .expect_exit(0)
        .expect_stderr_lacks("s3cret");
    assert_eq!(order(&p), lines(&["undo-login s3cret"]));
}

#[test]
fn a_checkpoint_call_keeps_its_inner_steps_and_a_call_needs_no_undo_of_its_own() {
    let inner = r#"[runbook]
title = "Inner"

[[step]]
id = "a"
title = "A"
run = "echo do-inner-a >> order"
[[step.rollback]]
run = "echo undo-inner-a >> order"
"#;
    let outer = r#"[runbook]
title = "Outer"

[[step]]
id = "first"
title = "First"
call = "inner"
checkpoint = true

[[step]]
id = "second"
title = "Second"
call = "inner"
"#;
    let p = Test::new().runbook("inner", inner).runbook("outer", outer);
    p.invoke(&["run", "outer", "--yes"]).expect_exit(0);
    order(&p);
    let out = p.invoke(&["rollback", "--yes"]);
    out.expect_exit(0)
        .expect_stderr_contains("second: no undo")
        .expect_stderr_lacks("`second` cannot be undone");
    assert_eq!(order(&p), lines(&["undo-inner-a"]));
    let (id, _) = only_run(&p);
    let undone: Vec<String> = rollback_steps(&p, &id)
        .into_iter()
        .filter(|(_, o)| o != "started")
        .map(|(s, _)| s)
        .collect();
    assert_eq!(undone, lines(&["second/a", "second"]));
}

#[test]
fn an_undo_command_can_use_its_own_steps_capture() {
    let toml = r#"[runbook]
title = "Own capture"

[[step]]
id = "create"
title = "Create a job"
run = "echo do-create >> order; echo job-42"
capture = "job"
[[step.rollback]]
run = "echo undo-create {{ job }} >> order"
"#;
    let p = Test::new().runbook("own", toml);
    p.invoke(&["run", "own", "--yes"]).expect_exit(0);
    order(&p);
    p.invoke(&["rollback", "--yes"]).expect_exit(0);
    assert_eq!(order(&p), lines(&["undo-create job-42"]));
}
