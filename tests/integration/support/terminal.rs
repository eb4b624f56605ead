//! A pseudo-terminal to drive the binary (rexpect), directly or through a shell in the
//! test's hermetic environment (for shell completion and pipelines at a terminal,
//! `runbook run x 2>&1 | tee log`), and the keys an operator presses. It drives and
//! reads the terminal; what the tests expect on it is theirs.

use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};

use super::Test;

/// The Enter key as a terminal sends it.
pub const ENTER: &str = "\r";
/// The down-arrow key (moves a menu's selection one item down).
pub const DOWN: &str = "\x1b[B";

/// How long a pseudo-terminal waits for expected text before the test fails.
const TIMEOUT_MS: u64 = 60_000;

impl Test {
    /// `runbook ARGS` in a pseudo-terminal, in the hermetic environment of
    /// [`Test::std_command`].
    pub fn pty(&self, args: &[&str]) -> PtySession {
        let mut command = self.std_command();
        command.args(args);
        pty(command)
    }

    /// `bash --norc -c SCRIPT` with the same variables and directory as the binary gets
    /// ([`Test::std_command`]); the script finds the binary as `$RUNBOOK`.
    pub fn bash(&self, script: &str) -> Command {
        let template = self.std_command();
        let mut command = Command::new("bash");
        command.arg("--norc").arg("-c").arg(script);
        for (key, value) in template.get_envs() {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        command.env("RUNBOOK", template.get_program()).current_dir(
            template
                .get_current_dir()
                .expect("the test sets a directory"),
        );
        command
    }
}

/// Starts `command` in a pseudo-terminal (it becomes the terminal's foreground), with a
/// `TERM`.
pub fn pty(mut command: Command) -> PtySession {
    command.env("TERM", "xterm-256color");
    spawn_command(command, Some(TIMEOUT_MS)).expect("spawn in a pty")
}

#[track_caller]
pub fn pty_expect(session: &mut PtySession, text: &str) {
    if let Err(e) = session.exp_string(text) {
        panic!("expected {text:?} on the terminal: {e}");
    }
}

pub fn pty_send(session: &mut PtySession, keys: &str) {
    session.send(keys).expect("write to the pty");
    session.flush().expect("flush the pty");
}

/// Waits for the process to end and returns its exit code.
pub fn pty_exit_code(mut session: PtySession) -> i32 {
    let _ = session.exp_eof();
    match session.process().wait() {
        Ok(WaitStatus::Exited(_, code)) => code,
        Ok(WaitStatus::Signaled(_, signal, _)) => 128 + signal as i32,
        other => panic!("the process did not exit normally: {other:?}"),
    }
}
