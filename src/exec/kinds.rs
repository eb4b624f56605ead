//! The step kinds' actions: `run` (retries, logs, capture), `manual`, `ask` and `call`.
//! Each returns what happened; `action` decides the outcome and journals it. Never prints:
//! output goes out as events.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use super::action::Acted;
use super::checks::CheckOutcome;
use super::command::{self, Exit};
use super::events::{Event, SkipReason};
use super::failure::Failure;
use super::group;
use super::prompter::{AskReply, AskView, StepChoice, StepView};
use super::scope::Scope;
use super::session::{Session, Stop};
use crate::error::{Error, Result};
use crate::journal::record::{CheckPhase, Choice, Entry};
use crate::journal::recorder::{Recorder, WriteError};
use crate::journal::writer::create_private_dir;

/// The most output a `capture` keeps: a value beyond this is a file's job, not a variable's.
pub const CAPTURE_LIMIT: usize = 64 * 1024;

/// A capture whose command printed more than [`CAPTURE_LIMIT`].
fn capture_too_long(tail: Vec<String>) -> Failure {
    Failure {
        reason: format!(
            "`capture` keeps at most {} KiB of output, and the command printed more: write it to a file and capture the file's name instead",
            CAPTURE_LIMIT / 1024
        ),
        tail,
        exit_code: Some(0),
        interrupted: false,
    }
}

/// Journals the process of a try (or of an undo command) as soon as it runs. Written at
/// once and synced with the next record: a pid means something only while this boot
/// lasts, and a written record outlives a killed process.
pub(super) fn note_spawn(
    recorder: &mut Recorder,
    step: &str,
    attempt: u32,
    undo: bool,
    pid: u32,
) -> Result<(), WriteError> {
    let spawned = Entry::StepSpawned {
        step: step.into(),
        attempt,
        pid,
        pgid: pid,
        boot_id: group::boot_id().map(str::to_string),
        undo,
    };
    recorder.append(spawned)
}

/// An attempt's log file, opened on the first line written to it.
struct Log<'a> {
    path: &'a std::path::Path,
    header: &'a str,
    file: Option<std::fs::File>,
    /// The first failure to open or write (the run stops on it once the command ended).
    error: Option<std::io::Error>,
}

impl Log<'_> {
    /// One write per line: the file is unbuffered, so a killed run loses no output.
    fn write(&mut self, text: &str) {
        if self.error.is_some() {
            return;
        }
        if self.file.is_none() {
            match open_log(self.path)
                .and_then(|mut f| f.write_all(self.header.as_bytes()).map(|()| f))
            {
                Ok(f) => self.file = Some(f),
                Err(e) => {
                    self.error = Some(e);
                    return;
                }
            }
        }
        if let Some(Err(e)) = self.file.as_mut().map(|f| f.write_all(text.as_bytes())) {
            self.error = Some(e);
        }
    }
}

/// Opens a log for appending (a number reused after a crash keeps the earlier output),
/// creating the logs directory only when it is missing: no mkdir per step.
fn open_log(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let open = || {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
    };
    match open() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                create_private_dir(dir)?;
            }
            open()
        }
        other => other,
    }
}
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
            let keep = if step.capture.is_some() {
                CAPTURE_LIMIT + 2
            } else {
                0
            };
            let finished = match self.spawn_logged(&spec, id, *tries, keep)? {
                Ok(finished) => finished,
                Err(reason) => {
                    let failure = Failure {
                        reason,
                        tail: Vec::new(),
                        exit_code: None,
                        interrupted: false,
                    };
                    return Ok(Acted::Failed(failure));
                }
            };
            let tail = finished
                .tail
                .iter()
                .map(|l| self.mask(l))
                .collect::<Vec<_>>();
            let success = finished.exit == Exit::Code(0);
            let log = self.cx.commands.log_path(id, *tries).display().to_string();
            self.emit(Event::CommandFinished {
                id: id.into(),
                attempt,
                exit: finished.exit.describe(),
                success,
                tail: tail.clone(),
                lines: finished.lines,
                log,
            });
            if success && step.capture.is_some() && finished.stdout_cut {
                return Ok(Acted::Failed(capture_too_long(tail)));
            }
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

    /// Runs a command, writing its masked output to the attempt's log file, which is
    /// created when the command prints its first line (or fails): a silent success leaves
    /// no file, and costs no open. `keep`: bytes of each stream to keep (see `command`).
    /// A shell that cannot start is `Ok(Err(reason))`, not a made-up exit code; a log that
    /// cannot be written stops the run like a journal that cannot be written.
    fn spawn_logged(
        &mut self,
        spec: &command::CommandSpec,
        id: &str,
        attempt: u32,
        keep: usize,
    ) -> Result<Result<command::Finished, String>> {
        self.cx.before_spawn()?;
        let path = self.cx.commands.log_path(id, attempt);
        let header = format!("$ {}\n", self.mask(&spec.script));
        let mut log = Log {
            path: &path,
            header: &header,
            file: None,
            error: None,
        };
        let cx = &mut self.cx;
        let secrets = cx.text.secrets();
        let reporter = &mut *cx.reporter;
        let recorder = &mut cx.recorder;
        let mut journal_error = None;
        let result = command::run_with(
            spec,
            keep,
            &cx.commands.interrupt,
            &mut |pid| {
                if let Err(e) = note_spawn(recorder, id, attempt, false, pid) {
                    journal_error = Some(e);
                }
            },
            &mut |stream, line| {
                let line = super::scope::mask(line, secrets);
                log.write(&format!("{line}\n"));
                reporter.event(&Event::Output {
                    id: id.into(),
                    stream,
                    line,
                });
            },
        );
        if let Some(e) = journal_error {
            return Err(e.into());
        }
        let finished = match result {
            Ok(finished) => finished,
            Err(e) => {
                let reason = format!("cannot start `{}`: {e}", spec.shell.join(" "));
                log.write(&format!("# {reason}\n"));
                return match log.error {
                    Some(e) => Err(Error::io("write log", &path, e)),
                    None => Ok(Err(reason)),
                };
            }
        };
        if log.file.is_some() || finished.exit != Exit::Code(0) {
            log.write(&format!("# {}\n", finished.exit.describe()));
        }
        match log.error {
            Some(e) => Err(Error::io("write log", &path, e)),
            None => Ok(Ok(finished)),
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

    pub(super) fn ask_action(
        &mut self,
        scope: &mut Scope,
        step: &Step,
        id: &str,
        ask: &Ask,
    ) -> Result<Acted> {
        let view = AskView {
            step: id.into(),
            into: ask.into.clone(),
            question: self.cx.text.display(scope, &ask.question),
            choices: ask.choices.clone(),
            default: ask.default.clone(),
            secret: ask.secret,
            pattern: ask.pattern.clone(),
            announced: true,
        };
        let answer = match self.prompter.ask(&view) {
            Ok(AskReply::Answer(answer)) => answer,
            Ok(AskReply::Skip) => {
                self.decide(Some(id), Choice::Skip)?;
                let title = self.shown(scope, &step.title);
                self.skip(scope, step, id, &title, SkipReason::Operator)?;
                return Ok(Acted::Skipped);
            }
            Ok(AskReply::Abort) => {
                self.decide(Some(id), Choice::Abort)?;
                return Ok(Acted::Stop(Stop::Aborted));
            }
            Err(e) => return Ok(Acted::Stop(Self::prompt_stop(e))),
        };
        if ask.secret && !answer.is_empty() {
            self.cx.text.add_secrets([answer.clone()]);
        }
        scope.set(&ask.into, answer.clone(), ask.secret);
        // A secret answer is journaled masked: `log` shows that it was given, resume asks again.
        let shown = self.mask(&answer);
        self.emit(Event::Answered {
            id: id.into(),
            into: ask.into.clone(),
            answer: shown.clone(),
        });
        let value = Some((ask.into.clone(), shown));
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
                return Ok(Acted::Failed(Failure::check(&what, &reason, message, tail)));
            }
        }
        Ok(match self.walk(&mut inner)? {
            None => Acted::Done { value: None },
            Some(stop) => Acted::Stop(stop),
        })
    }
}
