//! `runbook runs [--json]`: every run of the project with where it stands: `running`
//! (with the pid) while a live process holds its runbook's lock for it, `damaged (line N)`
//! for a journal damaged before its last line, otherwise the journal's own standing.

use std::collections::HashMap;

use serde_json::json;

use super::session::store;
use crate::config::Config;
use crate::error::Result;
use crate::journal::lock::{Holder, holder};
use crate::journal::store::{JournalError, Listed, Store};
use crate::runbook::discover::find_project;
use crate::ui::printer::Printer;
use crate::ui::table::table;

/// One row of `runs`.
struct Row {
    id: String,
    runbook: String,
    state: String,
    pid: Option<u32>,
    started: String,
    updated: String,
    step: Option<String>,
}

pub fn execute(config: &Config, printer: &Printer, json: bool) -> Result<()> {
    // Only the project's location: `runs` validates no runbook.
    let project = find_project(&config.cwd, config.dir.as_deref())?;
    let store = store(config, &project);
    // One lock probe per runbook, not per run.
    let mut holders = std::collections::HashMap::new();
    let rows: Vec<Row> = store
        .list()?
        .into_iter()
        .map(|r| row(&store, &mut holders, r))
        .collect();
    if json {
        let rows: Vec<_> = rows
            .iter()
            .map(|r| json!({ "id": r.id, "runbook": r.runbook, "state": r.state, "pid": r.pid, "started": r.started, "updated": r.updated, "step": r.step }))
            .collect();
        printer.data(&format!(
            "{}\n",
            serde_json::to_string_pretty(&rows).expect("JSON values serialize")
        ));
        return Ok(());
    }
    if rows.is_empty() {
        printer.line("no runs yet: start one with `runbook run NAME`");
        return Ok(());
    }
    let cells: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            let state = match r.pid {
                Some(pid) => format!("{} (pid {pid})", r.state),
                None => r.state,
            };
            vec![
                r.id,
                r.runbook,
                state,
                r.started,
                r.step.unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    printer.data(&table(
        &["RUN", "RUNBOOK", "STATE", "STARTED", "STEP"],
        &cells,
    ));
    Ok(())
}

fn row(store: &Store, holders: &mut HashMap<String, Option<Holder>>, run: Listed) -> Row {
    match run.journal {
        Ok(state) => {
            let live = holders
                .entry(state.runbook.clone())
                .or_insert_with(|| holder(&store.locks_dir(), &state.runbook))
                .as_ref()
                .filter(|h| h.run_id == run.id)
                .cloned();
            Row {
                state: if live.is_some() {
                    "running".into()
                } else {
                    state.standing.as_str().into()
                },
                pid: live.map(|h| h.pid),
                runbook: state.runbook,
                started: state.started,
                updated: state.updated,
                step: state.current,
                id: run.id,
            }
        }
        Err(error) => Row {
            state: match error {
                JournalError::Damaged { line, .. } => format!("damaged (line {line})"),
                JournalError::Io { .. } => "unreadable".into(),
            },
            pid: None,
            runbook: "-".into(),
            started: String::new(),
            updated: String::new(),
            step: None,
            id: run.id,
        },
    }
}
