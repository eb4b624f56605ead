//! Rollback: plan which completed steps to undo (reverse order of start, back to the newest
//! checkpoint or `--to STEP`), run their recorded undo commands, journal every step, stop at
//! the first failure, and continue an unfinished rollback on the next call.

use std::collections::BTreeMap;

use super::command::{self, Exit};
use super::events::Event;
use super::session::Session;
use crate::error::{Error, Result};
use crate::journal::record::{Entry, Undo};
use crate::journal::replay::{RunState, Status, StepState, replay};

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
        }
    }
}

/// Works out what to undo from a replayed run.
///
/// Undoable are the steps whose action began (or that recorded undo commands) and that are
/// not undone yet: succeeded ones, and failed or unknown ones, whose command may have done
/// part of its work. They are undone newest first (by start: a `call` step after its inner
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
    Ok(Plan {
        to: to.map(str::to_string),
        captures: captures(state, &steps),
        steps,
        complete: boundary.is_none(),
        continuing: false,
        interrupted: None,
    })
}

fn captures(state: &RunState, steps: &[(String, Vec<Undo>)]) -> BTreeMap<String, (String, String)> {
    steps
        .iter()
        .filter_map(|(id, _)| Some((id.clone(), state.steps.get(id)?.value.clone()?)))
        .collect()
}

/// Asks and gates change nothing outside the run, so there is nothing to undo or list.
fn undoable(step: &StepState) -> bool {
    (step.ran || !step.undo.is_empty())
        && matches!(
            step.status,
            Status::Succeeded | Status::Failed | Status::Unknown
        )
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

impl Session<'_> {
    /// Replays this run's journal from disk (the live state of the walk).
    pub fn current_state(&self) -> Result<RunState> {
        Ok(replay(&self.store.load(&self.run_id)?.records))
    }

    /// `on-failure = "rollback"` or the failure menu's choice: undo back to the newest
    /// checkpoint; `Ok(false)` when an undo command failed (the rollback is unfinished).
    pub fn rollback_to_checkpoint(&mut self) -> Result<bool> {
        if self.journal.is_none() {
            return Ok(true);
        }
        let state = self.current_state()?;
        let plan = plan(&state, None).map_err(|m| Error::failed(m, None))?;
        self.emit(plan.event());
        self.execute_rollback(&plan)
    }

    /// Runs a rollback plan; `Ok(true)` when every undo command succeeded.
    pub fn execute_rollback(&mut self, plan: &Plan) -> Result<bool> {
        if !plan.continuing {
            self.record(Entry::RollbackStarted {
                to: plan.to.clone(),
                steps: plan.steps.iter().map(|(id, _)| id.clone()).collect(),
            })?;
        }
        for (id, undo) in &plan.steps {
            if undo.is_empty() {
                self.record(Entry::RollbackStep {
                    step: id.clone(),
                    outcome: "no-undo".into(),
                    reason: None,
                })?;
                self.emit(Event::RollbackStep {
                    id: id.clone(),
                    command: None,
                    outcome: "no undo".into(),
                    reason: None,
                });
                continue;
            }
            self.record(Entry::RollbackStep {
                step: id.clone(),
                outcome: "started".into(),
                reason: None,
            })?;
            for command in undo {
                if let Some(reason) = self.run_undo(id, command, plan.captures.get(id))? {
                    self.record(Entry::RollbackStep {
                        step: id.clone(),
                        outcome: "failed".into(),
                        reason: Some(reason.clone()),
                    })?;
                    self.record(Entry::RollbackFinished {
                        state: "rollback-failed".into(),
                        reason: Some(format!("`{id}`: {reason}")),
                    })?;
                    self.emit(Event::RollbackStep {
                        id: id.clone(),
                        command: Some(command.run.clone()),
                        outcome: "failed".into(),
                        reason: Some(reason),
                    });
                    self.emit(Event::RollbackFinished {
                        state: "rollback-failed".into(),
                    });
                    if self.interrupt.is_set() {
                        return Err(crate::error::Error::Interrupted {
                            hint: Some(format!(
                                "`runbook rollback {}` continues from `{id}`",
                                self.run_id
                            )),
                        });
                    }
                    return Ok(false);
                }
                self.emit(Event::RollbackStep {
                    id: id.clone(),
                    command: Some(command.run.clone()),
                    outcome: "succeeded".into(),
                    reason: None,
                });
            }
            self.record(Entry::RollbackStep {
                step: id.clone(),
                outcome: "succeeded".into(),
                reason: None,
            })?;
        }
        self.record(Entry::RollbackFinished {
            state: "rolled-back".into(),
            reason: None,
        })?;
        if plan.complete {
            self.record(Entry::RunFinished {
                state: "rolled-back".into(),
                reason: None,
            })?;
        }
        self.emit(Event::RollbackFinished {
            state: "rolled-back".into(),
        });
        Ok(true)
    }

    /// Runs one undo command; `Some(reason)` when it failed.
    fn run_undo(
        &mut self,
        id: &str,
        undo: &Undo,
        capture: Option<&(String, String)>,
    ) -> Result<Option<String>> {
        let mut scope = self.top_scope.clone();
        if let Some((name, value)) = capture {
            scope.set(name, value.clone(), false);
        }
        let timeout = undo.timeout_ms.map(std::time::Duration::from_millis);
        let spec = self.spec(&scope, undo.run.clone(), timeout);
        self.emit(Event::CommandStarted {
            id: format!("undo {id}"),
            attempt: 1,
            attempts: 1,
            command: undo.run.clone(),
        });
        let reporter = &mut *self.reporter;
        let secrets = self.secrets.clone();
        let journal = &mut self.journal;
        let mut noted = Ok(());
        let finished = command::run_with(
            &spec,
            command::DEFAULT_KEEP,
            &self.interrupt,
            &mut |pid| noted = super::kinds::note_spawn(journal, id, 1, true, pid),
            &mut |stream, line| {
                reporter.event(&Event::Output {
                    id: format!("undo {id}"),
                    stream,
                    line: super::scope::mask(line, &secrets),
                });
            },
        );
        noted.map_err(|e| Error::io("write journal", self.store.journal_path(&self.run_id), e))?;
        let finished = match finished {
            Ok(f) => f,
            Err(e) => return Ok(Some(format!("cannot start the shell: {e}"))),
        };
        Ok(match finished.exit {
            Exit::Code(0) => None,
            exit => {
                let tail =
                    super::checks::tail_lines(&finished.stdout, &finished.stderr, 3).join(" | ");
                Some(self.mask(&format!(
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
