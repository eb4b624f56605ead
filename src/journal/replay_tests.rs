//! The replay fold on record lists: statuses and attempts of steps, decisions, rollbacks
//! and what counts as evidence that a step's command started. Pure; no files.

use super::*;
use crate::journal::standing::Standing;

fn rec(entry: Entry) -> Record {
    Record {
        ts: "2026-11-26T00:00:00Z".into(),
        entry,
    }
}

fn started(step: &str, attempt: u32) -> Record {
    rec(Entry::StepStarted {
        step: step.into(),
        attempt,
        title: step.into(),
        kind: crate::journal::words::StepKind::Run,
        command: None,
        undo: vec![],
        checkpoint: false,
    })
}

fn finished(step: &str, outcome: Outcome) -> Record {
    rec(Entry::StepFinished {
        step: step.into(),
        outcome,
        exit_code: None,
        reason: None,
        value: None,
        duration_ms: 0,
        attempts: 1,
    })
}

#[test]
fn started_without_outcome_is_unknown() {
    let state = replay(&[
        started("a", 1),
        finished("a", Outcome::Succeeded),
        started("b", 1),
    ]);
    assert_eq!(state.steps["a"].status, Status::Succeeded);
    assert_eq!(state.steps["b"].status, Status::Unknown);
    assert_eq!(state.current.as_deref(), Some("b"));
    assert_eq!(state.standing(), Standing::Stopped);
    assert!(state.resumable());
}

#[test]
fn rollback_marks_steps_and_finishing_clears_it() {
    let mut records = vec![started("a", 1), finished("a", Outcome::Succeeded)];
    records.push(rec(Entry::RollbackStarted {
        to: None,
        steps: vec!["a".into()],
    }));
    let mid = replay(&records);
    assert_eq!(mid.standing(), Standing::RollingBack);
    records.push(rec(Entry::RollbackStep {
        step: "a".into(),
        outcome: RollbackOutcome::Failed,
        reason: Some("exit 1".into()),
    }));
    assert_eq!(replay(&records).standing(), Standing::RollbackFailed);
    records.push(rec(Entry::RollbackStep {
        step: "a".into(),
        outcome: RollbackOutcome::Succeeded,
        reason: None,
    }));
    records.push(rec(Entry::RollbackFinished {
        state: RollbackEnd::RolledBack,
        reason: None,
    }));
    records.push(rec(Entry::RunFinished {
        state: RunEnd::RolledBack,
        reason: None,
    }));
    let end = replay(&records);
    assert_eq!(end.steps["a"].status, Status::RolledBack);
    assert_eq!(end.standing(), Standing::Ended(RunEnd::RolledBack));
    assert!(!end.resumable());
}

#[test]
fn a_rollback_reopens_a_succeeded_run() {
    let mut records = vec![
        started("a", 1),
        finished("a", Outcome::Succeeded),
        started("b", 1),
        finished("b", Outcome::Succeeded),
    ];
    records.push(rec(Entry::RunFinished {
        state: RunEnd::Succeeded,
        reason: None,
    }));
    assert!(!replay(&records).resumable());
    records.push(rec(Entry::RollbackStarted {
        to: Some("a".into()),
        steps: vec!["b".into()],
    }));
    let mid = replay(&records);
    assert!(
        mid.resumable(),
        "resume must get to say that a rollback is unfinished"
    );
    assert_eq!(mid.standing(), Standing::RollingBack);
    records.push(rec(Entry::RollbackStep {
        step: "b".into(),
        outcome: RollbackOutcome::Succeeded,
        reason: None,
    }));
    records.push(rec(Entry::RollbackFinished {
        state: RollbackEnd::RolledBack,
        reason: None,
    }));
    let end = replay(&records);
    assert!(end.resumable());
    assert_eq!(end.standing(), Standing::RolledBack);
    assert_eq!(end.steps["a"].status, Status::Succeeded);
    assert_eq!(end.steps["b"].status, Status::RolledBack);
}

#[test]
fn a_finished_record_carries_the_tries_of_retries() {
    let mut done = finished("a", Outcome::Succeeded);
    if let Entry::StepFinished { attempts, .. } = &mut done.entry {
        *attempts = 3;
    }
    let state = replay(&[started("a", 1), done]);
    assert_eq!(state.steps["a"].attempts, 3);
}

#[test]
fn attempts_accumulate_across_resumes() {
    let state = replay(&[
        started("a", 1),
        finished("a", Outcome::Failed),
        started("a", 2),
    ]);
    assert_eq!(state.steps["a"].attempts, 2);
    assert_eq!(state.steps["a"].status, Status::Unknown);
}

fn spawned(step: &str, undo: bool) -> Record {
    rec(Entry::StepSpawned {
        step: step.into(),
        attempt: 1,
        pid: 1,
        pgid: 1,
        boot_id: None,
        undo,
    })
}

#[test]
fn only_a_spawned_command_is_evidence_that_a_step_acted() {
    let state = replay(&[
        started("never", 1),
        finished("never", Outcome::Failed),
        started("outer", 1),
        started("outer/inner", 1),
        spawned("outer/inner", false),
        started("undo-only", 1),
        spawned("undo-only", true),
    ]);
    assert!(!state.steps["never"].ran, "it failed before its command");
    assert!(state.steps["outer/inner"].ran);
    assert!(state.steps["outer"].ran, "a call acts through its steps");
    assert!(
        !state.steps["undo-only"].ran,
        "an undo command is no evidence"
    );
}
