//! The step kinds' actions: `run` (retries, logs, capture), `manual`, `ask` and `call`.
//! Each returns what happened; `action` decides the outcome and journals it. Never prints:
//! output goes out as events.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use super::action::{Acted, ActionResult};
use super::checks::{CheckOutcome, tail_lines};
use super::command::{self, Exit};
use super::events::Event;
use super::failure::Failure;
use super::prompter::{AskView, StepChoice, StepView};
use super::scope::Scope;
use super::session::{Session, Stop};
use crate::error::{Error, Result};
use crate::journal::record::Entry;
use crate::journal::writer::create_private_dir;
use crate::render::template::Escape;
use crate::runbook::model::{Ask, Call, Step};

impl Session<'_> {
    pub(super) fn run_action(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        id: &str,
        run: &str,
        tries: &mut u32,
    ) -> Result<Acted> {
        let script = match scope.command(&mut self.renderer, &self.run_id, run) {
            Ok(s) => s,
            Err(e) => return Ok((ActionResult::Failed(Failure::render(&e)), None, false)),
        };
        let mut spec = self.spec(scope, script.clone(), step.timeout);
        spec.interactive = step.interactive;
        let attempts = step.retry.attempts;
        for attempt in 1..=attempts {
            self.emit(Event::CommandStarted {
                id: id.into(),
                attempt,
                attempts,
                command: self.mask(&script),
            });
            *tries += 1;
            let finished = self.spawn_logged(&spec, id, *tries)?;
            let tail = tail_lines(&finished.stdout, &finished.stderr, 10)
                .iter()
                .map(|l| self.mask(l))
                .collect::<Vec<_>>();
            let success = finished.exit == Exit::Code(0);
            let log = self.log_path(id, *tries).display().to_string();
            let lines = finished.stdout.lines().count() + finished.stderr.lines().count();
            self.emit(Event::CommandFinished {
                id: id.into(),
                attempt,
                exit: finished.exit.describe(),
                success,
                tail: tail.clone(),
                lines,
                log,
            });
            if success {
                let value = step
                    .capture
                    .as_ref()
                    .and_then(|name| self.capture(scope, name, finished.stdout.trim()));
                return Ok((ActionResult::Done, value, false));
            }
            if finished.exit == Exit::Interrupted {
                return Ok((ActionResult::Failed(Failure::interrupted()), None, false));
            }
            if attempt < attempts && !self.pause(step.retry.delay) {
                return Ok((ActionResult::Failed(Failure::interrupted()), None, false));
            }
            if attempt == attempts {
                let exit_code = if let Exit::Code(c) = finished.exit {
                    Some(c)
                } else {
                    None
                };
                let tries = if attempts > 1 {
                    format!(" after {attempts} attempts")
                } else {
                    String::new()
                };
                let reason = format!("`run` failed with {}{tries}", finished.exit.describe());
                return Ok((
                    ActionResult::Failed(Failure {
                        reason,
                        tail,
                        exit_code,
                        interrupted: false,
                        started: true,
                    }),
                    None,
                    false,
                ));
            }
        }
        unreachable!("retry.attempts is at least 1")
    }

    /// Sets a capture. One that holds a secret is secret itself (masked whole, passed by
    /// environment) and is not journaled: resume derives it again (see `resume_rules`).
    fn capture(&mut self, scope: &mut Scope, name: &str, value: &str) -> Option<(String, String)> {
        let secret = super::scope::holds_secret(value, &self.secrets);
        scope.set(name, value.to_string(), secret);
        if secret {
            self.secrets.push(value.to_string());
            return None;
        }
        Some((name.to_string(), value.to_string()))
    }

    /// Runs a command, writing its masked output to the attempt's log file.
    fn spawn_logged(
        &mut self,
        spec: &command::CommandSpec,
        id: &str,
        attempt: u32,
    ) -> Result<command::Finished> {
        self.before_spawn()?;
        let path = self.log_path(id, attempt);
        if let Some(dir) = path.parent() {
            create_private_dir(dir).map_err(|e| Error::io("create directory", dir, e))?;
        }
        // Appended, never truncated: a number reused after a crash keeps the earlier output.
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::io("write log", &path, e))?;
        // One write per line: the file is unbuffered and formatting would split it.
        let _ = log.write_all(format!("$ {}\n", self.mask(&spec.script)).as_bytes());
        let secrets = self.secrets.clone();
        let reporter = &mut *self.reporter;
        let result = command::run(spec, &self.interrupt, &mut |stream, line| {
            let line = super::scope::mask(line, &secrets);
            let _ = log.write_all(format!("{line}\n").as_bytes());
            reporter.event(&Event::Output {
                id: id.into(),
                stream,
                line,
            });
        });
        match result {
            Ok(finished) => {
                let _ = log.write_all(format!("# {}\n", finished.exit.describe()).as_bytes());
                Ok(finished)
            }
            Err(e) => Ok(command::Finished {
                exit: Exit::Code(127),
                stdout: String::new(),
                stderr: format!("cannot start `{}`: {e}", spec.shell.join(" ")),
            }),
        }
    }

    pub(super) fn manual_action(
        &mut self,
        scope: &Scope,
        step: &Step,
        id: &str,
        text: &str,
        view: &StepView,
    ) -> Result<Acted> {
        if !step.verify.is_empty()
            && self.run_checks(scope, &step.verify, Some(id), "verify", true)?
                == CheckOutcome::Passed
        {
            return Ok((ActionResult::Done, None, true));
        }
        let instructions = scope.display(&mut self.renderer, &self.run_id, text);
        let choice = match self.prompter.manual(view, &instructions) {
            Ok(choice) => choice,
            Err(e) => return Ok((ActionResult::Stop(Self::prompt_stop(e)), None, false)),
        };
        self.record(Entry::Decision {
            step: Some(id.into()),
            choice: format!("manual: {choice:?}").to_lowercase(),
        })?;
        Ok(match choice {
            StepChoice::Run => (ActionResult::Done, None, false),
            StepChoice::Skip => {
                self.skip(id, &view.title, "skipped by the operator")?;
                (ActionResult::Skipped, None, false)
            }
            StepChoice::Abort => (ActionResult::Stop(Stop::Aborted), None, false),
        })
    }

    pub(super) fn ask_action(&mut self, scope: &mut Scope, id: &str, ask: &Ask) -> Result<Acted> {
        let view = AskView {
            step: id.into(),
            into: ask.into.clone(),
            question: scope.display(&mut self.renderer, &self.run_id, &ask.question),
            choices: ask.choices.clone(),
            default: ask.default.clone(),
            secret: ask.secret,
            pattern: ask.pattern.clone(),
        };
        let answer = match self.prompter.ask(&view) {
            Ok(answer) => answer,
            Err(e) => return Ok((ActionResult::Stop(Self::prompt_stop(e)), None, false)),
        };
        if ask.secret && !answer.is_empty() {
            self.secrets.push(answer.clone());
        }
        scope.set(&ask.into, answer.clone(), ask.secret);
        let value = (!ask.secret).then(|| (ask.into.clone(), answer));
        Ok((ActionResult::Done, value, false))
    }

    pub(super) fn call_action(
        &mut self,
        scope: &Scope,
        id: &str,
        call: &Call,
    ) -> Result<ActionResult> {
        let callee = std::sync::Arc::clone(&self.catalog.runbooks[&call.runbook]);
        let mut values = std::collections::BTreeMap::new();
        for var in &callee.vars {
            let no_given = std::collections::BTreeMap::new();
            if let Some(value) = super::vars::value_of(var, &no_given, &self.environment) {
                values.insert(var.name.clone(), value);
            }
        }
        // A `with` value built from a secret is a secret of the called runbook.
        let mut tainted = Vec::new();
        for (key, template) in &call.with {
            match scope.value(&mut self.renderer, &self.run_id, template, Escape::None) {
                Ok(value) => {
                    if scope.reads_secret(template)
                        || super::scope::holds_secret(&value, &self.secrets)
                    {
                        tainted.push(key.clone());
                    }
                    values.insert(key.clone(), value);
                }
                Err(e) => return Ok(ActionResult::Failed(Failure::render(&e))),
            }
        }
        let preconditions = callee.preconditions.clone();
        let mut inner = Scope::new(callee, format!("{id}/"), values);
        inner.secret_names.extend(tainted);
        self.secrets.extend(inner.secret_values());
        match self.run_checks(&inner, &preconditions, Some(id), "precondition", false)? {
            CheckOutcome::Passed => {}
            CheckOutcome::Interrupted => return Ok(ActionResult::Failed(Failure::interrupted())),
            CheckOutcome::Failed {
                name,
                reason,
                tail,
                message,
            } => {
                let what = format!("precondition `{name}` of runbook `{}`", call.runbook);
                return Ok(ActionResult::Failed(Failure::check(
                    &what, &reason, message, tail, false,
                )));
            }
        }
        Ok(match self.walk(&mut inner)? {
            None => ActionResult::Done,
            Some(stop) => ActionResult::Stop(stop),
        })
    }
}
