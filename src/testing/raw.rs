//! The test file as written (`runbooks/<name>.test.toml`), deserialized with spans so
//! `spec` can point problems at `file:line:col`. Serde types only; no validation here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct File {
    /// The runbook under test (default: the file name without `.test.toml`).
    pub runbook: Option<Spanned<String>>,
    #[serde(default, rename = "scenario")]
    pub scenarios: Vec<Scenario>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Scenario {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    #[serde(default)]
    pub mode: RunMode,
    /// With `mode = "yes"`: pass `--allow-destructive` (confirm steps run).
    #[serde(default)]
    pub allow_destructive: bool,
    /// Scripted answers by step id: one answer, or one per time the step asks.
    #[serde(default)]
    pub answers: BTreeMap<String, Spanned<Answers>>,
    /// A fixture directory (relative to the test file) copied into a temporary git repo.
    pub repo: Option<Spanned<String>>,
    /// The variable that receives the repository's path.
    #[serde(default = "default_repo_var")]
    pub repo_var: String,
    /// Seconds before the scenario's run is killed.
    #[serde(default = "default_timeout")]
    pub timeout: u64,
    /// The wait between a check's attempts in place of its `interval` (`"0s"`).
    pub poll_interval: Option<Spanned<String>>,
    /// After the run, `runbook rollback --yes` undoes it (state and steps are judged after).
    #[serde(default)]
    pub rollback: bool,
    #[serde(default, rename = "double")]
    pub doubles: Vec<Double>,
    #[serde(default)]
    pub expect: Expect,
}

fn default_repo_var() -> String {
    "repo".into()
}

fn default_timeout() -> u64 {
    60
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunMode {
    /// `run --yes`: every question answered yes, asks take their default.
    #[default]
    Yes,
    /// `run --auto`: confirm and manual steps stop the run unless answered.
    Auto,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Answers {
    One(String),
    Many(Vec<String>),
}

impl Answers {
    pub fn list(&self) -> Vec<String> {
        match self {
            Answers::One(a) => vec![a.clone()],
            Answers::Many(list) => list.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Double {
    pub program: Spanned<String>,
    /// Glob over the joined arguments, or `re:` and a regex; absent: any arguments.
    pub args: Option<Spanned<String>>,
    #[serde(default)]
    pub stdout: String,
    /// A file (relative to the test file) whose content is printed after `stdout`.
    pub stdout_file: Option<Spanned<String>>,
    #[serde(default)]
    pub stderr: String,
    #[serde(default)]
    pub exit: i32,
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Answers for the second, third, … match; the last one repeats.
    #[serde(default)]
    pub then: Vec<Reply>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Reply {
    #[serde(default)]
    pub stdout: String,
    /// A file (relative to the test file) whose content is printed after `stdout`; read
    /// when the test file is loaded.
    #[serde(default, skip_serializing)]
    pub stdout_file: Option<String>,
    #[serde(default)]
    pub stderr: String,
    #[serde(default)]
    pub exit: i32,
    /// Files to write, relative to the repo fixture (or the command's directory).
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Expect {
    pub state: Option<Spanned<State>>,
    pub exit: Option<i32>,
    pub stopped_at: Option<Spanned<String>>,
    /// Regex searched in the stopped step's reason and the run's output.
    pub message: Option<Spanned<String>>,
    /// Regex the run's output must match.
    pub output: Option<Spanned<String>>,
    /// Regexes that must match neither the run's output nor any file the run wrote in its
    /// state directory (journal, logs): a secret that must never be shown or stored.
    #[serde(default)]
    pub never_output: Vec<Spanned<String>>,
    #[serde(default)]
    pub steps: BTreeMap<String, Spanned<StepStatus>>,
    #[serde(default)]
    pub attempts: BTreeMap<String, Spanned<u32>>,
    #[serde(default)]
    pub calls: Vec<Spanned<String>>,
    #[serde(default)]
    pub never: Vec<Spanned<String>>,
    #[serde(default)]
    pub exists: Vec<String>,
    #[serde(default)]
    pub absent: Vec<String>,
    #[serde(default)]
    pub contains: BTreeMap<String, Spanned<String>>,
}

/// Where a run ended, as `runbook runs` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Succeeded,
    Failed,
    Aborted,
    RolledBack,
    Abandoned,
    Waiting,
    Interrupted,
    Stopped,
    RollingBack,
    RollbackFailed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Succeeded => "succeeded",
            State::Failed => "failed",
            State::Aborted => "aborted",
            State::RolledBack => "rolled-back",
            State::Abandoned => "abandoned",
            State::Waiting => "waiting",
            State::Interrupted => "interrupted",
            State::Stopped => "stopped",
            State::RollingBack => "rolling-back",
            State::RollbackFailed => "rollback-failed",
        }
    }

    /// The exit code `runbook run` gives for this end, when one code belongs to it.
    pub fn exit_code(self) -> Option<i32> {
        match self {
            State::Succeeded => Some(0),
            State::Failed => Some(1),
            State::Waiting => Some(4),
            _ => None,
        }
    }
}

/// A step's outcome in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    Succeeded,
    Failed,
    Skipped,
    /// Started, no outcome (waiting at a question, or killed).
    Unknown,
    Pending,
    RolledBack,
    /// The journal never mentions the step.
    NotRun,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Succeeded => "succeeded",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
            StepStatus::Unknown => "unknown",
            StepStatus::Pending => "pending",
            StepStatus::RolledBack => "rolled-back",
            StepStatus::NotRun => "not-run",
        }
    }
}
