//! Journal record types: one JSON object per line, `ts` + `type` + fields. Adding a field is
//! backward compatible (optional, or `#[serde(default)]`); renaming one is not. A new field
//! goes into [`Entry`] (written) and into `read::Line` (read); the round-trip test in
//! `read.rs` fails until both have it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::words::{
    CheckPhase, Choice, Mode, Outcome, RollbackEnd, RollbackOutcome, RunEnd, StepKind,
};

/// Written by the derived `Serialize`; read in one pass through `read::Line`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(try_from = "super::read::Line")]
pub struct Record {
    /// RFC 3339 UTC timestamp.
    pub ts: String,
    #[serde(flatten)]
    pub entry: Entry,
}

/// A rendered undo command, recorded when its step starts so rollback needs no re-rendering.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Undo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub run: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Entry {
    #[serde(rename_all = "kebab-case")]
    RunStarted {
        run_id: String,
        runbook: String,
        digest: String,
        /// Digest of each step's source, to name the steps an edit changed.
        step_digests: BTreeMap<String, String>,
        /// Variable values, secrets left out.
        vars: BTreeMap<String, String>,
        mode: Mode,
        pid: u32,
        host: String,
        /// The operator's user name; empty in journals written before it was recorded.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        user: String,
    },
    #[serde(rename_all = "kebab-case")]
    RunResumed {
        digest: String,
        mode: Mode,
        pid: u32,
        host: String,
        /// The operator's user name; empty in journals written before it was recorded.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        user: String,
    },
    #[serde(rename_all = "kebab-case")]
    StepStarted {
        step: String,
        attempt: u32,
        title: String,
        kind: StepKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        command: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        undo: Vec<Undo>,
        #[serde(default)]
        checkpoint: bool,
    },
    /// The process of one try of a `run` step, as soon as it runs: with the boot id, what
    /// tells `resume` and `rollback` whether it may still be alive.
    #[serde(rename_all = "kebab-case")]
    StepSpawned {
        step: String,
        /// The try (it numbers the log file).
        attempt: u32,
        pid: u32,
        pgid: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        boot_id: Option<String>,
        /// The process runs one of the step's undo commands, not the step.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        undo: bool,
    },
    #[serde(rename_all = "kebab-case")]
    Check {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        phase: CheckPhase,
        name: String,
        attempt: u32,
        passed: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        /// A failed try's last lines of output, masked and bounded (`exec::checks`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        output: Vec<String>,
    },
    #[serde(rename_all = "kebab-case")]
    StepFinished {
        step: String,
        outcome: Outcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// A `capture` (masked when it holds a secret) or an `ask` answer (absent when secret).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<(String, String)>,
        #[serde(default)]
        duration_ms: u64,
        #[serde(default)]
        attempts: u32,
    },
    #[serde(rename_all = "kebab-case")]
    Decision {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        #[serde(deserialize_with = "Choice::read")]
        choice: Choice,
        /// The steps a decision is about (`accept-changed`: the changed steps).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        steps: Vec<String>,
    },
    #[serde(rename_all = "kebab-case")]
    Interrupted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
    },
    #[serde(rename_all = "kebab-case")]
    RollbackStarted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        steps: Vec<String>,
    },
    #[serde(rename_all = "kebab-case")]
    RollbackStep {
        step: String,
        outcome: RollbackOutcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    #[serde(rename_all = "kebab-case")]
    RollbackFinished {
        state: RollbackEnd,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    #[serde(rename_all = "kebab-case")]
    RunFinished {
        state: RunEnd,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

impl Entry {
    pub fn type_name(&self) -> &'static str {
        match self {
            Entry::RunStarted { .. } => "run-started",
            Entry::RunResumed { .. } => "run-resumed",
            Entry::StepStarted { .. } => "step-started",
            Entry::StepSpawned { .. } => "step-spawned",
            Entry::Check { .. } => "check",
            Entry::StepFinished { .. } => "step-finished",
            Entry::Decision { .. } => "decision",
            Entry::Interrupted { .. } => "interrupted",
            Entry::RollbackStarted { .. } => "rollback-started",
            Entry::RollbackStep { .. } => "rollback-step",
            Entry::RollbackFinished { .. } => "rollback-finished",
            Entry::RunFinished { .. } => "run-finished",
        }
    }
}

/// Now, as RFC 3339 UTC with exactly three fractional digits. Fixed width matters: runs are
/// ordered by comparing these strings, and RFC 3339's shortest form (`…:49.2Z` for
/// `…:49.200Z`) sorts after `…:49.25Z`.
pub fn now() -> String {
    timestamp(time::OffsetDateTime::now_utc())
}

fn timestamp(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let Ok(year) = u32::try_from(at.year()) else {
        return described(at);
    };
    if year > 9999 {
        return described(at);
    }
    // Written digit by digit: three records a step, and the format description took
    // about 2,000 instructions each.
    let mut out = String::with_capacity(24);
    let mut digits = |value: u32, width: u32, after: char| {
        for place in (0..width).rev() {
            out.push(char::from_digit(value / 10u32.pow(place) % 10, 10).unwrap_or('0'));
        }
        out.push(after);
    };
    digits(year, 4, '-');
    digits(u32::from(u8::from(at.month())), 2, '-');
    digits(u32::from(at.day()), 2, 'T');
    digits(u32::from(at.hour()), 2, ':');
    digits(u32::from(at.minute()), 2, ':');
    digits(u32::from(at.second()), 2, '.');
    digits(u32::from(at.millisecond()), 3, 'Z');
    out
}

/// [`timestamp`] through `time`'s format description: the reference, and the years a
/// four-digit field cannot hold.
fn described(at: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_have_a_fixed_width_and_sort_in_time_order() {
        let at = |ms: u16| {
            super::timestamp(
                time::macros::datetime!(2026-12-01 10:37:49 UTC)
                    .replace_millisecond(ms)
                    .unwrap(),
            )
        };
        assert_eq!(at(200), "2026-12-01T10:37:49.200Z");
        assert_eq!(at(0), "2026-12-01T10:37:49.000Z");
        assert!(at(200) < at(250));
    }

    /// The digit-by-digit writer against `time`'s format description, over instants
    /// spread across four centuries (every field's range, leap days included).
    #[test]
    fn timestamps_match_the_format_description() {
        let mut seconds: i64 = -2_208_988_800; // 1900-01-01
        let end: i64 = 10_413_792_000; // 2300-01-01
        let mut nanos: u32 = 0;
        while seconds < end {
            let at = time::OffsetDateTime::from_unix_timestamp(seconds)
                .unwrap()
                .replace_nanosecond(nanos)
                .unwrap();
            assert_eq!(super::timestamp(at), super::described(at), "{at}");
            seconds += 86_399 * 7 + 3_607;
            nanos = (nanos + 123_456_789) % 1_000_000_000;
        }
        let before_year_one = time::macros::datetime!(-0001-12-31 23:59:59.999 UTC);
        assert_eq!(
            super::timestamp(before_year_one),
            super::described(before_year_one)
        );
    }
}
