//! `runbook graph NAME --format mermaid|dot`: the step graph on stdout.

use super::{load_runbooks, project};
use crate::cli::GraphFormat;
use crate::config::Config;
use crate::error::Result;
use crate::render::graph;
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, name: &str, format: GraphFormat) -> Result<()> {
    let runbook = load_runbooks(project(config)?, config, &[name.to_string()])?.get(name)?;
    printer.data(&match format {
        GraphFormat::Mermaid => graph::mermaid(&runbook),
        GraphFormat::Dot => graph::dot(&runbook),
    });
    Ok(())
}
