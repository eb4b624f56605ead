//! Rollback: plan which completed steps to undo (reverse order of start, back to the newest
//! checkpoint or `--to STEP`), run their recorded undo commands, journal every step, stop at
//! the first failure, and continue an unfinished rollback on the next call.

use std::collections::BTreeMap;

use super::command::{self, Exit};
use super::context::Context;
use super::events::Event;
use super::scope::Scope;
use crate::error::Result;
use crate::journal::record::{Entry, RollbackEnd, RollbackOutcome, RunEnd, Undo};
use crate::journal::replay::{RunState, Status, StepState};

/// The steps to undo, newest first.
#[derive(Debug, Clone)]
pub struct Plan {
    pub to: Option<String>,
    pub steps: Vec<(String, Vec<Undo>)>,
    /// Nothing remains done before the plan: a complete rollback ends the run.
    pub complete: bool,
    /// Continues a rollback that stopped.
    pub continuing: bool,
    /// The step whose undo began and never ended (continuing only).
    pub interrupted: Option<String>,
    /// The capture of a step in the plan: its undo commands read it from the environment.
    pub captures: BTreeMap<String, (String, String)>,
    /// Steps in the rolled-back range that failed before their command started, with why:
    /// there is nothing of theirs to undo, so the plan names them and leaves them out.
    pub left_out: Vec<(String, String)>,
}

impl Plan {
    /// The plan as shown before anything runs. Steps without undo commands are named in a
    /// note, except `call` steps whose inner steps are undone (they are undone through them).
    pub fn event(&self) -> Event {
        let no_undo = self
            .steps
            .iter()
            .filter(|(id, undo)| {
                undo.is_empty()
                    && !self
                        .steps
                        .iter()
                        .any(|(inner, _)| inner.starts_with(&format!("{id}/")))
            })
            .map(|(id, _)| id.clone())
            .collect();
        Event::RollbackPlanned {
            steps: self
                .steps
                .iter()
                .map(|(id, undo)| (id.clone(), undo.iter().map(|u| u.run.clone()).collect()))
                .collect(),
            no_undo,
            interrupted: self.interrupted.clone(),
            left_out: self.left_out.clone(),
        }
    }
}

/// Works out what to undo from a replayed run.
///
/// Undoable are the steps with journal evidence that their action began (see
/// [`StepState::ran`]) and that are not undone yet: succeeded ones, and failed or unknown
/// ones, whose command may have done part of its work. A step that failed before its command
/// started is never undone; the plan names it in `left_out`. They are undone newest first (by start: a `call` step after its inner
/// steps), back to the boundary: everything that started after the newest succeeded
/// checkpoint finished (or after `--to STEP` finished) is undone; a rollback with no
/// checkpoint left undoes everything and ends the run.
pub fn plan(state: &RunState, to: Option<&str>) -> Result<Plan, String> {
    let mut candidates: Vec<(&String, &StepState)> =
        state.steps.iter().filter(|s| undoable(s.1)).collect();
    candidates.sort_by_key(|(_, s)| std::cmp::Reverse(s.started_seq));
    if state.rollback.in_progress && to.is_none() {
        // Steps whose undo did not finish (failed, or the process died mid-undo) run again
        // from their first undo command: undo commands must be idempotent.
        let steps: Vec<(String, Vec<Undo>)> = state
            .rollback
            .plan
            .iter()
            .filter(|id| !state.rollback.done.contains(id))
            .map(|id| {
                (
                    id.clone(),
                    state
                        .steps
                        .get(id)
                        .map(|s| s.undo.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
        let complete = state.rollback.to.is_none()
            && candidates
                .iter()
                .all(|(id, _)| state.rollback.plan.contains(id));
        return Ok(Plan {
            to: state.rollback.to.clone(),
            captures: captures(state, &steps),
            steps,
            complete,
            continuing: true,
            interrupted: state.rollback.undoing.clone(),
            left_out: Vec::new(),
        });
    }
    let boundary = match to {
        Some(target) => {
            let step = state
                .steps
                .get(target)
                .ok_or_else(|| format!("step `{target}` did not run in this run"))?;
            if step.status != Status::Succeeded {
                return Err(format!(
                    "step `{target}` has not succeeded in this run, so it is no rollback point"
                ));
            }
            step.finished_seq
        }
        None => checkpoint_boundary(state, &candidates),
    };
    let steps: Vec<(String, Vec<Undo>)> = candidates
        .iter()
        .filter(|(_, s)| boundary.is_none_or(|b| s.started_seq > b))
        .map(|(id, s)| ((*id).clone(), s.undo.clone()))
        .collect();
    let mut left_out: Vec<(&String, &StepState)> = state
        .steps
        .iter()
        .filter(|(_, s)| never_started(s) && boundary.is_none_or(|b| s.started_seq > b))
        .collect();
    left_out.sort_by_key(|(_, s)| std::cmp::Reverse(s.started_seq));
    Ok(Plan {
        to: to.map(str::to_string),
        captures: captures(state, &steps),
        steps,
        complete: boundary.is_none(),
        continuing: false,
        interrupted: None,
        left_out: left_out
            .into_iter()
            .map(|(id, s)| (id.clone(), why_left_out(s)))
            .collect(),
    })
}

fn captures(state: &RunState, steps: &[(String, Vec<Undo>)]) -> BTreeMap<String, (String, String)> {
    steps
        .iter()
        .filter_map(|(id, _)| Some((id.clone(), state.steps.get(id)?.value.clone()?)))
        .collect()
}

/// Asks and gates change nothing outside the run, so there is nothing to undo or list; a
/// step whose command never started has nothing to undo either. A manual step is listed
/// only when it declares undo commands: one without them (look at a dashboard) is no
/// change to check by hand.
fn undoable(step: &StepState) -> bool {
    step.ran
        && (!step.manual || !step.undo.is_empty())
        && matches!(
            step.status,
            Status::Succeeded | Status::Failed | Status::Unknown
        )
}

/// A step that failed (or stopped) before its command started: worth naming in the plan,
/// since it may have undo commands that will not run.
fn never_started(step: &StepState) -> bool {
    !step.ran
        && (step.status == Status::Failed
            || (step.status == Status::Unknown && !step.undo.is_empty()))
}

fn why_left_out(step: &StepState) -> String {
    match &step.reason {
        Some(reason) => format!("its command never started ({reason})"),
        None => "its command never started".into(),
    }
}

/// Where the newest succeeded checkpoint (of any kind, a gate too) finished, if something
/// undoable started after it; otherwise the checkpoint before it (so a second rollback goes
/// one checkpoint further back). `None`: no checkpoint left, undo everything.
fn checkpoint_boundary(state: &RunState, candidates: &[(&String, &StepState)]) -> Option<usize> {
    let mut checkpoints: Vec<usize> = state
        .steps
        .values()
        .filter(|s| s.checkpoint && s.status == Status::Succeeded)
        .filter_map(|s| s.finished_seq)
        .collect();
    checkpoints.sort_unstable_by(|a, b| b.cmp(a));
    let newest = *checkpoints.first()?;
    if candidates.iter().any(|(_, s)| s.started_seq > newest) {
        Some(newest)
    } else {
        checkpoints.get(1).copied()
    }
}

/// How running a rollback plan ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undone {
    /// Every undo command succeeded.
    All,
    /// An undo command of this step failed; the rollback is unfinished.
    FailedAt(String),
    /// Ctrl-C stopped an undo command of this step; the rollback is unfinished.
    InterruptedAt(String),
}

/// Runs a rollback plan: the recorded undo commands with the run's top-level variables,
/// journaling every step, stopping at the first failure.
pub struct RollbackRunner<'c, 'a> {
    cx: &'c mut Context<'a>,
    /// The run's top-level variables: the environment of undo commands.
    scope: &'c Scope,
}

impl<'c, 'a> RollbackRunner<'c, 'a> {
    pub fn new(cx: &'c mut Context<'a>, scope: &'c Scope) -> Self {
        Self { cx, scope }
    }

    /// Runs a rollback plan.
    pub fn execute(&mut self, plan: &Plan) -> Result<Undone> {
        if !plan.continuing {
            self.cx.record(Entry::RollbackStarted {
                to: plan.to.clone(),
                steps: plan.steps.iter().map(|(id, _)| id.clone()).collect(),
            })?;
        }
        for (id, undo) in &plan.steps {
            if undo.is_empty() {
                self.undo_step(id, None, RollbackOutcome::NoUndo, None)?;
                continue;
            }
            self.cx.record(Entry::RollbackStep {
                step: id.clone(),
                outcome: RollbackOutcome::Started,
                reason: None,
            })?;
            for command in undo {
                if let Some(reason) = self.run_undo(id, command, plan.captures.get(id))? {
                    self.undo_step(
                        id,
                        Some(&command.run),
                        RollbackOutcome::Failed,
                        Some(reason.clone()),
                    )?;
                    self.cx.record(Entry::RollbackFinished {
                        state: RollbackEnd::RollbackFailed,
                        reason: Some(format!("`{id}`: {reason}")),
                    })?;
                    self.cx.emit(Event::RollbackFinished {
                        state: RollbackEnd::RollbackFailed,
                    });
                    return Ok(if self.cx.commands.interrupt.is_set() {
                        Undone::InterruptedAt(id.clone())
                    } else {
                        Undone::FailedAt(id.clone())
                    });
                }
                self.cx.emit(Event::RollbackStep {
                    id: id.clone(),
                    command: Some(command.run.clone()),
                    outcome: RollbackOutcome::Succeeded,
                    reason: None,
                });
            }
            self.cx.record(Entry::RollbackStep {
                step: id.clone(),
                outcome: RollbackOutcome::Succeeded,
                reason: None,
            })?;
        }
        self.cx.record(Entry::RollbackFinished {
            state: RollbackEnd::RolledBack,
            reason: None,
        })?;
        if plan.complete {
            self.cx.record(Entry::RunFinished {
                state: RunEnd::RolledBack,
                reason: None,
            })?;
        }
        self.cx.emit(Event::RollbackFinished {
            state: RollbackEnd::RolledBack,
        });
        Ok(Undone::All)
    }

    /// Journals and reports the end of one step's undo (or that it has none).
    fn undo_step(
        &mut self,
        id: &str,
        command: Option<&str>,
        outcome: RollbackOutcome,
        reason: Option<String>,
    ) -> Result<()> {
        self.cx.record(Entry::RollbackStep {
            step: id.into(),
            outcome,
            reason: reason.clone(),
        })?;
        self.cx.emit(Event::RollbackStep {
            id: id.into(),
            command: command.map(str::to_string),
            outcome,
            reason,
        });
        Ok(())
    }

    /// Runs one undo command; `Some(reason)` when it failed.
    fn run_undo(
        &mut self,
        id: &str,
        undo: &Undo,
        capture: Option<&(String, String)>,
    ) -> Result<Option<String>> {
        let mut scope = self.scope.clone();
        if let Some((name, value)) = capture {
            scope.set(name, value.clone(), false);
        }
        let timeout = undo.timeout_ms.map(std::time::Duration::from_millis);
        let spec = self
            .cx
            .commands
            .spec(&mut self.cx.text, &scope, undo.run.clone(), timeout);
        self.cx.emit(Event::CommandStarted {
            id: format!("undo {id}"),
            attempt: 1,
            attempts: 1,
            command: undo.run.clone(),
        });
        let cx = &mut *self.cx;
        let reporter = &mut *cx.reporter;
        let recorder = &mut cx.recorder;
        let secrets = cx.text.secrets();
        let mut noted = Ok(());
        let finished = command::run_with(
            &spec,
            command::DEFAULT_KEEP,
            &cx.commands.interrupt,
            &mut |pid| noted = super::kinds::note_spawn(recorder, id, 1, true, pid),
            &mut |stream, line| {
                reporter.event(&Event::Output {
                    id: format!("undo {id}"),
                    stream,
                    line: super::scope::mask(line, secrets),
                });
            },
        );
        noted?;
        let finished = match finished {
            Ok(f) => f,
            Err(e) => return Ok(Some(format!("cannot start the shell: {e}"))),
        };
        Ok(match finished.exit {
            Exit::Code(0) => None,
            exit => {
                let tail =
                    super::checks::tail_lines(&finished.stdout, &finished.stderr, 3).join(" | ");
                Some(self.cx.text.mask(&format!(
                    "`{}` failed with {}{}",
                    undo.run,
                    exit.describe(),
                    if tail.is_empty() {
                        String::new()
                    } else {
                        format!(": {tail}")
                    }
                )))
            }
        })
    }
}
