//! Validated runbook types. Once a value is a [`Runbook`], every `needs` points at a step
//! that exists, every template parsed and names only known variables, every regex compiled
//! and every duration parsed. The executor, `show`, `graph` and the book read only these.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use serde::Serialize;

pub use super::raw::{FluxKind, OnFailure, Risk};
use super::source::{SourceFile, Span};

/// A validated runbook.
#[derive(Debug)]
pub struct Runbook {
    /// The file stem: the runbook's name on the command line.
    pub name: String,
    pub source: Arc<SourceFile>,
    pub title: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub phase: Option<String>,
    pub risk: Risk,
    pub tags: Vec<String>,
    pub workdir: Option<String>,
    pub shell: String,
    /// Templated environment exported to every command.
    pub env: Vec<(String, String)>,
    pub vars: Vec<Var>,
    pub preconditions: Vec<Check>,
    /// Steps in file order; `order` gives the walk order.
    pub steps: Vec<Step>,
    /// Indices into `steps`, topologically sorted, ties broken by file order.
    pub order: Vec<usize>,
    /// Digest of the whole file, recorded in the journal to detect edits.
    pub digest: String,
}

impl Runbook {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub fn walk(&self) -> impl Iterator<Item = &Step> {
        self.order.iter().map(|&i| &self.steps[i])
    }

    pub fn var(&self, name: &str) -> Option<&Var> {
        self.vars.iter().find(|v| v.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Var {
    pub name: String,
    pub description: Option<String>,
    pub default: Option<String>,
    pub choices: Vec<String>,
    pub pattern: Option<Regex>,
    pub secret: bool,
    pub from_env: Option<String>,
}

impl Var {
    /// Why `value` is not acceptable for this variable, if it is not.
    pub fn reject(&self, value: &str) -> Option<String> {
        if !self.choices.is_empty() && !self.choices.iter().any(|c| c == value) {
            return Some(format!("must be one of {}", quoted_list(&self.choices)));
        }
        match &self.pattern {
            Some(re) if !re.is_match(value) => Some(format!("must match `{}`", re.as_str())),
            _ => None,
        }
    }
}

pub fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The variables a step's templates read, in name order (shared: see `validate::reads`).
pub type Reads = std::sync::Arc<[std::sync::Arc<str>]>;

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// Indices of the steps this one needs.
    pub needs: Vec<usize>,
    pub when: Option<String>,
    pub action: Action,
    pub foreach: Option<Foreach>,
    pub capture: Option<String>,
    pub timeout: Option<Duration>,
    pub retry: Retry,
    pub confirm: bool,
    pub idempotent: bool,
    /// Resume re-runs the verify checks of a step done earlier (`reverify = false` for
    /// pre-flight baselines that describe the starting state, not what the step did).
    pub reverify: bool,
    pub checkpoint: bool,
    pub interactive: bool,
    pub on_failure: OnFailure,
    pub preconditions: Vec<Check>,
    pub verify: Vec<Check>,
    pub rollback: Vec<RollbackCommand>,
    /// Variables its templates read (so a skipped step can name who misses its value).
    pub reads: Reads,
    /// Digest of the step's own source text, to name changed steps on resume.
    pub digest: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Action {
    Run(String),
    Manual(String),
    // Boxed: unboxed they made every step's action 136 bytes, where a command is 24.
    Ask(Box<Ask>),
    Call(Box<Call>),
    /// No action: only the step's checks run.
    Gate,
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Run(_) => "run",
            Action::Manual(_) => "manual",
            Action::Ask(_) => "ask",
            Action::Call(_) => "call",
            Action::Gate => "gate",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Ask {
    pub question: String,
    pub into: String,
    pub choices: Vec<String>,
    pub default: Option<String>,
    pub pattern: Option<Regex>,
    pub secret: bool,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub runbook: String,
    /// Templated values for the called runbook's variables.
    pub with: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Foreach {
    pub var: String,
    pub items: ForeachItems,
}

#[derive(Debug, Clone)]
pub enum ForeachItems {
    /// Literal items (each a template).
    List(Vec<String>),
    /// A variable whose value is split into non-empty trimmed lines.
    From(String),
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Retry {
    /// Total attempts of `run` (1 = no retry).
    pub attempts: u32,
    pub delay: Duration,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: Option<String>,
    pub kind: CheckKind,
    pub expect_exit: i32,
    pub expect_stdout: Option<String>,
    pub reject_stdout: Option<String>,
    pub attempts: u32,
    pub interval: Duration,
    pub timeout: Duration,
    pub message: Option<String>,
}

impl Check {
    /// The label shown for this check: its name, or what it runs.
    pub fn label(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match &self.kind {
            CheckKind::Command(run) => run.clone(),
            CheckKind::Flux(f) => f.label(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum CheckKind {
    Command(String),
    Flux(FluxCheck),
}

/// A typed Flux health check; string fields are templates.
#[derive(Debug, Clone, Serialize)]
pub struct FluxCheck {
    pub kind: FluxKind,
    pub name: String,
    pub namespace: String,
    pub chart_version: Option<String>,
    pub follow_inventory: bool,
    pub context: Option<String>,
}

impl FluxCheck {
    pub fn label(&self) -> String {
        let kind = match self.kind {
            FluxKind::Helmrelease => "HelmRelease",
            FluxKind::Kustomization => "Kustomization",
        };
        let mut label = format!("{kind} {}/{} Ready", self.namespace, self.name);
        if let Some(version) = &self.chart_version {
            label.push_str(&format!(" on chart {version}"));
        }
        if self.follow_inventory {
            label.push_str(" (and everything in its inventory)");
        }
        label
    }
}

#[derive(Debug, Clone)]
pub struct RollbackCommand {
    pub name: Option<String>,
    pub run: String,
    pub timeout: Option<Duration>,
}

/// Where a project's files live, as discovered.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory that contains `runbooks/` (commands run here by default).
    pub root: PathBuf,
    pub runbooks_dir: PathBuf,
}

impl Project {
    /// The state directory's name in the project root (without `--state-dir`).
    pub const STATE_DIR: &str = ".runbook";
}
