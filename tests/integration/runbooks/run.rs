//! `Run`: what one command of an end-to-end test did (exit code and output, the
//! journal records, the fakes' calls.log), and the assertions on it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::support::Output;

/// What a run did: exit code, output, journal records and the fakes' calls.
pub(crate) struct Run {
    pub(crate) output: Output,
    pub(crate) journal: Vec<Value>,
    pub(crate) calls: Vec<String>,
}

impl Run {
    pub(crate) fn report(&self) -> String {
        format!(
            "{}\n--- calls.log:\n{}",
            self.output.report(),
            self.calls.join("\n")
        )
    }

    /// The last outcome of every journaled step.
    pub(crate) fn outcomes(&self) -> BTreeMap<String, String> {
        self.journal
            .iter()
            .filter(|r| r["type"] == "step-finished")
            .filter_map(|r| {
                Some((
                    r["step"].as_str()?.to_string(),
                    r["outcome"].as_str()?.to_string(),
                ))
            })
            .collect()
    }

    /// The id of the run this journal belongs to.
    pub(crate) fn run_id(&self) -> String {
        self.journal
            .iter()
            .find(|r| r["type"] == "run-started")
            .and_then(|r| r["run-id"].as_str())
            .unwrap_or_else(|| panic!("no run-started record\n{}", self.report()))
            .to_string()
    }

    pub(crate) fn run_state(&self) -> Option<String> {
        self.journal
            .iter()
            .rev()
            .find(|r| r["type"] == "run-finished")
            .and_then(|r| r["state"].as_str().map(str::to_string))
    }

    /// Exit 0, a journal that ends `succeeded`, and no check that had to poll: the fakes
    /// converge at once, so a second attempt (an interval of 5-10s) means a wrong state.
    #[track_caller]
    pub(crate) fn succeeded(&self) -> &Self {
        assert_eq!(self.output.status, 0, "the run failed\n{}", self.report());
        assert_eq!(
            self.run_state().as_deref(),
            Some("succeeded"),
            "the journal does not end succeeded\n{}",
            self.report()
        );
        let polled: Vec<&Value> = self
            .journal
            .iter()
            .filter(|r| r["type"] == "check" && r["attempt"].as_u64().unwrap_or(1) > 1)
            .collect();
        assert!(
            polled.is_empty(),
            "checks polled: {polled:#?}\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub(crate) fn failed(&self) -> &Self {
        assert_eq!(
            self.output.status,
            1,
            "the run did not stop on a failure\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub(crate) fn steps(&self, outcome: &str, steps: &[&str]) -> &Self {
        let outcomes = self.outcomes();
        for step in steps {
            assert_eq!(
                outcomes.get(*step).map(String::as_str),
                Some(outcome),
                "step {step} is not {outcome}: journal outcomes {outcomes:#?}\n{}",
                self.report()
            );
        }
        self
    }

    #[track_caller]
    pub(crate) fn not_journaled(&self, step: &str) -> &Self {
        assert!(
            !self.outcomes().contains_key(step),
            "step {step} has an outcome\n{}",
            self.report()
        );
        self
    }

    /// Each needle is found in a later calls.log line than the one before.
    #[track_caller]
    pub(crate) fn calls_in_order(&self, needles: &[&str]) -> &Self {
        let mut from = 0;
        for needle in needles {
            match self.calls[from..].iter().position(|c| c.contains(needle)) {
                Some(i) => from += i + 1,
                None => panic!(
                    "no call {needle:?} after line {from} of calls.log (in order: {needles:#?})\n{}",
                    self.report()
                ),
            }
        }
        self
    }

    #[track_caller]
    pub(crate) fn no_call(&self, needle: &str) -> &Self {
        assert!(
            !self.calls.iter().any(|c| c.contains(needle)),
            "unexpected call {needle:?}\n{}",
            self.report()
        );
        self
    }

    /// The walk's report (stdout and stderr: step output is shown there) contains it.
    #[track_caller]
    pub(crate) fn shows(&self, needle: &str) -> &Self {
        assert!(
            self.output.stdout.contains(needle) || self.output.stderr.contains(needle),
            "the output lacks {needle:?}\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub(crate) fn hides(&self, needle: &str) -> &Self {
        assert!(
            !self.output.stdout.contains(needle) && !self.output.stderr.contains(needle),
            "the output has {needle:?}\n{}",
            self.report()
        );
        self
    }
}
