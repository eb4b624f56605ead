//! One attempt at a step: offer/confirm, preconditions, the journaled intent, the action
//! (its kinds live in `kinds`), then verify and the journaled outcome; plus the step's
//! rendered undo commands and details. Never prints or prompts directly.

use std::time::Instant;

use super::checks::CheckOutcome;
use super::events::{Event, SkipReason, StepEnd, SummaryRow};
use super::failure::Failure;
use super::prompter::{StepChoice, StepView};
use super::scope::Scope;
use super::session::{Mode, Session, Stop};
use crate::error::Result;
use crate::journal::record::{CheckPhase, Choice, Entry, Outcome, StepKind};
use crate::runbook::model::{Action, Step};

/// What a step kind's action did.
pub enum Acted {
    /// It did its work; `value` is a capture or an `ask` answer to journal.
    Done {
        value: Option<(String, String)>,
    },
    /// A manual step whose verify checks already pass: done, and verified.
    Verified,
    /// The operator skipped the step (already journaled).
    Skipped,
    Failed(Failure),
    Stop(Stop),
}

/// How one attempt at a step ended.
pub enum ActionResult {
    /// Succeeded or skipped (journaled): the walk goes on.
    Done,
    Failed(Failure),
    Stop(Stop),
}

impl Session<'_> {
    /// `retrying`: the operator just chose retry, so the step is not offered again.
    /// `attempts` counts the step's tries so far (every run of its command, retries
    /// included, or one per attempt of another kind of step); it numbers the logs.
    pub fn attempt(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        id: &str,
        position: (usize, usize),
        attempts: &mut u32,
        retrying: bool,
    ) -> Result<ActionResult> {
        let attempts_before = *attempts;
        let title = self.shown(scope, &step.title);
        let command = self.cx.text.step_action(scope, step);
        let description = step.description.as_ref().map(|d| self.shown(scope, d));
        self.emit(Event::StepStarted {
            id: id.into(),
            index: position.0,
            total: position.1,
            title: title.clone(),
            description,
            kind: kind_of(&step.action),
            command: command.clone(),
        });
        // Only a prompt or a dry run shows the details: under `--yes` nobody would read them.
        let shown = self.options.dry_run || self.options.mode != Mode::Yes;
        let view = StepView {
            id: id.into(),
            title: title.clone(),
            details: if shown {
                self.cx.text.details(scope, step)
            } else {
                String::new()
            },
        };
        if let Some(result) = self.offer(scope, step, id, &view, retrying)? {
            return Ok(result);
        }
        if self.options.dry_run {
            self.emit(Event::StepDetails {
                id: id.into(),
                details: view.details.clone(),
            });
            self.summary.push(SummaryRow {
                id: id.into(),
                title,
                outcome: StepEnd::WouldRun,
                duration: std::time::Duration::ZERO,
                attempts: 0,
            });
            return Ok(ActionResult::Done);
        }
        match self.run_checks(
            scope,
            &step.preconditions,
            Some(id),
            CheckPhase::Precondition,
            false,
        )? {
            CheckOutcome::Passed => {}
            // Nothing started yet: stop before the step, which stays pending; the summary
            // still names the step that was interrupted.
            CheckOutcome::Interrupted => {
                self.summary.push(SummaryRow {
                    id: id.into(),
                    title,
                    outcome: StepEnd::Interrupted,
                    duration: std::time::Duration::ZERO,
                    attempts: 0,
                });
                return Ok(ActionResult::Stop(Stop::Interrupted));
            }
            CheckOutcome::Failed {
                name,
                reason,
                tail,
                message,
            } => {
                let what = format!("precondition `{name}`");
                return Ok(ActionResult::Failed(Failure::check(
                    &what, &reason, message, tail,
                )));
            }
        }
        let undo = self.cx.text.undo(scope, step);
        self.record(Entry::StepStarted {
            step: id.into(),
            attempt: attempts_before + 1,
            title: title.clone(),
            kind: kind_of(&step.action),
            command,
            undo,
            checkpoint: step.checkpoint,
        })?;
        let started = Instant::now();
        let acted = match &step.action {
            Action::Run(run) => self.run_action(scope, step, id, run, attempts)?,
            Action::Manual(text) => self.manual_action(scope, step, id, text, &view)?,
            Action::Ask(ask) => self.ask_action(scope, step, id, ask)?,
            Action::Call(call) => self.call_action(scope, id, call)?,
            Action::Gate => Acted::Done { value: None },
        };
        if !matches!(step.action, Action::Run(_)) {
            *attempts += 1;
        }
        let attempts = *attempts;
        let (value, verified) = match acted {
            Acted::Done { value } => (value, false),
            Acted::Verified => (None, true),
            Acted::Skipped => return Ok(ActionResult::Done),
            Acted::Failed(failure) => return Ok(ActionResult::Failed(failure)),
            Acted::Stop(stop) => return Ok(ActionResult::Stop(stop)),
        };
        if !verified {
            if let CheckOutcome::Failed {
                name,
                reason,
                tail,
                message,
            } = self.run_checks(scope, &step.verify, Some(id), CheckPhase::Verify, false)?
            {
                let what = format!("verify `{name}`");
                return Ok(ActionResult::Failed(Failure::check(
                    &what, &reason, message, tail,
                )));
            } else if self.cx.commands.interrupt.is_set() {
                return Ok(ActionResult::Failed(Failure::interrupted()));
            }
        }
        let duration = started.elapsed();
        self.record(Entry::StepFinished {
            step: id.into(),
            outcome: Outcome::Succeeded,
            exit_code: None,
            reason: None,
            value: value.clone(),
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            attempts,
        })?;
        self.emit(Event::StepFinished {
            id: id.into(),
            title: title.clone(),
            outcome: StepEnd::Succeeded,
            reason: None,
            duration,
            attempts,
        });
        self.summary.push(SummaryRow {
            id: id.into(),
            title,
            outcome: StepEnd::Succeeded,
            duration,
            attempts,
        });
        Ok(ActionResult::Done)
    }

    /// Interactive offer and confirmation. `Some` ends the attempt (skipped or stopped).
    fn offer(
        &mut self,
        scope: &Scope,
        step: &Step,
        id: &str,
        view: &StepView,
        retrying: bool,
    ) -> Result<Option<ActionResult>> {
        // A dry run never prompts: it only shows the plan, so there is nothing to decide.
        let offered = !retrying
            && !self.options.dry_run
            && self.options.mode == Mode::Interactive
            && !matches!(step.action, Action::Manual(_) | Action::Ask(_));
        if offered {
            match self.prompter.offer_step(view) {
                Ok(StepChoice::Run) => {}
                Ok(StepChoice::Skip) => {
                    self.decide(Some(id), Choice::Skip)?;
                    self.skip(scope, step, id, &view.title, SkipReason::Operator)?;
                    return Ok(Some(ActionResult::Done));
                }
                Ok(StepChoice::Abort) => {
                    self.decide(Some(id), Choice::Abort)?;
                    return Ok(Some(ActionResult::Stop(Stop::Aborted)));
                }
                Err(e) => return Ok(Some(ActionResult::Stop(Self::prompt_stop(e)))),
            }
        }
        if step.confirm && !self.options.dry_run && !retrying {
            match self.prompter.confirm(view) {
                Ok(true) => self.decide(Some(id), Choice::Confirmed)?,
                Ok(false) => {
                    self.decide(Some(id), Choice::Declined)?;
                    return Ok(Some(ActionResult::Stop(Stop::Aborted)));
                }
                Err(e) => return Ok(Some(ActionResult::Stop(Self::prompt_stop(e)))),
            }
        }
        Ok(None)
    }
}

/// The journal's word for what a step does.
pub fn kind_of(action: &Action) -> StepKind {
    match action {
        Action::Run(_) => StepKind::Run,
        Action::Manual(_) => StepKind::Manual,
        Action::Ask(_) => StepKind::Ask,
        Action::Call(_) => StepKind::Call,
        Action::Gate => StepKind::Gate,
    }
}
