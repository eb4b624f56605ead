//! The summary-only fold agrees with the replay on every record type, in any order.

use super::*;
use crate::journal::record::{Entry, Mode, Outcome, Record, StepKind, Undo};
use crate::journal::replay::replay;
use crate::xorshift::Xorshift as Rng;

fn entry(rng: &mut Rng) -> Entry {
    let step = rng.pick(&["a", "b", "c[x]"]).to_string();
    let reason = rng.pick(&[None, Some("why \"quoted\"\n".to_string())]);
    match rng.below(12) {
        0 => Entry::RunStarted {
            run_id: "r".into(),
            runbook: rng.pick(&["rb", "other\\rb"]).into(),
            digest: "d".into(),
            step_digests: [("a".into(), "1".into())].into(),
            vars: [("v".into(), "é\t".into())].into(),
            mode: Mode::Yes,
            pid: 1,
            host: "h".into(),
            user: "u".into(),
        },
        1 => Entry::RunResumed {
            digest: "d".into(),
            mode: Mode::Auto,
            pid: 2,
            host: "h".into(),
            user: String::new(),
        },
        2 => Entry::StepStarted {
            step,
            attempt: 1,
            title: "t".into(),
            kind: rng.pick(StepKind::ALL),
            command: Some("echo \"x\"".into()),
            undo: vec![Undo {
                name: None,
                run: "u".into(),
                timeout_ms: None,
            }],
            checkpoint: rng.below(2) == 0,
        },
        3 => Entry::StepSpawned {
            step,
            attempt: 1,
            pid: 3,
            pgid: 3,
            boot_id: None,
            undo: false,
        },
        4 => Entry::Check {
            step: Some(step),
            phase: rng.pick(CheckPhase::ALL),
            name: "n".into(),
            attempt: 1,
            passed: false,
            detail: reason,
            output: vec!["o".into()],
        },
        5 => Entry::StepFinished {
            step,
            outcome: rng.pick(Outcome::ALL),
            exit_code: Some(1),
            reason,
            value: None,
            duration_ms: 4,
            attempts: 1,
        },
        6 => Entry::Decision {
            step: rng.pick(&[None, Some(step)]),
            choice: rng.pick(Choice::ALL),
            steps: vec![],
        },
        7 => Entry::Interrupted { step: None },
        8 => Entry::RollbackStarted {
            to: None,
            steps: vec![step],
        },
        9 => Entry::RollbackStep {
            step,
            outcome: rng.pick(RollbackOutcome::ALL),
            reason,
        },
        10 => Entry::RollbackFinished {
            state: rng.pick(RollbackEnd::ALL),
            reason,
        },
        _ => Entry::RunFinished {
            state: rng.pick(RunEnd::ALL),
            reason,
        },
    }
}

use crate::journal::words::CheckPhase;

#[test]
fn the_summary_fold_agrees_with_the_replay() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..2_000 {
        let records: Vec<Record> = (0..1 + rng.below(30))
            .map(|i| Record {
                ts: format!("2026-12-01T00:00:{i:02}.000Z"),
                entry: entry(&mut rng),
            })
            .collect();
        let mut fold = Fold::default();
        for record in &records {
            let line = serde_json::to_vec(record).expect("serializes");
            fold.line(&line).expect("a written record reads");
        }
        assert_eq!(
            fold.summary(),
            replay(&records).summary(),
            "round {round}: {records:#?}"
        );
    }
}

#[test]
fn lines_that_are_not_records_are_refused() {
    for line in [
        "not json",
        r#"{"type":"check"}"#,
        r#"{"ts":"t","type":"nonsense"}"#,
        r#"{"ts":"t","type":"run-finished","state":"nonsense"}"#,
        r#"{"ts":"t","type":"run-started"}"#,
    ] {
        assert!(Fold::default().line(line.as_bytes()).is_err(), "{line}");
    }
    assert_eq!(
        timestamp(br#"{"ts":"2026","type":"x"}"#).as_deref(),
        Some("2026")
    );
}
