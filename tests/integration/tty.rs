//! An operator at a terminal can always walk: with stdin, stdout or stderr redirected, the
//! prompts go to the controlling terminal (`/dev/tty`, as git and fzf do) and the
//! transcript goes where the operator sent it. Without any terminal the exit-2 rule holds.
//! Driven through a real pseudo-terminal (rexpect) running a shell pipeline.

use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};

use crate::support::{Test, read};

const ENTER: &str = "\r";
const TIMEOUT_MS: u64 = 20_000;

const WALK: &str = r#"
[runbook]
title = "Walk"

[[step]]
id = "first"
title = "First step"
run = "echo first >> trail"

[[step]]
id = "second"
title = "Second step"
run = "echo second >> trail"
"#;

/// Runs `bash -c SCRIPT` in a pseudo-terminal, in the test's hermetic environment; the
/// script sees the binary as `$RUNBOOK`.
fn pty_shell(test: &Test, script: &str) -> PtySession {
    let template = test.std_command();
    let mut command = Command::new("bash");
    command.arg("--norc").arg("-c").arg(script);
    for (key, value) in template.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    command
        .env("TERM", "xterm-256color")
        .env("RUNBOOK", template.get_program())
        .current_dir(
            template
                .get_current_dir()
                .expect("the test sets a directory"),
        );
    spawn_command(command, Some(TIMEOUT_MS)).expect("spawn bash in a pty")
}

fn expect(session: &mut PtySession, text: &str) {
    if let Err(e) = session.exp_string(text) {
        panic!("expected {text:?} on the terminal: {e}");
    }
}

fn send(session: &mut PtySession, keys: &str) {
    session.send(keys).expect("write to the pty");
    session.flush().expect("flush the pty");
}

fn exit_code(mut session: PtySession) -> i32 {
    let _ = session.exp_eof();
    match session.process().wait() {
        Ok(WaitStatus::Exited(_, code)) => code,
        other => panic!("bash did not exit normally: {other:?}"),
    }
}

/// The issue's case: `runbook run tour 2>&1 | tee walk.log` failed with "no terminal to
/// walk the runbook interactively" while the operator sat at one.
#[test]
fn piped_through_tee_the_operator_still_walks() {
    let test = Test::new().runbook("walk", WALK);
    let mut s = pty_shell(
        &test,
        r#"set -o pipefail; "$RUNBOOK" run walk 2>&1 | tee walk.log; echo "exit=$?""#,
    );
    expect(&mut s, "run this step?");
    send(&mut s, ENTER);
    expect(&mut s, "run this step?");
    send(&mut s, ENTER);
    expect(&mut s, "exit=0");
    assert_eq!(exit_code(s), 0);
    assert_eq!(read(test.path(), "trail"), "first\nsecond\n");
    let log = read(test.path(), "walk.log");
    for line in ["First step", "Second step", "first", "second"] {
        assert!(
            log.contains(line),
            "{line:?} missing from the transcript:\n{log}"
        );
    }
    assert!(
        !log.contains("run this step?"),
        "the menus belong on the terminal, not in the log:\n{log}"
    );
    assert!(!log.contains('\x1b'), "escape codes in the log:\n{log:?}");
}

/// All three streams redirected: the prompts use `/dev/tty`, keys come from it too.
#[test]
fn every_stream_redirected_the_prompts_use_dev_tty() {
    let test = Test::new().runbook("walk", WALK);
    let mut s = pty_shell(
        &test,
        r#""$RUNBOOK" run walk </dev/null >out.log 2>err.log; echo "exit=$?""#,
    );
    expect(&mut s, "run this step?");
    send(&mut s, ENTER);
    expect(&mut s, "run this step?");
    send(&mut s, ENTER);
    expect(&mut s, "exit=0");
    assert_eq!(exit_code(s), 0);
    assert_eq!(read(test.path(), "trail"), "first\nsecond\n");
    let err = read(test.path(), "err.log");
    assert!(err.contains("Second step"), "{err}");
    assert!(!err.contains("run this step?"), "{err}");
}

/// A background job of the terminal is no operator: it has a controlling terminal but is
/// not in its foreground, so the exit-2 rule applies, before any step runs.
#[test]
fn a_background_job_gets_the_no_terminal_error() {
    let test = Test::new().runbook("walk", WALK);
    let mut s = pty_shell(
        &test,
        r#"set -m; "$RUNBOOK" run walk </dev/null >out.log 2>&1 & wait $!; echo "exit=$?""#,
    );
    expect(&mut s, "exit=2");
    assert_eq!(exit_code(s), 0);
    let out = read(test.path(), "out.log");
    assert!(
        out.contains("no terminal to walk the runbook interactively"),
        "{out}"
    );
    assert!(!test.path().join("trail").exists());
}

/// No terminal at all (the test runs the binary without one): exit 2 with the hint.
#[test]
fn without_any_terminal_exit_2_and_the_hint() {
    let output = Test::new()
        .runbook("walk", WALK)
        .args(["run", "walk"])
        .run();
    output
        .expect_exit(2)
        .expect_stderr_contains("error: no terminal to walk the runbook interactively")
        .expect_stderr_contains("hint: pass `--yes`");
    assert!(!output.path().join("trail").exists());
}
