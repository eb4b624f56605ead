//! Typed errors of every stage and their exit codes. Rendering happens once, in
//! `ui::diagnostic`; nothing here prints.

use std::path::PathBuf;

use thiserror::Error;

use crate::exit_code;
use crate::journal::lock::LockError;
use crate::journal::recorder::WriteError;
use crate::journal::store::JournalError;
use crate::runbook::diagnostic::Diagnostic;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
    #[error("could not find a `runbooks/` directory in `{}` or any parent", start.display())]
    NoProject { start: PathBuf },
    #[error("no runbook named `{name}` in `{}`", dir.display())]
    UnknownRunbook {
        name: String,
        dir: PathBuf,
        suggestion: Option<String>,
    },
    #[error("{} problem{} found", count_errors(.0), if count_errors(.0) == 1 { "" } else { "s" })]
    Invalid(Vec<Diagnostic>),
    #[error("failed to {action} `{}`", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{message}")]
    Failed {
        message: String,
        hint: Option<String>,
    },
    #[error("{message}")]
    Waiting {
        message: String,
        hint: Option<String>,
    },
    /// The lock stage: another run holds the runbook.
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("interrupted")]
    Interrupted { hint: Option<String> },
    /// The journal stage: a journal that cannot be read, or is damaged.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A journal append failed: the run stops, nothing happens unrecorded.
    #[error(transparent)]
    Write(#[from] WriteError),
}

fn count_errors(diagnostics: &[Diagnostic]) -> usize {
    diagnostics.iter().filter(|d| d.is_error()).count()
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: None,
        }
    }

    pub fn usage_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// Invalid runbooks: only the errors are reported (warnings wait until they are fixed).
    pub fn invalid(mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.retain(Diagnostic::is_error);
        Error::Invalid(diagnostics)
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub fn failed(message: impl Into<String>, hint: Option<String>) -> Self {
        Error::Failed {
            message: message.into(),
            hint,
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage { .. } | Error::NoProject { .. } | Error::UnknownRunbook { .. } => {
                exit_code::USAGE
            }
            Error::Invalid(_) => exit_code::INVALID,
            Error::Io { .. } | Error::Failed { .. } | Error::Journal(_) | Error::Write(_) => {
                exit_code::FAILURE
            }
            Error::Waiting { .. } => exit_code::WAITING,
            Error::Lock(LockError::Held { .. } | LockError::Survivor { .. }) => exit_code::LOCKED,
            Error::Lock(LockError::Io { .. }) => exit_code::FAILURE,
            Error::Interrupted { .. } => exit_code::INTERRUPTED,
        }
    }

    /// The `hint:` line for this error, when a fix is known.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoProject { .. } => Some(
                "run inside a project that has `runbooks/`, or pass `--dir DIR` (env `RUNBOOK_DIR`)"
                    .into(),
            ),
            Error::UnknownRunbook { suggestion, .. } => Some(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "`runbook list` shows the runbooks of this project".into(),
            }),
            Error::Lock(LockError::Held { .. }) => Some(
                "wait for that run to finish, or stop it; the lock is released when its process exits"
                    .into(),
            ),
            Error::Lock(LockError::Survivor {
                survivor, again, ..
            }) => Some(format!(
                "wait for it to end, or stop it with `kill -TERM -- -{}`; then `{again}`",
                survivor.pgid
            )),
            Error::Journal(JournalError::Damaged { .. }) => Some(
                "only a torn last line is repaired automatically: inspect the file, or start a new run"
                    .into(),
            ),
            Error::Usage { hint, .. }
            | Error::Failed { hint, .. }
            | Error::Waiting { hint, .. }
            | Error::Interrupted { hint } => hint.clone(),
            Error::Invalid(_)
            | Error::Io { .. }
            | Error::Lock(LockError::Io { .. })
            | Error::Journal(JournalError::Io { .. })
            | Error::Write(_) => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
