//! The interactive walk through a real pseudo-terminal (rexpect): default choices, skip,
//! abort then resume, failure then retry, a confirmation refused by default, Ctrl-C during
//! a command, and a non-terminal run that prints no escape codes.

use std::path::Path;
use std::process::Command;

use rexpect::session::PtySession;

use crate::support::{DOWN, ENTER, Test, log_json, pty_exit_code, pty_expect, pty_send, wait_for};

const WALK: &str = r#"
[runbook]
title = "Walk"

[[step]]
id = "first"
title = "First step"
description = "Writes **one** line."
run = "echo first >> trail"

[[step]]
id = "pick"
ask = "Which colour?"
into = "colour"
choices = ["blue", "green"]
default = "green"

[[step]]
id = "second"
title = "Second step"
run = "echo second-{{ colour }} >> trail"
confirm = true
"#;

fn trail(project: &Path) -> String {
    std::fs::read_to_string(project.join("trail")).unwrap_or_default()
}

/// Runs `walk`, takes the first step and the default colour, then aborts at the second
/// step's offer (the menu's fourth item).
fn abort_at_the_second_step(test: &Test) -> PtySession {
    let mut s = test.pty(&["run", "walk"]);
    pty_expect(&mut s, "run this step?");
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "Which colour?");
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "run this step?");
    pty_send(&mut s, &format!("{DOWN}{DOWN}{DOWN}{ENTER}"));
    s
}

/// At the second step's offer: runs it, confirms with `y`, and the walk succeeds.
fn confirm_the_second_step(mut s: PtySession) {
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "asks for confirmation");
    pty_send(&mut s, "y");
    pty_expect(&mut s, "walk: succeeded");
    assert_eq!(pty_exit_code(s), 0);
}

#[test]
fn full_walk_with_default_choices() {
    let test = Test::new().runbook("walk", WALK);
    let mut s = test.pty(&["run", "walk"]);
    pty_expect(&mut s, "[1/3] First step");
    pty_expect(&mut s, "Writes one line.");
    pty_expect(&mut s, "run this step?");
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "Which colour?");
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "run this step?");
    confirm_the_second_step(s);
    assert_eq!(trail(test.path()), "first\nsecond-green\n");
}

#[test]
fn skip_then_a_refused_confirmation_aborts_resumably() {
    let test = Test::new().runbook("walk", WALK);
    let mut s = test.pty(&["run", "walk"]);
    pty_expect(&mut s, "run this step?");
    pty_send(&mut s, &format!("{DOWN}{ENTER}"));
    pty_expect(&mut s, "skipped by the operator");
    pty_expect(&mut s, "Which colour?");
    pty_send(&mut s, &format!("{DOWN}{ENTER}"));
    pty_expect(&mut s, "run this step?");
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "asks for confirmation");
    // The default of a confirmation is no.
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "aborted");
    assert_eq!(pty_exit_code(s), 1);
    assert_eq!(
        trail(test.path()),
        "",
        "neither the skipped nor the refused step ran"
    );
}

#[test]
fn abort_then_resume_continues_where_it_stopped() {
    let test = Test::new().runbook("walk", WALK);
    let mut s = abort_at_the_second_step(&test);
    pty_expect(&mut s, "runbook resume");
    assert_eq!(pty_exit_code(s), 1);
    assert_eq!(trail(test.path()), "first\n");

    let mut s = test.pty(&["resume"]);
    pty_expect(&mut s, "resuming: 2 steps already done");
    pty_expect(&mut s, "done in an earlier session");
    pty_expect(&mut s, "[3/3] Second step");
    confirm_the_second_step(s);
    assert_eq!(
        trail(test.path()),
        "first\nsecond-green\n",
        "the first step did not run again"
    );
}

#[test]
fn a_failure_offers_the_menu_and_retry_runs_the_step_again() {
    let flaky = r#"
[runbook]
title = "Flaky"

[[step]]
id = "flaky"
run = "echo try >> trail; if [ -f ok ]; then echo fine; else touch ok; echo 'boom: 502' >&2; exit 1; fi"
"#;
    let test = Test::new().runbook("flaky", flaky);
    let mut s = test.pty(&["run", "flaky"]);
    pty_expect(&mut s, "run this step?");
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "boom: 502");
    pty_expect(&mut s, "`flaky` failed. what now?");
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "flaky: succeeded");
    assert_eq!(pty_exit_code(s), 0);
    assert_eq!(trail(test.path()), "try\ntry\n");
}

#[test]
fn ctrl_c_interrupts_the_command_then_a_second_one_ends_the_run() {
    let slow = r#"
[runbook]
title = "Slow"

[[step]]
id = "slow"
run = "echo $$ > pid; touch started; sleep 30"
"#;
    let test = Test::new().runbook("slow", slow);
    let mut s = test.pty(&["run", "slow", "--auto"]);
    pty_expect(&mut s, "running slow");
    wait_for(&test.path().join("started"));
    pty_send(&mut s, "\x03");
    pty_expect(&mut s, "what now?");
    let pid = std::fs::read_to_string(test.path().join("pid")).expect("pid file");
    let alive = Command::new("kill")
        .args(["-0", pid.trim()])
        .status()
        .expect("run kill")
        .success();
    assert!(!alive, "the command's process group was stopped");
    pty_send(&mut s, "\x03");
    assert_eq!(pty_exit_code(s), 130);
    assert!(log_json(&test).iter().any(|r| r["type"] == "interrupted"));
}

#[test]
fn without_a_terminal_output_has_no_escape_codes() {
    let output = Test::new()
        .runbook("walk", WALK)
        .color()
        .args(["run", "walk", "--yes", "--allow-destructive"])
        .run();
    output.expect_exit(0);
    let all = format!("{}{}", output.stdout, output.stderr);
    assert!(!all.contains('\x1b'), "no escape codes: {all}");
    assert!(all.contains("[1/3] First step"));
}

#[test]
fn without_a_terminal_and_without_yes_or_auto_it_fails_at_once() {
    let output = Test::new()
        .runbook("walk", WALK)
        .args(["run", "walk"])
        .run();
    output.expect_exit(2);
    assert!(output.stderr.contains("hint: pass `--yes`"));
    assert!(
        !output.path().join(".runbook/runs").exists(),
        "nothing started"
    );
}

#[test]
fn a_manual_step_shows_its_instructions_and_skip_goes_on() {
    let manual = r#"
[runbook]
title = "Manual"

[[step]]
id = "look"
title = "Look at the dashboard"
manual = "Open **Grafana** and check the `error rate`."

[[step]]
id = "after"
run = "echo after >> trail"
"#;
    let test = Test::new().runbook("manual", manual);
    let mut s = test.pty(&["run", "manual", "--auto"]);
    pty_expect(&mut s, "Open Grafana and check the error rate.");
    pty_expect(&mut s, "when you have done this:");
    pty_send(&mut s, &format!("{DOWN}{ENTER}"));
    pty_expect(&mut s, "look skipped: skipped by the operator");
    pty_expect(&mut s, "manual: succeeded");
    assert_eq!(pty_exit_code(s), 0);
    assert_eq!(
        trail(test.path()),
        "after\n",
        "the walk went on after the skip"
    );
}

#[test]
fn run_offers_an_unfinished_run_for_resume() {
    let test = Test::new().runbook("walk", WALK);
    let s = abort_at_the_second_step(&test);
    assert_eq!(pty_exit_code(s), 1);

    let mut s = test.pty(&["run", "walk"]);
    pty_expect(&mut s, "is unfinished (aborted). what now?");
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "resuming: 2 steps already done");
    pty_expect(&mut s, "[3/3] Second step");
    confirm_the_second_step(s);
    assert_eq!(trail(test.path()), "first\nsecond-green\n");
    let runs = std::fs::read_dir(test.path().join(".runbook/runs"))
        .unwrap()
        .count();
    assert_eq!(runs, 1, "the same run was resumed");
}

const CAPTURES: &str = r#"
[runbook]
title = "Captures"

[[step]]
id = "read-config"
run = "echo 7"
capture = "config_version"

[[step]]
id = "use"
run = "echo v{{ config_version }} >> trail"
"#;

#[test]
fn skipping_a_step_whose_capture_is_read_later_says_so_and_resume_from_runs_it() {
    let test = Test::new().runbook("cap", CAPTURES);
    let mut s = test.pty(&["run", "cap"]);
    pty_expect(&mut s, "run this step?");
    pty_send(&mut s, &format!("{DOWN}{ENTER}"));
    pty_expect(
        &mut s,
        "`read-config` sets `config_version`, which `use` reads",
    );
    pty_expect(&mut s, "runbook resume --from read-config");
    pty_expect(&mut s, "run this step?");
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "what now?");
    pty_send(&mut s, &format!("{DOWN}{DOWN}{DOWN}{DOWN}{ENTER}"));
    assert_eq!(pty_exit_code(s), 1);
    assert_eq!(trail(test.path()), "");

    let resumed = test.invoke(&["resume", "--yes", "--from", "read-config"]);
    resumed.expect_exit(0);
    assert_eq!(trail(test.path()), "v7\n");
}

#[test]
fn a_failed_reverify_offers_rerun_keep_or_abort() {
    let drift = r#"
[runbook]
title = "Drift"

[[step]]
id = "first"
run = "echo run >> trail; touch applied"

[[step.verify]]
run = "test -f applied"

[[step]]
id = "second"
run = "test -f fixed"
"#;
    let test = Test::new().runbook("drift", drift);
    test.invoke(&["run", "drift", "--yes"]).expect_exit(1);
    std::fs::remove_file(test.path().join("applied")).unwrap();
    std::fs::write(test.path().join("fixed"), "").unwrap();
    let mut s = test.pty(&["resume", "--auto"]);
    pty_expect(&mut s, "its verify fails now. what now?");
    pty_send(&mut s, &format!("{DOWN}{ENTER}"));
    pty_expect(&mut s, "drift: succeeded");
    assert_eq!(pty_exit_code(s), 0);
    assert_eq!(trail(test.path()), "run\n", "kept as done, not run again");
    assert!(
        log_json(&test)
            .iter()
            .any(|r| r["type"] == "decision" && r["choice"] == "reverify-keep")
    );
}

/// On a terminal a dry run offers nothing and asks nothing (no step offer, no ask, no
/// manual step, no confirmation): it prints the plan and ends with exit 0 without a key.
#[test]
fn a_dry_run_on_a_terminal_never_prompts() {
    let manual = "\n[[step]]\nid = \"hand\"\nmanual = \"Press the button.\"\n";
    let test = Test::new().runbook("walk", &format!("{WALK}{manual}"));
    let mut s = test.pty(&["run", "walk", "--dry-run"]);
    pty_expect(&mut s, "[1/4] First step");
    pty_expect(&mut s, "Which colour?");
    pty_expect(&mut s, "Press the button.");
    pty_expect(&mut s, "walk: dry run finished: nothing was executed");
    assert_eq!(pty_exit_code(s), 0);
    assert_eq!(trail(test.path()), "", "a dry run runs nothing");
}
