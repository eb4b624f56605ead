//! What `run`, `resume` and `rollback` share: the state directory, the choice of reporter
//! and prompter for the mode, the lock, and turning how a run ended into an exit code.

use std::path::PathBuf;

use crate::cli::ModeArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::exec::events::Reporter;
use crate::exec::prompter::{AssumeYes, Need, Prompter, Unattended};
use crate::exec::run::End;
use crate::exec::session::{Mode, Stop};
use crate::journal::lock::{Holder, RunLock, host_name};
use crate::journal::record::Record;
use crate::journal::standing::Summary;
use crate::journal::store::Store;
use crate::runbook::model::Project;
use crate::ui::printer::Printer;
use crate::ui::prompt::TerminalPrompter;
use crate::ui::reporter::{PlainReporter, PlanReporter, TerminalReporter};

pub fn store(config: &Config, project: &Project) -> Store {
    let root = config.state_dir.as_ref().map_or_else(
        || project.root.join(Project::STATE_DIR),
        |dir| config.cwd.join(dir),
    );
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
    let inner = mode_prompter(config, printer, mode, allow_destructive);
    // A `runbook test` scenario's scripted answers come first; the rest go to the mode.
    match &config.test_answers {
        Some(path) => match crate::testing::scripted::Scripted::load(path, inner) {
            Ok(scripted) => Box::new(scripted),
            Err(e) => {
                printer.warning(&format!(
                    "scripted answers `{}` unreadable: {e}",
                    path.display()
                ));
                mode_prompter(config, printer, mode, allow_destructive)
            }
        },
        None => inner,
    }
}

fn mode_prompter(
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
/// A dry run's plan goes to stdout (`PlanReporter`).
pub fn reporter(config: &Config, printer: &Printer, dry_run: bool) -> Box<dyn Reporter> {
    if dry_run {
        Box::new(PlanReporter::new(printer.clone()))
    } else if config.stderr_terminal {
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
    Ok(RunLock::acquire(&store.locks_dir(), runbook, &holder)?)
}

/// Maps how the run ended to the command's result (and so its exit code), with the
/// commands that continue from here.
pub fn outcome(end: End, run_id: &str) -> Result<()> {
    let resume = format!(
        "continue with `runbook resume {run_id}`, or undo with `runbook rollback {run_id}`"
    );
    let stop = match end {
        End::Succeeded => return Ok(()),
        End::Stopped(stop) => stop,
    };
    Err(match stop {
        Stop::Failed(message) => Error::failed(
            if message.is_empty() {
                "the run stopped".to_string()
            } else {
                message
            },
            Some(resume),
        ),
        Stop::RolledBack(message) => Error::failed(
            format!("{message}; rolled back to the last checkpoint"),
            Some(format!("fix the cause, then `runbook resume {run_id}`")),
        ),
        Stop::RollbackStopped(message) => Error::failed(
            message,
            Some(format!(
                "fix the cause, then continue the rollback with `runbook rollback {run_id}`"
            )),
        ),
        Stop::Reverify { step, reason } => {
            let base = step.split(['[', '/']).next().unwrap_or(&step);
            Error::failed(
                reason,
                Some(format!(
                    "if `{step}` is still done, `runbook resume {run_id} --no-reverify` keeps it; to run it again, `runbook resume {run_id} --from {base}`"
                )),
            )
        }
        Stop::Aborted => Error::failed("the run was aborted", Some(resume)),
        Stop::Interrupted => Error::Interrupted { hint: Some(resume) },
        Stop::Waiting(need) => {
            let hint = match need {
                Need::Destructive { .. } => format!(
                    "`--yes --allow-destructive` confirms such steps: when it is safe, continue with `runbook resume {run_id} --yes --allow-destructive`, or from a terminal with `runbook resume {run_id}`"
                ),
                _ => format!(
                    "continue from a terminal with `runbook resume {run_id}` (or decide with `--yes` where that is safe)"
                ),
            };
            Error::Waiting {
                message: format!("the run waits for an operator: {need}"),
                hint: Some(hint),
            }
        }
    })
}

/// Reads a run's journal once, warning about a torn last line it set aside.
pub fn load_records(store: &Store, run_id: &str, printer: &Printer) -> Result<Vec<Record>> {
    if !store.journal_path(run_id).is_file() {
        return Err(Error::usage_hint(
            format!("no run `{run_id}`"),
            "`runbook runs` lists the runs",
        ));
    }
    let loaded = store.load(run_id)?;
    if let Some(warning) = loaded.torn {
        printer.warning(&warning);
    }
    Ok(loaded.records)
}

/// The newest run that `wanted` accepts. A damaged journal newer than it stops the search:
/// never pass over it to an older run without saying so.
pub fn newest(store: &Store, wanted: impl Fn(&Summary) -> bool, none: Error) -> Result<String> {
    for run in store.list()?.into_iter().rev() {
        match run.journal {
            Err(damage) => return Err(damage.into()),
            Ok(state) if wanted(&state) => return Ok(run.id),
            Ok(_) => {}
        }
    }
    Err(none)
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
