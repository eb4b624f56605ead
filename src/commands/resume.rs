//! `runbook resume [RUN-ID]`: replay the journal, refuse a changed runbook unless
//! `--accept-changed`, take the lock and walk again; done steps are re-verified and skipped.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::session::{self, load_records, lock, outcome, store};
use super::{load_runbooks, project};
use crate::cli::ResumeArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::exec::scope::Scope;
use crate::exec::session::{FromStep, Mode, Options, Session, Setup};
use crate::exec::vars;
use crate::journal::lock::{host_name, user_name};
use crate::journal::record::{Choice, Entry};
use crate::journal::recorder::Recorder;
use crate::journal::replay::{RunState, Status, replay};
use crate::journal::store::Store;
use crate::runbook::model::Runbook;
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, args: &ResumeArgs) -> Result<()> {
    let project = project(config)?;
    let store = store(config, &project);
    let run_id = match &args.run_id {
        Some(id) => id.clone(),
        None => session::newest(
            &store,
            |s| s.resumable && !s.rolling_back,
            Error::usage_hint(
                "no unfinished run to resume",
                "start one with `runbook run NAME`; `runbook runs` lists the runs",
            ),
        )?,
    };
    // Read once: the state and the survivor check below come from the same records.
    let records = load_records(&store, &run_id, printer)?;
    let state = replay(&records);
    if !state.resumable() {
        return Err(Error::usage_hint(
            format!(
                "run `{run_id}` already ended ({})",
                state.standing().as_str()
            ),
            format!("start a new run with `runbook run {}`", state.runbook),
        ));
    }
    if state.rollback.in_progress {
        return Err(Error::usage_hint(
            format!("run `{run_id}` has an unfinished rollback"),
            format!("continue it with `runbook rollback {run_id}`"),
        ));
    }
    let catalog = load_runbooks(project, config, std::slice::from_ref(&state.runbook))?;
    let runbook = catalog.get(&state.runbook)?;
    if let Some(from) = &args.from
        && runbook.step(from).is_none()
    {
        return Err(Error::usage_hint(
            format!("runbook `{}` has no step `{from}`", runbook.name),
            format!("`runbook show {}` lists its steps", runbook.name),
        ));
    }
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
    crate::journal::lock::refuse_survivors(&records, &run_id, &format!("runbook resume {run_id}"))?;
    let done = state
        .steps
        .values()
        .filter(|s| matches!(s.status, Status::Succeeded | Status::Skipped))
        .count();
    let recorder = reopen(&store, &run_id, state, &runbook, mode, accepted, args)?;
    let scope = Scope::new(Arc::clone(&runbook), String::new(), values);
    let interrupt = session::interrupt(false)?;
    let mut reporter = session::reporter(config, printer, false);
    let setup = Setup {
        catalog: &catalog,
        store,
        run_id: run_id.clone(),
        recorder,
        interrupt,
        options: Options {
            mode,
            dry_run: false,
            no_reverify: args.no_reverify,
            operator: can_ask,
            from: args.from.clone().map(FromStep::Again),
            poll_interval: config.test_poll_interval,
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

/// Opens the run's journal for this session: `run-resumed`, then the decisions the flags
/// stand for (`--accept-changed`, `--from`).
fn reopen(
    store: &Store,
    run_id: &str,
    state: RunState,
    runbook: &Runbook,
    mode: Mode,
    accepted: Vec<String>,
    args: &ResumeArgs,
) -> Result<Recorder> {
    let mut recorder = Recorder::open(&store.journal_path(run_id), state)?;
    recorder.append(Entry::RunResumed {
        digest: runbook.digest.clone(),
        mode,
        pid: std::process::id(),
        host: host_name(),
        user: user_name(),
    })?;
    if !accepted.is_empty() {
        recorder.append(Entry::Decision {
            step: None,
            choice: Choice::AcceptChanged,
            steps: accepted,
        })?;
    }
    if let Some(from) = &args.from {
        recorder.append(Entry::Decision {
            step: Some(from.clone()),
            choice: Choice::ResumeFrom,
            steps: Vec::new(),
        })?;
    }
    Ok(recorder)
}

/// Names the steps that already ran and changed (or vanished) since the run started.
/// With `accept`, returns the changed steps (to journal the decision) instead of refusing.
fn refuse_changes(runbook: &Runbook, state: &RunState, accept: bool) -> Result<Vec<String>> {
    if runbook.digest == state.digest {
        return Ok(Vec::new());
    }
    // (step id, removed from the runbook)
    let mut changed: Vec<(String, bool)> = Vec::new();
    for (id, step) in &state.steps {
        if step.status == Status::RolledBack {
            continue;
        }
        let base = id.split(['[', '/']).next().unwrap_or(id);
        let now = runbook.step(base).map(|s| s.digest.as_str());
        let then = state.step_digests.get(base).map(String::as_str);
        let removed = match now {
            None => true,
            Some(digest) if Some(digest) != then => false,
            Some(_) => continue,
        };
        if !changed.iter().any(|(c, _)| c == base) {
            changed.push((base.to_string(), removed));
        }
    }
    if changed.is_empty() || accept {
        return Ok(changed.into_iter().map(|(id, _)| id).collect());
    }
    let labels: Vec<String> = changed
        .iter()
        .map(|(id, removed)| {
            if *removed {
                format!("`{id}` (removed)")
            } else {
                format!("`{id}`")
            }
        })
        .collect();
    Err(Error::usage_hint(
        format!(
            "runbook `{}` changed since run `{}` started; steps that already ran changed: {}",
            runbook.name,
            state.run_id,
            labels.join(", ")
        ),
        "check that the change is what you want, then pass `--accept-changed`",
    ))
}
