//! The step kinds' actions: `run` (retries, logs, capture), `manual`, `ask` and `call`.
//! Each returns what happened; `action` decides the outcome and journals it. Never prints:
//! output goes out as events.

use super::action::Acted;
use super::checks::{CheckOutcome, tail_lines};
use super::command::{self, Exit};
use super::events::{Event, SkipReason};
use super::failure::Failure;
use super::prompter::{AskView, StepChoice, StepView};
use super::scope::Scope;
use super::session::{Session, Stop};
use crate::error::Result;
use crate::journal::record::{CheckPhase, Choice};
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
        let script = match self.cx.text.command(scope, run) {
            Ok(s) => s,
            Err(e) => return Ok(Acted::Failed(Failure::render(&e))),
        };
        let mut spec =
            self.cx
                .commands
                .spec(&mut self.cx.text, scope, script.clone(), step.timeout);
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
            let finished = match self.spawn_logged(&spec, id, *tries)? {
                Ok(finished) => finished,
                Err(reason) => {
                    let failure = Failure {
                        reason,
                        tail: Vec::new(),
                        exit_code: None,
                        interrupted: false,
                        started: false,
                    };
                    return Ok(Acted::Failed(failure));
                }
            };
            let tail = tail_lines(&finished.stdout, &finished.stderr, 10)
                .iter()
                .map(|l| self.mask(l))
                .collect::<Vec<_>>();
            let success = finished.exit == Exit::Code(0);
            let log = self.cx.commands.log_path(id, *tries).display().to_string();
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
                return Ok(Acted::Done { value });
            }
            if finished.exit == Exit::Interrupted {
                return Ok(Acted::Failed(Failure::interrupted()));
            }
            if attempt < attempts && !self.cx.commands.pause(step.retry.delay) {
                return Ok(Acted::Failed(Failure::interrupted()));
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
                return Ok(Acted::Failed(Failure {
                    reason,
                    tail,
                    exit_code,
                    interrupted: false,
                    started: true,
                }));
            }
        }
        unreachable!("retry.attempts is at least 1")
    }

    /// Sets a capture. One that holds a secret is secret itself (masked whole, passed by
    /// environment) and is not journaled: resume derives it again (see `resume`).
    fn capture(&mut self, scope: &mut Scope, name: &str, value: &str) -> Option<(String, String)> {
        let secret = super::scope::holds_secret(value, self.cx.text.secrets());
        scope.set(name, value.to_string(), secret);
        if secret {
            self.cx.text.add_secrets([value.to_string()]);
            return None;
        }
        Some((name.to_string(), value.to_string()))
    }

    /// Runs a step's command with its attempt's log file, its output going out as events.
    fn spawn_logged(
        &mut self,
        spec: &command::CommandSpec,
        id: &str,
        attempt: u32,
    ) -> Result<Result<command::Finished, String>> {
        self.cx.before_spawn()?;
        let log = self.cx.commands.log_path(id, attempt);
        let cx = &mut self.cx;
        let reporter = &mut *cx.reporter;
        cx.commands
            .run_logged(spec, &log, cx.text.secrets(), &mut |stream, line| {
                reporter.event(&Event::Output {
                    id: id.into(),
                    stream,
                    line,
                });
            })
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
            && self.run_checks(scope, &step.verify, Some(id), CheckPhase::Verify, true)?
                == CheckOutcome::Passed
        {
            return Ok(Acted::Verified);
        }
        let instructions = self.cx.text.display(scope, text);
        let choice = match self.prompter.manual(view, &instructions) {
            Ok(choice) => choice,
            Err(e) => return Ok(Acted::Stop(Self::prompt_stop(e))),
        };
        let decision = match choice {
            StepChoice::Run => Choice::ManualDone,
            StepChoice::Skip => Choice::ManualSkip,
            StepChoice::Abort => Choice::ManualAbort,
        };
        self.decide(Some(id), decision)?;
        Ok(match choice {
            StepChoice::Run => Acted::Done { value: None },
            StepChoice::Skip => {
                self.skip(scope, step, id, &view.title, SkipReason::Operator)?;
                Acted::Skipped
            }
            StepChoice::Abort => Acted::Stop(Stop::Aborted),
        })
    }

    pub(super) fn ask_action(&mut self, scope: &mut Scope, id: &str, ask: &Ask) -> Result<Acted> {
        let view = AskView {
            step: id.into(),
            into: ask.into.clone(),
            question: self.cx.text.display(scope, &ask.question),
            choices: ask.choices.clone(),
            default: ask.default.clone(),
            secret: ask.secret,
            pattern: ask.pattern.clone(),
        };
        let answer = match self.prompter.ask(&view) {
            Ok(answer) => answer,
            Err(e) => return Ok(Acted::Stop(Self::prompt_stop(e))),
        };
        if ask.secret && !answer.is_empty() {
            self.cx.text.add_secrets([answer.clone()]);
        }
        scope.set(&ask.into, answer.clone(), ask.secret);
        // A secret answer is journaled masked: `log` shows that it was given, resume asks again.
        let value = Some((ask.into.clone(), self.mask(&answer)));
        Ok(Acted::Done { value })
    }

    pub(super) fn call_action(&mut self, scope: &Scope, id: &str, call: &Call) -> Result<Acted> {
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
            match self.cx.text.value(scope, template, Escape::None) {
                Ok(value) => {
                    if scope.reads_secret(template)
                        || super::scope::holds_secret(&value, self.cx.text.secrets())
                    {
                        tainted.push(key.clone());
                    }
                    values.insert(key.clone(), value);
                }
                Err(e) => return Ok(Acted::Failed(Failure::render(&e))),
            }
        }
        let preconditions = callee.preconditions.clone();
        let mut inner = Scope::new(callee, format!("{id}/"), values);
        inner.secret_names.extend(tainted);
        self.cx.text.add_secrets(inner.secret_values());
        match self.run_checks(
            &inner,
            &preconditions,
            Some(id),
            CheckPhase::Precondition,
            false,
        )? {
            CheckOutcome::Passed => {}
            CheckOutcome::Interrupted => return Ok(Acted::Failed(Failure::interrupted())),
            CheckOutcome::Failed {
                name,
                reason,
                tail,
                message,
            } => {
                let what = format!("precondition `{name}` of runbook `{}`", call.runbook);
                return Ok(Acted::Failed(Failure::check(
                    &what, &reason, message, tail, false,
                )));
            }
        }
        Ok(match self.walk(&mut inner)? {
            None => Acted::Done { value: None },
            Some(stop) => Acted::Stop(stop),
        })
    }
}
