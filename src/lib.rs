//! `runbook`: a runbook-as-code executor for risky GitOps changes.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! runbooks/*.toml ─load─▶ raw (serde, spans) ─validate─▶ model::Runbook (walk order)
//! model + vars ─exec─▶ events ─▶ ui reporter (terminal / plain)
//!              └─▶ journal.jsonl ─replay─▶ RunState ─▶ resume / rollback / runs / log
//! model ─render (tera)─▶ book/src/**/*.md
//! ```
//!
//! Dependency rules: `cli` → `config` → `commands` → (`runbook`, `exec`, `journal`,
//! `render`, `ui`) → `error`. `runbook/` reads files but never prints; `exec/` and
//! `journal/` never print or prompt (they emit events and ask a `Prompter`); only `ui/`
//! writes to the terminal; only `exec/command.rs` spawns processes; only `config.rs` reads
//! the environment. `testing/` is the exception by design: `runbook test` spawns the
//! binary under test and its shims, and the shim callback reads `PATH`.

pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod exec;
pub mod exit_code;
pub mod journal;
pub mod render;
pub mod runbook;
pub mod testing;
pub mod ui;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::config::Config;

/// Runs the command line `args` and returns the process exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    // A shim of `runbook test` calls back in as `runbook __double …` (not a subcommand:
    // the doubled program's arguments must reach it untouched by clap).
    if args.get(1).is_some_and(|a| a == testing::double::ARG) {
        return testing::double::main(&args[2..]);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit_code::USAGE
            } else {
                exit_code::SUCCESS
            });
        }
    };
    let (config, printer) = match Config::from_cli(&cli.global) {
        Ok(pair) => pair,
        Err(e) => {
            let printer = ui::printer::Printer::new(false, false);
            printer.line(&format!("error: failed to read the current directory: {e}"));
            return ExitCode::from(exit_code::FAILURE);
        }
    };
    match commands::execute(cli.command, &config, &printer) {
        Ok(()) => ExitCode::from(exit_code::SUCCESS),
        Err(error) => {
            let text = ui::diagnostic::render_error(&error, &printer.styles);
            printer.line(text.trim_end());
            ExitCode::from(error.exit_code())
        }
    }
}
