//! One attempt at a step: offer/confirm, preconditions, the journaled intent, the action
//! (its kinds live in `kinds`), then verify and the journaled outcome; plus the step's
//! rendered undo commands and details. Never prints or prompts directly.

use std::time::Instant;

use super::checks::CheckOutcome;
use super::events::{Event, SummaryRow};
use super::failure::Failure;
use super::prompter::{StepChoice, StepView};
use super::scope::Scope;
use super::session::{Mode, Session, Stop};
use crate::error::Result;
use crate::journal::record::{Entry, Outcome, Undo};
use crate::runbook::model::{Action, Step};

/// What an action did: its result, a value to journal (capture or answer), and whether
/// its verify checks already passed (a manual step confirmed by them).
pub(super) type Acted = (ActionResult, Option<(String, String)>, bool);

pub enum ActionResult {
    Done,
    /// The operator skipped the step (already journaled); the walk goes on.
    Skipped,
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
        let command = self.shown_action(scope, step);
        let description = step.description.as_ref().map(|d| self.shown(scope, d));
        self.emit(Event::StepStarted {
            id: id.into(),
            index: position.0,
            total: position.1,
            title: title.clone(),
            description,
            kind: step.action.kind(),
            command: command.clone(),
        });
        // Only a prompt or a dry run shows the details: under `--yes` nobody would read them.
        let shown = self.options.dry_run || self.options.mode != Mode::Yes;
        let view = StepView {
            id: id.into(),
            title: title.clone(),
            details: if shown {
                self.details(scope, step)
            } else {
                String::new()
            },
        };
        if let Some(result) = self.offer(step, id, &view, retrying)? {
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
                outcome: "would run".into(),
                duration: std::time::Duration::ZERO,
                attempts: 0,
            });
            return Ok(ActionResult::Done);
        }
        match self.run_checks(scope, &step.preconditions, Some(id), "precondition", false)? {
            CheckOutcome::Passed => {}
            // Nothing started yet: stop before the step, which stays pending.
            CheckOutcome::Interrupted => return Ok(ActionResult::Stop(Stop::Interrupted)),
            CheckOutcome::Failed {
                name,
                reason,
                tail,
                message,
            } => {
                let what = format!("precondition `{name}`");
                return Ok(ActionResult::Failed(Failure::check(
                    &what, &reason, message, tail, false,
                )));
            }
        }
        let undo = self.render_undo(scope, step);
        self.record(Entry::StepStarted {
            step: id.into(),
            attempt: attempts_before + 1,
            title: title.clone(),
            kind: step.action.kind().into(),
            command,
            undo,
            checkpoint: step.checkpoint,
        })?;
        let started = Instant::now();
        let (result, value, verified) = match &step.action {
            Action::Run(run) => self.run_action(scope, step, id, run, attempts)?,
            Action::Manual(text) => self.manual_action(scope, step, id, text, &view)?,
            Action::Ask(ask) => self.ask_action(scope, id, ask)?,
            Action::Call(call) => (self.call_action(scope, id, call)?, None, false),
            Action::Gate => (ActionResult::Done, None, false),
        };
        if !matches!(step.action, Action::Run(_)) {
            *attempts += 1;
        }
        let attempts = *attempts;
        match result {
            ActionResult::Done => {}
            ActionResult::Skipped => return Ok(ActionResult::Done),
            other => return Ok(other),
        }
        if !verified {
            if let CheckOutcome::Failed {
                name,
                reason,
                tail,
                message,
            } = self.run_checks(scope, &step.verify, Some(id), "verify", false)?
            {
                let what = format!("verify `{name}`");
                return Ok(ActionResult::Failed(Failure::check(
                    &what, &reason, message, tail, true,
                )));
            } else if self.interrupt.is_set() {
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
        self.outcomes.insert(id.into(), "succeeded".into());
        self.emit(Event::StepFinished {
            id: id.into(),
            title: title.clone(),
            outcome: "succeeded".into(),
            reason: None,
            duration,
            attempts,
        });
        self.summary.push(SummaryRow {
            id: id.into(),
            title,
            outcome: "succeeded".into(),
            duration,
            attempts,
        });
        Ok(ActionResult::Done)
    }

    /// Interactive offer and confirmation. `Some` ends the attempt (skipped or stopped).
    fn offer(
        &mut self,
        step: &Step,
        id: &str,
        view: &StepView,
        retrying: bool,
    ) -> Result<Option<ActionResult>> {
        let offered = !retrying
            && self.options.mode == Mode::Interactive
            && !matches!(step.action, Action::Manual(_) | Action::Ask(_));
        if offered {
            match self.prompter.offer_step(view) {
                Ok(StepChoice::Run) => {}
                Ok(StepChoice::Skip) => {
                    self.record(Entry::Decision {
                        step: Some(id.into()),
                        choice: "skip".into(),
                    })?;
                    self.skip(id, &view.title, "skipped by the operator")?;
                    return Ok(Some(ActionResult::Done));
                }
                Ok(StepChoice::Abort) => {
                    self.record(Entry::Decision {
                        step: Some(id.into()),
                        choice: "abort".into(),
                    })?;
                    return Ok(Some(ActionResult::Stop(Stop::Aborted)));
                }
                Err(e) => return Ok(Some(ActionResult::Stop(Self::prompt_stop(e)))),
            }
        }
        if step.confirm && !self.options.dry_run && !retrying {
            match self.prompter.confirm(view) {
                Ok(true) => self.record(Entry::Decision {
                    step: Some(id.into()),
                    choice: "confirmed".into(),
                })?,
                Ok(false) => {
                    self.record(Entry::Decision {
                        step: Some(id.into()),
                        choice: "declined".into(),
                    })?;
                    return Ok(Some(ActionResult::Stop(Stop::Aborted)));
                }
                Err(e) => return Ok(Some(ActionResult::Stop(Self::prompt_stop(e)))),
            }
        }
        Ok(None)
    }

    /// The command (or instructions) as shown to the operator and journaled.
    fn shown_action(&mut self, scope: &Scope, step: &Step) -> Option<String> {
        let text = match &step.action {
            Action::Run(run) => scope.command(&mut self.renderer, &self.run_id, run).ok()?,
            Action::Manual(text) => scope.display(&mut self.renderer, &self.run_id, text),
            Action::Ask(ask) => scope.display(&mut self.renderer, &self.run_id, &ask.question),
            Action::Call(call) => format!("call runbook `{}`", call.runbook),
            Action::Gate => return None,
        };
        Some(self.mask(&text))
    }

    fn render_undo(&mut self, scope: &Scope, step: &Step) -> Vec<Undo> {
        // The step's own capture is known only when it ends: undo commands reference it as
        // `"$RUNBOOK_VAR_<NAME>"`, and rollback exports the journaled value.
        let mut scope = scope.clone();
        if let Some(capture) = &step.capture {
            scope.secret_names.insert(capture.clone());
        }
        step.rollback
            .iter()
            .map(|r| Undo {
                name: r
                    .name
                    .as_ref()
                    .map(|n| scope.display(&mut self.renderer, &self.run_id, n)),
                run: scope
                    .command(&mut self.renderer, &self.run_id, &r.run)
                    .unwrap_or_else(|e| format!("false # cannot render: {e}")),
                timeout_ms: r
                    .timeout
                    .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
            })
            .collect()
    }

    /// Checks, rollback and dependencies of a step, for "show details".
    pub fn details(&mut self, scope: &Scope, step: &Step) -> String {
        let mut lines = Vec::new();
        if !step.needs.is_empty() {
            let needs: Vec<&str> = step
                .needs
                .iter()
                .map(|&n| scope.runbook.steps[n].id.as_str())
                .collect();
            lines.push(format!("needs: {}", needs.join(", ")));
        }
        for (phase, checks) in [
            ("precondition", &step.preconditions),
            ("verify", &step.verify),
        ] {
            for check in checks {
                let polling = if check.attempts > 1 {
                    format!(
                        " ({} × every {})",
                        check.attempts,
                        crate::runbook::duration::format(check.interval)
                    )
                } else {
                    String::new()
                };
                lines.push(format!(
                    "{phase}{polling}: {}",
                    scope.display(&mut self.renderer, &self.run_id, &check.label())
                ));
            }
        }
        for undo in self.render_undo(scope, step) {
            lines.push(format!("undo: {}", undo.run));
        }
        if step.rollback.is_empty() {
            lines.push("undo: none".into());
        }
        let flags: Vec<&str> = [
            (step.checkpoint, "checkpoint"),
            (step.confirm, "confirm"),
            (step.idempotent, "idempotent"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, f)| f)
        .collect();
        if !flags.is_empty() {
            lines.push(flags.join(" · "));
        }
        lines.push(format!("on failure: {}", step.on_failure.as_str()));
        self.mask(&lines.join("\n"))
    }
}
