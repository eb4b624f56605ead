//! The report model: everything `runbook report` says about a run, as plain serializable
//! data. The Markdown template and `--json` both read exactly this; nothing here holds a
//! secret value (the journal holds none, and secret variables are listed masked).

use serde::Serialize;

/// The masked stand-in for a secret value: the one the engine writes in logs and captures.
pub use crate::exec::scope::MASK;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    pub runbook: String,
    /// The runbook's title, when the runbook still exists.
    pub title: Option<String>,
    pub run_id: String,
    /// `user@host` of the session that started the run (the host alone in journals
    /// written before the user was recorded).
    pub operator: String,
    /// The value of the variable the runbook passes as a kube context, if any.
    pub kube_context: Option<KubeContext>,
    pub started: String,
    /// The time of the journal's last record.
    pub ended: String,
    pub duration: String,
    /// Where the run stands, in the words of `runbook runs`.
    pub state: String,
    /// The exit code the last session ended with, when the journal tells it.
    pub exit_code: Option<u8>,
    pub digest: String,
    /// The runbook on disk differs from the one the run last walked.
    pub runbook_changed: bool,
    pub vars: Vec<Variable>,
    /// The step graph as a Mermaid flowchart, nodes coloured by outcome.
    pub graph: String,
    pub sessions: Vec<Session>,
    /// Everything that happened, in order.
    pub timeline: Vec<Event>,
    pub steps: Vec<StepRow>,
    pub failed_checks: Vec<FailedCheck>,
    pub decisions: Vec<Decision>,
    pub rollbacks: Vec<Rollback>,
    /// Where the attempt logs are, relative to the report.
    pub logs_dir: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KubeContext {
    pub var: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// The recorded value, or [`MASK`] for a secret.
    pub value: String,
    pub secret: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Session {
    pub number: usize,
    pub kind: SessionKind,
    pub at: String,
    /// `interactive`, `auto` or `yes`; empty for a rollback session.
    pub mode: String,
    /// `user@host` (the host alone in older journals).
    pub operator: String,
    pub pid: Option<u32>,
    /// How the session ended: `interrupted`, `waiting`, a run end, a rollback end, or
    /// `stopped` (no record says: the process was killed, or still runs).
    pub end: String,
    pub ended_at: String,
}

/// What began a session.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SessionKind {
    /// `runbook run`: the session that started the run.
    Run,
    /// `runbook resume`.
    Resume,
    /// `runbook rollback` on a run whose last session had ended.
    Rollback,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StepRow {
    /// The journal id: `deploy`, a foreach item `deploy[alpha]`, a called step `fix/suspend`.
    pub id: String,
    pub title: String,
    pub kind: String,
    pub attempts: u32,
    pub duration: String,
    /// `succeeded`, `failed`, `skipped`, `rolled-back`, `unknown` (started, no outcome),
    /// `pending` (stopped at a question before it acted).
    pub outcome: String,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
    /// A capture or answer, as journaled (masked when secret).
    pub value: Option<String>,
    pub logs: Vec<LogLink>,
    /// For a failed step: the last lines of its newest attempt log (masked when the log
    /// was written), bounded to [`OUTPUT_LINES`].
    pub output: Vec<String>,
}

/// How many lines of a failed step's log the report quotes.
pub const OUTPUT_LINES: usize = 15;
/// How many characters of one journaled text (a reason, a check's detail) the report quotes.
pub const TEXT_CHARS: usize = 600;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LogLink {
    pub attempt: u32,
    /// Relative to the report's location.
    pub path: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Event {
    pub at: String,
    /// The number of the session it happened in.
    pub session: usize,
    pub step: Option<String>,
    /// What happened, in the journal's words (`failed`, `decision: skip`, `undo succeeded`).
    pub what: String,
    /// Why, or what about (bounded, as journaled: masked).
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FailedCheck {
    pub at: String,
    pub step: Option<String>,
    pub phase: String,
    pub name: String,
    pub attempt: u32,
    /// Why it did not pass, as journaled (masked), bounded.
    pub detail: Option<String>,
    /// The tail of the output it judged, as journaled (masked, at most 20 lines and 2 KiB);
    /// empty when the journal has none (a passing try, a Flux check, an older journal).
    pub output: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Decision {
    pub at: String,
    pub step: Option<String>,
    pub choice: String,
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Rollback {
    pub at: String,
    pub to: Option<String>,
    pub plan: Vec<String>,
    pub steps: Vec<RollbackStep>,
    /// `rolled-back`, `rollback-failed`, or `unfinished`.
    pub end: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RollbackStep {
    pub step: String,
    pub outcome: String,
    pub reason: Option<String>,
}
