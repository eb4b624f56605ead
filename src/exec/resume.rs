//! What an earlier session of the run already did, settled when the walk reaches the step:
//! done steps are re-verified (unless `--no-reverify` or `reverify = false`) and passed
//! over, skipped ones passed over, unknown outcomes settled by verify, `idempotent`, then
//! the operator. Reads the live run state; never the journal file.

use super::checks::CheckOutcome;
use super::events::{Event, SkipReason};
use super::prompter::{AskReply, AskView, FailureView, ReverifyChoice, StepView, UnknownChoice};
use super::scope::Scope;
use super::session::{Session, Stop};
use crate::error::Result;
use crate::journal::record::{CheckPhase, Choice, Entry, Outcome};
use crate::journal::replay::{Status, StepState};
use crate::runbook::model::{Action, Step};

/// What to do with a step an earlier session touched.
pub enum Settled {
    /// Walk it as usual.
    Walk,
    /// It stays as it is; go on with the next step.
    Done,
    Stop(Stop),
}

impl Session<'_> {
    pub(super) fn settle(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        id: &str,
        previous: &StepState,
    ) -> Result<Settled> {
        if let Some((name, value)) = &previous.value {
            scope.set(name, value.clone(), false);
        }
        if let Some(settled) = self.rederive_secret_capture(scope, step, id, previous)? {
            return Ok(settled);
        }
        match previous.status {
            // A secret answer was never written down: ask it again.
            Status::Succeeded if matches!(&step.action, Action::Ask(ask) if ask.secret) => {
                Ok(Settled::Walk)
            }
            Status::Succeeded => self.already_done(scope, step, id, previous),
            Status::Skipped => {
                self.emit(Event::StepSkipped {
                    id: id.into(),
                    title: previous.title.clone(),
                    reason: SkipReason::EarlierSession,
                });
                Ok(Settled::Done)
            }
            Status::Unknown if !matches!(step.action, Action::Call(_)) => {
                self.settle_unknown(scope, step, id)
            }
            _ => Ok(Settled::Walk),
        }
    }

    /// A capture that held a secret was not journaled (the mask is no value): an
    /// idempotent step runs again to derive it, otherwise the operator gives it.
    /// `Some` when the walk must stop or the step must run again.
    fn rederive_secret_capture(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        id: &str,
        previous: &StepState,
    ) -> Result<Option<Settled>> {
        let Some(capture) = &step.capture else {
            return Ok(None);
        };
        if previous.status != Status::Succeeded
            || previous.value.is_some()
            || !matches!(step.action, Action::Run(_))
        {
            return Ok(None);
        }
        if step.idempotent {
            return Ok(Some(Settled::Walk));
        }
        let view = AskView {
            step: id.into(),
            into: capture.clone(),
            question: format!(
                "step `{id}` captured a secret into `{capture}`, which was not written down; \
                 enter its value"
            ),
            choices: Vec::new(),
            default: None,
            secret: true,
            pattern: None,
            announced: false,
        };
        match self.prompter.ask(&view) {
            Ok(AskReply::Answer(value)) => {
                self.cx.text.add_secrets([value.clone()]);
                scope.set(capture, value, true);
                Ok(None)
            }
            // Without the value the steps that read it cannot run: skipping is aborting.
            Ok(AskReply::Skip | AskReply::Abort) => {
                self.decide(Some(id), Choice::Abort)?;
                Ok(Some(Settled::Stop(Stop::Aborted)))
            }
            Err(e) => Ok(Some(Settled::Stop(Self::prompt_stop(e)))),
        }
    }

    /// A step that succeeded earlier: re-run its verify checks to catch drift. When they
    /// fail, the operator decides (run again, keep as done, abort); without one the run
    /// stops, naming both ways out.
    fn already_done(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        id: &str,
        previous: &StepState,
    ) -> Result<Settled> {
        let reverify = !self.options.no_reverify
            && step.reverify
            && !step.verify.is_empty()
            && !matches!(step.action, Action::Call(_));
        if reverify {
            match self.run_checks(scope, &step.verify, Some(id), CheckPhase::Reverify, true)? {
                CheckOutcome::Passed => {}
                CheckOutcome::Interrupted => return Ok(Settled::Stop(Stop::Interrupted)),
                CheckOutcome::Failed {
                    name, reason, tail, ..
                } => {
                    let reason = self.mask(&format!(
                        "step `{id}` succeeded earlier, but verify `{name}` fails now: {reason}"
                    ));
                    return self.reverify_failed(scope, step, id, reason, tail);
                }
            }
        }
        self.emit(Event::StepSkipped {
            id: id.into(),
            title: previous.title.clone(),
            reason: SkipReason::DoneEarlier { verified: reverify },
        });
        Ok(Settled::Done)
    }

    fn reverify_failed(
        &mut self,
        scope: &Scope,
        step: &Step,
        id: &str,
        reason: String,
        tail: Vec<String>,
    ) -> Result<Settled> {
        if !self.options.operator {
            return Ok(Settled::Stop(Stop::Reverify {
                step: id.into(),
                reason,
            }));
        }
        let view = FailureView {
            step: StepView {
                id: id.into(),
                title: self.shown(scope, &step.title),
                details: self.cx.text.details(scope, step),
            },
            reason,
            tail,
            can_rollback: false,
        };
        let choice = match self.prompter.reverify_failed(&view) {
            Ok(choice) => choice,
            Err(e) => return Ok(Settled::Stop(Self::prompt_stop(e))),
        };
        let decision = match choice {
            ReverifyChoice::Rerun => Choice::ReverifyRerun,
            ReverifyChoice::Keep => Choice::ReverifyKeep,
            ReverifyChoice::Abort => Choice::ReverifyAbort,
        };
        self.decide(Some(id), decision)?;
        Ok(match choice {
            ReverifyChoice::Rerun => Settled::Walk,
            ReverifyChoice::Keep => Settled::Done,
            ReverifyChoice::Abort => Settled::Stop(Stop::Aborted),
        })
    }

    /// A step that started in an earlier session without an outcome: verify first, then
    /// `idempotent`, then the operator.
    fn settle_unknown(&mut self, scope: &mut Scope, step: &Step, id: &str) -> Result<Settled> {
        self.emit(Event::UnknownOutcome { id: id.into() });
        if !step.verify.is_empty()
            && self.run_checks(scope, &step.verify, Some(id), CheckPhase::Verify, true)?
                == CheckOutcome::Passed
        {
            let reason = "verified after an unknown outcome".to_string();
            self.finish(id, &step.title, Outcome::Succeeded, Some(reason), None)?;
            return Ok(Settled::Done);
        }
        if step.idempotent {
            return Ok(Settled::Walk);
        }
        let view = StepView {
            id: id.into(),
            title: step.title.clone(),
            details: self.cx.text.details(scope, step),
        };
        let choice = match self.prompter.unknown_outcome(&view) {
            Ok(choice) => choice,
            Err(e) => return Ok(Settled::Stop(Self::prompt_stop(e))),
        };
        let decision = match choice {
            UnknownChoice::Rerun => Choice::UnknownRerun,
            UnknownChoice::MarkDone => Choice::UnknownMarkDone,
            UnknownChoice::Skip => Choice::UnknownSkip,
            UnknownChoice::Abort => Choice::UnknownAbort,
        };
        self.decide(Some(id), decision)?;
        Ok(match choice {
            UnknownChoice::Rerun => Settled::Walk,
            UnknownChoice::MarkDone => {
                let reason = "marked done by the operator".to_string();
                self.finish(id, &step.title, Outcome::Succeeded, Some(reason), None)?;
                Settled::Done
            }
            UnknownChoice::Skip => {
                self.skip(scope, step, id, &step.title, SkipReason::Operator)?;
                Settled::Done
            }
            UnknownChoice::Abort => Settled::Stop(Stop::Aborted),
        })
    }

    /// Journals an operator's decision.
    pub fn decide(&mut self, step: Option<&str>, choice: Choice) -> Result<()> {
        self.record(Entry::Decision {
            step: step.map(str::to_string),
            choice,
            steps: Vec::new(),
        })
    }
}
