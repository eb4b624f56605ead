//! `runbook docs [--out DIR] [--check] [--templates DIR]`: renders every runbook into the
//! mdBook (`book/src` beside `runbooks/` by default), writing only what changed; `--check`
//! writes nothing and fails (exit 1) when the book is stale.

use std::path::Path;

use super::load_catalog;
use crate::cli::DocsArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::render::book::sync::{self, ChangeKind};
use crate::render::book::{self, EMBEDDED, Templates};
use crate::runbook::diagnostic::Diagnostic;
use crate::runbook::discover::display_path;
use crate::ui::printer::Printer;

/// The book's source directory, relative to the directory that holds `runbooks/`.
pub const DEFAULT_OUT: &str = "book/src";

pub fn execute(config: &Config, printer: &Printer, args: &DocsArgs) -> Result<()> {
    let catalog = load_catalog(config)?;
    let problems = catalog.problems_of(&catalog.names);
    if problems.iter().any(Diagnostic::is_error) {
        return Err(Error::invalid(problems));
    }
    let template_dir = args.templates.as_ref().map(|d| config.cwd.join(d));
    let templates = Templates::load(template_dir.as_deref())?;
    if let Some(dir) = &template_dir {
        for name in &templates.unused {
            printer.warning(&format!(
                "`{}` replaces no template",
                display_path(&dir.join(name), &config.cwd)
            ));
        }
        if !templates.unused.is_empty() {
            let names: Vec<&str> = EMBEDDED.iter().map(|(name, _)| *name).collect();
            printer.hint(&format!("the templates are named {}", names.join(", ")));
        }
    }
    let project = &catalog.project;
    let out = match &args.out {
        Some(dir) => config.cwd.join(dir),
        None => project.root.join(DEFAULT_OUT),
    };
    let source_dir = display_path(&project.runbooks_dir, &project.root);
    let book = book::render(&catalog.runbooks, &catalog.calls, &source_dir, &templates)?;
    let changes = sync::plan(&book, &out)?;
    let shown = |path: &Path| display_path(&out.join(path), &config.cwd);
    let count = catalog.runbooks.len();
    let runbooks = format!("{count} runbook{}", if count == 1 { "" } else { "s" });
    if changes.is_empty() {
        printer.line(&format!(
            "{} book is current ({runbooks}, `{}`)",
            printer.styles.success.apply_to("ok:"),
            display_path(&out, &config.cwd)
        ));
        return Ok(());
    }
    if args.check {
        for change in &changes {
            printer.line(&format!(
                "{}: {}",
                change.kind.as_str(),
                shown(&change.path)
            ));
        }
        let n = changes.len();
        return Err(Error::failed(
            format!(
                "the book is stale: {n} file{} differ{} from the runbooks",
                if n == 1 { "" } else { "s" },
                if n == 1 { "s" } else { "" }
            ),
            Some("run `runbook docs` to regenerate it, then commit the result".to_string()),
        ));
    }
    sync::apply(&changes, &out)?;
    for change in &changes {
        let verb = match change.kind {
            ChangeKind::Missing => "created",
            ChangeKind::Stale => "updated",
            ChangeKind::Extra => "removed",
        };
        printer.line(&format!("{verb} {}", shown(&change.path)));
    }
    printer.line(&format!(
        "{} book written ({runbooks}, {} file{} changed)",
        printer.styles.success.apply_to("ok:"),
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    ));
    Ok(())
}
