//! An operator at a terminal can always walk: with stdin, stdout or stderr redirected, the
//! prompts go to the controlling terminal (`/dev/tty`, as git and fzf do) and the
//! transcript goes where the operator sent it. Without any terminal the exit-2 rule holds.
//! Driven through a real pseudo-terminal (rexpect) running a shell pipeline.

use rexpect::session::PtySession;

use crate::support::{ENTER, Test, pty, pty_exit_code, pty_expect, pty_send, read};

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

/// Takes both steps at their offers; the shell then reports exit 0 and both ran.
fn take_both_steps(mut s: PtySession, test: &Test) {
    pty_expect(&mut s, "run this step?");
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "run this step?");
    pty_send(&mut s, ENTER);
    pty_expect(&mut s, "exit=0");
    assert_eq!(pty_exit_code(s), 0);
    assert_eq!(read(test.path(), "trail"), "first\nsecond\n");
}

/// The issue's case: `runbook run tour 2>&1 | tee walk.log` failed with "no terminal to
/// walk the runbook interactively" while the operator sat at one.
#[test]
fn piped_through_tee_the_operator_still_walks() {
    let test = Test::new().runbook("walk", WALK);
    let s =
        pty(test
            .bash(r#"set -o pipefail; "$RUNBOOK" run walk 2>&1 | tee walk.log; echo "exit=$?""#));
    take_both_steps(s, &test);
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
    let s = pty(test.bash(r#""$RUNBOOK" run walk </dev/null >out.log 2>err.log; echo "exit=$?""#));
    take_both_steps(s, &test);
    let err = read(test.path(), "err.log");
    assert!(err.contains("Second step"), "{err}");
    assert!(!err.contains("run this step?"), "{err}");
}

/// A background job of the terminal is no operator: it has a controlling terminal but is
/// not in its foreground, so the exit-2 rule applies, before any step runs.
#[test]
fn a_background_job_gets_the_no_terminal_error() {
    let test = Test::new().runbook("walk", WALK);
    let mut s = pty(test
        .bash(r#"set -m; "$RUNBOOK" run walk </dev/null >out.log 2>&1 & wait $!; echo "exit=$?""#));
    pty_expect(&mut s, "exit=2");
    assert_eq!(pty_exit_code(s), 0);
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
