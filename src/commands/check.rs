//! `runbook check [NAME]…`: validate and report every problem at once (exit 3 if any).

use super::load_catalog;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ui::diagnostic::render;
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, names: &[String]) -> Result<()> {
    let catalog = load_catalog(config)?;
    let names: Vec<String> = if names.is_empty() {
        catalog.names.clone()
    } else {
        for name in names {
            catalog.require_known(name)?;
        }
        names.to_vec()
    };
    let problems = catalog.problems_of(&names);
    if problems.iter().any(|d| d.is_error()) {
        return Err(Error::invalid(problems));
    }
    for warning in &problems {
        printer.line(render(warning, &printer.styles).trim_end());
    }
    let count = names.len();
    printer.line(&format!(
        "{} {count} runbook{} valid{}",
        printer.styles.success.apply_to("ok:"),
        if count == 1 { "" } else { "s" },
        match problems.len() {
            0 => String::new(),
            n => format!(" ({n} warning{})", if n == 1 { "" } else { "s" }),
        }
    ));
    Ok(())
}
