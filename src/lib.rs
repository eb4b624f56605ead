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

pub mod alloc;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod exec;
pub mod exit_code;
pub mod journal;
pub mod memo;
pub mod regexes;
pub mod render;
pub mod runbook;
pub mod testing;
pub mod ui;
pub mod usage;
#[cfg(test)]
mod xorshift;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::Cli;
use crate::config::Config;

/// Runs the command line `args` and returns the process exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    // Started through a shim of a `runbook test` scenario: answer as the double, first
    // thing (a runbook makes many calls, each costs a process start; the doubled program's
    // arguments must reach it untouched by clap).
    if let Some(code) = testing::double::intercept(&args) {
        return code;
    }
    // `RUNBOOK_COMPLETE=bash runbook -- WORDS…` is the shell asking for completions (the scripts of
    // `runbook completions SHELL` call it); answer and stop before anything else runs.
    let completing = clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(commands::completions::COMPLETE_VAR)
        .try_complete(args.clone(), std::env::current_dir().ok().as_deref());
    match completing {
        Ok(true) => return ExitCode::from(exit_code::SUCCESS),
        Ok(false) => {}
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(exit_code::USAGE);
        }
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(exit_code::SUCCESS);
        }
        Err(e) => match usage::improve(e, &args) {
            usage::Improved::Clap(e) => {
                let _ = e.print();
                return ExitCode::from(exit_code::USAGE);
            }
            usage::Improved::MissingRunbook { subcommand, global } => {
                return with_config(&global, |config, _| {
                    Err(commands::name_needed(config, &subcommand))
                });
            }
        },
    };
    with_config(&cli.global, |config, printer| {
        commands::execute(cli.command, config, printer)
    })
}

/// Resolves the settings, runs `body` and renders its error, if any, in the one place.
fn with_config(
    global: &cli::GlobalArgs,
    body: impl FnOnce(&Config, &ui::printer::Printer) -> error::Result<()>,
) -> ExitCode {
    let (config, printer) = match Config::from_cli(global) {
        Ok(pair) => pair,
        Err(e) => {
            let printer = ui::printer::Printer::new(false, false);
            printer.line(&format!("error: failed to read the current directory: {e}"));
            return ExitCode::from(exit_code::FAILURE);
        }
    };
    journal::writer::set_durable(config.durable_journal);
    match body(&config, &printer) {
        Ok(()) => ExitCode::from(exit_code::SUCCESS),
        Err(error) => {
            let text = ui::diagnostic::render_error(&error, &printer.styles);
            printer.line(text.trim_end());
            ExitCode::from(error.exit_code())
        }
    }
}
