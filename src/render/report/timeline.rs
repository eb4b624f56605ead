//! The timeline of a run: one entry per thing that happened, in journal order — sessions
//! beginning, steps ending (with why), checks that failed for good, decisions,
//! interruptions, rollbacks and the run's end. A step starting is left out (its end says
//! more); a check try that was retried into a later try is left out too. Pure.

use std::collections::BTreeMap;

use super::build::bounded;
use super::model::Event;
use crate::journal::record::{Entry, Record, RollbackOutcome};

/// The indices of the failing `check` records that were the last try of their check
/// (a retry follows a try that did not pass with the next attempt number).
pub fn final_failures(records: &[Record]) -> Vec<usize> {
    let mut kept = Vec::new();
    let mut later: BTreeMap<(Option<&str>, &str, &str), u32> = BTreeMap::new();
    for (i, record) in records.iter().enumerate().rev() {
        let Entry::Check {
            step,
            phase,
            name,
            attempt,
            passed,
            ..
        } = &record.entry
        else {
            continue;
        };
        let key = (step.as_deref(), phase.as_str(), name.as_str());
        let retried = later.get(&key) == Some(&(attempt + 1));
        later.insert(key, *attempt);
        if !passed && !retried {
            kept.push(i);
        }
    }
    kept.reverse();
    kept
}

pub fn timeline(records: &[Record]) -> Vec<Event> {
    let failures: std::collections::BTreeSet<usize> = final_failures(records).into_iter().collect();
    let sessions = super::sessions::numbers(records);
    let mut out = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let session = sessions[i];
        let event = |step: Option<&String>, what: String, detail: Option<String>| Event {
            at: record.ts.clone(),
            session,
            step: step.cloned(),
            what,
            detail: detail.as_deref().map(bounded),
        };
        let entry = match &record.entry {
            Entry::RunStarted { mode, .. } => {
                event(None, "run started".into(), Some(format!("mode {mode}")))
            }
            Entry::RunResumed { mode, .. } => {
                event(None, "resumed".into(), Some(format!("mode {mode}")))
            }
            // A step starting (or its process) is told by how it ended.
            Entry::StepStarted { .. } | Entry::StepSpawned { .. } => continue,
            Entry::Check {
                step, phase, name, ..
            } => {
                if !failures.contains(&i) {
                    continue;
                }
                event(
                    step.as_ref(),
                    format!("{phase} check failed"),
                    Some(name.clone()),
                )
            }
            Entry::StepFinished {
                step,
                outcome,
                reason,
                ..
            } => event(Some(step), outcome.as_str().to_string(), reason.clone()),
            Entry::Decision { step, choice, .. } => {
                event(step.as_ref(), format!("decision: {choice}"), None)
            }
            Entry::Interrupted { step } => event(step.as_ref(), "interrupted".into(), None),
            Entry::RollbackStarted { steps, .. } => event(
                None,
                "rollback started".into(),
                Some(format!("undo {}", steps.join(", "))),
            ),
            Entry::RollbackStep {
                step,
                outcome,
                reason,
            } => {
                if *outcome == RollbackOutcome::Started {
                    continue;
                }
                event(Some(step), format!("undo {outcome}"), reason.clone())
            }
            Entry::RollbackFinished { state, reason } => {
                event(None, format!("rollback {state}"), reason.clone())
            }
            Entry::RunFinished { state, reason } => {
                event(None, format!("run {state}"), reason.clone())
            }
        };
        out.push(entry);
    }
    out
}
