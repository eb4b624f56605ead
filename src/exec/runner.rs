//! The command runner: turns a script into a [`CommandSpec`] for a scope (the runbook's
//! shell, working directory, `env` and variables) and runs it through `command`, with the
//! per-attempt log file of a step. Owns the directory commands run in, the interrupt
//! counter and the run's log directory; never prints (output goes to the callback).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::time::Duration;

use super::command::{self, CommandSpec, Finished, Stream};
use super::interrupt::Interrupt;
use super::scope::Scope;
use super::text::Text;
use crate::error::{Error, Result};
use crate::journal::store::Store;
use crate::journal::writer::create_private_dir;
use crate::render::template::Escape;

pub struct CommandRunner {
    /// The directory commands run in (a runbook's `workdir` is relative to it).
    cwd: PathBuf,
    pub interrupt: Interrupt,
    /// Where the run's log files go (`Store::log_path` names them).
    store: Store,
    run_id: String,
}

impl CommandRunner {
    pub fn new(cwd: PathBuf, interrupt: Interrupt, store: Store, run_id: String) -> Self {
        Self {
            cwd,
            interrupt,
            store,
            run_id,
        }
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
        self.store.log_path(&self.run_id, journal_id, attempt)
    }

    /// Runs a command without a log (checks, undo commands).
    pub fn run(
        &self,
        spec: &CommandSpec,
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> std::io::Result<Finished> {
        command::run(spec, &self.interrupt, on_line)
    }

    /// Runs a step's command, writing its masked output to the attempt's log file. A shell
    /// that cannot start is `Ok(Err(reason))`, not a made-up exit code; a log that cannot
    /// be written stops the run like a journal that cannot be written.
    pub fn run_logged(
        &self,
        spec: &CommandSpec,
        log: &std::path::Path,
        secrets: &[String],
        on_line: &mut dyn FnMut(Stream, String),
    ) -> Result<Result<Finished, String>> {
        if let Some(dir) = log.parent() {
            create_private_dir(dir).map_err(|e| Error::io("create directory", dir, e))?;
        }
        let failed = |e| Error::io("write log", log, e);
        // Appended, never truncated: a number reused after a crash keeps the earlier output.
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(log)
            .map_err(failed)?;
        // One write per line: the file is unbuffered and formatting would split it.
        let script = super::scope::mask(&spec.script, secrets);
        file.write_all(format!("$ {script}\n").as_bytes())
            .map_err(failed)?;
        let mut log_error = None;
        let result = command::run(spec, &self.interrupt, &mut |stream, line| {
            let line = super::scope::mask(line, secrets);
            if log_error.is_none()
                && let Err(e) = file.write_all(format!("{line}\n").as_bytes())
            {
                log_error = Some(e);
            }
            on_line(stream, line);
        });
        if let Some(e) = log_error {
            return Err(failed(e));
        }
        Ok(match result {
            Ok(finished) => {
                file.write_all(format!("# {}\n", finished.exit.describe()).as_bytes())
                    .map_err(failed)?;
                Ok(finished)
            }
            Err(e) => Err(format!("cannot start `{}`: {e}", spec.shell.join(" "))),
        })
    }

    /// Sleeps between polls; false when Ctrl-C arrived.
    pub fn pause(&self, duration: Duration) -> bool {
        self.interrupt.sleep(duration)
    }
}
