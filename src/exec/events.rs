//! What the engine tells the outside world, as data. Reporters in `ui/` turn events into
//! spinners or plain lines; the engine never prints.

use std::time::Duration;

use super::command::Stream;

/// One row of the end-of-run summary.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub id: String,
    pub title: String,
    /// `succeeded`, `failed`, `skipped`, `rolled back`, `done before` …
    pub outcome: String,
    pub duration: Duration,
    pub attempts: u32,
}

#[derive(Debug, Clone)]
pub enum Event {
    RunStarted {
        run_id: String,
        runbook: String,
        title: String,
        risk: String,
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
        kind: &'static str,
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
        phase: &'static str,
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
        outcome: String,
        reason: Option<String>,
        duration: Duration,
        attempts: u32,
    },
    /// A dry run's account of what a step would check and undo.
    StepDetails {
        id: String,
        details: String,
    },
    StepSkipped {
        id: String,
        title: String,
        reason: String,
    },
    Warning {
        message: String,
    },
    RollbackPlanned {
        steps: Vec<(String, Vec<String>)>,
        no_undo: Vec<String>,
        /// The step whose undo was cut off by a crash: it runs again from its first command.
        interrupted: Option<String>,
    },
    RollbackStep {
        id: String,
        command: Option<String>,
        outcome: String,
        reason: Option<String>,
    },
    RollbackFinished {
        state: String,
    },
    RunFinished {
        run_id: String,
        runbook: String,
        state: String,
        summary: Vec<SummaryRow>,
        hint: Option<String>,
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
