//! Reading one journal line in a single pass. The derived `Deserialize` of an internally
//! tagged enum with a flattened `ts` buffers every object into serde's generic content
//! first, which dominates reading long journals (`runs` over many runs); here every field
//! any record may have is read straight into [`Line`], then checked against its `type`.
//! Writing stays with the derived `Serialize` of [`Record`]; a round-trip test keeps the
//! two in step.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::record::{Entry, Record, Undo};
use super::words::{
    CheckPhase, Choice, Mode, Outcome, RollbackEnd, RollbackOutcome, RunEnd, StepKind,
};

/// Every field of every record type; which are required depends on `type`.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Line {
    ts: String,
    #[serde(rename = "type")]
    record: String,
    run_id: Option<String>,
    runbook: Option<String>,
    digest: Option<String>,
    step_digests: Option<BTreeMap<String, String>>,
    vars: Option<BTreeMap<String, String>>,
    mode: Option<Mode>,
    pid: Option<u32>,
    pgid: Option<u32>,
    boot_id: Option<String>,
    host: Option<String>,
    #[serde(default)]
    user: String,
    step: Option<String>,
    attempt: Option<u32>,
    title: Option<String>,
    kind: Option<StepKind>,
    command: Option<String>,
    /// `step-started`: the rendered undo commands; `step-spawned`: whether the process
    /// runs an undo command.
    undo: Option<serde_json::Value>,
    #[serde(default)]
    checkpoint: bool,
    phase: Option<CheckPhase>,
    name: Option<String>,
    passed: Option<bool>,
    detail: Option<String>,
    #[serde(default)]
    output: Vec<String>,
    /// A step's or an undo's outcome: which, depends on `type`.
    outcome: Option<String>,
    exit_code: Option<i32>,
    reason: Option<String>,
    value: Option<(String, String)>,
    #[serde(default)]
    duration_ms: u64,
    #[serde(default)]
    attempts: u32,
    #[serde(default, deserialize_with = "choice")]
    choice: Option<Choice>,
    #[serde(default)]
    steps: Vec<String>,
    to: Option<String>,
    /// A rollback's or a run's end: which, depends on `type`.
    state: Option<String>,
}

fn choice<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Choice>, D::Error> {
    Choice::read(deserializer).map(Some)
}

fn need<T>(value: Option<T>, field: &str, record: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("`{record}` record without `{field}`"))
}

fn word<T: TryFrom<String, Error = String>>(
    value: Option<String>,
    field: &str,
    record: &str,
) -> Result<T, String> {
    T::try_from(need(value, field, record)?)
}

impl TryFrom<Line> for Record {
    type Error = String;

    fn try_from(l: Line) -> Result<Self, String> {
        let r = l.record.as_str();
        let entry = match r {
            "run-started" => Entry::RunStarted {
                run_id: need(l.run_id, "run-id", r)?,
                runbook: need(l.runbook, "runbook", r)?,
                digest: need(l.digest, "digest", r)?,
                step_digests: need(l.step_digests, "step-digests", r)?,
                vars: need(l.vars, "vars", r)?,
                mode: need(l.mode, "mode", r)?,
                pid: need(l.pid, "pid", r)?,
                host: need(l.host, "host", r)?,
                user: l.user,
            },
            "run-resumed" => Entry::RunResumed {
                digest: need(l.digest, "digest", r)?,
                mode: need(l.mode, "mode", r)?,
                pid: need(l.pid, "pid", r)?,
                host: need(l.host, "host", r)?,
                user: l.user,
            },
            "step-started" => Entry::StepStarted {
                step: need(l.step, "step", r)?,
                attempt: need(l.attempt, "attempt", r)?,
                title: need(l.title, "title", r)?,
                kind: need(l.kind, "kind", r)?,
                command: l.command,
                undo: match l.undo {
                    Some(undo) => serde_json::from_value::<Vec<Undo>>(undo)
                        .map_err(|e| format!("`undo` of `{r}`: {e}"))?,
                    None => Vec::new(),
                },
                checkpoint: l.checkpoint,
            },
            "step-spawned" => Entry::StepSpawned {
                step: need(l.step, "step", r)?,
                attempt: need(l.attempt, "attempt", r)?,
                pid: need(l.pid, "pid", r)?,
                pgid: need(l.pgid, "pgid", r)?,
                boot_id: l.boot_id,
                undo: match l.undo {
                    Some(serde_json::Value::Bool(undo)) => undo,
                    None => false,
                    Some(_) => return Err(format!("`undo` of `{r}` is not true or false")),
                },
            },
            "check" => Entry::Check {
                step: l.step,
                phase: need(l.phase, "phase", r)?,
                name: need(l.name, "name", r)?,
                attempt: need(l.attempt, "attempt", r)?,
                passed: need(l.passed, "passed", r)?,
                detail: l.detail,
                output: l.output,
            },
            "step-finished" => Entry::StepFinished {
                step: need(l.step, "step", r)?,
                outcome: word::<Outcome>(l.outcome, "outcome", r)?,
                exit_code: l.exit_code,
                reason: l.reason,
                value: l.value,
                duration_ms: l.duration_ms,
                attempts: l.attempts,
            },
            "decision" => Entry::Decision {
                step: l.step,
                choice: need(l.choice, "choice", r)?,
                steps: l.steps,
            },
            "interrupted" => Entry::Interrupted { step: l.step },
            "rollback-started" => Entry::RollbackStarted {
                to: l.to,
                steps: l.steps,
            },
            "rollback-step" => Entry::RollbackStep {
                step: need(l.step, "step", r)?,
                outcome: word::<RollbackOutcome>(l.outcome, "outcome", r)?,
                reason: l.reason,
            },
            "rollback-finished" => Entry::RollbackFinished {
                state: word::<RollbackEnd>(l.state, "state", r)?,
                reason: l.reason,
            },
            "run-finished" => Entry::RunFinished {
                state: word::<RunEnd>(l.state, "state", r)?,
                reason: l.reason,
            },
            other => return Err(format!("unknown record type `{other}`")),
        };
        Ok(Record { ts: l.ts, entry })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record type with every field set: what is written reads back the same.
    #[test]
    fn every_record_round_trips() {
        let undo = vec![Undo {
            name: Some("n".into()),
            run: "r".into(),
            timeout_ms: Some(5),
        }];
        let map: BTreeMap<String, String> = [("a".into(), "b".into())].into();
        let entries = vec![
            Entry::RunStarted {
                run_id: "id".into(),
                runbook: "rb".into(),
                digest: "d".into(),
                step_digests: map.clone(),
                vars: map,
                mode: Mode::Auto,
                pid: 7,
                host: "h".into(),
                user: "u".into(),
            },
            Entry::RunResumed {
                digest: "d".into(),
                mode: Mode::Yes,
                pid: 8,
                host: "h".into(),
                user: "u".into(),
            },
            Entry::StepStarted {
                step: "s".into(),
                attempt: 2,
                title: "t".into(),
                kind: StepKind::Call,
                command: Some("c\nd".into()),
                undo,
                checkpoint: true,
            },
            Entry::StepSpawned {
                step: "s".into(),
                attempt: 2,
                pid: 10,
                pgid: 10,
                boot_id: Some("b".into()),
                undo: true,
            },
            Entry::Check {
                step: Some("s".into()),
                phase: CheckPhase::Reverify,
                name: "n".into(),
                attempt: 3,
                passed: false,
                detail: Some("x".into()),
                output: vec!["last line".into()],
            },
            Entry::StepFinished {
                step: "s".into(),
                outcome: Outcome::Failed,
                exit_code: Some(3),
                reason: Some("r".into()),
                value: Some(("v".into(), "w".into())),
                duration_ms: 9,
                attempts: 4,
            },
            Entry::Decision {
                step: None,
                choice: Choice::AcceptChanged,
                steps: vec!["a".into()],
            },
            Entry::Interrupted {
                step: Some("s".into()),
            },
            Entry::RollbackStarted {
                to: Some("a".into()),
                steps: vec!["b".into()],
            },
            Entry::RollbackStep {
                step: "b".into(),
                outcome: RollbackOutcome::NoUndo,
                reason: Some("r".into()),
            },
            Entry::RollbackFinished {
                state: RollbackEnd::RollbackFailed,
                reason: Some("r".into()),
            },
            Entry::RunFinished {
                state: RunEnd::Abandoned,
                reason: Some("r".into()),
            },
        ];
        for entry in entries {
            let record = Record {
                ts: "2026-11-26T00:00:00.000Z".into(),
                entry,
            };
            let line = serde_json::to_string(&record).unwrap();
            assert_eq!(
                serde_json::from_str::<Record>(&line).unwrap(),
                record,
                "{line}"
            );
        }
    }

    #[test]
    fn a_record_missing_a_required_field_or_of_an_unknown_type_is_refused() {
        for line in [
            r#"{"ts":"t","type":"step-finished","step":"a"}"#,
            r#"{"ts":"t","type":"run-finished","state":"done"}"#,
            r#"{"ts":"t","type":"nonsense"}"#,
            r#"{"type":"interrupted"}"#,
        ] {
            assert!(serde_json::from_str::<Record>(line).is_err(), "{line}");
        }
    }
}
