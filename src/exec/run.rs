//! A whole run from the top: announce it, check the runbook preconditions, walk, and write
//! the final record. Returns how it ended; the command maps that to an exit code.

use std::sync::Arc;

use super::checks::CheckOutcome;
use super::events::Event;
use super::scope::Scope;
use super::session::{Session, Stop};
use crate::error::Result;
use crate::journal::record::Entry;

/// How a run (or this session of it) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    Succeeded,
    Stopped(Stop),
}

impl Session<'_> {
    pub fn execute(&mut self, scope: &mut Scope, resumed_done: Option<usize>) -> Result<End> {
        let runbook = Arc::clone(&self.runbook);
        // Prose is a template like any other, and a secret in it is masked like anywhere.
        let title = self.shown(scope, &runbook.title);
        let summary = runbook.summary.as_ref().map(|t| self.shown(scope, t));
        let description = runbook.description.as_ref().map(|t| self.shown(scope, t));
        self.emit(Event::RunStarted {
            run_id: self.run_id.clone(),
            runbook: runbook.name.clone(),
            title,
            risk: runbook.risk.as_str().into(),
            summary,
            description,
            vars: scope.shown_values().into_iter().collect(),
            steps: runbook.steps.len(),
            resumed_done,
            dry_run: self.options.dry_run,
        });
        let stop = if self.options.dry_run {
            // Nothing is captured or asked in a dry run: show `<name>` where a value would be.
            for step in &runbook.steps {
                let mut names: Vec<&String> = step.capture.iter().collect();
                if let crate::runbook::model::Action::Ask(ask) = &step.action {
                    names.push(&ask.into);
                }
                for name in names {
                    scope
                        .values
                        .entry(name.clone())
                        .or_insert_with(|| format!("<{name}>"));
                }
            }
            self.walk(scope)?
        } else {
            match self.run_checks(
                scope,
                &runbook.preconditions,
                None,
                "runbook-precondition",
                false,
            )? {
                CheckOutcome::Passed => self.walk(scope)?,
                CheckOutcome::Interrupted => Some(Stop::Interrupted),
                CheckOutcome::Failed {
                    name,
                    reason,
                    message,
                    ..
                } => {
                    let hint = message.map(|m| format!(" ({m})")).unwrap_or_default();
                    Some(Stop::Failed(format!(
                        "runbook precondition `{name}` failed: {reason}{hint}"
                    )))
                }
            }
        };
        let stop = stop.or_else(|| self.continued_failures());
        let end = stop.map_or(End::Succeeded, End::Stopped);
        self.conclude(&end)?;
        Ok(end)
    }

    /// A walk that reached the end past `on-failure = "continue"` failures still failed.
    fn continued_failures(&self) -> Option<Stop> {
        if self.continued.is_empty() {
            return None;
        }
        let ids: Vec<String> = self.continued.iter().map(|id| format!("`{id}`")).collect();
        Some(Stop::Failed(format!(
            "{} failed and the run went on (`on-failure = \"continue\"`): {}",
            if ids.len() == 1 { "a step" } else { "steps" },
            ids.join(", ")
        )))
    }

    fn conclude(&mut self, end: &End) -> Result<()> {
        let (state, reason) = match end {
            End::Succeeded => ("succeeded", None),
            End::Stopped(Stop::Failed(r) | Stop::RolledBack(r)) => ("failed", Some(r.clone())),
            End::Stopped(Stop::Aborted) => ("aborted", None),
            End::Stopped(Stop::Interrupted) => ("interrupted", None),
            End::Stopped(Stop::Waiting(r)) => ("waiting", Some(r.clone())),
        };
        match state {
            "interrupted" => self.record(Entry::Interrupted { step: None })?,
            "waiting" => self.record(Entry::Decision {
                step: None,
                choice: "waiting for an operator".into(),
            })?,
            _ => {
                let already_rolled_back = self.journal.is_some()
                    && self.current_state()?.finished.as_deref() == Some("rolled-back");
                if !already_rolled_back {
                    self.record(Entry::RunFinished {
                        state: state.into(),
                        reason: reason.filter(|r| !r.is_empty()),
                    })?;
                }
            }
        }
        let hint = match (state, self.options.dry_run) {
            (_, true) => None,
            ("succeeded", _) => Some(format!("undo with `runbook rollback {}`", self.run_id)),
            _ => None,
        };
        let summary = std::mem::take(&mut self.summary);
        self.emit(Event::RunFinished {
            run_id: self.run_id.clone(),
            runbook: self.runbook.name.clone(),
            state: if self.options.dry_run {
                "dry-run".into()
            } else {
                state.into()
            },
            summary,
            hint,
        });
        Ok(())
    }
}
