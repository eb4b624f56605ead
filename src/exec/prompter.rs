//! How the engine asks the operator. `ui/` implements this trait with dialoguer (the
//! interactive walk); `AssumeYes` serves `--yes`, `Unattended` serves runs without a
//! terminal. Errors mean "cannot ask here" (exit 4) or "the operator pressed Ctrl-C".

use crate::runbook::model::Var;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepChoice {
    Run,
    Skip,
    Abort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureChoice {
    Retry,
    Skip,
    Rollback,
    Shell,
    Abort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownChoice {
    /// Run the step again.
    Rerun,
    /// The operator checked: it is done.
    MarkDone,
    Skip,
    Abort,
}

/// What the prompter is shown about a step.
#[derive(Debug, Clone)]
pub struct StepView {
    pub id: String,
    pub title: String,
    pub details: String,
}

#[derive(Debug, Clone)]
pub struct FailureView {
    pub step: StepView,
    pub reason: String,
    /// Output of the failing check (command output was already shown with the command).
    pub tail: Vec<String>,
    pub can_rollback: bool,
}

#[derive(Debug, Clone)]
pub struct AskView {
    pub step: String,
    /// The variable that receives the answer.
    pub into: String,
    pub question: String,
    pub choices: Vec<String>,
    pub default: Option<String>,
    pub secret: bool,
    pub pattern: Option<regex::Regex>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReverifyChoice {
    /// Run the step again.
    Rerun,
    /// Keep it as done (the check describes something else now).
    Keep,
    Abort,
}

/// `run NAME` while an earlier run of NAME is unfinished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnfinishedChoice {
    Resume,
    /// Start a new run; the old one is journaled `abandoned`.
    New,
    Quit,
}

/// What a run waits for when nobody can answer (exit 4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Need {
    #[error("step `{step}` needs confirmation")]
    Confirmation { step: String },
    #[error(
        "step `{step}` is destructive (`confirm = true`), and `--yes` alone does not confirm it"
    )]
    Destructive { step: String },
    #[error("manual step `{step}` needs an operator")]
    Manual { step: String },
    #[error("step `{step}` asks \"{question}\" and has no default")]
    Answer { step: String, question: String },
    #[error(
        "step `{step}` started but its outcome is unknown (the run was killed while it ran), its verify checks did not pass and it is not `idempotent`"
    )]
    UnknownOutcome { step: String },
    #[error("variable `{name}` has no value")]
    Variable { name: String },
    #[error("the rollback plan needs approval")]
    Approval,
}

impl Need {
    /// The step that waits, if a step does.
    pub fn step(&self) -> Option<&str> {
        match self {
            Need::Confirmation { step }
            | Need::Destructive { step }
            | Need::Manual { step }
            | Need::Answer { step, .. }
            | Need::UnknownOutcome { step } => Some(step),
            Need::Variable { .. } | Need::Approval => None,
        }
    }
}

impl From<Need> for String {
    fn from(need: Need) -> Self {
        need.to_string()
    }
}

#[derive(Debug, Clone)]
pub enum PromptError {
    /// No operator can answer here (exit 4).
    Waiting(Need),
    Interrupted,
}

pub type Answer<T> = Result<T, PromptError>;

pub trait Prompter {
    /// Interactive mode offers every step: run, skip or abort.
    fn offer_step(&mut self, step: &StepView) -> Answer<StepChoice>;
    /// A `confirm = true` step: an explicit yes, default no.
    fn confirm(&mut self, step: &StepView) -> Answer<bool>;
    /// A manual step: done (true) or not; `None` means abort.
    fn manual(&mut self, step: &StepView, instructions: &str) -> Answer<StepChoice>;
    fn ask(&mut self, ask: &AskView) -> Answer<String>;
    fn failure(&mut self, failure: &FailureView) -> Answer<FailureChoice>;
    /// Whether a failure of `step` has an answer although no operator is there (a
    /// `runbook test` scenario's scripted answer); without one, `on-failure = "ask"` halts.
    fn answers_failure(&self, _step: &str) -> bool {
        false
    }
    fn unknown_outcome(&mut self, step: &StepView) -> Answer<UnknownChoice>;
    /// A done step's verify checks fail on resume: run it again, keep it, or abort.
    fn reverify_failed(&mut self, failure: &FailureView) -> Answer<ReverifyChoice>;
    /// `run NAME` found an unfinished run of NAME (only asked when an operator is there).
    fn unfinished_run(&mut self, run_id: &str, standing: &str) -> Answer<UnfinishedChoice>;
    /// A variable without a value.
    fn variable(&mut self, var: &Var) -> Answer<String>;
    /// Agree to a rollback plan.
    fn approve_rollback(&mut self, summary: &str) -> Answer<bool>;
    /// Open a shell for the operator (the failure menu's "shell" choice).
    fn shell(
        &mut self,
        cwd: &std::path::Path,
        env: &std::collections::BTreeMap<String, String>,
    ) -> Answer<()>;
}

/// `--yes`: every question answered yes; asks take their default. A `confirm = true`
/// step is answered yes only with `--allow-destructive`; otherwise the run waits (exit 4).
#[derive(Debug, Clone, Copy, Default)]
pub struct AssumeYes {
    pub allow_destructive: bool,
}

impl Prompter for AssumeYes {
    fn offer_step(&mut self, _: &StepView) -> Answer<StepChoice> {
        Ok(StepChoice::Run)
    }
    fn confirm(&mut self, step: &StepView) -> Answer<bool> {
        if self.allow_destructive {
            Ok(true)
        } else {
            Err(PromptError::Waiting(Need::Destructive {
                step: step.id.clone(),
            }))
        }
    }
    fn manual(&mut self, _: &StepView, _: &str) -> Answer<StepChoice> {
        Ok(StepChoice::Run)
    }
    fn ask(&mut self, ask: &AskView) -> Answer<String> {
        ask.default.clone().ok_or_else(|| {
            PromptError::Waiting(Need::Answer {
                step: ask.step.clone(),
                question: ask.question.clone(),
            })
        })
    }
    fn failure(&mut self, _: &FailureView) -> Answer<FailureChoice> {
        Ok(FailureChoice::Abort)
    }
    fn unknown_outcome(&mut self, step: &StepView) -> Answer<UnknownChoice> {
        Err(PromptError::Waiting(Need::UnknownOutcome {
            step: step.id.clone(),
        }))
    }
    fn reverify_failed(&mut self, _: &FailureView) -> Answer<ReverifyChoice> {
        // Not asked without an operator: the walk stops naming both ways out.
        Ok(ReverifyChoice::Abort)
    }
    fn unfinished_run(&mut self, _: &str, _: &str) -> Answer<UnfinishedChoice> {
        Ok(UnfinishedChoice::Quit)
    }
    fn variable(&mut self, var: &Var) -> Answer<String> {
        Err(PromptError::Waiting(Need::Variable {
            name: var.name.clone(),
        }))
    }
    fn approve_rollback(&mut self, _: &str) -> Answer<bool> {
        Ok(true)
    }
    fn shell(
        &mut self,
        _: &std::path::Path,
        _: &std::collections::BTreeMap<String, String>,
    ) -> Answer<()> {
        Ok(())
    }
}

/// `--auto` without a terminal: anything that needs a person stops the run (exit 4).
pub struct Unattended;

impl Prompter for Unattended {
    fn offer_step(&mut self, _: &StepView) -> Answer<StepChoice> {
        Ok(StepChoice::Run)
    }
    fn confirm(&mut self, step: &StepView) -> Answer<bool> {
        Err(PromptError::Waiting(Need::Confirmation {
            step: step.id.clone(),
        }))
    }
    fn manual(&mut self, step: &StepView, _: &str) -> Answer<StepChoice> {
        Err(PromptError::Waiting(Need::Manual {
            step: step.id.clone(),
        }))
    }
    fn ask(&mut self, ask: &AskView) -> Answer<String> {
        AssumeYes::default().ask(ask)
    }
    fn failure(&mut self, _: &FailureView) -> Answer<FailureChoice> {
        Ok(FailureChoice::Abort)
    }
    fn unknown_outcome(&mut self, step: &StepView) -> Answer<UnknownChoice> {
        AssumeYes::default().unknown_outcome(step)
    }
    fn reverify_failed(&mut self, failure: &FailureView) -> Answer<ReverifyChoice> {
        AssumeYes::default().reverify_failed(failure)
    }
    fn unfinished_run(&mut self, run_id: &str, standing: &str) -> Answer<UnfinishedChoice> {
        AssumeYes::default().unfinished_run(run_id, standing)
    }
    fn variable(&mut self, var: &Var) -> Answer<String> {
        AssumeYes::default().variable(var)
    }
    fn approve_rollback(&mut self, _: &str) -> Answer<bool> {
        Err(PromptError::Waiting(Need::Approval))
    }
    fn shell(
        &mut self,
        _: &std::path::Path,
        _: &std::collections::BTreeMap<String, String>,
    ) -> Answer<()> {
        Ok(())
    }
}

/// Answers `ask` steps given in advance (`--var into=value`) and passes every other
/// question to the prompter it wraps.
pub struct Preset<'a> {
    pub answers: std::collections::BTreeMap<String, String>,
    pub inner: &'a mut dyn Prompter,
}

impl Prompter for Preset<'_> {
    fn offer_step(&mut self, step: &StepView) -> Answer<StepChoice> {
        self.inner.offer_step(step)
    }
    fn confirm(&mut self, step: &StepView) -> Answer<bool> {
        self.inner.confirm(step)
    }
    fn manual(&mut self, step: &StepView, instructions: &str) -> Answer<StepChoice> {
        self.inner.manual(step, instructions)
    }
    fn ask(&mut self, ask: &AskView) -> Answer<String> {
        match self.answers.get(&ask.into) {
            Some(answer) => Ok(answer.clone()),
            None => self.inner.ask(ask),
        }
    }
    fn failure(&mut self, failure: &FailureView) -> Answer<FailureChoice> {
        self.inner.failure(failure)
    }
    fn answers_failure(&self, step: &str) -> bool {
        self.inner.answers_failure(step)
    }
    fn unknown_outcome(&mut self, step: &StepView) -> Answer<UnknownChoice> {
        self.inner.unknown_outcome(step)
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
        cwd: &std::path::Path,
        env: &std::collections::BTreeMap<String, String>,
    ) -> Answer<()> {
        self.inner.shell(cwd, env)
    }
}
