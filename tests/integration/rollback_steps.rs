//! What each kind of step gives a rollback: `foreach` items and `call` inner steps undone in
//! reverse, a checkpoint without a command, a checkpoint `call` keeping its inner steps,
//! undo commands that get secrets from the environment again and use their step's capture.

use std::fs;

use crate::support::rollback::{lines, only_run, order, rollback_steps, undone};
use crate::support::{Test, run_journal_path};

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
    let undone = undone(&p, &id);
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
    let undone = undone(&p, &id);
    assert_eq!(undone, lines(&["fix/b", "fix/a", "fix"]));
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
