//! `runbook run NAME`: resolve variables, take the lock, start the journal and walk.

use std::collections::BTreeMap;

use super::session::{self, lock, outcome, store};
use super::{assignments, load_catalog};
use crate::cli::RunArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::exec::prompter::Preset;
use crate::exec::scope::Scope;
use crate::exec::session::{Options, Session, Setup};
use crate::exec::vars;
use crate::journal::lock::host_name;
use crate::journal::record::Entry;
use crate::journal::replay::RunState;
use crate::journal::writer::Journal;
use crate::runbook::diagnostic::suggest;
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, args: &RunArgs) -> Result<()> {
    let catalog = load_catalog(config)?;
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
    if let Some(from) = &args.from
        && runbook.step(from).is_none()
    {
        let hint = suggest(from, runbook.steps.iter().map(|s| s.id.as_str())).map_or_else(
            || format!("`runbook show {}` lists its steps", runbook.name),
            |s| format!("did you mean `{s}`?"),
        );
        return Err(Error::usage_hint(
            format!("runbook `{}` has no step `{from}`", runbook.name),
            hint,
        ));
    }
    let mut prompter = session::prompter(config, printer, mode, args.mode.allow_destructive);
    let can_ask = config.interactive_terminal && mode != crate::exec::session::Mode::Yes;
    let values = vars::resolve(
        &runbook,
        &given,
        &config.environment,
        can_ask.then_some(&mut *prompter),
    )?;
    let store = store(config, &catalog.project);
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
    let mut scope = Scope::new(std::sync::Arc::clone(&runbook), String::new(), values);
    if args.dry_run {
        // No ask runs in a dry run: answers given with `--var` stand in directly.
        scope.values.extend(answers.clone());
    }
    let journal = if args.dry_run {
        None
    } else {
        let path = store.journal_path(&run_id);
        let mut journal =
            Journal::open(&path).map_err(|e| Error::io("create journal", &path, e))?;
        let shown: BTreeMap<String, String> = scope
            .values
            .iter()
            .filter(|(k, _)| !scope.secret_names.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        journal
            .append(Entry::RunStarted {
                run_id: run_id.clone(),
                runbook: runbook.name.clone(),
                digest: runbook.digest.clone(),
                step_digests: runbook
                    .steps
                    .iter()
                    .map(|s| (s.id.clone(), s.digest.clone()))
                    .collect(),
                vars: shown,
                mode: mode.as_str().into(),
                pid: std::process::id(),
                host: host_name(),
            })
            .map_err(|e| Error::io("write journal", &path, e))?;
        Some(journal)
    };
    let interrupt = session::interrupt(args.dry_run)?;
    let mut reporter = session::reporter(config, printer);
    let mut preset = Preset {
        answers,
        inner: &mut *prompter,
    };
    let setup = Setup {
        catalog: &catalog,
        store,
        run_id: run_id.clone(),
        journal,
        previous: RunState::default(),
        interrupt,
        options: Options {
            mode,
            dry_run: args.dry_run,
            no_reverify: false,
            operator: config.interactive_terminal && mode != crate::exec::session::Mode::Yes,
            from: args.from.clone(),
        },
        cwd: session::workdir(&catalog.project),
        scope: scope.clone(),
        environment: config.environment.clone(),
    };
    let mut session = Session::new(setup, &mut *reporter, &mut preset);
    let mut scope = scope;
    let end = session.execute(&mut scope, None)?;
    outcome(end, &run_id)
}
