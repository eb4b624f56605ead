//! What the engine tells the outside world, as data. Reporters in `ui/` turn events into
//! spinners or plain lines; the engine never prints.

use std::time::Duration;

use super::command::Stream;
use crate::journal::record::{CheckPhase, RollbackEnd, RollbackOutcome, StepKind};
use crate::runbook::model::Risk;

/// How a step ended in this session, as the summary and the step line show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepEnd {
    Succeeded,
    Failed,
    /// Ctrl-C stopped it: no outcome is journaled (unknown on resume).
    Interrupted,
    Skipped,
    /// A dry run: it would run.
    WouldRun,
}

/// How a run (or this session of it) ended, as the last line shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunResult {
    Succeeded,
    Failed,
    Aborted,
    Interrupted,
    Waiting,
    /// An `on-failure = "rollback"` (or the menu's choice) undid steps, then it stopped.
    RolledBack,
    DryRun,
}

/// Why a step was passed over without running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// `when` was false (the expression).
    When(String),
    BeforeFrom,
    /// It needs a step that failed.
    NeedFailed(String),
    NoItems,
    Operator,
    OperatorAfterFailure,
    EarlierSession,
    /// Done in an earlier session; `verified`: its verify checks passed again.
    DoneEarlier {
        verified: bool,
    },
}

impl SkipReason {
    /// The `reason` of the journal's `step-finished` record.
    pub fn journal_text(&self) -> String {
        match self {
            SkipReason::When(when) => format!("`when` is false: {when}"),
            SkipReason::BeforeFrom => "before the `--from` step".into(),
            SkipReason::NeedFailed(need) => format!("needs `{need}`, which failed"),
            SkipReason::NoItems => "`foreach` has no items".into(),
            SkipReason::Operator => "skipped by the operator".into(),
            SkipReason::OperatorAfterFailure => "skipped by the operator after a failure".into(),
            SkipReason::EarlierSession => "skipped in an earlier session".into(),
            SkipReason::DoneEarlier { verified: true } => {
                "done in an earlier session (verified again)".into()
            }
            SkipReason::DoneEarlier { verified: false } => "done in an earlier session".into(),
        }
    }
}

/// One row of the end-of-run summary.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub id: String,
    pub title: String,
    pub outcome: StepEnd,
    pub duration: Duration,
    pub attempts: u32,
}

#[derive(Debug, Clone)]
pub enum Event {
    RunStarted {
        run_id: String,
        runbook: String,
        title: String,
        risk: Risk,
        summary: Option<String>,
        description: Option<String>,
        /// (name, value as shown: secrets masked).
        vars: Vec<(String, String)>,
        steps: usize,
        /// For a resume: how many steps were already done.
        resumed_done: Option<usize>,
        dry_run: bool,
    },
    StepStarted {
        id: String,
        index: usize,
        total: usize,
        title: String,
        description: Option<String>,
        kind: StepKind,
        /// The rendered command (or instructions) as shown.
        command: Option<String>,
    },
    /// About to spawn the step's command (attempt n of m).
    CommandStarted {
        id: String,
        attempt: u32,
        attempts: u32,
        command: String,
    },
    Output {
        id: String,
        stream: Stream,
        line: String,
    },
    /// `tail`: the last lines of output (masked); `lines`: how many there were; `log`: where
    /// the full output is.
    CommandFinished {
        id: String,
        attempt: u32,
        exit: String,
        success: bool,
        tail: Vec<String>,
        lines: usize,
        log: String,
    },
    /// One try of a check. `next_in` is set when another try will follow.
    CheckAttempt {
        step: Option<String>,
        phase: CheckPhase,
        name: String,
        attempt: u32,
        attempts: u32,
        passed: bool,
        reason: Option<String>,
        next_in: Option<Duration>,
        /// The last lines of the check's output, on its final failing try (masked).
        output: Vec<String>,
    },
    StepFinished {
        id: String,
        title: String,
        outcome: StepEnd,
        reason: Option<String>,
        duration: Duration,
        attempts: u32,
    },
    /// An `ask` step got its answer (masked when secret): the transcript keeps the decision
    /// in every mode, also when `--yes` or `--var` answered it.
    Answered {
        id: String,
        into: String,
        answer: String,
    },
    /// A dry run's account of the runbook-level preconditions it would check first (their
    /// labels, as `show` lists them).
    RunbookPreconditions {
        checks: Vec<String>,
    },
    /// A dry run's account of what a step would check and undo.
    StepDetails {
        id: String,
        details: String,
    },
    StepSkipped {
        id: String,
        title: String,
        reason: SkipReason,
    },
    /// A step started in an earlier session and has no recorded outcome.
    UnknownOutcome {
        id: String,
    },
    /// A skipped step sets a variable (`capture`, `ask`) that later steps read.
    SkippedValueRead {
        id: String,
        variable: String,
        readers: Vec<String>,
    },
    RollbackPlanned {
        steps: Vec<(String, Vec<String>)>,
        no_undo: Vec<String>,
        /// The step whose undo was cut off by a crash: it runs again from its first command.
        interrupted: Option<String>,
        /// Steps not undone because their command never started, with why.
        left_out: Vec<(String, String)>,
    },
    RollbackStep {
        id: String,
        command: Option<String>,
        outcome: RollbackOutcome,
        reason: Option<String>,
    },
    RollbackFinished {
        state: RollbackEnd,
    },
    RunFinished {
        run_id: String,
        runbook: String,
        state: RunResult,
        summary: Vec<SummaryRow>,
    },
}

/// Receives the engine's events.
pub trait Reporter {
    fn event(&mut self, event: &Event);
}

/// A reporter that keeps every event, for unit tests.
#[derive(Debug, Default)]
pub struct Recording {
    pub events: Vec<Event>,
}

impl Reporter for Recording {
    fn event(&mut self, event: &Event) {
        self.events.push(event.clone());
    }
}
