//! A whole run from the top: announce it, check the runbook preconditions, walk, and write
//! the final record. Returns how it ended; the command maps that to an exit code.

use std::sync::Arc;

use super::checks::CheckOutcome;
use super::events::{Event, RunResult};
use super::scope::Scope;
use super::session::{Session, Stop};
use crate::error::Result;
use crate::journal::record::{CheckPhase, Choice, Entry, RunEnd};

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
            run_id: self.run_id().to_string(),
            runbook: runbook.name.clone(),
            title,
            risk: runbook.risk,
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
            if !runbook.preconditions.is_empty() {
                let checks = runbook
                    .preconditions
                    .iter()
                    .map(|check| self.cx.text.display(scope, &check.label()))
                    .collect();
                self.emit(Event::RunbookPreconditions { checks });
            }
            self.walk(scope)?
        } else {
            match self.run_checks(
                scope,
                &runbook.preconditions,
                None,
                CheckPhase::RunbookPrecondition,
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
        let state = match end {
            End::Succeeded => RunResult::Succeeded,
            End::Stopped(stop) => match stop {
                Stop::Failed(_) | Stop::Reverify { .. } | Stop::RollbackStopped(_) => {
                    RunResult::Failed
                }
                Stop::RolledBack(_) => RunResult::RolledBack,
                Stop::Aborted => RunResult::Aborted,
                Stop::Interrupted => RunResult::Interrupted,
                Stop::Waiting(_) => RunResult::Waiting,
            },
        };
        match end {
            End::Stopped(Stop::Interrupted) => self.record(Entry::Interrupted { step: None })?,
            End::Stopped(Stop::Waiting(need)) => self.record(Entry::Decision {
                step: need.step().map(str::to_string),
                choice: Choice::Waiting,
                steps: Vec::new(),
            })?,
            _ if self.state().finished == Some(RunEnd::RolledBack) => {}
            End::Succeeded => self.record(Entry::RunFinished {
                state: RunEnd::Succeeded,
                reason: None,
            })?,
            End::Stopped(stop) => {
                let (end, reason) = match stop {
                    Stop::Failed(r)
                    | Stop::RolledBack(r)
                    | Stop::RollbackStopped(r)
                    | Stop::Reverify { reason: r, .. } => (RunEnd::Failed, Some(r.clone())),
                    _ => (RunEnd::Aborted, None),
                };
                self.record(Entry::RunFinished {
                    state: end,
                    reason: reason.filter(|r| !r.is_empty()),
                })?;
            }
        }
        let summary = std::mem::take(&mut self.summary);
        self.emit(Event::RunFinished {
            run_id: self.run_id().to_string(),
            runbook: self.runbook.name.clone(),
            state: if self.options.dry_run {
                RunResult::DryRun
            } else {
                state
            },
            summary,
        });
        Ok(())
    }
}
