//! The walk: every step of a scope in walk order, `foreach` items, `when`, resume rules
//! (done steps re-verified, unknown outcomes settled), then one attempt after another until
//! the step succeeds, is skipped, or the run stops.

use std::sync::Arc;

use super::action::ActionResult;
use super::checks::CheckOutcome;
use super::events::Event;
use super::failure::{Failure, FailureAction};
use super::prompter::{StepView, UnknownChoice};
use super::scope::{Scope, holds_secret};
use super::session::{Session, Stop};
use crate::error::Result;
use crate::journal::record::{Entry, Outcome};
use crate::journal::replay::{Status, StepState};
use crate::render::template::Escape;
use crate::runbook::model::{Action, Foreach, ForeachItems, Step};

impl Session<'_> {
    /// Walks every step of `scope`; `Some(stop)` when the run must stop.
    pub fn walk(&mut self, scope: &mut Scope) -> Result<Option<Stop>> {
        let runbook = Arc::clone(&scope.runbook);
        let mut before_from = scope.prefix.is_empty() && self.options.from.is_some();
        for (index, step) in runbook.walk().enumerate() {
            if before_from && self.options.from.as_deref() == Some(step.id.as_str()) {
                before_from = false;
            }
            if before_from {
                let id = format!("{}{}", scope.prefix, step.id);
                self.skip(&id, &step.title, "before the `--from` step")?;
                continue;
            }
            let position = (index + 1, runbook.steps.len());
            if let Some(stop) = self.visit(scope, step, position)? {
                return Ok(Some(stop));
            }
        }
        Ok(None)
    }

    fn visit(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        position: (usize, usize),
    ) -> Result<Option<Stop>> {
        let id = format!("{}{}", scope.prefix, step.id);
        let failed_need = step
            .needs
            .iter()
            .map(|&n| format!("{}{}", scope.prefix, scope.runbook.steps[n].id))
            .find(|need| self.outcomes.get(need).is_some_and(|o| o == "failed"));
        if let Some(need) = failed_need {
            self.skip(&id, &step.title, &format!("needs `{need}`, which failed"))?;
            return Ok(None);
        }
        let Some(foreach) = &step.foreach else {
            return self.instance(scope, step, &id, position);
        };
        let items = match self.items(scope, foreach) {
            Ok(items) => items,
            Err(reason) => return self.fail_without_running(scope, step, &id, position, reason),
        };
        if items.is_empty() {
            self.skip(&id, &step.title, "`foreach` has no items")?;
            return Ok(None);
        }
        let mut any_failed = false;
        for (index, (item, secret)) in items.into_iter().enumerate() {
            // A secret item is named by its position: ids become journal keys and files.
            let item_id = if secret {
                format!("{id}[#{}]", index + 1)
            } else {
                format!("{id}[{item}]")
            };
            if secret {
                self.secrets.push(item.clone());
            }
            let mut item_scope = scope.clone();
            item_scope.set(&foreach.var, item, secret);
            if let Some(stop) = self.instance(&mut item_scope, step, &item_id, position)? {
                return Ok(Some(stop));
            }
            any_failed |= self.outcomes.get(&item_id).is_some_and(|o| o == "failed");
            if let Some(capture) = &step.capture
                && let Some(value) = item_scope.values.get(capture)
            {
                let secret = item_scope.secret_names.contains(capture);
                scope.set(capture, value.clone(), secret);
            }
        }
        self.outcomes
            .insert(id, if any_failed { "failed" } else { "succeeded" }.into());
        Ok(None)
    }

    /// The items of a `foreach`, each with whether it is secret: taken from a secret
    /// variable, rendered from a template that reads one, or holding a secret value.
    fn items(&mut self, scope: &Scope, foreach: &Foreach) -> Result<Vec<(String, bool)>, String> {
        let raw: Vec<(String, bool)> = match &foreach.items {
            ForeachItems::List(items) => items
                .iter()
                .map(|i| {
                    let value = scope.value(&mut self.renderer, &self.run_id, i, Escape::None)?;
                    let secret = scope.reads_secret(i) || holds_secret(&value, &self.secrets);
                    Ok((value, secret))
                })
                .collect::<Result<_, String>>()?,
            ForeachItems::From(var) => {
                let secret = scope.secret_names.contains(var);
                scope
                    .values
                    .get(var)
                    .map(|v| v.lines().map(|l| (l.to_string(), secret)).collect())
                    .unwrap_or_default()
            }
        };
        let mut items: Vec<(String, bool)> = Vec::new();
        for (item, secret) in raw {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let secret = secret || holds_secret(item, &self.secrets);
            match items.iter_mut().find(|(i, _)| i == item) {
                Some(seen) => seen.1 |= secret,
                None => items.push((item.to_string(), secret)),
            }
        }
        Ok(items)
    }

    /// One step instance (a step, or one `foreach` item).
    fn instance(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        id: &str,
        position: (usize, usize),
    ) -> Result<Option<Stop>> {
        // A Ctrl-C or SIGTERM that arrived between commands stops before the next step.
        if self.interrupt.is_set() {
            return Ok(Some(Stop::Interrupted));
        }
        let previous = self.previous.step(id).cloned();
        if let Some(previous) = &previous
            && let Some(done) = self.resume_rules(scope, step, id, previous)?
        {
            return Ok(done);
        }
        if let Some(when) = &step.when {
            match scope.condition(&mut self.renderer, &self.run_id, when) {
                Ok(true) => {}
                Ok(false) => {
                    let title = self.shown(scope, &step.title);
                    self.skip(id, &title, &format!("`when` is false: {when}"))?;
                    return Ok(None);
                }
                Err(e) => {
                    return self.fail_without_running(
                        scope,
                        step,
                        id,
                        position,
                        format!("cannot evaluate `when`: {e}"),
                    );
                }
            }
        }
        let mut attempts = previous.as_ref().map_or(0, |p| p.attempts);
        let mut retrying = false;
        loop {
            let failure = match self.attempt(scope, step, id, position, &mut attempts, retrying)? {
                ActionResult::Done | ActionResult::Skipped => return Ok(None),
                ActionResult::Stop(stop) => return Ok(Some(stop)),
                ActionResult::Failed(failure) => failure,
            };
            match self.handle_failure(scope, step, id, failure)? {
                FailureAction::Retry => retrying = true,
                FailureAction::Continue => return Ok(None),
                FailureAction::Stop(stop) => return Ok(Some(stop)),
            }
        }
    }

    /// A step that cannot even start (bad template, `when` error) fails like any other.
    fn fail_without_running(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        id: &str,
        _: (usize, usize),
        reason: String,
    ) -> Result<Option<Stop>> {
        let failure = Failure {
            reason,
            tail: Vec::new(),
            exit_code: None,
            interrupted: false,
            started: false,
        };
        match self.handle_failure(scope, step, id, failure)? {
            FailureAction::Stop(stop) => Ok(Some(stop)),
            FailureAction::Continue | FailureAction::Retry => Ok(None),
        }
    }

    /// What an earlier session of this run already did. `Some` means the step is settled.
    fn resume_rules(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        id: &str,
        previous: &StepState,
    ) -> Result<Option<Option<Stop>>> {
        if let Some((name, value)) = &previous.value {
            scope.set(name, value.clone(), false);
        }
        if let Some(settled) = self.rederive_secret_capture(scope, step, id, previous)? {
            return Ok(settled);
        }
        match previous.status {
            // A secret answer was never written down: ask it again.
            Status::Succeeded if matches!(&step.action, Action::Ask(ask) if ask.secret) => Ok(None),
            Status::Succeeded => self.already_done(scope, step, id, previous),
            Status::Skipped => {
                self.emit(Event::StepSkipped {
                    id: id.into(),
                    title: previous.title.clone(),
                    reason: "skipped in an earlier session".into(),
                });
                self.outcomes.insert(id.into(), "skipped".into());
                Ok(Some(None))
            }
            Status::Unknown if !matches!(step.action, Action::Call(_)) => {
                self.settle_unknown(scope, step, id)
            }
            _ => Ok(None),
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
    ) -> Result<Option<Option<Option<Stop>>>> {
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
            return Ok(Some(None));
        }
        let view = super::prompter::AskView {
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
        };
        match self.prompter.ask(&view) {
            Ok(value) => {
                if !value.is_empty() {
                    self.secrets.push(value.clone());
                }
                scope.set(capture, value, true);
                Ok(None)
            }
            Err(e) => Ok(Some(Some(Some(Self::prompt_stop(e))))),
        }
    }

    /// A step that succeeded earlier: re-run its verify checks to catch drift. A failing
    /// re-verify is a failure of the step, handled by its `on-failure` (retry re-runs it).
    fn already_done(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        id: &str,
        previous: &StepState,
    ) -> Result<Option<Option<Stop>>> {
        let reverify = !self.options.no_reverify
            && step.reverify
            && !step.verify.is_empty()
            && !matches!(step.action, Action::Call(_));
        if reverify
            && let CheckOutcome::Failed {
                name, reason, tail, ..
            } = self.run_checks(scope, &step.verify, Some(id), "reverify", true)?
        {
            let failure = Failure {
                reason: format!("succeeded earlier, but verify `{name}` fails now: {reason}"),
                tail,
                exit_code: None,
                interrupted: false,
                started: false,
            };
            return Ok(match self.handle_failure(scope, step, id, failure)? {
                FailureAction::Retry => None,
                FailureAction::Continue => Some(None),
                FailureAction::Stop(stop) => Some(Some(stop)),
            });
        }
        self.emit(Event::StepSkipped {
            id: id.into(),
            title: previous.title.clone(),
            reason: if reverify {
                "done in an earlier session (verified again)"
            } else {
                "done in an earlier session"
            }
            .into(),
        });
        self.outcomes.insert(id.into(), "succeeded".into());
        Ok(Some(None))
    }

    /// A step that started in an earlier session without an outcome: verify first, then
    /// `idempotent`, then the operator.
    fn settle_unknown(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        id: &str,
    ) -> Result<Option<Option<Stop>>> {
        self.emit(Event::Warning {
            message: format!(
                "step `{id}` started in an earlier session but has no recorded outcome"
            ),
        });
        if !step.verify.is_empty()
            && self.run_checks(scope, &step.verify, Some(id), "verify", true)?
                == CheckOutcome::Passed
        {
            self.finish(
                id,
                &step.title,
                Outcome::Succeeded,
                Some("verified after an unknown outcome".into()),
                None,
            )?;
            return Ok(Some(None));
        }
        if step.idempotent {
            return Ok(None);
        }
        let view = StepView {
            id: id.into(),
            title: step.title.clone(),
            details: self.details(scope, step),
        };
        let choice = match self.prompter.unknown_outcome(&view) {
            Ok(choice) => choice,
            Err(e) => return Ok(Some(Some(Self::prompt_stop(e)))),
        };
        self.record(Entry::Decision {
            step: Some(id.into()),
            choice: format!("unknown-outcome: {choice:?}").to_lowercase(),
        })?;
        Ok(match choice {
            UnknownChoice::Rerun => None,
            UnknownChoice::MarkDone => {
                self.finish(
                    id,
                    &step.title,
                    Outcome::Succeeded,
                    Some("marked done by the operator".into()),
                    None,
                )?;
                Some(None)
            }
            UnknownChoice::Skip => {
                self.skip(id, &step.title, "skipped by the operator")?;
                Some(None)
            }
            UnknownChoice::Abort => Some(Some(Stop::Aborted)),
        })
    }

    /// Journals and reports a skipped step.
    pub fn skip(&mut self, id: &str, title: &str, reason: &str) -> Result<()> {
        self.record(Entry::StepFinished {
            step: id.into(),
            outcome: Outcome::Skipped,
            exit_code: None,
            reason: Some(reason.into()),
            value: None,
            duration_ms: 0,
            attempts: 0,
        })?;
        self.emit(Event::StepSkipped {
            id: id.into(),
            title: title.into(),
            reason: reason.into(),
        });
        self.outcomes.insert(id.into(), "skipped".into());
        self.summary.push(super::events::SummaryRow {
            id: id.into(),
            title: title.into(),
            outcome: "skipped".into(),
            duration: std::time::Duration::ZERO,
            attempts: 0,
        });
        Ok(())
    }

    /// Journals a final outcome (no command ran in this session for it).
    pub fn finish(
        &mut self,
        id: &str,
        title: &str,
        outcome: Outcome,
        reason: Option<String>,
        value: Option<(String, String)>,
    ) -> Result<()> {
        self.record(Entry::StepFinished {
            step: id.into(),
            outcome,
            exit_code: None,
            reason: reason.clone(),
            value,
            duration_ms: 0,
            attempts: 0,
        })?;
        let word = match outcome {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        };
        self.outcomes.insert(id.into(), word.into());
        self.emit(Event::StepFinished {
            id: id.into(),
            title: title.into(),
            outcome: word.into(),
            reason,
            duration: std::time::Duration::ZERO,
            attempts: 0,
        });
        Ok(())
    }
}
