//! The words of a run: one function that turns an engine event into the text shown to the
//! operator (shared by both reporters), and the end-of-run summary table.

use std::fmt::Write as _;
use std::time::Duration;

use super::color::Styles;
use super::diagnostic::sanitize;
use crate::exec::command::Stream;
use crate::exec::events::{Event, SummaryRow};

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
            let _ = write!(out, "\n  risk {risk} · {steps} step{plural}{mode}");
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
                    "run" => "$",
                    "ask" => "?",
                    "manual" => "✋",
                    "call" => "↪",
                    _ => "→",
                };
                if *kind == "manual" {
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
        } => match outcome.as_str() {
            "succeeded" => format!(
                "{} {id} {}",
                s.success.apply_to("✓"),
                s.dim.apply_to(format!("({})", seconds(*duration)))
            ),
            other => format!(
                "{} {id} {other}{}",
                s.error.apply_to("✗"),
                reason
                    .as_deref()
                    .map(|r| format!(": {}", sanitize(r)))
                    .unwrap_or_default()
            ),
        },
        Event::StepSkipped { id, reason, .. } => {
            format!("{} {id} skipped: {reason}", s.dim.apply_to("↷"))
        }
        Event::StepDetails { details, .. } => details
            .lines()
            .map(|l| format!("  {} {}", s.dim.apply_to("·"), sanitize(l)))
            .collect::<Vec<_>>()
            .join("\n"),
        Event::Warning { message } => {
            format!("{}: {}", s.warning.apply_to("warning"), sanitize(message))
        }
        Event::RollbackPlanned {
            steps,
            no_undo,
            interrupted,
        } => {
            let mut out = format!("{} (newest first):", s.bold.apply_to("rollback plan"));
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
            out
        }
        Event::RollbackStep {
            id,
            outcome,
            reason,
            ..
        } => match outcome.as_str() {
            "succeeded" => format!("{} undone: {id}", s.success.apply_to("↺")),
            "no undo" => format!("{} {id}: no undo", s.dim.apply_to("↷")),
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
            runbook,
            state,
            hint,
            ..
        } => {
            let word = match state.as_str() {
                "succeeded" => s.success.apply_to(state.as_str()).to_string(),
                "dry-run" => "dry run finished: nothing was executed".to_string(),
                other => s.error.apply_to(other).to_string(),
            };
            let mut out = format!("\n{runbook}: {word}");
            if let Some(hint) = hint {
                let _ = write!(out, "\n{}: {hint}", s.hint.apply_to("hint"));
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
        let outcome = match row.outcome.as_str() {
            "succeeded" => s
                .success
                .apply_to(format!("{:<11}", row.outcome))
                .to_string(),
            "failed" | "interrupted" => {
                s.error.apply_to(format!("{:<11}", row.outcome)).to_string()
            }
            _ => format!("{:<11}", row.outcome),
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

fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

fn sanitize_lines(text: &str) -> Vec<String> {
    text.trim_end().lines().map(sanitize).collect()
}
