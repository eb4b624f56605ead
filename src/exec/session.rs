//! A session: this process's work on one run — the runbook, the journal it appends to, the
//! reporter and prompter it talks to, and the bookkeeping of the walk. Constructed by
//! `commands::run`; the walk, checks, failures and rollback are implemented beside it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::events::{Event, Reporter, SummaryRow};
use super::interrupt::Interrupt;
use super::prompter::{PromptError, Prompter};
use crate::error::{Error, Result};
use crate::journal::record::Entry;
use crate::journal::replay::RunState;
use crate::journal::store::Store;
use crate::journal::writer::Journal;
use crate::render::template::Renderer;
use crate::runbook::load::Catalog;
use crate::runbook::model::Runbook;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every step is offered: run, skip, details, abort.
    Interactive,
    /// Runs without asking, except confirm, manual and failures.
    Auto,
    /// Answers yes to everything.
    Yes,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Interactive => "interactive",
            Mode::Auto => "auto",
            Mode::Yes => "yes",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    pub dry_run: bool,
    pub no_reverify: bool,
    /// A person can answer the failure menu (interactive terminal).
    pub operator: bool,
    /// `--from STEP`: earlier steps are skipped.
    pub from: Option<String>,
}

/// Why the walk stopped before the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    Failed(String),
    Aborted,
    Interrupted,
    Waiting(String),
    /// An automatic rollback ran (`on-failure = "rollback"`); carries the failure.
    RolledBack(String),
}

pub struct Session<'a> {
    pub catalog: &'a Catalog,
    pub runbook: Arc<Runbook>,
    pub store: Store,
    pub run_id: String,
    pub journal: Option<Journal>,
    /// The replayed journal (empty for a new run).
    pub previous: RunState,
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
    /// Outcome per journal id during this walk (for `needs` of failed steps).
    pub outcomes: BTreeMap<String, String>,
    /// The top-level variables: the environment of rollback commands.
    pub top_scope: super::scope::Scope,
    /// Steps that failed under `on-failure = "continue"`: the run goes on but ends failed.
    pub continued: Vec<String>,
    /// The process environment, for `from-env` of called runbooks.
    pub environment: BTreeMap<String, String>,
}

/// What a session is made of besides the reporter and the prompter.
pub struct Setup<'a> {
    pub catalog: &'a Catalog,
    pub store: Store,
    pub run_id: String,
    /// `None` for a dry run.
    pub journal: Option<Journal>,
    /// The replayed journal (empty for a new run).
    pub previous: RunState,
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
            journal: setup.journal,
            previous: setup.previous,
            reporter,
            prompter,
            interrupt: setup.interrupt,
            options: setup.options,
            renderer: Renderer::new(),
            cwd: setup.cwd,
            summary: Vec::new(),
            secrets: setup.scope.secret_values(),
            outcomes: BTreeMap::new(),
            top_scope: setup.scope,
            continued: Vec::new(),
            environment: setup.environment,
        }
    }
}

impl Session<'_> {
    /// Appends to the journal (fsync) unless this is a dry run.
    pub fn record(&mut self, entry: Entry) -> Result<()> {
        if let Some(journal) = &mut self.journal {
            let path = journal.path().to_path_buf();
            // An outcome or a check result announces no side effect: it is synced with the
            // next record, or by `before_spawn`, whichever comes first.
            let deferred = matches!(entry, Entry::StepFinished { .. } | Entry::Check { .. });
            let written = if deferred {
                journal.append_deferred(entry)
            } else {
                journal.append(entry)
            };
            written.map_err(|e| Error::io("write journal", path, e))?;
        }
        Ok(())
    }

    /// Puts every journal record on disk before a command runs.
    pub fn before_spawn(&mut self) -> Result<()> {
        if let Some(journal) = &mut self.journal {
            let path = journal.path().to_path_buf();
            journal
                .sync()
                .map_err(|e| Error::io("write journal", path, e))?;
        }
        Ok(())
    }

    pub fn emit(&mut self, event: Event) {
        self.reporter.event(&event);
    }

    pub fn log_path(&self, journal_id: &str, attempt: u32) -> PathBuf {
        self.store.log_path(&self.run_id, journal_id, attempt)
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
            PromptError::Waiting(message) => Stop::Waiting(message),
            PromptError::Interrupted => Stop::Interrupted,
        }
    }
}
