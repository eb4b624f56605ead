//! The terminal the operator sits at, when the standard streams are not it: `runbook run
//! tour 2>&1 | tee walk.log` redirects stdout and stderr, yet the operator is present. As
//! git and fzf do, prompts then go to the controlling terminal (`/dev/tty`) while the
//! transcript goes where the operator sent it.
//!
//! Only answers questions about terminals and opens `/dev/tty`; never prints.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;

/// Where the operator can be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptTerminal {
    /// stdin and stderr are the terminal: prompts on stderr, keys from stdin.
    Stdio,
    /// A stream is redirected, but the process has a controlling terminal and runs in its
    /// foreground: prompts on `/dev/tty`.
    Controlling,
    /// No terminal to ask on (CI, cron, a background job, `setsid`).
    None,
}

impl PromptTerminal {
    /// Decides from whether stdin and stderr are terminals; otherwise looks for a
    /// controlling terminal this process may read from.
    pub fn detect(stdin_terminal: bool, stderr_terminal: bool) -> Self {
        if stdin_terminal && stderr_terminal {
            Self::Stdio
        } else if open().is_some_and(|tty| in_foreground(&tty)) {
            Self::Controlling
        } else {
            Self::None
        }
    }

    pub fn is_some(self) -> bool {
        self != Self::None
    }
}

/// The controlling terminal, for reading and writing (`None` without one: `ENXIO`).
pub fn open() -> Option<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()
}

/// Whether this process is in the terminal's foreground process group. A background job
/// (`runbook run x &`) or a child put in its own group may open `/dev/tty`, but reading it
/// would stop the process (SIGTTIN): that is no operator to ask.
#[expect(
    unsafe_code,
    reason = "tcgetpgrp and getpgrp have no safe wrapper in std; they take a plain fd"
)]
fn in_foreground(tty: &File) -> bool {
    // SAFETY: both calls only read process state; the fd is open for the call's duration.
    let (foreground, own) = unsafe { (libc::tcgetpgrp(tty.as_raw_fd()), libc::getpgrp()) };
    foreground > 0 && foreground == own
}
