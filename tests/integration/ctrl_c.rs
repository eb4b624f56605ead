//! Ctrl-C at a terminal, as the operator sees the screen afterwards (rendered by a small
//! terminal emulator): the spinner is gone, and the end-of-run summary names the step
//! that was interrupted, however the run then ended.

use rexpect::session::PtySession;

use crate::support::{
    DOWN, ENTER, Test, pty, pty_exit_code, pty_expect, pty_send, screen, wait_for,
};

const WIDTH: usize = 80;

const SLOW: &str = r#"
[runbook]
title = "Slow"

[[step]]
id = "slow"
run = "echo one; touch started; sleep 30"
"#;

/// `runbook ARGS` at a terminal of a known width, once the step's command runs and the
/// spinner has drawn a few frames.
fn started(test: &Test, args: &str) -> PtySession {
    let script = format!(r#"stty cols {WIDTH} rows 40; exec "$RUNBOOK" {args}"#);
    let mut s = pty(test.bash(&script));
    pty_expect(&mut s, "running slow");
    wait_for(&test.path().join("started"));
    pty_expect(&mut s, "one");
    std::thread::sleep(std::time::Duration::from_millis(400));
    s
}

/// The exit code and the screen at the end.
fn finish(mut s: PtySession, seen: &str) -> (i32, Vec<String>) {
    let rest = s.exp_eof().unwrap_or_default();
    let rows = screen(&format!("{seen}{rest}"), WIDTH);
    (pty_exit_code(s), rows)
}

/// The summary's row for `id`.
fn summary_row<'a>(rows: &'a [String], id: &str) -> &'a str {
    let start = rows
        .iter()
        .position(|r| r == "summary")
        .unwrap_or_else(|| panic!("no summary:\n{}", rows.join("\n")));
    rows[start..]
        .iter()
        .find(|r| r.trim_start().starts_with(&format!("{id} ")))
        .unwrap_or_else(|| panic!("`{id}` missing from the summary:\n{}", rows.join("\n")))
}

#[test]
fn after_ctrl_c_no_spinner_frame_is_left_on_the_screen() {
    let test = Test::new().runbook("slow", SLOW);
    let mut s = started(&test, "run slow --yes");
    pty_send(&mut s, "\x03");
    let (code, rows) = finish(s, "");
    let shown = rows.join("\n");
    assert_eq!(code, 130, "{shown}");
    assert!(shown.contains("interrupted by Ctrl-C"), "{shown}");
    assert!(
        !rows.iter().any(|r| r.contains("running slow")),
        "a spinner frame stayed on the screen:\n{shown}"
    );
    assert!(
        summary_row(&rows, "slow").contains("interrupted"),
        "{shown}"
    );
}

#[test]
fn an_interrupted_step_aborted_from_the_menu_is_interrupted_in_the_summary() {
    let test = Test::new().runbook("slow", SLOW);
    let mut s = started(&test, "run slow --auto");
    pty_send(&mut s, "\x03");
    pty_expect(&mut s, "what now?");
    pty_send(&mut s, &format!("{DOWN}{DOWN}{DOWN}{DOWN}{ENTER}"));
    let (code, rows) = finish(s, "");
    let shown = rows.join("\n");
    assert_eq!(code, 1, "{shown}");
    assert!(
        summary_row(&rows, "slow").contains("interrupted"),
        "{shown}"
    );
}

#[test]
fn a_second_ctrl_c_at_the_menu_still_lists_the_step_in_the_summary() {
    let test = Test::new().runbook("slow", SLOW);
    let mut s = started(&test, "run slow --auto");
    pty_send(&mut s, "\x03");
    pty_expect(&mut s, "what now?");
    pty_send(&mut s, "\x03");
    let (code, rows) = finish(s, "");
    let shown = rows.join("\n");
    assert_eq!(code, 130, "{shown}");
    assert!(
        summary_row(&rows, "slow").contains("interrupted"),
        "{shown}"
    );
}
