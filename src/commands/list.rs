//! `runbook list [--json]`: every runbook with its title, phase, risk and step count.

use serde_json::json;

use super::load_catalog;
use crate::config::Config;
use crate::error::Result;
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, json: bool) -> Result<()> {
    let catalog = load_catalog(config)?;
    let mut rows = Vec::new();
    for name in &catalog.names {
        let valid = !catalog
            .problems_of(std::slice::from_ref(name))
            .iter()
            .any(|d| d.is_error());
        let runbook = catalog.runbooks.get(name);
        rows.push(json!({
            "name": name,
            "title": runbook.map(|r| r.title.clone()),
            "summary": runbook.and_then(|r| r.summary.clone()),
            "phase": runbook.and_then(|r| r.phase.clone()),
            "risk": runbook.map(|r| r.risk.as_str()),
            "steps": runbook.map(|r| r.steps.len()),
            "tags": runbook.map(|r| r.tags.clone()).unwrap_or_default(),
            "valid": valid,
        }));
    }
    if json {
        let text = serde_json::to_string_pretty(&rows).expect("JSON values serialize");
        printer.data(&format!("{text}\n"));
        return Ok(());
    }
    printer.data(&table(&rows));
    for row in rows.iter().filter(|r| r["valid"] == false) {
        printer.warning(&format!(
            "runbook `{}` is invalid",
            row["name"].as_str().unwrap_or_default()
        ));
        printer.hint("`runbook check` lists its problems");
    }
    Ok(())
}

fn table(rows: &[serde_json::Value]) -> String {
    let cell = |row: &serde_json::Value, key: &str| match &row[key] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => "-".to_string(),
    };
    let headers = ["NAME", "PHASE", "RISK", "STEPS", "TITLE"];
    let keys = ["name", "phase", "risk", "steps", "title"];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| keys.iter().map(|k| cell(r, k)).collect())
        .collect();
    let widths: Vec<usize> = (0..keys.len())
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([headers[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<String>| {
        let mut out = String::new();
        for (i, v) in values.iter().enumerate() {
            if i + 1 == values.len() {
                out.push_str(v);
            } else {
                out.push_str(&crate::ui::table::pad(v, widths[i]));
                out.push_str("  ");
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(headers.iter().map(ToString::to_string).collect());
    for c in cells {
        out.push_str(&line(c));
    }
    out
}
