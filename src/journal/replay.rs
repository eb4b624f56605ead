//! Replay: a pure fold from journal records to the [`RunState`] that `resume`, `rollback`,
//! `runs` and `log` read. No I/O; unit-tested on record lists.

use std::collections::BTreeMap;

use super::record::{Entry, Outcome, Record, Undo};
use super::words::{Choice, RollbackEnd, RollbackOutcome, RunEnd, StepKind};

/// Where a step (a journal id such as `deploy[sonarr]` or `fix/suspend`) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Started, then stopped at a question nobody could answer before it acted: walked
    /// again as if it had not started.
    Pending,
    /// Started, no outcome recorded: the process died or was interrupted mid-step.
    Unknown,
    Succeeded,
    Failed,
    Skipped,
    /// Undone by a rollback: counts as not done.
    RolledBack,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepState {
    pub status: Status,
    pub title: String,
    pub attempts: u32,
    pub checkpoint: bool,
    pub undo: Vec<Undo>,
    /// A capture or ask answer to restore on resume.
    pub value: Option<(String, String)>,
    pub reason: Option<String>,
    /// Order of the last start, for rollback ordering.
    pub started_seq: usize,
    /// Order of the last successful finish.
    pub finished_seq: Option<usize>,
    /// The journal shows that the step's action began at least once, so there may be
    /// something to undo: a `step-spawned` record of its command (or of a command of a step
    /// it calls), or a manual step the operator reported done. A step that failed before
    /// its command started (it failed to render, a precondition failed, the shell could not
    /// start) has none.
    pub ran: bool,
    /// A manual step: the operator's "done" is the evidence that it acted.
    pub manual: bool,
}

impl StepState {
    /// The state of a step the journal mentions for the first time (its status is set by
    /// the record that mentions it).
    fn first_seen(title: &str, checkpoint: bool, seq: usize) -> Self {
        Self {
            status: Status::Unknown,
            title: title.to_string(),
            attempts: 0,
            checkpoint,
            undo: Vec::new(),
            value: None,
            reason: None,
            started_seq: seq,
            finished_seq: None,
            ran: false,
            manual: false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rollback {
    pub in_progress: bool,
    pub to: Option<String>,
    /// Steps this rollback was asked to undo, in undo order.
    pub plan: Vec<String>,
    /// Steps whose undo finished.
    pub done: Vec<String>,
    pub failed: Option<(String, String)>,
    /// The step whose undo began and never ended (the process died during it).
    pub undoing: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunState {
    pub run_id: String,
    pub runbook: String,
    pub digest: String,
    pub step_digests: BTreeMap<String, String>,
    pub vars: BTreeMap<String, String>,
    pub started: String,
    pub updated: String,
    pub steps: BTreeMap<String, StepState>,
    /// The last step that started (for `runs`).
    pub current: Option<String>,
    /// From the last `run-finished`, unless something reopened the run since.
    pub finished: Option<RunEnd>,
    pub interrupted: bool,
    /// The session stopped waiting for an operator.
    pub waiting: bool,
    pub rollback: Rollback,
    /// The last rollback finished and nothing was walked since.
    pub rolled_back: bool,
    /// How many records were folded (the sequence number of the next one).
    pub records: usize,
    /// The sequence number of the record that began the latest session.
    pub session_seq: usize,
}

impl RunState {
    pub fn step(&self, id: &str) -> Option<&StepState> {
        self.steps.get(id)
    }

    /// Whether `id` failed, or (for a `foreach` step) one of its items did.
    pub fn failed(&self, id: &str) -> bool {
        let item = format!("{id}[");
        self.steps.iter().any(|(step, state)| {
            state.status == Status::Failed
                && (step == id || (step.starts_with(&item) && step.ends_with(']')))
        })
    }

    /// Something walks again (a resume, a rollback): earlier stops no longer describe it.
    fn reopen(&mut self) {
        self.interrupted = false;
        self.waiting = false;
        self.rolled_back = false;
    }

    /// Folds one more record (the same fold for a live run and for replay).
    pub fn apply(&mut self, record: &Record) {
        let seq = self.records;
        self.records += 1;
        self.updated.clone_from(&record.ts);
        apply(self, seq, record);
    }
}

/// Folds records into a run state.
pub fn replay(records: &[Record]) -> RunState {
    let mut state = RunState::default();
    for record in records {
        state.apply(record);
    }
    state
}

fn apply(state: &mut RunState, seq: usize, record: &Record) {
    match &record.entry {
        Entry::RunStarted {
            run_id,
            runbook,
            digest,
            step_digests,
            vars,
            ..
        } => {
            state.run_id.clone_from(run_id);
            state.runbook.clone_from(runbook);
            state.digest.clone_from(digest);
            state.step_digests.clone_from(step_digests);
            state.vars.clone_from(vars);
            state.started.clone_from(&record.ts);
            state.session_seq = seq;
        }
        Entry::RunResumed { digest, .. } => {
            state.session_seq = seq;
            state.digest.clone_from(digest);
            state.finished = None;
            state.reopen();
        }
        Entry::StepStarted {
            step,
            attempt,
            title,
            kind,
            undo,
            checkpoint,
            ..
        } => {
            let entry = state
                .steps
                .entry(step.clone())
                .or_insert_with(|| StepState::first_seen(title, *checkpoint, seq));
            entry.status = Status::Unknown;
            entry.attempts = entry.attempts.max(*attempt);
            entry.undo.clone_from(undo);
            entry.started_seq = seq;
            entry.manual = *kind == StepKind::Manual;
            state.current = Some(step.clone());
            state.rolled_back = false;
        }
        Entry::StepFinished {
            step,
            outcome,
            reason,
            value,
            attempts,
            ..
        } => {
            let entry = state
                .steps
                .entry(step.clone())
                // A step skipped without starting has no step-started record.
                .or_insert_with(|| StepState::first_seen(step, false, seq));
            entry.status = match outcome {
                Outcome::Succeeded => Status::Succeeded,
                Outcome::Failed => Status::Failed,
                Outcome::Skipped => Status::Skipped,
            };
            entry.reason.clone_from(reason);
            entry.value.clone_from(value);
            entry.attempts = entry.attempts.max(*attempts);
            entry.finished_seq = (*outcome == Outcome::Succeeded).then_some(seq);
            entry.ran |= entry.manual && *outcome == Outcome::Succeeded;
        }
        Entry::Interrupted { .. } => state.interrupted = true,
        Entry::Decision { step, choice, .. } => decide(state, step.as_deref(), *choice),
        Entry::RollbackStarted { to, steps } => {
            state.rollback = Rollback {
                in_progress: true,
                to: to.clone(),
                plan: steps.clone(),
                ..Rollback::default()
            };
            // Undoing steps reopens the run, whatever its end was: a partial rollback leaves it
            // resumable (the undone steps run again), a complete one ends it `rolled-back`.
            state.finished = None;
            state.reopen();
        }
        Entry::RollbackStep {
            step,
            outcome,
            reason,
        } => match outcome {
            RollbackOutcome::Started => state.rollback.undoing = Some(step.clone()),
            RollbackOutcome::Succeeded | RollbackOutcome::NoUndo => {
                state.rollback.undoing = None;
                state.rollback.done.push(step.clone());
                if let Some(entry) = state.steps.get_mut(step) {
                    entry.status = Status::RolledBack;
                }
            }
            RollbackOutcome::Failed => {
                state.rollback.undoing = None;
                state.rollback.failed = Some((step.clone(), reason.clone().unwrap_or_default()));
            }
        },
        Entry::RollbackFinished { state: end, .. } => {
            if *end == RollbackEnd::RolledBack {
                state.rollback = Rollback::default();
                state.rolled_back = true;
            }
        }
        Entry::RunFinished { state: end, .. } => state.finished = Some(*end),
        Entry::StepSpawned {
            step, undo: false, ..
        } => spawned(state, step),
        Entry::Check { .. } | Entry::StepSpawned { .. } => {}
    }
}

/// A step's command runs: the step acted, and so did every `call` step it is inside
/// (`outer/inner`: `outer` is undone through `inner`, or by its own undo commands).
fn spawned(state: &mut RunState, step: &str) {
    let mut id = step;
    loop {
        if let Some(entry) = state.steps.get_mut(id) {
            entry.ran = true;
        }
        match id.rfind('/') {
            Some(cut) => id = &id[..cut],
            None => break,
        }
    }
}

/// Decisions that change where a step or the run stands.
fn decide(state: &mut RunState, step: Option<&str>, choice: Choice) {
    if choice == Choice::ManualDone
        && let Some(entry) = step.and_then(|id| state.steps.get_mut(id))
    {
        entry.ran = true;
    }
    if choice == Choice::Waiting {
        state.waiting = true;
    } else if !matches!(choice, Choice::Abort | Choice::ManualAbort) {
        return;
    }
    // A step started in this session that waits, or that the operator aborted from its own
    // prompt, asked before it acted (a manual or ask question): nothing of it ran, so it is
    // walked again, not settled as an unknown outcome. One started in an earlier session waits for its unknown outcome to be
    // settled, and stays unknown.
    let session = state.session_seq;
    if let Some(entry) = step.and_then(|id| state.steps.get_mut(id))
        && entry.status == Status::Unknown
        && entry.started_seq > session
    {
        entry.status = Status::Pending;
    }
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
