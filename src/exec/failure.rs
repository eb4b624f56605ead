//! What happens when a step fails: journal the failure, then follow `on-failure` — ask the
//! operator (retry, skip, roll back, shell, abort), halt, continue, or roll back to the
//! newest checkpoint. Without an operator, `ask` acts as `halt`.

use super::events::{Event, SkipReason, StepEnd, SummaryRow};
use super::prompter::{FailureChoice, FailureView, StepView};
use super::rollback::{Undone, plan};
use super::scope::Scope;
use super::session::{Session, Stop};
use crate::error::{Error, Result};
use crate::journal::record::{Choice, Entry, Outcome};
use crate::runbook::model::{OnFailure, Step};

#[derive(Debug, Clone)]
pub struct Failure {
    pub reason: String,
    pub tail: Vec<String>,
    pub exit_code: Option<i32>,
    /// Ctrl-C stopped the command: the step gets no outcome (unknown on resume).
    pub interrupted: bool,
    /// The step's action began (so there may be something to undo).
    pub started: bool,
}

impl Failure {
    pub fn interrupted() -> Self {
        Self {
            reason: "interrupted by Ctrl-C".into(),
            tail: Vec::new(),
            exit_code: None,
            interrupted: true,
            started: true,
        }
    }

    /// A failing check; `what` names it (``verify `ready` ``), `message` is its hint.
    pub fn check(
        what: &str,
        reason: &str,
        message: Option<String>,
        tail: Vec<String>,
        started: bool,
    ) -> Self {
        let hint = message.map(|m| format!(" ({m})")).unwrap_or_default();
        Self {
            reason: format!("{what} failed: {reason}{hint}"),
            tail,
            exit_code: None,
            interrupted: false,
            started,
        }
    }

    pub fn render(error: &str) -> Self {
        Self {
            reason: format!("cannot render the command: {error}"),
            tail: Vec::new(),
            exit_code: None,
            interrupted: false,
            started: false,
        }
    }
}

pub enum FailureAction {
    Retry,
    /// Go on with the walk (the step counts as failed or skipped).
    Continue,
    Stop(Stop),
}

impl Session<'_> {
    /// `attempts`: the step's tries so far (retries included), journaled with the failure.
    pub fn handle_failure(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        id: &str,
        failure: Failure,
        attempts: u32,
    ) -> Result<FailureAction> {
        let title = self.shown(scope, &step.title);
        let reason = self.mask(&failure.reason);
        if failure.interrupted {
            self.record(Entry::Interrupted {
                step: Some(id.into()),
            })?;
        } else {
            self.record(Entry::StepFinished {
                step: id.into(),
                outcome: Outcome::Failed,
                exit_code: failure.exit_code,
                reason: Some(reason.clone()),
                value: None,
                duration_ms: 0,
                attempts,
            })?;
        }
        self.emit(Event::StepFinished {
            id: id.into(),
            title: title.clone(),
            outcome: if failure.interrupted {
                StepEnd::Interrupted
            } else {
                StepEnd::Failed
            },
            reason: Some(reason.clone()),
            duration: std::time::Duration::ZERO,
            attempts,
        });
        let message = format!("step `{id}` failed: {reason}");
        let operator = self.options.operator && self.cx.commands.interrupt.count() < 2;
        if failure.interrupted && !operator {
            self.push_summary(id, &title, StepEnd::Interrupted);
            return Ok(FailureAction::Stop(Stop::Interrupted));
        }
        self.cx.commands.interrupt.clear();
        match step.on_failure {
            OnFailure::Continue if !failure.interrupted => {
                self.push_summary(id, &title, StepEnd::Failed);
                self.continued.push(id.to_string());
                Ok(FailureAction::Continue)
            }
            OnFailure::Rollback if !failure.interrupted => {
                self.push_summary(id, &title, StepEnd::Failed);
                self.rollback_after(message)
            }
            _ if operator || self.prompter.answers_failure(id) => {
                self.failure_menu(scope, step, id, &title, &failure, message)
            }
            _ => {
                self.push_summary(id, &title, StepEnd::Failed);
                Ok(FailureAction::Stop(Stop::Failed(message)))
            }
        }
    }

    fn failure_menu(
        &mut self,
        scope: &Scope,
        step: &Step,
        id: &str,
        title: &str,
        failure: &Failure,
        message: String,
    ) -> Result<FailureAction> {
        let view = FailureView {
            step: StepView {
                id: id.into(),
                title: title.into(),
                details: self.cx.text.details(scope, step),
            },
            reason: self.mask(&failure.reason),
            tail: if failure.exit_code.is_some() {
                Vec::new()
            } else {
                failure.tail.clone()
            },
            can_rollback: true,
        };
        loop {
            let choice = match self.prompter.failure(&view) {
                Ok(choice) => choice,
                Err(e) => return Ok(FailureAction::Stop(Self::prompt_stop(e))),
            };
            let decision = match choice {
                FailureChoice::Retry => Choice::FailureRetry,
                FailureChoice::Skip => Choice::FailureSkip,
                FailureChoice::Rollback => Choice::FailureRollback,
                FailureChoice::Shell => Choice::FailureShell,
                FailureChoice::Abort => Choice::FailureAbort,
            };
            self.decide(Some(id), decision)?;
            match choice {
                FailureChoice::Retry => {
                    self.cx.commands.interrupt.clear();
                    return Ok(FailureAction::Retry);
                }
                FailureChoice::Skip => {
                    let reason = SkipReason::OperatorAfterFailure;
                    self.skip(scope, step, id, title, reason)?;
                    return Ok(FailureAction::Continue);
                }
                FailureChoice::Rollback => {
                    self.push_summary(id, title, StepEnd::Failed);
                    return self.rollback_after(message);
                }
                FailureChoice::Shell => {
                    let spec = self
                        .cx
                        .commands
                        .spec(&mut self.cx.text, scope, String::new(), None);
                    if let Err(e) = self.prompter.shell(&spec.cwd, &spec.env) {
                        return Ok(FailureAction::Stop(Self::prompt_stop(e)));
                    }
                }
                FailureChoice::Abort => {
                    self.push_summary(id, title, StepEnd::Failed);
                    return Ok(FailureAction::Stop(Stop::Aborted));
                }
            }
        }
    }

    /// Rolls back to the newest checkpoint after a failure; a failing undo command leaves
    /// the rollback unfinished, and the run stops saying so.
    fn rollback_after(&mut self, message: String) -> Result<FailureAction> {
        Ok(FailureAction::Stop(
            match self.rollback_to_checkpoint()? {
                Undone::All => Stop::RolledBack(message),
                Undone::FailedAt(_) => Stop::RollbackStopped(format!(
                    "{message}; the rollback stopped at a failing undo command"
                )),
                Undone::InterruptedAt(_) => Stop::Interrupted,
            },
        ))
    }

    /// `on-failure = "rollback"` or the failure menu's choice: undo back to the newest
    /// checkpoint, planned from the live run state.
    fn rollback_to_checkpoint(&mut self) -> Result<Undone> {
        if self.cx.recorder.is_dry() {
            return Ok(Undone::All);
        }
        let plan = plan(self.state(), None).map_err(|m| Error::failed(m, None))?;
        self.emit(plan.event());
        self.execute_rollback(&plan)
    }

    fn push_summary(&mut self, id: &str, title: &str, outcome: StepEnd) {
        self.summary.push(SummaryRow {
            id: id.into(),
            title: title.into(),
            outcome,
            duration: std::time::Duration::ZERO,
            attempts: 0,
        });
    }
}
