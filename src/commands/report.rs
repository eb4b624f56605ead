//! `runbook report [RUN-ID] [--out FILE] [--json] [--templates DIR]`: the change record of a
//! run (default: the newest), in Markdown through `templates/report.md.tera`, or its model
//! as JSON. Reads the journal, the runbook (if it still loads) and the attempt logs; the
//! building and rendering are pure (`render::report`). Never runs anything.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::session::{self, load_records, store};
use crate::cli::ReportArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::journal::store::Store;
use crate::render::report::model::OUTPUT_LINES;
use crate::render::report::{Input, LogFile, ReportTemplate, build};
use crate::runbook::discover::{display_path, find_project};
use crate::runbook::load::Catalog;
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, args: &ReportArgs) -> Result<()> {
    let project = find_project(&config.cwd, config.dir.as_deref())?;
    let store = store(config, &project);
    let run_id = match &args.run_id {
        Some(id) => id.clone(),
        None => session::newest(
            &store,
            |_| true,
            Error::usage_hint("no runs yet", "start one with `runbook run NAME`"),
        )?,
    };
    // Before the journal: a bad template directory is a usage error whatever the run.
    let template_dir = args.templates.as_ref().map(|d| config.cwd.join(d));
    let template = (!args.json)
        .then(|| ReportTemplate::load(template_dir.as_deref()))
        .transpose()?;
    let records = load_records(&store, &run_id, printer)?;
    let runbook_name = crate::journal::replay::replay(&records).runbook;
    // A runbook that no longer loads (deleted, or broken since) leaves the graph plainer,
    // not the report missing.
    let catalog = Catalog::load(project, &config.cwd).ok();
    let runbook = catalog
        .as_ref()
        .and_then(|c| c.runbooks.get(&runbook_name).cloned());
    let out = args.out.as_ref().map(|f| config.cwd.join(f));
    let report_dir = out
        .as_deref()
        .and_then(Path::parent)
        .map_or_else(|| config.cwd.clone(), Path::to_path_buf);
    let logs_dir = absolute(&config.cwd, &store.logs_dir(&run_id));
    let logs = attempt_logs(&store, &run_id, &report_dir);
    let report = build(&Input {
        records: &records,
        runbook: runbook.as_deref(),
        logs: &logs,
        logs_dir: relative(&report_dir, &logs_dir),
    });
    let text = match &template {
        Some(template) => template.render(&report)?,
        None => format!(
            "{}\n",
            serde_json::to_string_pretty(&report).expect("the report serializes")
        ),
    };
    match out {
        Some(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
            }
            std::fs::write(&path, text).map_err(|e| Error::io("write", &path, e))?;
            printer.line(&format!(
                "wrote the record of run {run_id} to {}",
                display_path(&path, &config.cwd)
            ));
        }
        None => printer.data(&text),
    }
    Ok(())
}

/// The attempt logs of a run by journal id (`deploy[a]`, `fix/suspend`), oldest attempt
/// first; the newest attempt's last lines are read for the output of a failed step.
fn attempt_logs(store: &Store, run_id: &str, report_dir: &Path) -> BTreeMap<String, Vec<LogFile>> {
    let dir = store.logs_dir(run_id);
    let mut logs: BTreeMap<String, Vec<LogFile>> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return logs;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        // `<id>.<attempt>.log`, a `/` of the id written `~` (the runner's naming).
        let Some((id, attempt)) = file
            .strip_suffix(".log")
            .and_then(|stem| stem.rsplit_once('.'))
            .and_then(|(id, n)| Some((id.replace('~', "/"), n.parse::<u32>().ok()?)))
        else {
            continue;
        };
        let path = absolute(&store.root, &dir.join(&file));
        logs.entry(id).or_default().push(LogFile {
            attempt,
            path: relative(report_dir, &path),
            tail: Vec::new(),
        });
    }
    for (id, files) in &mut logs {
        files.sort_by_key(|f| f.attempt);
        if let Some(newest) = files.last_mut() {
            let name = format!("{}.{}.log", id.replace('/', "~"), newest.attempt);
            newest.tail = tail(&dir.join(name));
        }
    }
    logs
}

/// The last [`OUTPUT_LINES`] lines of a log (already masked when it was written).
fn tail(path: &Path) -> Vec<String> {
    let text = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(OUTPUT_LINES);
    lines[start..].iter().map(|l| (*l).to_string()).collect()
}

fn absolute(base: &Path, path: &Path) -> PathBuf {
    let joined = base.join(path);
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `to` as a path relative to the directory `from` (both absolute), with `/` separators.
fn relative(from: &Path, to: &Path) -> String {
    let (from, to) = (absolute(Path::new("/"), from), absolute(Path::new("/"), to));
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_report() {
        let logs = Path::new("/p/.runbook/runs/r/logs/a.1.log");
        assert_eq!(
            relative(Path::new("/p"), logs),
            ".runbook/runs/r/logs/a.1.log"
        );
        assert_eq!(
            relative(Path::new("/p/docs/changes"), logs),
            "../../.runbook/runs/r/logs/a.1.log"
        );
        assert_eq!(relative(Path::new("/p/x/../y"), Path::new("/p/y/z")), "z");
    }
}
