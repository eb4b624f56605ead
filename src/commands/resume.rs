//! `runbook resume [RUN-ID]`: replay the journal, refuse a changed runbook unless
//! `--accept-changed`, take the lock and walk again; done steps are re-verified and skipped.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::load_catalog;
use super::session::{self, lock, outcome, store};
use crate::cli::ResumeArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::exec::scope::Scope;
use crate::exec::session::{Mode, Options, Session, Setup};
use crate::exec::vars;
use crate::journal::lock::host_name;
use crate::journal::record::Entry;
use crate::journal::replay::{RunState, Status, replay};
use crate::journal::store::Store;
use crate::journal::writer::Journal;
use crate::runbook::model::Runbook;
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, args: &ResumeArgs) -> Result<()> {
    let catalog = load_catalog(config)?;
    let store = store(config, &catalog.project);
    let run_id = match &args.run_id {
        Some(id) => id.clone(),
        None => newest_unfinished(&store)?,
    };
    let state = load_state(&store, &run_id, printer)?;
    if !state.resumable() {
        return Err(Error::usage_hint(
            format!("run `{run_id}` already ended ({})", state.state()),
            format!("start a new run with `runbook run {}`", state.runbook),
        ));
    }
    if state.rollback.in_progress {
        return Err(Error::usage_hint(
            format!("run `{run_id}` has an unfinished rollback"),
            format!("continue it with `runbook rollback {run_id}`"),
        ));
    }
    let runbook = catalog.get(&state.runbook)?;
    let accepted = refuse_changes(&runbook, &state, args.accept_changed)?;
    let mode = session::mode(config, &args.mode, false)?;
    let mut prompter = session::prompter(config, printer, mode, args.mode.allow_destructive);
    let can_ask = config.interactive_terminal && mode != Mode::Yes;
    let given: BTreeMap<String, String> = state
        .vars
        .iter()
        .filter(|(k, _)| runbook.var(k).is_some())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let values = vars::resolve(
        &runbook,
        &given,
        &config.environment,
        can_ask.then_some(&mut *prompter),
    )?;
    let _lock = lock(&store, &runbook.name, &run_id)?;
    // A process of an earlier attempt that outlived its run (killed): nothing starts beside it.
    crate::journal::lock::refuse_survivors(
        &store.peek(&run_id)?,
        &run_id,
        &format!("runbook resume {run_id}"),
    )?;
    let path = store.journal_path(&run_id);
    let mut journal = Journal::open(&path).map_err(|e| Error::io("open journal", &path, e))?;
    journal
        .append(Entry::RunResumed {
            digest: runbook.digest.clone(),
            mode: mode.as_str().into(),
            pid: std::process::id(),
            host: host_name(),
        })
        .map_err(|e| Error::io("write journal", &path, e))?;
    if !accepted.is_empty() {
        journal
            .append(Entry::Decision {
                step: None,
                choice: format!("accept-changed: {}", accepted.join(", ")),
            })
            .map_err(|e| Error::io("write journal", &path, e))?;
    }
    let done = state
        .steps
        .values()
        .filter(|s| matches!(s.status, Status::Succeeded | Status::Skipped))
        .count();
    let scope = Scope::new(Arc::clone(&runbook), String::new(), values);
    let interrupt = session::interrupt(false)?;
    let mut reporter = session::reporter(config, printer);
    let setup = Setup {
        catalog: &catalog,
        store,
        run_id: run_id.clone(),
        journal: Some(journal),
        previous: state,
        interrupt,
        options: Options {
            mode,
            dry_run: false,
            no_reverify: args.no_reverify,
            operator: can_ask,
            from: None,
        },
        cwd: session::workdir(&catalog.project),
        scope: scope.clone(),
        environment: config.environment.clone(),
    };
    let mut session = Session::new(setup, &mut *reporter, &mut *prompter);
    let mut scope = scope;
    let end = session.execute(&mut scope, Some(done))?;
    outcome(end, &run_id)
}

/// Reads and replays a run's journal, warning about a torn last line.
pub fn load_state(store: &Store, run_id: &str, printer: &Printer) -> Result<RunState> {
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
    Ok(replay(&loaded.records))
}

fn newest_unfinished(store: &Store) -> Result<String> {
    store
        .list()?
        .into_iter()
        .rev()
        .find(|(_, state)| state.resumable() && !state.rollback.in_progress)
        .map(|(id, _)| id)
        .ok_or_else(|| {
            Error::usage_hint(
                "no unfinished run to resume",
                "start one with `runbook run NAME`; `runbook runs` lists the runs",
            )
        })
}

/// Names the steps that already ran and changed (or vanished) since the run started.
/// With `accept`, returns the changed steps (to journal the decision) instead of refusing.
fn refuse_changes(runbook: &Runbook, state: &RunState, accept: bool) -> Result<Vec<String>> {
    if runbook.digest == state.digest {
        return Ok(Vec::new());
    }
    let mut changed = Vec::new();
    for (id, step) in &state.steps {
        if step.status == Status::RolledBack {
            continue;
        }
        let base = id.split(['[', '/']).next().unwrap_or(id);
        let now = runbook.step(base).map(|s| s.digest.as_str());
        let then = state.step_digests.get(base).map(String::as_str);
        let label = match now {
            None => format!("`{base}` (removed)"),
            Some(digest) if Some(digest) != then => format!("`{base}`"),
            Some(_) => continue,
        };
        if !changed.contains(&label) {
            changed.push(label);
        }
    }
    if changed.is_empty() || accept {
        return Ok(changed);
    }
    Err(Error::usage_hint(
        format!(
            "runbook `{}` changed since run `{}` started; steps that already ran changed: {}",
            runbook.name,
            state.run_id,
            changed.join(", ")
        ),
        "check that the change is what you want, then pass `--accept-changed`",
    ))
}
