//! The sessions of a run (each `run`, `resume` or `rollback` that wrote to its journal) and
//! the times of the report: durations between journal timestamps, written for people. Pure.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::model::{Session, SessionKind};
use crate::journal::record::{Choice, Entry, Record};
use crate::journal::standing::Standing;
use crate::journal::words::RunEnd;

/// Every session, in order. A rollback that begins after its session ended (`runbook
/// rollback` on a stopped run) opens a session of its own; one triggered by a failure
/// (`on-failure = "rollback"`) belongs to the session that failed.
pub fn sessions(records: &[Record]) -> Vec<Session> {
    fold(records).0
}

/// The session each record belongs to (numbered from 1; 0 before the first).
pub fn numbers(records: &[Record]) -> Vec<usize> {
    fold(records).1
}

fn fold(records: &[Record]) -> (Vec<Session>, Vec<usize>) {
    let mut out: Vec<Session> = Vec::new();
    let mut numbers = Vec::with_capacity(records.len());
    let mut open = false;
    for record in records {
        let opened = match &record.entry {
            Entry::RunStarted {
                mode,
                pid,
                host,
                user,
                ..
            } => Some((SessionKind::Run, mode.as_str(), operator(user, host), *pid)),
            Entry::RunResumed {
                mode,
                pid,
                host,
                user,
                ..
            } => Some((
                SessionKind::Resume,
                mode.as_str(),
                operator(user, host),
                *pid,
            )),
            _ => None,
        };
        if let Some((kind, mode, operator, pid)) = opened {
            out.push(session(kind, &record.ts, mode, operator, Some(pid)));
            open = true;
        } else if matches!(record.entry, Entry::RollbackStarted { .. }) && !open {
            // The rollback record names no one: the operator of the last session.
            let operator = out.last().map(|s| s.operator.clone()).unwrap_or_default();
            out.push(session(
                SessionKind::Rollback,
                &record.ts,
                "",
                operator,
                None,
            ));
            open = true;
        }
        numbers.push(out.len());
        let Some(current) = out.last_mut() else {
            continue;
        };
        current.ended_at.clone_from(&record.ts);
        let end = match &record.entry {
            Entry::Interrupted { .. } => Some("interrupted"),
            Entry::Decision {
                choice: Choice::Waiting,
                ..
            } => Some("waiting"),
            Entry::RunFinished { state, .. } => Some(state.as_str()),
            Entry::RollbackFinished { state, .. } if current.kind == SessionKind::Rollback => {
                Some(state.as_str())
            }
            _ => None,
        };
        if let Some(end) = end {
            current.end = end.to_string();
            open = false;
        }
    }
    for (i, session) in out.iter_mut().enumerate() {
        session.number = i + 1;
    }
    (out, numbers)
}

/// `user@host`, or the host alone in a journal written before users were recorded.
fn operator(user: &str, host: &str) -> String {
    if user.is_empty() {
        host.to_string()
    } else {
        format!("{user}@{host}")
    }
}

fn session(kind: SessionKind, at: &str, mode: &str, operator: String, pid: Option<u32>) -> Session {
    Session {
        number: 0,
        kind,
        at: at.to_string(),
        mode: mode.to_string(),
        operator,
        pid,
        end: "stopped".into(),
        ended_at: at.to_string(),
    }
}

/// The exit code the last session ended with, as far as the journal tells it.
pub fn exit_code(standing: Standing, sessions: &[Session]) -> Option<u8> {
    use crate::exit_code::{FAILURE, INTERRUPTED, SUCCESS, WAITING};
    let by_rollback = sessions
        .last()
        .is_some_and(|s| s.kind == SessionKind::Rollback);
    match standing {
        Standing::Ended(RunEnd::Succeeded) => Some(SUCCESS),
        Standing::Ended(RunEnd::Failed | RunEnd::Aborted) => Some(FAILURE),
        // `runbook rollback` succeeds; a rollback the failure triggered ends the run failed.
        Standing::Ended(RunEnd::RolledBack) | Standing::RolledBack => {
            Some(if by_rollback { SUCCESS } else { FAILURE })
        }
        Standing::RollbackFailed => Some(FAILURE),
        Standing::Interrupted => Some(INTERRUPTED),
        Standing::Waiting => Some(WAITING),
        Standing::Ended(RunEnd::Abandoned) | Standing::RollingBack | Standing::Stopped => None,
    }
}

fn parse(ts: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(ts, &Rfc3339).ok()
}

/// The time from `from` to `to` (journal timestamps), for people; empty if either is unreadable.
pub fn between(from: &str, to: &str) -> String {
    match (parse(from), parse(to)) {
        (Some(a), Some(b)) => {
            let ms = (b - a).whole_milliseconds().max(0);
            human(u64::try_from(ms).unwrap_or(0))
        }
        _ => String::new(),
    }
}

/// Milliseconds for people: `850ms`, `4.2s`, `3m 05s`, `1h 02m`.
pub fn human(ms: u64) -> String {
    let seconds = ms / 1000;
    match seconds {
        0 => format!("{ms}ms"),
        1..60 => format!("{seconds}.{}s", (ms % 1000) / 100),
        60..3600 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h {:02}m", seconds / 3600, (seconds % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::{Mode, RollbackEnd};
    use crate::journal::replay::replay;

    fn rec(entry: Entry) -> Record {
        Record {
            ts: "2026-12-01T10:00:00Z".into(),
            entry,
        }
    }

    fn started() -> Record {
        rec(Entry::RunStarted {
            run_id: "r".into(),
            runbook: "rb".into(),
            digest: "d".into(),
            step_digests: Default::default(),
            vars: Default::default(),
            mode: Mode::Yes,
            pid: 7,
            host: "h".into(),
            user: "u".into(),
        })
    }

    fn rollback() -> [Record; 2] {
        [
            rec(Entry::RollbackStarted {
                to: None,
                steps: vec!["a".into()],
            }),
            rec(Entry::RollbackFinished {
                state: RollbackEnd::RolledBack,
                reason: None,
            }),
        ]
    }

    #[test]
    fn a_rollback_after_the_session_ended_is_a_session_of_its_own() {
        let mut records = vec![
            started(),
            rec(Entry::RunFinished {
                state: RunEnd::Succeeded,
                reason: None,
            }),
        ];
        records.extend(rollback());
        let found = sessions(&records);
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].kind, SessionKind::Rollback);
        assert_eq!(found[1].end, "rolled-back");
        assert_eq!(numbers(&records), vec![1, 1, 2, 2]);
        let standing = replay(&records).standing();
        assert_eq!(exit_code(standing, &found), Some(0));
    }

    #[test]
    fn a_rollback_the_failure_triggered_belongs_to_its_session_and_exits_1() {
        let mut records = vec![started()];
        records.extend(rollback());
        records.push(rec(Entry::RunFinished {
            state: RunEnd::RolledBack,
            reason: None,
        }));
        let found = sessions(&records);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].end, "rolled-back");
        assert_eq!(exit_code(replay(&records).standing(), &found), Some(1));
    }

    #[test]
    fn a_killed_session_ends_stopped_without_an_exit_code() {
        let records = vec![started()];
        let found = sessions(&records);
        assert_eq!(found[0].end, "stopped");
        assert_eq!(exit_code(replay(&records).standing(), &found), None);
    }

    #[test]
    fn durations_read_for_people() {
        assert_eq!(human(850), "850ms");
        assert_eq!(human(4_250), "4.2s");
        assert_eq!(human(185_000), "3m 05s");
        assert_eq!(human(3_720_000), "1h 02m");
        assert_eq!(
            between("2026-12-01T10:00:00.500Z", "2026-12-01T10:01:01Z"),
            "1m 00s"
        );
        assert_eq!(between("nonsense", "2026-12-01T10:01:01Z"), "");
    }
}
