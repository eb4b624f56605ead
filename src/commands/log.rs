//! `runbook log [RUN-ID] [--json]`: a run's journal, read once, one readable line per
//! record. Text is shown as written (never re-cased); line breaks inside a value are
//! escaped (`\n`) so every record stays on one line.

use super::session::{self, load_records, store};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::journal::record::{Choice, Entry, Record};
use crate::runbook::discover::find_project;
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, run_id: Option<&str>, json: bool) -> Result<()> {
    // Only the project's location: `log` validates no runbook.
    let project = find_project(&config.cwd, config.dir.as_deref())?;
    let store = store(config, &project);
    let run_id = match run_id {
        Some(id) => id.to_string(),
        None => session::newest(
            &store,
            |_| true,
            Error::usage_hint("no runs yet", "start one with `runbook run NAME`"),
        )?,
    };
    let records = load_records(&store, &run_id, printer)?;
    if json {
        printer.data(&format!(
            "{}\n",
            serde_json::to_string_pretty(&records).expect("records serialize")
        ));
        return Ok(());
    }
    let mut out = format!("run {run_id}\n");
    for record in &records {
        out.push_str(&line(record));
        out.push('\n');
    }
    printer.data(&out);
    Ok(())
}

/// Text on one line: line breaks (and carriage returns) escaped.
fn one_line(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

fn suffix(label: &str, text: Option<&String>) -> String {
    text.map(|t| format!("{label}{}", one_line(t)))
        .unwrap_or_default()
}

fn line(record: &Record) -> String {
    let time = record.ts.get(11..19).unwrap_or(&record.ts);
    let text = match &record.entry {
        Entry::RunStarted {
            runbook,
            mode,
            vars,
            ..
        } => {
            let vars: Vec<String> = vars
                .iter()
                .map(|(k, v)| format!("{k}={}", one_line(v)))
                .collect();
            format!("run started: `{runbook}` ({mode}) {}", vars.join(" "))
        }
        Entry::RunResumed { mode, .. } => format!("run resumed ({mode})"),
        Entry::StepStarted {
            step,
            attempt,
            kind,
            command,
            ..
        } => format!(
            "{step}: started {kind} (attempt {attempt}){}",
            suffix(": ", command.as_ref())
        ),
        Entry::StepSpawned {
            step,
            attempt,
            pid,
            undo,
            ..
        } => {
            if *undo {
                format!("{step}: undo runs as pid {pid}")
            } else {
                format!("{step}: try {attempt} runs as pid {pid}")
            }
        }
        Entry::Check {
            step,
            phase,
            name,
            attempt,
            passed,
            detail,
            ..
        } => format!(
            "{}{phase} `{}` try {attempt}: {}{}",
            step.as_ref().map(|s| format!("{s}: ")).unwrap_or_default(),
            one_line(name),
            if *passed { "passed" } else { "not passing" },
            detail
                .as_ref()
                .map(|d| format!(" ({})", one_line(d)))
                .unwrap_or_default()
        ),
        Entry::StepFinished {
            step,
            outcome,
            reason,
            value,
            ..
        } => format!(
            "{step}: {outcome}{}{}",
            suffix(": ", reason.as_ref()),
            value
                .as_ref()
                .map(|(name, v)| format!(" ({name} = {})", one_line(v)))
                .unwrap_or_default()
        ),
        Entry::Decision {
            step,
            choice,
            steps,
        } => format!(
            "{}decision: {choice}{}",
            step.as_ref().map(|s| format!("{s}: ")).unwrap_or_default(),
            match (choice, steps.is_empty()) {
                (_, true) => String::new(),
                (Choice::AcceptChanged, false) => format!(
                    ": {}",
                    steps
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                (_, false) => format!(" ({})", steps.join(", ")),
            }
        ),
        Entry::Interrupted { step } => format!(
            "interrupted{}",
            step.as_ref()
                .map(|s| format!(" during `{s}`"))
                .unwrap_or_default()
        ),
        Entry::RollbackStarted { to, steps } => format!(
            "rollback started{}: {}",
            to.as_ref()
                .map(|t| format!(" to `{t}`"))
                .unwrap_or_default(),
            steps.join(", ")
        ),
        Entry::RollbackStep {
            step,
            outcome,
            reason,
        } => format!("undo {step}: {outcome}{}", suffix(": ", reason.as_ref())),
        Entry::RollbackFinished { state, reason } => {
            format!(
                "rollback finished: {state}{}",
                suffix(": ", reason.as_ref())
            )
        }
        Entry::RunFinished { state, reason } => {
            format!("run finished: {state}{}", suffix(": ", reason.as_ref()))
        }
    };
    format!("{time}  {text}")
}
