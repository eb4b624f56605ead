//! Runs checks (runbook preconditions, step preconditions, verify): one try, or polling with
//! `attempts`/`interval`, journaling every try and emitting `CheckAttempt` events. Typed
//! Flux checks go through `flux::evaluate` with kubectl spawned by `command`.

use super::command::Exit;
use super::context::Context;
use super::events::Event;
use super::flux::{self, KubectlOutput, Verdict};
use super::scope::Scope;
use crate::error::Result;
use crate::journal::record::{CheckPhase, Entry};
use crate::render::template::{Escape, shell_quote};
use crate::runbook::model::{Check, CheckKind, FluxCheck};

/// The lines of a failed check's output the terminal shows.
const SHOWN_LINES: usize = 6;
/// The lines of a failed check's output the journal keeps (for `runbook report`)…
const JOURNALED_LINES: usize = 20;
/// …and the bytes: a check that prints megabytes must not bloat the journal.
const JOURNALED_BYTES: usize = 2048;

/// How a list of checks ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    Passed,
    Failed {
        name: String,
        reason: String,
        tail: Vec<String>,
        message: Option<String>,
    },
    Interrupted,
}

/// One try of one check.
enum Try {
    Pass,
    /// Not (yet) passing: poll again if attempts remain.
    Pending(String, Vec<String>),
    /// Failing for good: no more attempts (Stalled, Remediated, kubectl missing …).
    Fatal(String, Vec<String>),
    Interrupted,
}

/// Runs the checks of one phase, journaling and reporting every try.
pub struct CheckRunner<'c, 'a> {
    cx: &'c mut Context<'a>,
}

impl<'c, 'a> CheckRunner<'c, 'a> {
    pub fn new(cx: &'c mut Context<'a>) -> Self {
        Self { cx }
    }

    /// Runs `checks` in order; the first failure stops the rest. `single_try` runs each
    /// check once (a manual step's early look).
    pub fn run(
        &mut self,
        scope: &Scope,
        checks: &[Check],
        step: Option<&str>,
        phase: CheckPhase,
        single_try: bool,
    ) -> Result<CheckOutcome> {
        for check in checks {
            let outcome = self.run_check(scope, check, step, phase, single_try)?;
            if outcome != CheckOutcome::Passed {
                return Ok(outcome);
            }
        }
        Ok(CheckOutcome::Passed)
    }

    fn run_check(
        &mut self,
        scope: &Scope,
        check: &Check,
        step: Option<&str>,
        phase: CheckPhase,
        single_try: bool,
    ) -> Result<CheckOutcome> {
        let name = self.cx.text.shown(scope, &check.label());
        let attempts = if single_try { 1 } else { check.attempts };
        for attempt in 1..=attempts {
            self.cx.before_spawn()?;
            let outcome = self.try_check(scope, check);
            let (passed, reason, tail, fatal) = match outcome {
                Try::Pass => (true, None, Vec::new(), false),
                Try::Pending(reason, tail) => (false, Some(reason), tail, false),
                Try::Fatal(reason, tail) => (false, Some(reason), tail, true),
                Try::Interrupted => return Ok(CheckOutcome::Interrupted),
            };
            let last = passed || fatal || attempt == attempts;
            let reason = reason.map(|r| self.cx.text.mask(&r));
            // Masked before bounding, so a cut can never leave part of a secret behind.
            let tail: Vec<String> = tail.iter().map(|l| self.cx.text.mask(l)).collect();
            self.cx.record(Entry::Check {
                step: step.map(str::to_string),
                phase,
                name: name.clone(),
                attempt,
                passed,
                detail: reason.clone(),
                output: if last && !passed {
                    bound_output(&tail)
                } else {
                    Vec::new()
                },
            })?;
            let tail = tail[tail.len().saturating_sub(SHOWN_LINES)..].to_vec();
            self.cx.emit(Event::CheckAttempt {
                step: step.map(str::to_string),
                phase,
                name: name.clone(),
                attempt,
                attempts,
                passed,
                reason: reason.clone(),
                next_in: (!last).then_some(self.cx.commands.poll_interval(check.interval)),
                output: if last && !passed {
                    tail.clone()
                } else {
                    Vec::new()
                },
            });
            if passed {
                return Ok(CheckOutcome::Passed);
            }
            if last {
                let message = check
                    .message
                    .as_ref()
                    .map(|m| self.cx.text.display(scope, m));
                return Ok(CheckOutcome::Failed {
                    name,
                    reason: reason.unwrap_or_default(),
                    tail,
                    message,
                });
            }
            if !self
                .cx
                .commands
                .pause(self.cx.commands.poll_interval(check.interval))
            {
                return Ok(CheckOutcome::Interrupted);
            }
        }
        Ok(CheckOutcome::Passed)
    }

    fn try_check(&mut self, scope: &Scope, check: &Check) -> Try {
        match &check.kind {
            CheckKind::Command(run) => self.try_command_check(scope, check, run),
            CheckKind::Flux(flux_check) => self.try_flux_check(scope, check, flux_check),
        }
    }

    fn try_command_check(&mut self, scope: &Scope, check: &Check, run: &str) -> Try {
        let rendered = (|| {
            let script = self.cx.text.command(scope, run)?;
            let expect = check
                .expect_stdout
                .as_ref()
                .map(|r| self.cx.text.value(scope, r, Escape::Regex))
                .transpose()?;
            let reject = check
                .reject_stdout
                .as_ref()
                .map(|r| self.cx.text.value(scope, r, Escape::Regex))
                .transpose()?;
            Ok::<_, String>((script, expect, reject))
        })();
        let (script, expect, reject) = match rendered {
            Ok(parts) => parts,
            Err(e) => return Try::Fatal(format!("cannot render the check: {e}"), Vec::new()),
        };
        let spec = self
            .cx
            .commands
            .spec(&mut self.cx.text, scope, script, Some(check.timeout));
        let finished = match self.cx.commands.run(&spec, &mut |_, _| {}) {
            Ok(f) => f,
            Err(e) => {
                return Try::Fatal(
                    format!("cannot start `{}`: {e}", spec.shell.join(" ")),
                    Vec::new(),
                );
            }
        };
        let tail = tail_lines(&finished.stdout, &finished.stderr, JOURNALED_LINES);
        let code = match finished.exit {
            Exit::Code(code) => code,
            Exit::Interrupted => return Try::Interrupted,
            other => return Try::Pending(other.describe(), tail),
        };
        if code != check.expect_exit {
            return Try::Pending(
                format!("exit code {code}, expected {}", check.expect_exit),
                tail,
            );
        }
        for (pattern, must_match) in [(expect, true), (reject, false)] {
            let Some(pattern) = pattern else { continue };
            // Multi-line: `^edge$` matches a whole line, as operators expect of command output.
            let regex = match regex::RegexBuilder::new(&pattern).multi_line(true).build() {
                Ok(r) => r,
                Err(e) => return Try::Fatal(format!("invalid regex `{pattern}`: {e}"), tail),
            };
            if regex.is_match(&finished.stdout) != must_match {
                let verb = if must_match {
                    "does not match"
                } else {
                    "matches the rejected pattern"
                };
                return Try::Pending(format!("stdout {verb} /{pattern}/"), tail);
            }
        }
        Try::Pass
    }

    fn try_flux_check(&mut self, scope: &Scope, check: &Check, spec: &FluxCheck) -> Try {
        let mut render = |text: &str| self.cx.text.value(scope, text, Escape::None);
        let rendered = (|| {
            Ok::<_, String>(FluxCheck {
                kind: spec.kind,
                name: render(&spec.name)?,
                namespace: render(&spec.namespace)?,
                chart_version: spec
                    .chart_version
                    .as_deref()
                    .map(&mut render)
                    .transpose()?
                    .filter(|v| !v.is_empty()),
                follow_inventory: spec.follow_inventory,
                context: spec
                    .context
                    .as_deref()
                    .map(&mut render)
                    .transpose()?
                    .filter(|c| !c.is_empty()),
            })
        })();
        let flux_check = match rendered {
            Ok(c) => c,
            Err(e) => return Try::Fatal(format!("cannot render the check: {e}"), Vec::new()),
        };
        let mut interrupted = false;
        let verdict = flux::evaluate(&flux_check, &mut |args: &[String]| {
            let script = std::iter::once("kubectl".to_string())
                .chain(args.iter().map(|a| shell_quote(a)))
                .collect::<Vec<_>>()
                .join(" ");
            let spec = self
                .cx
                .commands
                .spec(&mut self.cx.text, scope, script, Some(check.timeout));
            let finished = self.cx.commands.run(&spec, &mut |_, _| {})?;
            match finished.exit {
                Exit::Code(127) => Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "kubectl not found",
                )),
                Exit::Interrupted => {
                    interrupted = true;
                    Err(std::io::Error::other("interrupted"))
                }
                exit => Ok(KubectlOutput {
                    exit_code: if let Exit::Code(c) = exit {
                        Some(c)
                    } else {
                        None
                    },
                    stdout: finished.stdout,
                    stderr: finished.stderr,
                }),
            }
        });
        if interrupted {
            return Try::Interrupted;
        }
        match verdict {
            Verdict::Healthy(_) => Try::Pass,
            Verdict::Pending(reason) => Try::Pending(reason, Vec::new()),
            Verdict::Failed(reason) => Try::Fatal(reason, Vec::new()),
        }
    }
}

/// The last (masked) lines that fit in [`JOURNALED_BYTES`]; a single longer line keeps its
/// end, the part nearest to what failed.
fn bound_output(lines: &[String]) -> Vec<String> {
    let mut kept = Vec::new();
    let mut room = JOURNALED_BYTES;
    for line in lines.iter().rev() {
        if line.len() <= room {
            room -= line.len();
            kept.push(line.clone());
            continue;
        }
        if kept.is_empty() {
            let mut cut = line.len() - room;
            while !line.is_char_boundary(cut) {
                cut += 1;
            }
            kept.push(format!("…{}", &line[cut..]));
        }
        break;
    }
    kept.reverse();
    kept
}

/// The last `n` lines of a command's output (stdout then stderr).
pub fn tail_lines(stdout: &str, stderr: &str, n: usize) -> Vec<String> {
    let lines: Vec<&str> = stdout
        .lines()
        .chain(stderr.lines())
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journaled_output_keeps_the_last_lines_that_fit() {
        let lines: Vec<String> = (0..20)
            .map(|i| format!("{i:03}{}", "x".repeat(197)))
            .collect();
        let kept = bound_output(&lines);
        assert_eq!(kept.len(), 10);
        assert_eq!(kept.last(), lines.last());
        assert!(kept.iter().map(String::len).sum::<usize>() <= JOURNALED_BYTES);
    }

    #[test]
    fn one_overlong_line_keeps_its_end_on_a_char_boundary() {
        let line = format!("{}end", "é".repeat(3000));
        let kept = bound_output(&[line]);
        assert_eq!(kept.len(), 1);
        assert!(kept[0].ends_with("end"));
        assert!(kept[0].len() <= JOURNALED_BYTES + "…".len());
    }
}
