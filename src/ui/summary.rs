//! The words of a run: one function that turns an engine event into the text shown to the
//! operator (shared by both reporters), and the end-of-run summary table.

use std::fmt::Write as _;
use std::time::Duration;

use super::color::Styles;
use super::diagnostic::sanitize;
use crate::exec::command::Stream;
use crate::exec::events::{Event, RunResult, SkipReason, StepEnd, SummaryRow};
use crate::journal::record::{RollbackOutcome, StepKind};

/// The text for one event, or `None` for events shown some other way.
pub fn format_event(event: &Event, s: &Styles) -> Option<String> {
    Some(match event {
        Event::RunStarted {
            run_id,
            runbook,
            title,
            risk,
            summary,
            vars,
            steps,
            resumed_done,
            dry_run,
            ..
        } => {
            let mut out = format!(
                "{} {} — {}",
                s.accent.apply_to("▶"),
                s.bold.apply_to(runbook),
                title
            );
            let mode = if *dry_run {
                " · dry run: nothing will be executed".to_string()
            } else {
                format!(" · run {run_id}")
            };
            let plural = if *steps == 1 { "" } else { "s" };
            let _ = write!(
                out,
                "\n  risk {} · {steps} step{plural}{mode}",
                risk.as_str()
            );
            if let Some(summary) = summary {
                let _ = write!(out, "\n  {summary}");
            }
            for (name, value) in vars {
                let _ = write!(
                    out,
                    "\n  {} = {}",
                    s.dim.apply_to(name),
                    value.replace('\n', "\\n")
                );
            }
            if let Some(done) = resumed_done {
                let _ = write!(
                    out,
                    "\n  resuming: {done} step{} already done",
                    if *done == 1 { "" } else { "s" }
                );
            }
            out
        }
        Event::StepStarted {
            id,
            index,
            total,
            title,
            kind,
            command,
            description,
        } => {
            let mut out = format!(
                "\n{} {}",
                s.accent.apply_to(format!("[{index}/{total}]")),
                s.bold.apply_to(title)
            );
            if title != id {
                let _ = write!(out, " {}", s.dim.apply_to(format!("({id})")));
            }
            if let Some(description) = description {
                let _ = write!(out, "\n{}", super::markdown::render(description, s, "  "));
            }
            if let Some(command) = command {
                let prefix = match *kind {
                    StepKind::Run => "$",
                    StepKind::Ask => "?",
                    StepKind::Manual => "✋",
                    StepKind::Call => "↪",
                    StepKind::Gate => "→",
                };
                if *kind == StepKind::Manual {
                    let _ = write!(
                        out,
                        "\n  {} {}",
                        s.dim.apply_to(prefix),
                        super::markdown::render(command, s, "    ").trim_start()
                    );
                    return Some(out);
                }
                for (i, line) in sanitize_lines(command).iter().enumerate() {
                    let lead = if i == 0 { prefix } else { " " };
                    let _ = write!(out, "\n  {} {}", s.dim.apply_to(lead), line);
                }
            }
            out
        }
        Event::CommandStarted {
            attempt, attempts, ..
        } if *attempt > 1 => format!("  {} attempt {attempt}/{attempts}", s.warning.apply_to("↻")),
        Event::CommandStarted { .. } => return None,
        Event::Output { stream, line, .. } => {
            let bar = if *stream == Stream::Stderr {
                "┆"
            } else {
                "│"
            };
            format!("  {} {}", s.dim.apply_to(bar), sanitize(line))
        }
        Event::CommandFinished { success: true, .. } => return None,
        Event::CommandFinished { exit, .. } => format!("  {} {exit}", s.error.apply_to("✗")),
        Event::CheckAttempt {
            phase,
            name,
            attempt,
            attempts,
            passed,
            reason,
            next_in,
            output,
            ..
        } => {
            let output: String = output
                .iter()
                .map(|l| format!("\n    {} {}", s.dim.apply_to("│"), sanitize(l)))
                .collect();
            let reason = reason
                .as_deref()
                .map(|r| format!(": {}", sanitize(r)))
                .unwrap_or_default();
            match (passed, next_in) {
                (true, _) => format!("  {} {phase}: {name}", s.success.apply_to("✓")),
                (false, Some(next)) => format!(
                    "  {} waiting for {name} (attempt {attempt}/{attempts}, next in {}){reason}",
                    s.dim.apply_to("…"),
                    crate::runbook::duration::format(*next)
                ),
                (false, None) => format!(
                    "  {} {phase}: {name}{reason}{output}",
                    s.error.apply_to("✗")
                ),
            }
        }
        Event::StepFinished {
            id,
            outcome,
            reason,
            duration,
            ..
        } => match outcome {
            StepEnd::Succeeded => format!(
                "{} {id} {}",
                s.success.apply_to("✓"),
                s.dim.apply_to(format!("({})", seconds(*duration)))
            ),
            other => format!(
                "{} {id} {}{}",
                step_word(*other),
                s.error.apply_to("✗"),
                reason
                    .as_deref()
                    .map(|r| format!(": {}", sanitize(r)))
                    .unwrap_or_default()
            ),
        },
        Event::StepSkipped { id, reason, .. } => {
            format!(
                "{} {id} skipped: {}",
                s.dim.apply_to("↷"),
                skip_words(reason)
            )
        }
        Event::UnknownOutcome { id } => format!(
            "{}: step `{id}` started in an earlier session but has no recorded outcome",
            s.warning.apply_to("warning")
        ),
        Event::SkippedValueRead {
            id,
            variable,
            readers,
        } => {
            let base = id.split(['[', '/']).next().unwrap_or(id);
            format!(
                "{}: `{id}` sets `{variable}`, which {} read{}: they will fail without it; `runbook resume --from {base}` runs `{base}` later",
                s.warning.apply_to("warning"),
                readers
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if readers.len() == 1 { "s" } else { "" }
            )
        }
        Event::Answered { into, answer, .. } => {
            format!("  {} {into} = {}", s.dim.apply_to("→"), sanitize(answer))
        }
        Event::RunbookPreconditions { checks } => {
            let mut out = format!(
                "{}:",
                s.bold.apply_to("runbook preconditions (checked first)")
            );
            for check in checks {
                out.push_str(&format!("\n  {} {}", s.dim.apply_to("·"), sanitize(check)));
            }
            out
        }
        Event::StepDetails { details, .. } => details
            .lines()
            .map(|l| format!("  {} {}", s.dim.apply_to("·"), sanitize(l)))
            .collect::<Vec<_>>()
            .join("\n"),
        Event::RollbackPlanned {
            steps,
            no_undo,
            interrupted,
            left_out,
        } => {
            let mut out = if steps.is_empty() {
                format!("{}: nothing to undo", s.bold.apply_to("rollback plan"))
            } else {
                format!("{} (newest first):", s.bold.apply_to("rollback plan"))
            };
            for (i, (id, commands)) in steps.iter().enumerate() {
                if commands.is_empty() {
                    let _ = write!(
                        out,
                        "\n  {}. {id}: {}",
                        i + 1,
                        s.warning.apply_to("no undo")
                    );
                }
                for (j, command) in commands.iter().enumerate() {
                    let label = if j == 0 {
                        format!("{}. {id}:", i + 1)
                    } else {
                        " ".repeat(format!("{}. {id}:", i + 1).len())
                    };
                    let _ = write!(out, "\n  {label} $ {}", sanitize(command));
                    if j == 0 && interrupted.as_ref() == Some(id) {
                        let _ =
                            write!(out, "  {}", s.warning.apply_to("(interrupted: runs again)"));
                    }
                }
            }
            if !no_undo.is_empty() {
                let _ = write!(
                    out,
                    "\n{}: {} cannot be undone automatically (no `[[step.rollback]]`); check them by hand",
                    s.warning.apply_to("note"),
                    no_undo
                        .iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            for (id, why) in left_out {
                let _ = write!(
                    out,
                    "\n{}: `{id}` is not undone: {}",
                    s.dim.apply_to("left out"),
                    sanitize(why)
                );
            }
            out
        }
        Event::RollbackStep {
            id,
            outcome,
            reason,
            ..
        } => match outcome {
            RollbackOutcome::Succeeded => format!("{} undone: {id}", s.success.apply_to("↺")),
            RollbackOutcome::NoUndo => format!("{} {id}: no undo", s.dim.apply_to("↷")),
            _ => format!(
                "{} undo of {id} failed{}",
                s.error.apply_to("✗"),
                reason
                    .as_deref()
                    .map(|r| format!(": {}", sanitize(r)))
                    .unwrap_or_default()
            ),
        },
        Event::RollbackFinished { state } => format!("rollback {state}"),
        Event::RunFinished {
            run_id,
            runbook,
            state,
            ..
        } => {
            let word = match state {
                RunResult::Succeeded => s.success.apply_to("succeeded").to_string(),
                RunResult::DryRun => "dry run finished: nothing was executed".to_string(),
                other => s.error.apply_to(run_word(*other)).to_string(),
            };
            let mut out = format!("\n{runbook}: {word}");
            if *state == RunResult::Succeeded {
                let _ = write!(
                    out,
                    "\n{}: undo with `runbook rollback {run_id}`",
                    s.hint.apply_to("hint")
                );
            }
            out
        }
    })
}

/// The end-of-run table: every step's outcome, duration and attempts.
pub fn summary_table(rows: &[SummaryRow], s: &Styles) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let id_width = rows
        .iter()
        .map(|r| r.id.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!("\n{}\n", s.bold.apply_to("summary"));
    for row in rows {
        let word = format!("{:<11}", step_word(row.outcome));
        let outcome = match row.outcome {
            StepEnd::Succeeded => s.success.apply_to(word).to_string(),
            StepEnd::Failed | StepEnd::Interrupted => s.error.apply_to(word).to_string(),
            StepEnd::Skipped | StepEnd::WouldRun => word,
        };
        let tries = if row.attempts > 1 {
            format!("  {} attempts", row.attempts)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {}  {outcome} {:>7}{tries}",
            super::table::pad(&row.id, id_width),
            seconds(row.duration)
        );
    }
    out
}

fn step_word(end: StepEnd) -> &'static str {
    match end {
        StepEnd::Succeeded => "succeeded",
        StepEnd::Failed => "failed",
        StepEnd::Interrupted => "interrupted",
        StepEnd::Skipped => "skipped",
        StepEnd::WouldRun => "would run",
    }
}

fn run_word(result: RunResult) -> &'static str {
    match result {
        RunResult::Succeeded => "succeeded",
        RunResult::Failed => "failed",
        RunResult::Aborted => "aborted",
        RunResult::Interrupted => "interrupted",
        RunResult::Waiting => "waiting",
        RunResult::RolledBack => "failed",
        RunResult::DryRun => "dry run",
    }
}

/// Why a step was passed over, as the operator reads it (the journal's words).
fn skip_words(reason: &SkipReason) -> String {
    reason.journal_text()
}

fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

fn sanitize_lines(text: &str) -> Vec<String> {
    text.trim_end().lines().map(sanitize).collect()
}
