//! Builds the [`Report`] of a run from its journal records, the runbook (when it still
//! exists) and the attempt logs found beside the journal. Pure: the caller reads the files;
//! the same inputs give the same report, so nothing here looks at the clock.

use std::collections::BTreeMap;

use super::graph;
use super::model::{
    Decision, FailedCheck, KubeContext, LogLink, MASK, Report, Rollback, RollbackStep, StepRow,
    TEXT_CHARS, Variable,
};
use super::{sessions, timeline};
use crate::journal::record::{Entry, Outcome, Record, RollbackOutcome};
use crate::journal::replay::{Status, replay};
use crate::runbook::model::Runbook;

/// One attempt log of a step, found in the run's `logs/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    pub attempt: u32,
    /// Relative to the report's location.
    pub path: String,
    /// The last lines (read for the newest attempt of a step only).
    pub tail: Vec<String>,
}

/// What a report is built from.
pub struct Input<'a> {
    pub records: &'a [Record],
    /// The runbook as it is now, if it still loads.
    pub runbook: Option<&'a Runbook>,
    /// Attempt logs by journal id, oldest attempt first.
    pub logs: &'a BTreeMap<String, Vec<LogFile>>,
    /// The run's `logs/` directory, relative to the report.
    pub logs_dir: String,
}

pub fn build(input: &Input<'_>) -> Report {
    let state = replay(input.records);
    let sessions = sessions::sessions(input.records);
    let steps = steps(input, &state);
    let ended = input
        .records
        .last()
        .map(|r| r.ts.clone())
        .unwrap_or_default();
    let standing = state.standing();
    Report {
        runbook: state.runbook.clone(),
        title: input.runbook.map(|r| r.title.clone()),
        run_id: state.run_id.clone(),
        operator: sessions
            .first()
            .map(|s| s.operator.clone())
            .unwrap_or_default(),
        kube_context: kube_context(input.runbook, &state.vars),
        duration: sessions::between(&state.started, &ended),
        started: state.started.clone(),
        ended,
        state: standing.as_str().to_string(),
        exit_code: sessions::exit_code(standing, &sessions),
        runbook_changed: input.runbook.is_some_and(|r| r.digest != state.digest),
        digest: state.digest.clone(),
        vars: variables(input.runbook, &state.vars),
        graph: graph::mermaid(
            input.runbook,
            &state,
            &steps.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        ),
        failed_checks: failed_checks(input.records),
        decisions: decisions(input.records),
        rollbacks: rollbacks(input.records),
        timeline: timeline::timeline(input.records),
        sessions,
        steps,
        logs_dir: input.logs_dir.clone(),
    }
}

/// Text quoted from the journal, cut at [`TEXT_CHARS`] characters.
pub fn bounded(text: &str) -> String {
    match text.char_indices().nth(TEXT_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The recorded variables, plus the runbook's secret ones (never recorded) as [`MASK`].
fn variables(runbook: Option<&Runbook>, recorded: &BTreeMap<String, String>) -> Vec<Variable> {
    let mut vars: BTreeMap<String, Variable> = recorded
        .iter()
        .map(|(name, value)| {
            let secret = runbook.and_then(|r| r.var(name)).is_some_and(|v| v.secret);
            let value = if secret { MASK.into() } else { value.clone() };
            let var = Variable {
                name: name.clone(),
                value,
                secret,
            };
            (name.clone(), var)
        })
        .collect();
    for var in runbook.iter().flat_map(|r| &r.vars).filter(|v| v.secret) {
        vars.entry(var.name.clone()).or_insert_with(|| Variable {
            name: var.name.clone(),
            value: MASK.into(),
            secret: true,
        });
    }
    vars.into_values().collect()
}

/// The variable the runbook hands to kubectl or a flux check as the context (`--context
/// {{ cluster }}`, `context = "{{ cluster }}"`), else one named `kube_context` or `context`.
fn kube_context(runbook: Option<&Runbook>, vars: &BTreeMap<String, String>) -> Option<KubeContext> {
    let pattern =
        regex::Regex::new(r#"(?:--context[ =]|\bcontext\s*=\s*")\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}"#)
            .expect("a valid regex");
    let named = runbook.and_then(|r| {
        pattern
            .captures_iter(&r.source.text)
            .map(|c| c[1].to_string())
            .find(|name| vars.contains_key(name))
    });
    let name = named.or_else(|| {
        ["kube_context", "context"]
            .into_iter()
            .find(|n| vars.contains_key(*n))
            .map(str::to_string)
    })?;
    Some(KubeContext {
        value: vars[&name].clone(),
        var: name,
    })
}

/// Every step the journal mentions, in the order it first appears.
fn steps(input: &Input<'_>, state: &crate::journal::replay::RunState) -> Vec<StepRow> {
    let mut rows: Vec<StepRow> = Vec::new();
    // Milliseconds per row: a step finished in several sessions took all of them.
    let mut spent: Vec<u64> = Vec::new();
    // Whether the newest end of the row was a failure (a rollback may have undone it since).
    let mut failed_last: Vec<bool> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for record in input.records {
        let (step, started) = match &record.entry {
            Entry::StepStarted { step, .. } => (step, true),
            Entry::StepFinished { step, .. } => (step, false),
            _ => continue,
        };
        let at = *index.entry(step.clone()).or_insert_with(|| {
            rows.push(StepRow {
                id: step.clone(),
                title: step.clone(),
                kind: String::new(),
                attempts: 0,
                duration: String::new(),
                outcome: String::new(),
                exit_code: None,
                reason: None,
                value: None,
                logs: Vec::new(),
                output: Vec::new(),
            });
            spent.push(0);
            failed_last.push(false);
            rows.len() - 1
        });
        let row = &mut rows[at];
        match &record.entry {
            Entry::StepStarted {
                title,
                kind,
                attempt,
                ..
            } if started => {
                row.title.clone_from(title);
                row.kind = kind.as_str().to_string();
                row.attempts = row.attempts.max(*attempt);
            }
            Entry::StepFinished {
                outcome,
                exit_code,
                reason,
                value,
                duration_ms,
                attempts,
                ..
            } => {
                row.exit_code = *exit_code;
                row.reason = reason.as_deref().map(bounded);
                row.value = value.as_ref().map(|(name, v)| format!("{name} = {v}"));
                spent[at] += duration_ms;
                failed_last[at] = *outcome == Outcome::Failed;
                row.duration = sessions::human(spent[at]);
                row.attempts = row.attempts.max(*attempts);
            }
            _ => {}
        }
    }
    for (row, failed) in rows.iter_mut().zip(failed_last) {
        let status = state.step(&row.id).map(|s| s.status);
        row.outcome = status.map_or("unknown", outcome_word).to_string();
        let logs = input.logs.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
        row.logs = logs
            .iter()
            .map(|l| LogLink {
                attempt: l.attempt,
                path: l.path.clone(),
            })
            .collect();
        if failed {
            row.output = logs.last().map(|l| l.tail.clone()).unwrap_or_default();
        }
    }
    rows
}

/// The word for where a step stands (the graph's classes are named after these).
pub fn outcome_word(status: Status) -> &'static str {
    match status {
        Status::Pending => "pending",
        Status::Unknown => "unknown",
        Status::Succeeded => "succeeded",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
        Status::RolledBack => "rolled-back",
    }
}

/// Failed checks that were not retried into a pass: the last failing try of each.
fn failed_checks(records: &[Record]) -> Vec<FailedCheck> {
    timeline::final_failures(records)
        .into_iter()
        .filter_map(|i| match &records[i].entry {
            Entry::Check {
                step,
                phase,
                name,
                attempt,
                detail,
                output,
                ..
            } => Some(FailedCheck {
                at: records[i].ts.clone(),
                step: step.clone(),
                phase: phase.as_str().to_string(),
                name: name.clone(),
                attempt: *attempt,
                detail: detail.as_deref().map(bounded),
                output: output.clone(),
            }),
            _ => None,
        })
        .collect()
}

fn decisions(records: &[Record]) -> Vec<Decision> {
    records
        .iter()
        .filter_map(|record| match &record.entry {
            Entry::Decision {
                step,
                choice,
                steps,
            } => Some(Decision {
                at: record.ts.clone(),
                step: step.clone(),
                choice: choice.as_str().to_string(),
                steps: steps.clone(),
            }),
            _ => None,
        })
        .collect()
}

fn rollbacks(records: &[Record]) -> Vec<Rollback> {
    let mut out: Vec<Rollback> = Vec::new();
    for record in records {
        match &record.entry {
            Entry::RollbackStarted { to, steps } => out.push(Rollback {
                at: record.ts.clone(),
                to: to.clone(),
                plan: steps.clone(),
                steps: Vec::new(),
                end: "unfinished".into(),
                reason: None,
            }),
            Entry::RollbackStep {
                step,
                outcome,
                reason,
            } => {
                if let Some(rollback) = out.last_mut()
                    && *outcome != RollbackOutcome::Started
                {
                    rollback.steps.push(RollbackStep {
                        step: step.clone(),
                        outcome: outcome.as_str().to_string(),
                        reason: reason.as_deref().map(bounded),
                    });
                }
            }
            Entry::RollbackFinished { state, reason } => {
                if let Some(rollback) = out.last_mut() {
                    rollback.end = state.as_str().to_string();
                    rollback.reason = reason.as_deref().map(bounded);
                }
            }
            _ => {}
        }
    }
    out
}
