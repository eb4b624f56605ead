//! A session: this process's work on one run — the runbook, the journal it appends to, the
//! reporter and prompter it talks to, and the bookkeeping of the walk. Constructed by
//! `commands::run`; the walk, checks, failures and rollback are implemented beside it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::events::{Event, Reporter, SummaryRow};
use super::interrupt::Interrupt;
use super::prompter::{Need, PromptError, Prompter};
use crate::error::Result;
use crate::journal::record::Entry;
use crate::journal::recorder::Recorder;
use crate::journal::replay::RunState;
use crate::journal::store::Store;
use crate::render::template::Renderer;
use crate::runbook::load::Catalog;
use crate::runbook::model::Runbook;

pub use crate::journal::record::Mode;

#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    pub dry_run: bool,
    pub no_reverify: bool,
    /// A person can answer the failure menu (interactive terminal).
    pub operator: bool,
    /// `--from STEP`.
    pub from: Option<FromStep>,
}

/// Where a walk starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FromStep {
    /// `run --from STEP`: the steps before it are journaled as skipped.
    Skip(String),
    /// `resume --from STEP`: the steps before it are settled as usual; it and every step
    /// after it are walked again, whatever an earlier session did.
    Again(String),
}

impl FromStep {
    pub fn step(&self) -> &str {
        match self {
            FromStep::Skip(step) | FromStep::Again(step) => step,
        }
    }
}

/// Why the walk stopped before the end. The messages are the engine's account (step ids,
/// reasons); the commands to run next are added at the command edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// A step (or a runbook precondition) failed: `runbook resume` continues.
    Failed(String),
    Aborted,
    Interrupted,
    /// Nobody could answer a question (exit 4).
    Waiting(Need),
    /// An automatic rollback ran (`on-failure = "rollback"`); carries the failure.
    RolledBack(String),
    /// The rollback after a failure stopped at a failing undo command (unfinished).
    RollbackStopped(String),
    /// A done step's verify checks fail on resume and nobody can decide.
    Reverify {
        step: String,
        reason: String,
    },
}

pub struct Session<'a> {
    pub catalog: &'a Catalog,
    pub runbook: Arc<Runbook>,
    pub store: Store,
    pub run_id: String,
    /// The journal and the run state folded from it: the run's only truth.
    pub recorder: Recorder,
    pub reporter: &'a mut dyn Reporter,
    pub prompter: &'a mut dyn Prompter,
    pub interrupt: Interrupt,
    pub options: Options,
    pub renderer: Renderer,
    /// The directory commands run in.
    pub cwd: PathBuf,
    pub summary: Vec<SummaryRow>,
    /// Secret values seen so far, masked in everything shown or written.
    pub secrets: Vec<String>,
    /// The top-level variables: the environment of rollback commands.
    pub top_scope: super::scope::Scope,
    /// Steps that failed under `on-failure = "continue"`: the run goes on but ends failed.
    pub continued: Vec<String>,
    /// Past the `resume --from` step: earlier sessions' outcomes no longer count.
    pub walking_again: bool,
    /// The process environment, for `from-env` of called runbooks.
    pub environment: BTreeMap<String, String>,
}

/// What a session is made of besides the reporter and the prompter.
pub struct Setup<'a> {
    pub catalog: &'a Catalog,
    pub store: Store,
    pub run_id: String,
    /// The journal (dry for a dry run), holding the replayed state of an earlier session.
    pub recorder: Recorder,
    pub interrupt: Interrupt,
    pub options: Options,
    /// The directory commands run in.
    pub cwd: PathBuf,
    /// The top-level variables.
    pub scope: super::scope::Scope,
    /// The process environment, for `from-env` of called runbooks.
    pub environment: BTreeMap<String, String>,
}

impl<'a> Session<'a> {
    pub fn new(
        setup: Setup<'a>,
        reporter: &'a mut dyn Reporter,
        prompter: &'a mut dyn Prompter,
    ) -> Self {
        Self {
            catalog: setup.catalog,
            runbook: Arc::clone(&setup.scope.runbook),
            store: setup.store,
            run_id: setup.run_id,
            recorder: setup.recorder,
            reporter,
            prompter,
            interrupt: setup.interrupt,
            options: setup.options,
            renderer: Renderer::new(),
            cwd: setup.cwd,
            summary: Vec::new(),
            secrets: setup.scope.secret_values(),
            top_scope: setup.scope,
            continued: Vec::new(),
            walking_again: false,
            environment: setup.environment,
        }
    }
}

impl Session<'_> {
    /// Appends to the journal and folds the record into the run state.
    pub fn record(&mut self, entry: Entry) -> Result<()> {
        Ok(self.recorder.append(entry)?)
    }

    /// Puts every journal record on disk before a command runs.
    pub fn before_spawn(&mut self) -> Result<()> {
        Ok(self.recorder.sync()?)
    }

    /// The run as the journal says so far.
    pub fn state(&self) -> &RunState {
        self.recorder.state()
    }

    pub fn emit(&mut self, event: Event) {
        self.reporter.event(&event);
    }

    pub fn log_path(&self, journal_id: &str, attempt: u32) -> PathBuf {
        let name: String = journal_id
            .chars()
            .map(|c| if c == '/' { '~' } else { c })
            .collect();
        self.store
            .logs_dir(&self.run_id)
            .join(format!("{name}.{attempt}.log"))
    }

    /// Renders prose for the operator in `scope`, secrets masked.
    pub fn shown(&mut self, scope: &super::scope::Scope, text: &str) -> String {
        let rendered = scope.display(&mut self.renderer, &self.run_id, text);
        self.mask(&rendered)
    }

    pub fn mask(&self, text: &str) -> String {
        super::scope::mask(text, &self.secrets)
    }

    /// Sleeps between polls; false when Ctrl-C arrived.
    pub fn pause(&self, duration: Duration) -> bool {
        self.interrupt.sleep(duration)
    }

    /// Turns a prompt error into the walk's stop reason.
    pub fn prompt_stop(error: PromptError) -> Stop {
        match error {
            PromptError::Waiting(need) => Stop::Waiting(need),
            PromptError::Interrupted => Stop::Interrupted,
        }
    }
}
