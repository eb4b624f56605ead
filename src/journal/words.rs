//! The closed vocabularies of the journal: step kind, step outcome, check phase, mode,
//! rollback outcome and end, run end, and the operator's decisions. Each is an enum written
//! as its documented kebab-case word (the book's journal chapter lists every one); older
//! spellings still read. Never prints: `as_str` is the journal's word, not a sentence.

use serde::{Deserialize, Serialize};

/// An enum whose values are written as fixed words: `as_str`, `Display`, serde through the
/// word, `ALL` for tests and docs. Aliases are older spellings accepted when reading.
macro_rules! words {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal $(| $alias:literal)*,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word the journal holds.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<$name> for &'static str {
            fn from(value: $name) -> Self {
                value.as_str()
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(text: String) -> Result<Self, String> {
                match text.as_str() {
                    $($text $(| $alias)* => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} `{other}`",
                        stringify!($name)
                    )),
                }
            }
        }
    };
}

words! {
    /// How the operator is involved (`run-started`, `run-resumed`).
    Mode {
        /// Every step is offered: run, skip, details, abort.
        Interactive = "interactive",
        /// Runs without asking, except confirm, manual, ask and failures.
        Auto = "auto",
        /// Answers yes to everything (confirm steps only with `--allow-destructive`).
        Yes = "yes",
    }
}

words! {
    /// What a step does (`step-started`).
    StepKind {
        Run = "run",
        Manual = "manual",
        Ask = "ask",
        Call = "call",
        Gate = "gate",
    }
}

words! {
    /// A step's final outcome (`step-finished`).
    Outcome {
        Succeeded = "succeeded",
        Failed = "failed",
        Skipped = "skipped",
    }
}

words! {
    /// Which checks a `check` record belongs to.
    CheckPhase {
        RunbookPrecondition = "runbook-precondition",
        Precondition = "precondition",
        Verify = "verify",
        /// A done step's verify checks, run again on resume.
        Reverify = "reverify",
    }
}

words! {
    /// One step of a rollback (`rollback-step`).
    RollbackOutcome {
        Started = "started",
        Succeeded = "succeeded",
        Failed = "failed",
        /// The step has no undo commands.
        NoUndo = "no-undo",
    }
}

words! {
    /// How a rollback ended (`rollback-finished`).
    RollbackEnd {
        RolledBack = "rolled-back",
        RollbackFailed = "rollback-failed",
    }
}

words! {
    /// How a run ended (`run-finished`).
    RunEnd {
        Succeeded = "succeeded",
        Failed = "failed",
        Aborted = "aborted",
        RolledBack = "rolled-back",
        /// A new run of the runbook was started instead (`run --new`).
        Abandoned = "abandoned",
    }
}

words! {
    /// What an operator (or a mode standing in for one) decided (`decision`).
    Choice {
        /// Interactive offer: skip the step.
        Skip = "skip",
        /// Interactive offer: abort the run.
        Abort = "abort",
        Confirmed = "confirmed",
        Declined = "declined",
        ManualDone = "manual-done" | "manual: run",
        ManualSkip = "manual-skip" | "manual: skip",
        ManualAbort = "manual-abort" | "manual: abort",
        FailureRetry = "failure-retry" | "failure: retry",
        FailureSkip = "failure-skip" | "failure: skip",
        FailureRollback = "failure-rollback" | "failure: rollback",
        FailureShell = "failure-shell" | "failure: shell",
        FailureAbort = "failure-abort" | "failure: abort",
        UnknownRerun = "unknown-rerun" | "unknown-outcome: rerun",
        UnknownMarkDone = "unknown-mark-done" | "unknown-outcome: markdone",
        UnknownSkip = "unknown-skip" | "unknown-outcome: skip",
        UnknownAbort = "unknown-abort" | "unknown-outcome: abort",
        /// A done step's re-verify failed: run it again.
        ReverifyRerun = "reverify-rerun",
        /// A done step's re-verify failed: keep it as done.
        ReverifyKeep = "reverify-keep",
        ReverifyAbort = "reverify-abort",
        /// Nobody could answer: the run stops here (exit 4).
        Waiting = "waiting" | "waiting for an operator",
        /// `resume --accept-changed`: the record's `steps` changed and were accepted.
        AcceptChanged = "accept-changed",
        /// `resume --from STEP`: the walk starts again at the record's `step`.
        ResumeFrom = "resume-from",
    }
}

impl Choice {
    /// Reads a `choice`, also in the form older versions wrote for accepted changes
    /// (`accept-changed: `a`, `b``).
    pub fn read<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.starts_with("accept-changed:") {
            return Ok(Choice::AcceptChanged);
        }
        Choice::try_from(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T>(all: &[T])
    where
        T: Serialize
            + for<'de> Deserialize<'de>
            + PartialEq
            + std::fmt::Debug
            + Copy
            + Into<&'static str>,
    {
        for &value in all {
            let json = serde_json::to_string(&value).unwrap();
            let word: &'static str = value.into();
            assert_eq!(json, format!("\"{word}\""));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
            assert!(
                word.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "`{word}` is kebab-case"
            );
        }
    }

    #[test]
    fn every_word_round_trips_as_kebab_case() {
        round_trip(Mode::ALL);
        round_trip(StepKind::ALL);
        round_trip(Outcome::ALL);
        round_trip(CheckPhase::ALL);
        round_trip(RollbackOutcome::ALL);
        round_trip(RollbackEnd::ALL);
        round_trip(RunEnd::ALL);
        round_trip(Choice::ALL);
    }

    #[test]
    fn older_spellings_still_read() {
        let read = |text: &str| serde_json::from_str::<Choice>(&format!("\"{text}\"")).unwrap();
        assert_eq!(read("manual: run"), Choice::ManualDone);
        assert_eq!(read("unknown-outcome: markdone"), Choice::UnknownMarkDone);
        assert_eq!(read("waiting for an operator"), Choice::Waiting);
        let mut de = serde_json::Deserializer::from_str("\"accept-changed: `a`\"");
        assert_eq!(Choice::read(&mut de).unwrap(), Choice::AcceptChanged);
        assert!(serde_json::from_str::<RunEnd>("\"finished\"").is_err());
    }
}
