//! Shell completion: `runbook completions SHELL` prints the script that registers
//! clap_complete's dynamic completion, and the candidate functions that the `cli` types
//! attach to their arguments (runbook names, step ids, run ids, `--var` keys).
//!
//! The shell calls `RUNBOOK_COMPLETE=SHELL runbook -- WORDS…` for every TAB (see `crate::main`);
//! a candidate function sees only the word being completed, so it re-parses the words
//! typed so far (`std::env::args_os` of the completion process) to learn the runbook, the
//! run and `--dir`/`--state-dir`. A candidate function never prints and never fails: a
//! project it cannot read offers nothing.

use std::ffi::OsString;

use clap::{ArgMatches, CommandFactory, FromArgMatches};
use clap_complete::CompletionCandidate;
use clap_complete::env::Shells;

use super::load_catalog;
use super::session::store;
use crate::cli::{Cli, GlobalArgs};
use crate::config::Config;
use crate::runbook::load::Catalog;
use crate::runbook::model::{Action, Runbook};
use crate::ui::printer::Printer;

/// The environment variable that switches the binary into completion mode; namespaced,
/// so a `COMPLETE` set for another tool does not reach us.
pub const COMPLETE_VAR: &str = crate::config::env_vars::RUNBOOK_COMPLETE;

/// Prints the registration script for `shell`; it calls back this program as invoked.
pub fn execute(config: &Config, printer: &Printer, shell: clap_complete::Shell) {
    let program = program(std::env::args_os().next().as_ref(), &config.cwd);
    let name = shell.to_string();
    let shells = Shells::builtins();
    let Some(completer) = shells.completer(&name) else {
        printer.warning(&format!("no dynamic completion for {name}"));
        return;
    };
    let mut buffer = Vec::new();
    let _ = completer.write_registration(COMPLETE_VAR, "runbook", "runbook", &program, &mut buffer);
    printer.data(&String::from_utf8_lossy(&buffer));
}

/// The program that registration scripts call back: the path as invoked, made absolute
/// when it is a relative path (a bare name is looked up on `PATH` by the shell).
pub fn program(argv0: Option<&OsString>, cwd: &std::path::Path) -> String {
    let path = std::path::PathBuf::from(argv0.cloned().unwrap_or_else(|| "runbook".into()));
    if path.components().count() > 1 && path.is_relative() {
        let absolute: std::path::PathBuf = cwd
            .join(path)
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        return absolute.to_string_lossy().into_owned();
    }
    path.to_string_lossy().into_owned()
}

/// What the words typed so far say: the settings, and the subcommand's matches.
struct Typed {
    config: Config,
    subcommand: String,
    matches: ArgMatches,
}

fn typed() -> Option<Typed> {
    let mut words: Vec<OsString> = std::env::args_os()
        .skip_while(|a| a != "--")
        .skip(1)
        .collect();
    if words.is_empty() {
        return None;
    }
    // The word under the cursor is half typed; parse what comes before it.
    words.pop();
    let matches = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(words)
        .ok()?;
    let global = GlobalArgs::from_arg_matches(&matches).ok()?;
    let (subcommand, sub) = matches.subcommand()?;
    let (config, _) = Config::from_cli(&global).ok()?;
    Some(Typed {
        config,
        subcommand: subcommand.to_string(),
        matches: sub.clone(),
    })
}

fn catalog() -> Option<(Typed, Catalog)> {
    let typed = typed()?;
    let catalog = load_catalog(&typed.config).ok()?;
    Some((typed, catalog))
}

/// Runbook names, with their summaries as help.
pub fn runbooks() -> Vec<CompletionCandidate> {
    let Some((_, catalog)) = catalog() else {
        return Vec::new();
    };
    catalog
        .names
        .iter()
        .map(|name| {
            let help = catalog
                .runbooks
                .get(name)
                .map(|r| super::list::about(r).to_string().into());
            CompletionCandidate::new(name).help(help)
        })
        .collect()
}

/// The runbook the typed words are about: the `NAME` of `run`/`show`/`graph`, or the
/// runbook of the run given to `resume`/`rollback` (default: the newest run).
fn named_runbook(typed: &Typed, catalog: &Catalog) -> Option<std::sync::Arc<Runbook>> {
    let name = match typed.subcommand.as_str() {
        "resume" | "rollback" => {
            let runs = store(&typed.config, &catalog.project).list().ok()?;
            let wanted = typed.matches.get_one::<String>("run_id");
            let run = match wanted {
                Some(id) => runs.iter().find(|run| &run.id == id)?,
                None => runs.iter().rev().find(|run| run.journal.is_ok())?,
            };
            run.journal.as_ref().ok()?.runbook.clone()
        }
        _ => typed.matches.get_one::<String>("name")?.clone(),
    };
    catalog.runbooks.get(&name).cloned()
}

/// Step ids of the runbook named on the command line, in walk order, titles as help.
pub fn steps() -> Vec<CompletionCandidate> {
    let Some((typed, catalog)) = catalog() else {
        return Vec::new();
    };
    let Some(runbook) = named_runbook(&typed, &catalog) else {
        return Vec::new();
    };
    runbook
        .walk()
        .enumerate()
        .map(|(i, step)| {
            CompletionCandidate::new(&step.id)
                .help(Some(step.title.clone().into()))
                .display_order(Some(i))
        })
        .collect()
}

/// `--var` keys of the runbook named on the command line: its variables and the names its
/// asks answer into, each as `name=`, then `name=choice` for each of their `choices` (the
/// shell inserts the common `name=` first, and offers the choices on the next TAB).
pub fn var_keys() -> Vec<CompletionCandidate> {
    let Some((typed, catalog)) = catalog() else {
        return Vec::new();
    };
    let Some(runbook) = named_runbook(&typed, &catalog) else {
        return Vec::new();
    };
    let vars = runbook
        .vars
        .iter()
        .map(|v| (v.name.clone(), v.description.clone(), v.choices.clone()));
    let asks = runbook.walk().filter_map(|step| match &step.action {
        Action::Ask(ask) => Some((
            ask.into.clone(),
            Some(format!("answer to `{}`", step.id)),
            ask.choices.clone(),
        )),
        _ => None,
    });
    let mut keys = Vec::new();
    let mut values = Vec::new();
    for (name, help, choices) in vars.chain(asks) {
        keys.push(CompletionCandidate::new(format!("{name}=")).help(help.map(Into::into)));
        values.extend(
            choices
                .iter()
                .map(|choice| CompletionCandidate::new(format!("{name}={choice}"))),
        );
    }
    keys.extend(values);
    keys
}

/// Run ids, newest first, with runbook and state as help.
pub fn runs() -> Vec<CompletionCandidate> {
    let Some((typed, catalog)) = catalog() else {
        return Vec::new();
    };
    let Ok(runs) = store(&typed.config, &catalog.project).list() else {
        return Vec::new();
    };
    runs.iter()
        .rev()
        .enumerate()
        .map(|(i, run)| {
            let help = match &run.journal {
                Ok(summary) => format!("{} · {}", summary.runbook, summary.standing.as_str()),
                Err(_) => "damaged journal".to_string(),
            };
            CompletionCandidate::new(&run.id)
                .help(Some(help.into()))
                .display_order(Some(i))
        })
        .collect()
}
