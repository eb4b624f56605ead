//! `runbook rollback [RUN-ID] [--to STEP]`: show the plan, ask, undo newest first, and
//! continue a rollback that stopped.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::session::{self, load_records, lock, store};
use super::{load_runbooks, project};
use crate::cli::RollbackArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::exec::prompter::{AssumeYes, Prompter};
use crate::exec::rollback::{Plan, Undone, plan};
use crate::exec::scope::{Scope, secret_reference};
use crate::exec::session::{Mode, Options, Session, Setup};
use crate::journal::recorder::Recorder;
use crate::journal::replay::{RunState, replay};
use crate::runbook::model::Runbook;
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, args: &RollbackArgs) -> Result<()> {
    let project = project(config)?;
    let store = store(config, &project);
    let run_id = match &args.run_id {
        Some(id) => id.clone(),
        None => session::newest(
            &store,
            |_| true,
            Error::usage_hint("no run to roll back", "`runbook runs` lists the runs"),
        )?,
    };
    // Read once: the state and the survivor check below come from the same records.
    let records = load_records(&store, &run_id, printer)?;
    let state = replay(&records);
    let plan = plan(&state, args.to.as_deref())
        .map_err(|m| Error::usage_hint(m, format!("`runbook log {run_id}` shows what ran")))?;
    if plan.steps.is_empty() {
        if !plan.left_out.is_empty() {
            session::reporter(config, printer, false).event(&plan.event());
        }
        printer.line(&format!("nothing to roll back in run `{run_id}`"));
        return Ok(());
    }
    if !args.yes && !config.interactive_terminal {
        return Err(Error::usage_hint(
            "the rollback plan needs your approval, and there is no terminal",
            "pass `--yes` to run it without asking",
        ));
    }
    let catalog = load_runbooks(project, config, std::slice::from_ref(&state.runbook))?;
    let runbook = catalog.get(&state.runbook)?;
    let values = undo_values(&runbook, &state, &plan, &config.environment)?;
    let _lock = lock(&store, &runbook.name, &run_id)?;
    // A process of an earlier attempt that outlived its run (killed): nothing starts beside it.
    crate::journal::lock::refuse_survivors(
        &records,
        &run_id,
        &format!("runbook rollback {run_id}"),
    )?;
    let mut reporter = session::reporter(config, printer, false);
    let mut prompter: Box<dyn Prompter> = if args.yes {
        Box::new(AssumeYes::default())
    } else {
        session::prompter(config, printer, Mode::Interactive, false)
    };
    reporter.event(&plan.event());
    let question = format!(
        "undo {} step{} of run `{run_id}`?",
        plan.steps.len(),
        if plan.steps.len() == 1 { "" } else { "s" }
    );
    match prompter.approve_rollback(&question) {
        Ok(true) => {}
        Ok(false) => {
            printer.line("rollback cancelled; nothing was run");
            return Ok(());
        }
        Err(_) => return Err(Error::Interrupted { hint: None }),
    }
    let recorder = Recorder::open(&store.journal_path(&run_id), state)?;
    let scope = Scope::new(Arc::clone(&runbook), String::new(), values);
    let interrupt = session::interrupt(false)?;
    let setup = Setup {
        catalog: &catalog,
        store,
        run_id: run_id.clone(),
        recorder,
        interrupt,
        options: Options {
            mode: Mode::Yes,
            dry_run: false,
            no_reverify: false,
            operator: false,
            from: None,
            poll_interval: config.test_poll_interval,
        },
        cwd: session::workdir(&catalog.project),
        scope,
        environment: config.environment.clone(),
    };
    let mut session = Session::new(setup, &mut *reporter, &mut *prompter);
    match session.execute_rollback(&plan)? {
        Undone::All if plan.complete => {
            printer.hint(&format!(
                "run `{run_id}` is rolled back completely; start again with `runbook run {}`",
                runbook.name
            ));
            Ok(())
        }
        Undone::All => {
            let point = plan.to.as_ref().map_or_else(
                || "its last checkpoint".to_string(),
                |to| format!("step `{to}`"),
            );
            printer.hint(&format!("run `{run_id}` is back at {point}: `runbook resume {run_id}` runs the undone steps again, `runbook rollback {run_id}` goes one checkpoint further back"));
            Ok(())
        }
        Undone::FailedAt(_) => Err(Error::failed(
            format!("rollback of run `{run_id}` stopped at a failing undo command"),
            Some(format!(
                "fix the cause, then `runbook rollback {run_id}` continues from that step"
            )),
        )),
        Undone::InterruptedAt(step) => Err(Error::Interrupted {
            hint: Some(format!(
                "`runbook rollback {run_id}` continues from `{step}`"
            )),
        }),
    }
}

/// The variables of the undo commands: the run's (journaled without secrets), plus the
/// secrets, which undo commands reference as `$RUNBOOK_VAR_<NAME>`: taken from `from-env`
/// again. A secret an undo command needs and that is not available stops before anything runs.
fn undo_values(
    runbook: &Runbook,
    state: &RunState,
    plan: &Plan,
    environment: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let mut values = state.vars.clone();
    for var in runbook.vars.iter().filter(|v| v.secret) {
        let value = var
            .from_env
            .as_ref()
            .and_then(|e| environment.get(e))
            .filter(|v| !v.is_empty());
        if let Some(value) = value {
            values.insert(var.name.clone(), value.clone());
            continue;
        }
        let reference = secret_reference(&var.name);
        if plan
            .steps
            .iter()
            .flat_map(|(_, undo)| undo)
            .any(|u| u.run.contains(&reference))
        {
            let source = var.from_env.as_ref().map_or_else(
                || "it has no `from-env`, so it cannot be given again".to_string(),
                |e| format!("set `{e}`"),
            );
            return Err(Error::usage_hint(
                format!(
                    "the undo commands need the secret `{}`, which is not available",
                    var.name
                ),
                source,
            ));
        }
    }
    unjournaled_captures(runbook, plan)?;
    Ok(values)
}

/// A capture that held a secret was not journaled: an undo command that needs it would
/// run with an empty value, so the rollback stops before anything runs.
fn unjournaled_captures(runbook: &Runbook, plan: &Plan) -> Result<()> {
    for (id, undos) in &plan.steps {
        let base = id.split('[').next().unwrap_or(id);
        let Some(capture) = runbook
            .steps
            .iter()
            .find(|s| s.id == base)
            .and_then(|s| s.capture.as_ref())
        else {
            continue;
        };
        let reference = secret_reference(capture);
        if !plan.captures.contains_key(id) && undos.iter().any(|u| u.run.contains(&reference)) {
            return Err(Error::usage_hint(
                format!(
                    "the undo of step `{id}` needs `{capture}`, a capture that held a secret \
                     and was not written down"
                ),
                format!("undo step `{id}` by hand, or `runbook rollback --to` a later step"),
            ));
        }
    }
    Ok(())
}
