//! `runbook runs [--json]`: every run of the project with its state and current step.

use serde_json::json;

use super::load_catalog;
use super::session::store;
use crate::config::Config;
use crate::error::Result;
use crate::ui::printer::Printer;
use crate::ui::table::table;

pub fn execute(config: &Config, printer: &Printer, json: bool) -> Result<()> {
    let catalog = load_catalog(config)?;
    let runs = store(config, &catalog.project).list()?;
    if json {
        let rows: Vec<_> = runs
            .iter()
            .map(|(id, s)| json!({ "id": id, "runbook": s.runbook, "state": s.state(), "started": s.started, "updated": s.updated, "step": s.current }))
            .collect();
        printer.data(&format!(
            "{}\n",
            serde_json::to_string_pretty(&rows).expect("JSON values serialize")
        ));
        return Ok(());
    }
    if runs.is_empty() {
        printer.line("no runs yet: start one with `runbook run NAME`");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|(id, s)| {
            vec![
                id.clone(),
                s.runbook.clone(),
                s.state().to_string(),
                s.started.clone(),
                s.current.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    printer.data(&table(
        &["RUN", "RUNBOOK", "STATE", "STARTED", "STEP"],
        &rows,
    ));
    Ok(())
}
