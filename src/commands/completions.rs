//! `runbook completions SHELL`: completion scripts generated from the clap definition.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::ui::printer::Printer;

pub fn execute(printer: &Printer, shell: clap_complete::Shell) {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "runbook", &mut buffer);
    printer.data(&String::from_utf8_lossy(&buffer));
}
