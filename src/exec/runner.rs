//! The command runner: turns a script into a [`CommandSpec`] for a scope (the runbook's
//! shell, working directory, `env` and variables), runs checks through `command`, and names
//! a step's per-attempt log file (step commands are logged in `kinds`). Owns the directory
//! commands run in, the interrupt counter and where logs go; never prints.

use std::path::PathBuf;
use std::time::Duration;

use super::command::{self, CommandSpec, Finished, Stream};
use super::interrupt::Interrupt;
use super::scope::Scope;
use super::text::Text;
use crate::journal::store::Store;
use crate::render::template::Escape;

pub struct CommandRunner {
    /// The directory commands run in (a runbook's `workdir` is relative to it).
    cwd: PathBuf,
    pub interrupt: Interrupt,
    /// Where the run's log files go (`Store::log_file_name` names them), joined once
    /// rather than for each attempt.
    logs_dir: PathBuf,
    /// Replaces every check's `interval` (see `Options::poll_interval`).
    poll_interval: Option<Duration>,
}

impl CommandRunner {
    pub fn new(cwd: PathBuf, interrupt: Interrupt, store: Store, run_id: String) -> Self {
        Self {
            cwd,
            interrupt,
            logs_dir: store.logs_dir(&run_id),
            poll_interval: None,
        }
    }

    pub fn with_poll_interval(mut self, poll_interval: Option<Duration>) -> Self {
        self.poll_interval = poll_interval;
        self
    }

    /// The wait between two attempts of a check whose own interval is `interval`.
    pub fn poll_interval(&self, interval: Duration) -> Duration {
        self.poll_interval.unwrap_or(interval)
    }

    /// A command spec in this scope: the runbook's shell, cwd, `env` and variables.
    pub fn spec(
        &self,
        text: &mut Text,
        scope: &Scope,
        script: String,
        timeout: Option<Duration>,
    ) -> CommandSpec {
        let mut env = scope.environment();
        for (key, template) in &scope.runbook.env {
            if let Ok(value) = text.value(scope, template, Escape::None) {
                env.insert(key.clone(), value);
            }
        }
        let cwd = match &scope.runbook.workdir {
            Some(dir) => self.cwd.join(dir),
            None => self.cwd.clone(),
        };
        CommandSpec {
            shell: scope
                .runbook
                .shell
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            script,
            cwd,
            env,
            timeout,
            interactive: false,
        }
    }

    /// The log file of one attempt of a step.
    pub fn log_path(&self, journal_id: &str, attempt: u32) -> PathBuf {
        self.logs_dir
            .join(Store::log_file_name(journal_id, attempt))
    }

    /// Runs a command without a log (checks, undo commands).
    pub fn run(
        &self,
        spec: &CommandSpec,
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> std::io::Result<Finished> {
        command::run(spec, &self.interrupt, on_line)
    }

    /// Sleeps between polls; false when Ctrl-C arrived.
    pub fn pause(&self, duration: Duration) -> bool {
        self.interrupt.sleep(duration)
    }
}
