//! A session: this process's walk of one run. Owns what only the walk needs (the prompter,
//! the options, the catalog of called runbooks, the top-level variables, the summary) and
//! the shared [`Context`]; checks and rollback run in their own runners borrowing it. Also
//! the walk's vocabulary: [`Options`], [`FromStep`], [`Stop`]. Never prints.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::checks::{CheckOutcome, CheckRunner};
use super::context::Context;
use super::events::{Event, Reporter, SummaryRow};
use super::interrupt::Interrupt;
use super::prompter::{Need, PromptError, Prompter};
use super::rollback::{Plan, RollbackRunner, Undone};
use super::runner::CommandRunner;
use super::scope::Scope;
use super::text::Text;
use crate::error::Result;
use crate::journal::record::{CheckPhase, Entry};
use crate::journal::recorder::Recorder;
use crate::journal::replay::RunState;
use crate::journal::store::Store;
use crate::runbook::load::Catalog;
use crate::runbook::model::{Check, Runbook};

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
    /// Replaces every check's `interval` (a `runbook test` scenario's `poll-interval`).
    pub poll_interval: Option<Duration>,
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

/// This process's walk of one run: the shared [`Context`] (journal and state, reporter,
/// text, commands) plus what only the walk needs: the prompter, the options, the catalog of
/// called runbooks, the top-level variables and the run's bookkeeping.
pub struct Session<'a> {
    pub cx: Context<'a>,
    pub prompter: &'a mut dyn Prompter,
    pub options: Options,
    pub catalog: &'a Catalog,
    pub runbook: Arc<Runbook>,
    /// The top-level variables: the environment of rollback commands.
    pub top_scope: Scope,
    /// The process environment, for `from-env` of called runbooks.
    pub environment: BTreeMap<String, String>,
    pub summary: Vec<SummaryRow>,
    /// Steps that failed under `on-failure = "continue"`: the run goes on but ends failed.
    pub continued: Vec<String>,
    /// Past the `resume --from` step: earlier sessions' outcomes no longer count.
    pub walking_again: bool,
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
    pub scope: Scope,
    /// The process environment, for `from-env` of called runbooks.
    pub environment: BTreeMap<String, String>,
}

impl<'a> Session<'a> {
    pub fn new(
        setup: Setup<'a>,
        reporter: &'a mut dyn Reporter,
        prompter: &'a mut dyn Prompter,
    ) -> Self {
        let cx = Context {
            recorder: setup.recorder,
            reporter,
            text: Text::new(setup.run_id.clone(), setup.scope.secret_values()),
            commands: CommandRunner::new(setup.cwd, setup.interrupt, setup.store, setup.run_id)
                .with_poll_interval(setup.options.poll_interval),
        };
        Self {
            cx,
            prompter,
            options: setup.options,
            catalog: setup.catalog,
            runbook: Arc::clone(&setup.scope.runbook),
            top_scope: setup.scope,
            environment: setup.environment,
            summary: Vec::new(),
            continued: Vec::new(),
            walking_again: false,
        }
    }

    // The walk's short ways to the shared parts.

    pub fn record(&mut self, entry: Entry) -> Result<()> {
        self.cx.record(entry)
    }

    pub fn state(&self) -> &RunState {
        self.cx.state()
    }

    pub fn emit(&mut self, event: Event) {
        self.cx.emit(event);
    }

    pub fn run_id(&self) -> &str {
        self.cx.text.run_id()
    }

    /// Renders prose for the operator in `scope`, secrets masked.
    pub fn shown(&mut self, scope: &Scope, text: &str) -> String {
        self.cx.text.shown(scope, text)
    }

    pub fn mask(&self, text: &str) -> String {
        self.cx.text.mask(text)
    }

    /// Runs `checks` of one phase (see [`CheckRunner`]).
    pub fn run_checks(
        &mut self,
        scope: &Scope,
        checks: &[Check],
        step: Option<&str>,
        phase: CheckPhase,
        single_try: bool,
    ) -> Result<CheckOutcome> {
        CheckRunner::new(&mut self.cx).run(scope, checks, step, phase, single_try)
    }

    /// Runs a rollback plan (see [`RollbackRunner`]).
    pub fn execute_rollback(&mut self, plan: &Plan) -> Result<Undone> {
        RollbackRunner::new(&mut self.cx, &self.top_scope).execute(plan)
    }

    /// Turns a prompt error into the walk's stop reason.
    pub fn prompt_stop(error: PromptError) -> Stop {
        match error {
            PromptError::Waiting(need) => Stop::Waiting(need),
            PromptError::Interrupted => Stop::Interrupted,
        }
    }
}
