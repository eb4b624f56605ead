//! What happens when a step fails: journal the failure, then follow `on-failure` — ask the
//! operator (retry, skip, roll back, shell, abort), halt, continue, or roll back to the
//! newest checkpoint. Without an operator, `ask` acts as `halt`.

use super::events::{Event, SkipReason, StepEnd, SummaryRow};
use super::prompter::{FailureChoice, FailureView, StepView};
use super::rollback::{Plan, Undone, plan};
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
}

impl Failure {
    pub fn interrupted() -> Self {
        Self {
            reason: "interrupted by Ctrl-C".into(),
            tail: Vec::new(),
            exit_code: None,
            interrupted: true,
        }
    }

    /// A failing check; `what` names it (``verify `ready` ``), `message` is its hint.
    pub fn check(what: &str, reason: &str, message: Option<String>, tail: Vec<String>) -> Self {
        let hint = message.map(|m| format!(" ({m})")).unwrap_or_default();
        Self {
            reason: format!("{what} failed: {reason}{hint}"),
            tail,
            exit_code: None,
            interrupted: false,
        }
    }

    pub fn render(error: &str) -> Self {
        Self {
            reason: format!("cannot render the command: {error}"),
            tail: Vec::new(),
            exit_code: None,
            interrupted: false,
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
        // The summary says how the step ended: interrupted (no outcome journaled) or failed.
        let end = if failure.interrupted {
            StepEnd::Interrupted
        } else {
            StepEnd::Failed
        };
        loop {
            let choice = match self.prompter.failure(&view) {
                Ok(choice) => choice,
                Err(e) => {
                    self.push_summary(id, title, end);
                    return Ok(FailureAction::Stop(Self::prompt_stop(e)));
                }
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
                    if let Some(action) = self.menu_rollback(id, title, end, &message)? {
                        return Ok(action);
                    }
                }
                FailureChoice::Shell => {
                    let spec = self
                        .cx
                        .commands
                        .spec(&mut self.cx.text, scope, String::new(), None);
                    if let Err(e) = self.prompter.shell(&spec.cwd, &spec.env) {
                        self.push_summary(id, title, end);
                        return Ok(FailureAction::Stop(Self::prompt_stop(e)));
                    }
                }
                FailureChoice::Abort => {
                    self.push_summary(id, title, end);
                    return Ok(FailureAction::Stop(Stop::Aborted));
                }
            }
        }
    }

    /// The failure menu's rollback: shows the plan, then asks. Declined (or nothing to
    /// undo), the menu is shown again: `None`. The operator chose a way out of the failure,
    /// and "no" to this one leaves the others open.
    fn menu_rollback(
        &mut self,
        id: &str,
        title: &str,
        end: StepEnd,
        message: &str,
    ) -> Result<Option<FailureAction>> {
        if self.cx.recorder.is_dry() {
            self.push_summary(id, title, end);
            return Ok(Some(FailureAction::Stop(Stop::RolledBack(message.into()))));
        }
        let plan = self.checkpoint_plan()?;
        if plan.steps.is_empty() {
            return Ok(None);
        }
        let question = format!(
            "undo {} step{} back to the last checkpoint?",
            plan.steps.len(),
            if plan.steps.len() == 1 { "" } else { "s" }
        );
        match self.prompter.approve_rollback(&question) {
            Ok(true) => {}
            Ok(false) => {
                self.decide(Some(id), Choice::Declined)?;
                return Ok(None);
            }
            Err(e) => {
                self.push_summary(id, title, end);
                return Ok(Some(FailureAction::Stop(Self::prompt_stop(e))));
            }
        }
        self.push_summary(id, title, end);
        let undone = self.execute_rollback(&plan)?;
        Ok(Some(Self::after_rollback(message.to_string(), &undone)))
    }

    /// `on-failure = "rollback"`: the runbook's author chose it, so it runs at once (the
    /// plan is still shown); a failing undo command leaves the rollback unfinished, and the
    /// run stops saying so.
    fn rollback_after(&mut self, message: String) -> Result<FailureAction> {
        if self.cx.recorder.is_dry() {
            return Ok(FailureAction::Stop(Stop::RolledBack(message)));
        }
        let plan = self.checkpoint_plan()?;
        let undone = self.execute_rollback(&plan)?;
        Ok(Self::after_rollback(message, &undone))
    }

    fn after_rollback(message: String, undone: &Undone) -> FailureAction {
        FailureAction::Stop(match undone {
            Undone::All => Stop::RolledBack(message),
            Undone::FailedAt(_) => Stop::RollbackStopped(format!(
                "{message}; the rollback stopped at a failing undo command"
            )),
            Undone::InterruptedAt(_) => Stop::Interrupted,
        })
    }

    /// The plan back to the newest checkpoint, from the live run state, shown before
    /// anything runs (as `runbook rollback` shows it).
    fn checkpoint_plan(&mut self) -> Result<Plan> {
        let plan = plan(self.state(), None).map_err(|m| Error::failed(m, None))?;
        self.emit(plan.event());
        Ok(plan)
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
