//! The [`Summary`] of a journal read straight from its lines, for `runs` and the choice of
//! "the newest run": a documented projection of [`RunState::apply`](super::replay::RunState)
//! that keeps only the run-level fields a summary shows. Each line is read into a borrowed
//! [`Brief`] (the few fields the summary needs, every other field skipped unallocated),
//! never into a full [`Record`](super::record::Record) with its steps, digests and undo
//! commands; that is what makes listing a thousand long journals cheap.
//!
//! Why a projection and not the full fold: the summary depends on the record types and on a
//! handful of words only (see [`Fold::apply`], one arm per type, each the run-level half of
//! the same arm of the replay). A unit test folds every record type in random sequences both
//! ways and requires the same summary, so the two cannot drift apart unnoticed. What it does
//! not do: check that a line has every field its type requires. A line that is JSON with a
//! known `type` but lacks a required field is damage for `resume`, `rollback` and `log`
//! (which read records in full) and not for `runs`.

use std::borrow::Cow;

use serde::Deserialize;

use super::standing::{Flags, Summary};
use super::words::{Choice, RollbackEnd, RollbackOutcome, RunEnd};

/// The fields of a journal line that a summary reads.
#[derive(Deserialize)]
struct Brief<'a> {
    #[serde(borrow)]
    ts: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    record: Cow<'a, str>,
    #[serde(borrow, default)]
    runbook: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    step: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    outcome: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    state: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    choice: Option<Cow<'a, str>>,
}

/// The run-level state of a journal, folded a line at a time.
#[derive(Debug, Default)]
pub struct Fold {
    runbook: String,
    started: String,
    updated: String,
    current: Option<String>,
    flags: Flags,
}

impl Fold {
    /// Folds one journal line (without its newline). An error is a line that is not JSON,
    /// has no `ts` or `type`, or holds an unknown type or word.
    pub fn line(&mut self, line: &[u8]) -> Result<(), String> {
        let brief: Brief<'_> = serde_json::from_slice(line).map_err(|e| e.to_string())?;
        self.apply(&brief)
    }

    /// The run-level half of the replay's arm for each record type.
    fn apply(&mut self, b: &Brief<'_>) -> Result<(), String> {
        let f = &mut self.flags;
        match b.record.as_ref() {
            "run-started" => {
                self.runbook = need(&b.runbook, "runbook", &b.record)?.to_string();
                self.started = b.ts.to_string();
            }
            "run-resumed" => {
                f.finished = None;
                f.reopen();
            }
            "step-started" => {
                self.current = Some(need(&b.step, "step", &b.record)?.to_string());
                f.rolled_back = false;
            }
            "interrupted" => f.interrupted = true,
            "decision" => {
                let choice = need(&b.choice, "choice", &b.record)?;
                // Older journals wrote accepted changes as `accept-changed: …`.
                if !choice.starts_with("accept-changed:")
                    && Choice::try_from(choice.to_string())? == Choice::Waiting
                {
                    f.waiting = true;
                }
            }
            "rollback-started" => {
                f.rolling_back = true;
                f.rollback_failed = false;
                f.finished = None;
                f.reopen();
            }
            "rollback-step" => {
                let outcome = need(&b.outcome, "outcome", &b.record)?;
                if RollbackOutcome::try_from(outcome.to_string())? == RollbackOutcome::Failed {
                    f.rollback_failed = true;
                }
            }
            "rollback-finished" => {
                let end = need(&b.state, "state", &b.record)?;
                if RollbackEnd::try_from(end.to_string())? == RollbackEnd::RolledBack {
                    f.rolling_back = false;
                    f.rollback_failed = false;
                    f.rolled_back = true;
                }
            }
            "run-finished" => {
                let end = need(&b.state, "state", &b.record)?;
                f.finished = Some(RunEnd::try_from(end.to_string())?);
            }
            // Step details only: nothing a summary shows.
            "step-finished" | "check" | "step-spawned" => {}
            other => return Err(format!("unknown record type `{other}`")),
        }
        self.updated.clear();
        self.updated.push_str(&b.ts);
        Ok(())
    }

    pub fn summary(self) -> Summary {
        Summary {
            runbook: self.runbook,
            started: self.started,
            updated: self.updated,
            current: self.current,
            standing: self.flags.standing(),
            resumable: self.flags.resumable(),
            unfinished: self.flags.unfinished(),
            rolling_back: self.flags.rolling_back,
        }
    }
}

fn need<'b>(value: &'b Option<Cow<'_, str>>, field: &str, record: &str) -> Result<&'b str, String> {
    value
        .as_deref()
        .ok_or_else(|| format!("`{record}` record without `{field}`"))
}

/// The `ts` of a journal line, if it has one (dates a run whose journal is damaged later).
pub fn timestamp(line: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Ts<'a> {
        #[serde(borrow)]
        ts: Cow<'a, str>,
    }
    serde_json::from_slice::<Ts<'_>>(line)
        .ok()
        .map(|t| t.ts.into_owned())
}

#[cfg(test)]
#[path = "brief_tests.rs"]
mod tests;
