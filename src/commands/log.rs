//! `runbook log [RUN-ID] [--json]`: a run's journal, one readable line per record.

use super::load_catalog;
use super::resume::load_state;
use super::session::store;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::journal::record::{Entry, Record};
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, run_id: Option<&str>, json: bool) -> Result<()> {
    let catalog = load_catalog(config)?;
    let store = store(config, &catalog.project);
    let run_id =
        match run_id {
            Some(id) => id.to_string(),
            None => store.list()?.pop().map(|(id, _)| id).ok_or_else(|| {
                Error::usage_hint("no runs yet", "start one with `runbook run NAME`")
            })?,
        };
    load_state(&store, &run_id, printer)?;
    let records = store.load(&run_id)?.records;
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

fn line(record: &Record) -> String {
    let time = record.ts.get(11..19).unwrap_or(&record.ts);
    let text = match &record.entry {
        Entry::RunStarted {
            runbook,
            mode,
            vars,
            ..
        } => {
            let vars: Vec<String> = vars.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("run started: `{runbook}` ({mode}) {}", vars.join(" "))
        }
        Entry::RunResumed { mode, .. } => format!("run resumed ({mode})"),
        Entry::StepStarted {
            step,
            attempt,
            command,
            ..
        } => {
            format!(
                "{step}: started (attempt {attempt}){}",
                command
                    .as_ref()
                    .map(|c| format!(": {}", first_line(c)))
                    .unwrap_or_default()
            )
        }
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
        } => format!(
            "{}{phase} `{name}` try {attempt}: {}{}",
            step.as_ref().map(|s| format!("{s}: ")).unwrap_or_default(),
            if *passed { "passed" } else { "not passing" },
            detail
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ),
        Entry::StepFinished {
            step,
            outcome,
            reason,
            ..
        } => format!(
            "{step}: {outcome:?}{}",
            reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        )
        .to_lowercase(),
        Entry::Decision { step, choice } => format!(
            "{}decision: {choice}",
            step.as_ref().map(|s| format!("{s}: ")).unwrap_or_default()
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
        } => format!(
            "undo {step}: {outcome}{}",
            reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
        Entry::RollbackFinished { state, reason } => format!(
            "rollback finished: {state}{}",
            reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
        Entry::RunFinished { state, reason } => format!(
            "run finished: {state}{}",
            reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
    };
    format!("{time}  {text}")
}

fn first_line(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().to_string();
    if lines.next().is_some() {
        format!("{first} …")
    } else {
        first
    }
}
