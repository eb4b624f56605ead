//! Where a run stands, folded down for `runs`, `run` (is there an unfinished run?) and the
//! choice of "the newest run": [`Standing`] and the step-less [`Summary`], both from the
//! run-level [`Flags`] (of a [`RunState`], or of the summary-only fold in `brief`). Pure.

use super::replay::RunState;
use super::words::RunEnd;

/// Where a run stands, as `runs` shows it (before it looks at locks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// `run-finished` was the last word.
    Ended(RunEnd),
    RollingBack,
    RollbackFailed,
    /// A rollback to a checkpoint (or `--to`) finished; the run stays open.
    RolledBack,
    Interrupted,
    /// Stopped where an operator is needed (exit 4).
    Waiting,
    /// Stopped otherwise (the process was killed, or it is running now).
    Stopped,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Ended(end) => end.as_str(),
            Standing::RollingBack => "rolling-back",
            Standing::RollbackFailed => "rollback-failed",
            Standing::RolledBack => "rolled-back",
            Standing::Interrupted => "interrupted",
            Standing::Waiting => "waiting",
            Standing::Stopped => "stopped",
        }
    }
}

/// What `runs` and the choice of "the newest run" need of a run, without its steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub runbook: String,
    pub started: String,
    pub updated: String,
    /// The last step that started.
    pub current: Option<String>,
    pub standing: Standing,
    pub resumable: bool,
    pub unfinished: bool,
    pub rolling_back: bool,
}

impl RunState {
    pub fn summary(&self) -> Summary {
        let flags = self.flags();
        Summary {
            runbook: self.runbook.clone(),
            started: self.started.clone(),
            updated: self.updated.clone(),
            current: self.current.clone(),
            standing: flags.standing(),
            resumable: flags.resumable(),
            unfinished: flags.unfinished(),
            rolling_back: flags.rolling_back,
        }
    }

    /// The run-level flags of this state.
    pub fn flags(&self) -> Flags {
        Flags {
            finished: self.finished,
            rolling_back: self.rollback.in_progress,
            rollback_failed: self.rollback.failed.is_some(),
            rolled_back: self.rolled_back,
            interrupted: self.interrupted,
            waiting: self.waiting,
        }
    }

    /// Where the run stands.
    pub fn standing(&self) -> Standing {
        self.flags().standing()
    }

    /// Whether `resume` may continue this run.
    pub fn resumable(&self) -> bool {
        self.flags().resumable()
    }

    /// Not over: `run` of its runbook offers to resume it instead of starting anew.
    pub fn unfinished(&self) -> bool {
        self.flags().unfinished()
    }
}

/// The run-level facts where a run stands follows from, kept by the replay (in
/// [`RunState`]) and by the summary-only fold of `brief` alike.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// From the last `run-finished`, unless something reopened the run since.
    pub finished: Option<RunEnd>,
    pub rolling_back: bool,
    /// A step's undo failed in the rollback in progress.
    pub rollback_failed: bool,
    pub rolled_back: bool,
    pub interrupted: bool,
    pub waiting: bool,
}

impl Flags {
    /// Something walks again (a resume, a rollback): earlier stops no longer describe it.
    pub fn reopen(&mut self) {
        self.interrupted = false;
        self.waiting = false;
        self.rolled_back = false;
    }

    pub fn standing(self) -> Standing {
        if self.rolling_back {
            return if self.rollback_failed {
                Standing::RollbackFailed
            } else {
                Standing::RollingBack
            };
        }
        match self.finished {
            Some(end) => Standing::Ended(end),
            None if self.rolled_back => Standing::RolledBack,
            None if self.interrupted => Standing::Interrupted,
            None if self.waiting => Standing::Waiting,
            None => Standing::Stopped,
        }
    }

    pub fn resumable(self) -> bool {
        !matches!(
            self.finished,
            Some(RunEnd::Succeeded | RunEnd::RolledBack | RunEnd::Abandoned)
        )
    }

    pub fn unfinished(self) -> bool {
        self.resumable() || self.rolling_back
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::{Choice, Entry, Mode, Outcome, Record, StepKind};
    use crate::journal::replay::{Status, replay};

    fn rec(entry: Entry) -> Record {
        Record {
            ts: "2026-11-26T00:00:00Z".into(),
            entry,
        }
    }

    fn resumed() -> Record {
        rec(Entry::RunResumed {
            digest: String::new(),
            mode: Mode::Yes,
            pid: 1,
            host: "h".into(),
            user: "u".into(),
        })
    }

    fn started(step: &str) -> Record {
        rec(Entry::StepStarted {
            step: step.into(),
            attempt: 1,
            title: step.into(),
            kind: StepKind::Manual,
            command: None,
            undo: vec![],
            checkpoint: false,
        })
    }

    fn waiting(step: &str) -> Record {
        rec(Entry::Decision {
            step: Some(step.into()),
            choice: Choice::Waiting,
            steps: vec![],
        })
    }

    #[test]
    fn a_step_that_waited_before_acting_is_pending_and_the_run_waiting() {
        let state = replay(&[resumed(), started("look"), waiting("look")]);
        assert_eq!(state.steps["look"].status, Status::Pending);
        assert_eq!(state.standing(), Standing::Waiting);
        assert!(state.resumable());
    }

    #[test]
    fn an_unknown_outcome_from_an_earlier_session_stays_unknown_while_waiting() {
        let state = replay(&[started("apply"), resumed(), waiting("apply")]);
        assert_eq!(state.steps["apply"].status, Status::Unknown);
    }

    #[test]
    fn abandoned_is_over_and_failed_items_fail_their_step() {
        let mut records = vec![
            started("deploy[a]"),
            rec(Entry::StepFinished {
                step: "deploy[a]".into(),
                outcome: Outcome::Failed,
                exit_code: Some(1),
                reason: None,
                value: None,
                duration_ms: 0,
                attempts: 1,
            }),
        ];
        let state = replay(&records);
        assert!(state.failed("deploy") && state.failed("deploy[a]"));
        assert!(!state.failed("dep"));
        assert!(state.summary().unfinished);
        records.push(rec(Entry::RunFinished {
            state: RunEnd::Abandoned,
            reason: None,
        }));
        let over = replay(&records).summary();
        assert_eq!(over.standing, Standing::Ended(RunEnd::Abandoned));
        assert!(!over.resumable && !over.unfinished);
    }
}
