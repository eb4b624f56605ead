//! What `run`, `resume` and `rollback` share: the state directory, the choice of reporter
//! and prompter for the mode, the lock, and turning how a run ended into an exit code.

use std::path::PathBuf;

use crate::cli::ModeArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::exec::events::Reporter;
use crate::exec::prompter::{AssumeYes, Prompter, Unattended};
use crate::exec::run::End;
use crate::exec::session::{Mode, Stop};
use crate::journal::lock::{Holder, RunLock, host_name};
use crate::journal::store::Store;
use crate::runbook::model::Project;
use crate::ui::printer::Printer;
use crate::ui::prompt::TerminalPrompter;
use crate::ui::reporter::{PlainReporter, TerminalReporter};

pub fn store(config: &Config, project: &Project) -> Store {
    let root = config
        .state_dir
        .as_ref()
        .map_or_else(|| project.root.join(".runbook"), |dir| config.cwd.join(dir));
    Store::new(root)
}

/// The mode from the flags; interactive needs a terminal.
pub fn mode(config: &Config, flags: &ModeArgs, dry_run: bool) -> Result<Mode> {
    let mode = match (flags.yes, flags.auto) {
        (true, _) => Mode::Yes,
        (false, true) => Mode::Auto,
        (false, false) => Mode::Interactive,
    };
    if flags.allow_destructive && mode != Mode::Yes {
        // Only `--yes` answers for the operator; elsewhere a person confirms.
        return Err(Error::usage_hint(
            "`--allow-destructive` only applies with `--yes`",
            "pass `--yes --allow-destructive` to run `confirm = true` steps without asking",
        ));
    }
    if mode == Mode::Interactive && !config.interactive_terminal && !dry_run {
        return Err(Error::usage_hint(
            "no terminal to walk the runbook interactively",
            "pass `--yes` to answer yes to everything (CI), or `--auto` to stop only where an operator is needed",
        ));
    }
    Ok(mode)
}

/// The prompter for a mode: dialoguer on a terminal, fixed answers otherwise.
/// `allow_destructive` (`--allow-destructive`) lets `--yes` confirm `confirm = true` steps.
pub fn prompter(
    config: &Config,
    printer: &Printer,
    mode: Mode,
    allow_destructive: bool,
) -> Box<dyn Prompter> {
    match mode {
        Mode::Yes => Box::new(AssumeYes { allow_destructive }),
        _ if config.interactive_terminal => Box::new(
            TerminalPrompter::new(
                printer.clone(),
                config
                    .environment
                    .get("SHELL")
                    .cloned()
                    .unwrap_or_else(|| "sh".into()),
            )
            .on(config.prompt_terminal),
        ),
        _ => Box::new(Unattended),
    }
}

/// Spinners and live output when stderr is a terminal; one plain line per event otherwise
/// (also when prompts go to `/dev/tty` because stderr is piped into a log).
pub fn reporter(config: &Config, printer: &Printer) -> Box<dyn Reporter> {
    if config.stderr_terminal {
        Box::new(TerminalReporter::new(printer.clone()))
    } else {
        Box::new(PlainReporter::new(printer.clone()))
    }
}

pub fn lock(store: &Store, runbook: &str, run_id: &str) -> Result<RunLock> {
    let holder = Holder {
        pid: std::process::id(),
        host: host_name(),
        run_id: run_id.to_string(),
        started: crate::journal::record::now(),
    };
    RunLock::acquire(&store.locks_dir(), runbook, &holder)
}

/// Maps how the run ended to the command's result (and so its exit code).
pub fn outcome(end: End, run_id: &str) -> Result<()> {
    let resume = format!(
        "continue with `runbook resume {run_id}`, or undo with `runbook rollback {run_id}`"
    );
    match end {
        End::Succeeded => Ok(()),
        End::Stopped(Stop::Failed(message)) => Err(Error::failed(
            if message.is_empty() {
                "the run stopped".to_string()
            } else {
                message
            },
            Some(resume),
        )),
        End::Stopped(Stop::RolledBack(message)) => Err(Error::failed(
            format!("{message}; rolled back to the last checkpoint"),
            Some(format!("fix the cause, then `runbook resume {run_id}`")),
        )),
        End::Stopped(Stop::Aborted) => Err(Error::failed("the run was aborted", Some(resume))),
        End::Stopped(Stop::Interrupted) => Err(Error::Interrupted { hint: Some(resume) }),
        End::Stopped(Stop::Waiting(message)) => Err(Error::Waiting {
            message: format!("the run waits for an operator: {message}"),
            hint: Some(format!(
                "continue from a terminal with `runbook resume {run_id}` (or decide with `--yes` where that is safe)"
            )),
        }),
    }
}

/// Counts Ctrl-C, SIGTERM, SIGHUP and SIGQUIT from now on (the engine decides what they
/// stop); a dry run, which has nothing to stop or journal, just ends on them.
pub fn interrupt(dry_run: bool) -> Result<crate::exec::interrupt::Interrupt> {
    let installed = if dry_run {
        crate::exec::interrupt::Interrupt::install_exiting(crate::exit_code::INTERRUPTED)
    } else {
        crate::exec::interrupt::Interrupt::install()
    };
    installed.map_err(|e| Error::io("install signal handler", "SIGINT", e))
}

/// The directory commands run in.
pub fn workdir(project: &Project) -> PathBuf {
    project.root.clone()
}
