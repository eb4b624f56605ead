//! `runbook run NAME`: offer an unfinished run of NAME for resume (or refuse without an
//! operator; `--new` abandons it), resolve variables, take the lock, start the journal and
//! walk.

use std::collections::BTreeMap;

use super::session::{self, lock, outcome, store};
use super::{assignments, load_runbooks, project};
use crate::cli::{ResumeArgs, RunArgs};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::exec::prompter::{Preset, PromptError, Prompter, Unattended, UnfinishedChoice};
use crate::exec::scope::Scope;
use crate::exec::session::{FromStep, Mode, Options, Session, Setup};
use crate::exec::vars;
use crate::journal::lock::{holder, host_name, user_name};
use crate::journal::record::{Entry, RunEnd};
use crate::journal::recorder::Recorder;
use crate::journal::replay::{RunState, replay};
use crate::journal::store::Store;
use crate::runbook::diagnostic::suggest;
use crate::runbook::model::Runbook;
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, args: &RunArgs) -> Result<()> {
    let catalog = load_runbooks(project(config)?, config, std::slice::from_ref(&args.name))?;
    let runbook = catalog.get(&args.name)?;
    super::print_warnings(
        printer,
        &catalog.problems_of(std::slice::from_ref(&args.name)),
    );
    let assignments::Assignments {
        vars: given,
        answers,
    } = assignments::parse(&runbook, &args.vars)?;
    let mode = session::mode(config, &args.mode, args.dry_run)?;
    check_from(&runbook, args.from.as_deref())?;
    let mut prompter: Box<dyn Prompter> = if args.dry_run {
        // Belt and braces: should anything still ask, it gets "waiting", never a prompt.
        Box::new(Unattended)
    } else {
        session::prompter(config, printer, mode, args.mode.allow_destructive)
    };
    // A dry run never prompts, not even on a terminal: a missing variable is an error.
    let operator = config.interactive_terminal && mode != Mode::Yes && !args.dry_run;
    let store = store(config, &catalog.project);
    let abandon = if args.dry_run {
        Vec::new()
    } else {
        unfinished(&store, &runbook.name)?
    };
    if !args.new {
        match offer(abandon.last(), &runbook.name, operator, &mut *prompter)? {
            Proceed::NewRun => {}
            Proceed::Resume(old) => {
                drop(prompter);
                let resume = ResumeArgs {
                    run_id: Some(old),
                    mode: args.mode.clone(),
                    accept_changed: false,
                    no_reverify: false,
                    from: None,
                };
                return super::resume::execute(config, printer, &resume);
            }
            Proceed::Quit => {
                printer.line("nothing was run");
                return Ok(());
            }
        }
    }
    let values = vars::resolve(
        &runbook,
        &given,
        &config.environment,
        operator.then_some(&mut *prompter),
    )?;
    let run_id = if args.dry_run {
        "dry-run".to_string()
    } else {
        store.new_run_id(&runbook.name)
    };
    let _lock = if args.dry_run {
        None
    } else {
        Some(lock(&store, &runbook.name, &run_id)?)
    };
    for (old, state) in abandon {
        let mut recorder = Recorder::open(&store.journal_path(&old), state)?;
        recorder.append(Entry::RunFinished {
            state: RunEnd::Abandoned,
            reason: Some(format!("run `{run_id}` was started instead")),
        })?;
    }
    let mut scope = Scope::new(std::sync::Arc::clone(&runbook), String::new(), values);
    if args.dry_run {
        // No ask runs in a dry run: answers given with `--var` stand in directly.
        scope.values.extend(answers.clone());
    }
    let recorder = if args.dry_run {
        Recorder::dry()
    } else {
        start_journal(&store, &run_id, &runbook, &scope, mode)?
    };
    let interrupt = session::interrupt(args.dry_run)?;
    let mut reporter = session::reporter(config, printer, args.dry_run);
    let mut preset = Preset {
        answers,
        inner: &mut *prompter,
    };
    let setup = Setup {
        catalog: &catalog,
        store,
        run_id: run_id.clone(),
        recorder,
        interrupt,
        options: Options {
            mode,
            dry_run: args.dry_run,
            no_reverify: false,
            operator,
            from: args.from.clone().map(FromStep::Skip),
            poll_interval: config.test_poll_interval,
        },
        cwd: session::workdir(&catalog.project),
        scope: scope.clone(),
        environment: config.environment.clone(),
    };
    let mut session = Session::new(setup, &mut *reporter, &mut preset);
    let end = session.execute(&mut scope, None)?;
    outcome(end, &run_id)
}

/// What `run` does about an unfinished run of its runbook.
enum Proceed {
    NewRun,
    Resume(String),
    Quit,
}

/// Offers the newest unfinished run for resume (with an operator), or refuses naming it.
fn offer(
    unfinished: Option<&(String, RunState)>,
    runbook: &str,
    operator: bool,
    prompter: &mut dyn Prompter,
) -> Result<Proceed> {
    let Some((old, state)) = unfinished else {
        return Ok(Proceed::NewRun);
    };
    if !operator {
        return Err(refuse(runbook, old, state));
    }
    match prompter.unfinished_run(old, state.standing().as_str()) {
        Ok(UnfinishedChoice::New) => Ok(Proceed::NewRun),
        Ok(UnfinishedChoice::Resume) => Ok(Proceed::Resume(old.clone())),
        Ok(UnfinishedChoice::Quit) => Ok(Proceed::Quit),
        Err(PromptError::Interrupted) => Err(Error::Interrupted { hint: None }),
        Err(PromptError::Waiting(need)) => Err(Error::usage(need)),
    }
}

fn check_from(runbook: &Runbook, from: Option<&str>) -> Result<()> {
    let Some(from) = from else { return Ok(()) };
    if runbook.step(from).is_some() {
        return Ok(());
    }
    let hint = suggest(from, runbook.steps.iter().map(|s| s.id.as_str())).map_or_else(
        || format!("`runbook show {}` lists its steps", runbook.name),
        |s| format!("did you mean `{s}`?"),
    );
    Err(Error::usage_hint(
        format!("runbook `{}` has no step `{from}`", runbook.name),
        hint,
    ))
}

/// The unfinished runs of `runbook`, oldest first. A run whose lock a live process holds
/// is left out: taking the lock will name it.
fn unfinished(store: &Store, runbook: &str) -> Result<Vec<(String, RunState)>> {
    let held = holder(&store.locks_dir(), runbook).map(|h| h.run_id);
    let mut runs = Vec::new();
    for run in store.list_of(runbook)? {
        let Ok(summary) = run.journal else { continue };
        if summary.runbook == runbook && summary.unfinished && held.as_ref() != Some(&run.id) {
            let state = replay(&store.load(&run.id)?.records);
            runs.push((run.id, state));
        }
    }
    Ok(runs)
}

fn refuse(runbook: &str, old: &str, state: &RunState) -> Error {
    Error::usage_hint(
        format!(
            "runbook `{runbook}` has an unfinished run `{old}` ({})",
            state.standing().as_str()
        ),
        format!(
            "continue it with `runbook resume {old}`, or start anew with `runbook run {runbook} --new` (the old run is recorded as abandoned)"
        ),
    )
}

/// Creates the run's journal with its `run-started` record.
fn start_journal(
    store: &Store,
    run_id: &str,
    runbook: &Runbook,
    scope: &Scope,
    mode: Mode,
) -> Result<Recorder> {
    let shown: BTreeMap<String, String> = scope
        .values
        .iter()
        .filter(|(k, _)| !scope.secret_names.contains(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut recorder = Recorder::open(&store.journal_path(run_id), RunState::default())?;
    recorder.append(Entry::RunStarted {
        run_id: run_id.to_string(),
        runbook: runbook.name.clone(),
        digest: runbook.digest.clone(),
        step_digests: runbook
            .steps
            .iter()
            .map(|s| (s.id.clone(), s.digest.clone()))
            .collect(),
        vars: shown,
        mode,
        pid: std::process::id(),
        host: host_name(),
        user: user_name(),
    })?;
    Ok(recorder)
}
