//! The failure menu through a real pseudo-terminal: its rollback shows the plan and asks
//! first, and never undoes a step whose command did not start; `runbook rollback` follows
//! the same rule.

use crate::support::{DOWN, ENTER, Test, log_json, pty, pty_exit_code, pty_expect, pty_send, read};

/// `b` fails to render (it reads a capture of a step skipped by `when`): its command never
/// starts, so its undo must never run. `base` is the checkpoint to go back to.
const NEVER_STARTED: &str = r#"
[runbook]
title = "Never started"

[[step]]
id = "base"
run = "echo base >> trail"
checkpoint = true
[[step.rollback]]
run = "echo undo-base >> trail"

[[step]]
id = "a"
run = "echo a >> trail"
[[step.rollback]]
run = "echo undo-a >> trail"

[[step]]
id = "probe"
run = "echo x"
capture = "val"
when = "false"

[[step]]
id = "b"
run = "echo b-{{ val }} >> trail"
[[step.rollback]]
run = "echo undo-b >> trail"
"#;

#[test]
fn the_menus_rollback_shows_the_plan_asks_and_a_no_returns_to_the_menu() {
    let test = Test::new().runbook("never", NEVER_STARTED);
    let mut s = test.pty(&["run", "never", "--auto"]);
    pty_expect(&mut s, "`b` failed. what now?");
    pty_send(&mut s, &format!("{DOWN}{DOWN}{ENTER}"));
    pty_expect(&mut s, "rollback plan (newest first):");
    pty_expect(&mut s, "1. a: $ echo undo-a >> trail");
    pty_expect(&mut s, "`b` is not undone: its command never started");
    pty_expect(&mut s, "undo 1 step back to the last checkpoint?");
    assert_eq!(
        read(test.path(), "trail"),
        "base\na\n",
        "nothing undone before the answer"
    );
    pty_send(&mut s, "n");
    pty_expect(&mut s, "`b` failed. what now?");
    assert_eq!(
        read(test.path(), "trail"),
        "base\na\n",
        "a no undoes nothing"
    );
    pty_send(&mut s, &format!("{DOWN}{DOWN}{ENTER}"));
    pty_expect(&mut s, "undo 1 step back to the last checkpoint?");
    pty_send(&mut s, "y");
    pty_expect(&mut s, "undone: a");
    assert_eq!(pty_exit_code(s), 1);
    assert_eq!(
        read(test.path(), "trail"),
        "base\na\nundo-a\n",
        "only `a` is undone: `b` never started and `base` is the checkpoint"
    );
    let choices: Vec<String> = log_json(&test)
        .iter()
        .filter(|r| r["type"] == "decision")
        .map(|r| r["choice"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        choices,
        ["failure-rollback", "declined", "failure-rollback"],
        "the refusal is journaled"
    );
}

#[test]
fn runbook_rollback_leaves_out_a_step_whose_command_never_started() {
    let test = Test::new().runbook("never", NEVER_STARTED);
    test.invoke(&["run", "never", "--yes"]).expect_exit(1);
    let output = test.invoke(&["rollback", "--yes", "--to", "base"]);
    output
        .expect_exit(0)
        .expect_stderr_contains("1. a: $ echo undo-a >> trail")
        .expect_stderr_contains("`b` is not undone: its command never started (cannot render");
    assert_eq!(read(test.path(), "trail"), "base\na\nundo-a\n");
}

/// A failed precondition stops a step before it starts: nothing of it is undone, and the
/// plan says so.
#[test]
fn a_step_whose_precondition_failed_is_not_undone() {
    let toml = r#"
[runbook]
title = "Precondition"

[[step]]
id = "a"
run = "echo a >> trail"
[[step.rollback]]
run = "echo undo-a >> trail"

[[step]]
id = "b"
run = "echo b >> trail"
[[step.precondition]]
run = "false"
[[step.rollback]]
run = "echo undo-b >> trail"
"#;
    let test = Test::new().runbook("pre", toml);
    test.invoke(&["run", "pre", "--yes"]).expect_exit(1);
    test.invoke(&["rollback", "--yes"])
        .expect_exit(0)
        .expect_stderr_contains("`b` is not undone: its command never started (precondition");
    assert_eq!(read(test.path(), "trail"), "a\nundo-a\n");
}

/// The run's streams redirected (`< /dev/null > out.log 2> err.log`) at a terminal: the
/// failure menu's shell reads and writes the operator's terminal (`/dev/tty`), like the
/// menus, not the redirected streams.
#[test]
fn the_menus_shell_uses_the_terminal_when_the_streams_are_redirected() {
    let toml = r#"
[runbook]
title = "Fails"

[[step]]
id = "broken"
run = "exit 3"
"#;
    let test = Test::new().runbook("fails", toml);
    let mut s = pty(test.bash(
        r#"SHELL=sh PS1='inside> ' "$RUNBOOK" run fails --auto </dev/null >out.log 2>err.log; echo "exit=$?""#,
    ));
    pty_expect(&mut s, "`broken` failed. what now?");
    pty_send(&mut s, &format!("{DOWN}{DOWN}{DOWN}{ENTER}"));
    pty_expect(&mut s, "inside> ");
    pty_send(
        &mut s,
        "echo in-shell-$((6*7)) >&2; echo out-$((6*7)); exit\r",
    );
    pty_expect(&mut s, "out-42");
    pty_expect(&mut s, "`broken` failed. what now?");
    pty_send(&mut s, &format!("{DOWN}{DOWN}{DOWN}{DOWN}{ENTER}"));
    pty_expect(&mut s, "exit=1");
    assert_eq!(pty_exit_code(s), 0);
    let logs = format!(
        "{}{}",
        read(test.path(), "out.log"),
        read(test.path(), "err.log")
    );
    assert!(
        !logs.contains("-42"),
        "the shell's output belongs on the terminal, not in the logs:\n{logs}"
    );
    assert!(
        logs.contains("opening `sh`"),
        "the transcript keeps the decision:\n{logs}"
    );
}
