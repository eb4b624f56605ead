//! The prompter of a scenario's run: answers given in the test file (`answers = { step =
//! "yes" }`), by the step's journal id or its plain id, one per question in order; a
//! question without a scripted answer goes to the mode's own prompter (`--yes` or
//! `--auto` without a terminal). Never prints.

use std::collections::BTreeMap;
use std::path::Path;

use crate::exec::prompter::{
    Answer, AskView, FailureChoice, FailureView, Prompter, ReverifyChoice, StepChoice, StepView,
    UnfinishedChoice, UnknownChoice,
};
use crate::runbook::model::Var;

pub struct Scripted {
    answers: BTreeMap<String, Vec<String>>,
    used: BTreeMap<String, usize>,
    inner: Box<dyn Prompter>,
}

impl Scripted {
    /// Reads the answers file a scenario wrote (a JSON object of step id → answers).
    pub fn load(path: &Path, inner: Box<dyn Prompter>) -> std::io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        let answers = serde_json::from_str(&text).map_err(std::io::Error::other)?;
        Ok(Self {
            answers,
            used: BTreeMap::new(),
            inner,
        })
    }

    /// The key a step's answers are under: its full id first (`deploy[a]`), then its id.
    fn key(&self, id: &str) -> Option<String> {
        let base = id.split('[').next().unwrap_or(id);
        [id, base]
            .into_iter()
            .find(|k| self.answers.contains_key(*k))
            .map(str::to_string)
    }

    /// The next scripted answer for a step.
    fn next(&mut self, id: &str) -> Option<String> {
        let key = self.key(id)?;
        let used = self.used.entry(key.clone()).or_default();
        let answer = self.answers[&key].get(*used).cloned();
        *used += 1;
        answer
    }
}

impl Prompter for Scripted {
    fn offer_step(&mut self, step: &StepView) -> Answer<StepChoice> {
        self.inner.offer_step(step)
    }
    fn confirm(&mut self, step: &StepView) -> Answer<bool> {
        match self.next(&step.id).as_deref() {
            Some("yes") => Ok(true),
            Some(_) => Ok(false),
            None => self.inner.confirm(step),
        }
    }
    fn manual(&mut self, step: &StepView, instructions: &str) -> Answer<StepChoice> {
        match self.next(&step.id).as_deref() {
            Some("done") => Ok(StepChoice::Run),
            Some("skip") => Ok(StepChoice::Skip),
            Some(_) => Ok(StepChoice::Abort),
            None => self.inner.manual(step, instructions),
        }
    }
    fn ask(&mut self, ask: &AskView) -> Answer<String> {
        match self.next(&ask.step) {
            Some(answer) => Ok(answer),
            None => self.inner.ask(ask),
        }
    }
    /// A scripted answer left for the step is asked for, operator or not.
    fn answers_failure(&self, step: &str) -> bool {
        self.key(step).is_some_and(|key| {
            let used = self.used.get(&key).copied().unwrap_or(0);
            used < self.answers[&key].len()
        })
    }
    fn failure(&mut self, failure: &FailureView) -> Answer<FailureChoice> {
        match self.next(&failure.step.id).as_deref() {
            Some("retry") => Ok(FailureChoice::Retry),
            Some("skip") => Ok(FailureChoice::Skip),
            Some("rollback") => Ok(FailureChoice::Rollback),
            Some(_) => Ok(FailureChoice::Abort),
            None => self.inner.failure(failure),
        }
    }
    fn unknown_outcome(&mut self, step: &StepView) -> Answer<UnknownChoice> {
        match self.next(&step.id).as_deref() {
            Some("rerun") => Ok(UnknownChoice::Rerun),
            Some("done") => Ok(UnknownChoice::MarkDone),
            Some("skip") => Ok(UnknownChoice::Skip),
            Some(_) => Ok(UnknownChoice::Abort),
            None => self.inner.unknown_outcome(step),
        }
    }
    fn reverify_failed(&mut self, failure: &FailureView) -> Answer<ReverifyChoice> {
        self.inner.reverify_failed(failure)
    }
    fn unfinished_run(&mut self, run_id: &str, standing: &str) -> Answer<UnfinishedChoice> {
        self.inner.unfinished_run(run_id, standing)
    }
    fn variable(&mut self, var: &Var) -> Answer<String> {
        self.inner.variable(var)
    }
    fn approve_rollback(&mut self, summary: &str) -> Answer<bool> {
        self.inner.approve_rollback(summary)
    }
    fn shell(
        &mut self,
        cwd: &Path,
        env: &std::collections::BTreeMap<String, String>,
    ) -> Answer<()> {
        self.inner.shell(cwd, env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::prompter::Unattended;

    fn scripted(json: &str) -> Scripted {
        let path =
            std::env::temp_dir().join(format!("runbook-scripted-{}.json", std::process::id()));
        std::fs::write(&path, json).unwrap();
        let scripted = Scripted::load(&path, Box::new(Unattended)).unwrap();
        std::fs::remove_file(&path).unwrap();
        scripted
    }

    fn failure_of(id: &str) -> FailureView {
        FailureView {
            step: StepView {
                id: id.into(),
                title: id.into(),
                details: String::new(),
            },
            reason: "verify failed".into(),
            tail: Vec::new(),
            can_rollback: true,
        }
    }

    #[test]
    fn a_failure_is_answered_while_a_scripted_answer_is_left() {
        let mut p = scripted(r#"{"deploy": ["retry", "rollback"]}"#);
        assert!(
            p.answers_failure("deploy[a]"),
            "the plain id answers an item"
        );
        assert!(!p.answers_failure("other"));
        assert!(matches!(
            p.failure(&failure_of("deploy")),
            Ok(FailureChoice::Retry)
        ));
        assert!(p.answers_failure("deploy"));
        assert!(matches!(
            p.failure(&failure_of("deploy")),
            Ok(FailureChoice::Rollback)
        ));
        assert!(
            !p.answers_failure("deploy"),
            "used up: the failure halts again"
        );
    }
}
