//! `runbook list [--json]`: every runbook in book order (by phase, numbers by value, then
//! by name) with its phase, risk, step count and summary. Invalid runbooks are listed too,
//! flagged on stderr.

use serde_json::{Value, json};

use super::load_catalog;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::render::book::context::{ordered, phase_cmp};
use crate::runbook::load::Catalog;
use crate::runbook::model::Runbook;
use crate::ui::printer::Printer;
use crate::ui::table::{pad, table};

pub fn execute(config: &Config, printer: &Printer, json: bool) -> Result<()> {
    let catalog = load_catalog(config)?;
    let mut rows: Vec<Value> = catalog
        .names
        .iter()
        .map(|name| {
            let valid = !catalog
                .problems_of(std::slice::from_ref(name))
                .iter()
                .any(|d| d.is_error());
            let runbook = catalog.runbooks.get(name);
            let path = catalog.project.runbooks_dir.join(format!("{name}.toml"));
            let file = path
                .strip_prefix(&catalog.project.root)
                .unwrap_or(&path)
                .display()
                .to_string();
            json!({
                "name": name,
                "title": runbook.map(|r| r.title.clone()),
                "summary": runbook.and_then(|r| r.summary.clone()),
                "description": runbook.and_then(|r| r.description.clone()),
                "phase": runbook.and_then(|r| r.phase.clone()),
                "risk": runbook.map(|r| r.risk.as_str()),
                "steps": runbook.map(|r| r.steps.len()),
                "tags": runbook.map(|r| r.tags.clone()).unwrap_or_default(),
                "file": file,
                "valid": valid,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        phase_cmp(a["phase"].as_str(), b["phase"].as_str())
            .then_with(|| a["name"].as_str().cmp(&b["name"].as_str()))
    });
    if json {
        let text = serde_json::to_string_pretty(&rows).expect("JSON values serialize");
        printer.data(&format!("{text}\n"));
        return Ok(());
    }
    printer.data(&render(&rows));
    for row in rows.iter().filter(|r| r["valid"] == false) {
        printer.warning(&format!(
            "runbook `{}` is invalid",
            row["name"].as_str().unwrap_or_default()
        ));
        printer.hint("`runbook check` lists its problems");
    }
    Ok(())
}

/// The table: the summary column falls back to the title for runbooks without a summary.
fn render(rows: &[Value]) -> String {
    let cell = |value: &Value| match value {
        Value::String(s) => s.lines().next().unwrap_or_default().to_string(),
        Value::Number(n) => n.to_string(),
        _ => "-".to_string(),
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let summary = if r["summary"].is_string() {
                &r["summary"]
            } else {
                &r["title"]
            };
            vec![
                cell(&r["name"]),
                cell(&r["phase"]),
                cell(&r["risk"]),
                cell(&r["steps"]),
                cell(summary),
            ]
        })
        .collect();
    table(&["NAME", "PHASE", "RISK", "STEPS", "SUMMARY"], &cells)
}

/// What a runbook is about, in one line: the first line of its summary, else its title.
pub fn about(runbook: &Runbook) -> &str {
    runbook
        .summary
        .as_deref()
        .unwrap_or(&runbook.title)
        .lines()
        .next()
        .unwrap_or_default()
}

/// `runbook run` (or `show`, `graph`) without a name: a usage error that lists the
/// runbooks, one per line with its summary, in book order.
pub fn name_needed(catalog: &Catalog, subcommand: &str) -> Error {
    let runbooks = ordered(&catalog.runbooks);
    let Some(first) = runbooks.first() else {
        return Error::usage_hint(
            format!("`runbook {subcommand}` needs the name of a runbook, and the project has none"),
            "`runbook new NAME` writes a starter runbook",
        );
    };
    let width = runbooks.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let lines: Vec<String> = runbooks
        .iter()
        .map(|r| format!("  {}  {}", pad(&r.name, width), about(r)))
        .collect();
    Error::usage_hint(
        format!(
            "`runbook {subcommand}` needs the name of a runbook; the project has:\n{}",
            lines.join("\n")
        ),
        format!("for example `runbook {subcommand} {}`", first.name),
    )
}
