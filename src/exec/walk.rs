//! The walk: every step of a scope in walk order, `--from`, `needs` of failed steps,
//! `foreach` items, `when`, then one attempt after another until the step succeeds, is
//! skipped, or the run stops. What an earlier session did is settled in `resume`.

use std::sync::Arc;

use super::action::ActionResult;
use super::events::{Event, SkipReason, StepEnd, SummaryRow};
use super::failure::{Failure, FailureAction};
use super::resume::Settled;
use super::scope::{Scope, holds_secret};
use super::session::{FromStep, Session, Stop};
use crate::error::Result;
use crate::journal::record::{Entry, Outcome};
use crate::render::template::Escape;
use crate::runbook::model::{Action, Foreach, ForeachItems, Step};

impl Session<'_> {
    /// Walks every step of `scope`; `Some(stop)` when the run must stop.
    pub fn walk(&mut self, scope: &mut Scope) -> Result<Option<Stop>> {
        let runbook = Arc::clone(&scope.runbook);
        // `--from` names a step of the top-level runbook.
        let mut before = scope
            .prefix
            .is_empty()
            .then(|| self.options.from.clone())
            .flatten();
        for (index, step) in runbook.walk().enumerate() {
            if before.as_ref().is_some_and(|f| f.step() == step.id) {
                self.walking_again = matches!(before, Some(FromStep::Again(_)));
                before = None;
            }
            if let Some(FromStep::Skip(_)) = before {
                let id = format!("{}{}", scope.prefix, step.id);
                self.skip(scope, step, &id, &step.title, SkipReason::BeforeFrom)?;
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
            .find(|need| self.state().failed(need));
        if let Some(need) = failed_need {
            self.skip(scope, step, &id, &step.title, SkipReason::NeedFailed(need))?;
            return Ok(None);
        }
        let Some(foreach) = &step.foreach else {
            return self.instance(scope, step, &id, position);
        };
        let items = match self.items(scope, foreach) {
            Ok(items) => items,
            Err(reason) => return self.fail_without_running(scope, step, &id, reason),
        };
        if items.is_empty() {
            self.skip(scope, step, &id, &step.title, SkipReason::NoItems)?;
            return Ok(None);
        }
        for (index, (item, secret)) in items.into_iter().enumerate() {
            // A secret item is named by its position: ids become journal keys and files.
            let item_id = if secret {
                format!("{id}[#{}]", index + 1)
            } else {
                format!("{id}[{item}]")
            };
            if secret {
                self.cx.text.add_secrets([item.clone()]);
            }
            let mut item_scope = scope.clone();
            item_scope.set(&foreach.var, item, secret);
            if let Some(stop) = self.instance(&mut item_scope, step, &item_id, position)? {
                return Ok(Some(stop));
            }
            if let Some(capture) = &step.capture
                && let Some(value) = item_scope.values.get(capture)
            {
                let secret = item_scope.secret_names.contains(capture);
                scope.set(capture, value.clone(), secret);
            }
        }
        Ok(None)
    }

    /// The items of a `foreach`, each with whether it is secret: taken from a secret
    /// variable, rendered from a template that reads one, or holding a secret value.
    fn items(&mut self, scope: &Scope, foreach: &Foreach) -> Result<Vec<(String, bool)>, String> {
        let raw: Vec<(String, bool)> = match &foreach.items {
            ForeachItems::List(items) => items
                .iter()
                .map(|i| {
                    let value = self.cx.text.value(scope, i, Escape::None)?;
                    let secret =
                        scope.reads_secret(i) || holds_secret(&value, self.cx.text.secrets());
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
            let secret = secret || holds_secret(item, self.cx.text.secrets());
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
        if self.cx.commands.interrupt.is_set() {
            return Ok(Some(Stop::Interrupted));
        }
        let previous = self.state().step(id).cloned();
        if let Some(previous) = &previous
            && !self.walking_again
        {
            match self.settle(scope, step, id, previous)? {
                Settled::Walk => {}
                Settled::Done => return Ok(None),
                Settled::Stop(stop) => return Ok(Some(stop)),
            }
        }
        if let Some(when) = &step.when {
            match self.cx.text.condition(scope, when) {
                Ok(true) => {}
                Ok(false) => {
                    let title = self.shown(scope, &step.title);
                    self.skip(scope, step, id, &title, SkipReason::When(when.clone()))?;
                    return Ok(None);
                }
                Err(e) => {
                    let reason = format!("cannot evaluate `when`: {e}");
                    return self.fail_without_running(scope, step, id, reason);
                }
            }
        }
        let mut attempts = previous.as_ref().map_or(0, |p| p.attempts);
        let mut retrying = false;
        loop {
            let failure = match self.attempt(scope, step, id, position, &mut attempts, retrying)? {
                ActionResult::Done => return Ok(None),
                ActionResult::Stop(stop) => return Ok(Some(stop)),
                ActionResult::Failed(failure) => failure,
            };
            match self.handle_failure(scope, step, id, failure, attempts)? {
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
        reason: String,
    ) -> Result<Option<Stop>> {
        let failure = Failure {
            reason,
            tail: Vec::new(),
            exit_code: None,
            interrupted: false,
        };
        match self.handle_failure(scope, step, id, failure, 0)? {
            FailureAction::Stop(stop) => Ok(Some(stop)),
            FailureAction::Continue | FailureAction::Retry => Ok(None),
        }
    }

    /// Journals and reports a skipped step; warns when later steps read what it would set.
    pub fn skip(
        &mut self,
        scope: &Scope,
        step: &Step,
        id: &str,
        title: &str,
        reason: SkipReason,
    ) -> Result<()> {
        self.record(Entry::StepFinished {
            step: id.into(),
            outcome: Outcome::Skipped,
            exit_code: None,
            reason: Some(reason.journal_text()),
            value: None,
            duration_ms: 0,
            attempts: 0,
        })?;
        self.emit(Event::StepSkipped {
            id: id.into(),
            title: title.into(),
            reason,
        });
        self.warn_readers(scope, step, id);
        self.summary.push(SummaryRow {
            id: id.into(),
            title: title.into(),
            outcome: StepEnd::Skipped,
            duration: std::time::Duration::ZERO,
            attempts: 0,
        });
        Ok(())
    }

    /// The value a skipped step would set (`capture`, or an `ask` answer) and the later
    /// steps of its runbook that read it, so the operator learns at the skip, not later.
    fn warn_readers(&mut self, scope: &Scope, step: &Step, id: &str) {
        let variable = match (&step.capture, &step.action) {
            (Some(capture), _) => capture,
            (None, Action::Ask(ask)) => &ask.into,
            _ => return,
        };
        if scope.values.contains_key(variable) {
            return;
        }
        let readers: Vec<String> = scope
            .runbook
            .walk()
            .skip_while(|s| s.id != step.id)
            .skip(1)
            .filter(|s| s.reads.iter().any(|r| **r == **variable))
            .map(|s| format!("{}{}", scope.prefix, s.id))
            .collect();
        if !readers.is_empty() {
            self.emit(Event::SkippedValueRead {
                id: id.into(),
                variable: variable.clone(),
                readers,
            });
        }
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
        self.emit(Event::StepFinished {
            id: id.into(),
            title: title.into(),
            outcome: match outcome {
                Outcome::Succeeded => StepEnd::Succeeded,
                Outcome::Failed => StepEnd::Failed,
                Outcome::Skipped => StepEnd::Skipped,
            },
            reason,
            duration: std::time::Duration::ZERO,
            attempts: 0,
        });
        Ok(())
    }
}
