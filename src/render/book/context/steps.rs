//! The views of a runbook's steps (their action, control flow, retry and rollback) and of
//! checks (preconditions and verify), as `runbook.md.tera` sees them.
//!
//! Must not render or evaluate anything: values are copied from the model as written, with
//! durations formatted the way runbooks write them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::{Pair, pairs};
use crate::runbook::duration;
use crate::runbook::model::{Action, Check, CheckKind, ForeachItems, Runbook, Step};

/// The `timeout` of a check that sets none (format v1: `60s`).
const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Serialize)]
pub struct StepView {
    /// 1-based position in walk order.
    pub number: usize,
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// `run`, `manual`, `ask`, `call` or `gate`.
    pub kind: &'static str,
    pub run: Option<String>,
    pub manual: Option<String>,
    pub ask: Option<AskView>,
    pub call: Option<CallView>,
    /// Ids of the steps this one needs.
    pub needs: Vec<String>,
    pub when: Option<String>,
    pub foreach: Option<ForeachView>,
    pub capture: Option<String>,
    pub timeout: Option<String>,
    /// Present only when the step retries (more than one attempt).
    pub retry: Option<RetryView>,
    pub confirm: bool,
    pub idempotent: bool,
    pub checkpoint: bool,
    pub interactive: bool,
    pub on_failure: &'static str,
    pub preconditions: Vec<CheckView>,
    pub verify: Vec<CheckView>,
    pub rollback: Vec<RollbackView>,
}

#[derive(Debug, Serialize)]
pub struct AskView {
    pub question: String,
    pub into: String,
    pub choices: Vec<String>,
    pub default: Option<String>,
    pub pattern: Option<String>,
    pub secret: bool,
}

#[derive(Debug, Serialize)]
pub struct CallView {
    pub runbook: String,
    /// The called runbook's title.
    pub title: String,
    pub with: Vec<Pair>,
}

#[derive(Debug, Serialize)]
pub struct ForeachView {
    pub var: String,
    /// Literal items (`in = […]`), or `null`.
    pub items: Option<Vec<String>>,
    /// The variable split into lines (`from = "…"`), or `null`.
    pub from: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RetryView {
    pub attempts: u32,
    pub delay: String,
}

#[derive(Debug, Serialize)]
pub struct CheckView {
    /// The name, or what the check runs.
    pub label: String,
    pub name: Option<String>,
    /// The shell command of a command check (`null` for a Flux check).
    pub run: Option<String>,
    pub flux: Option<FluxView>,
    pub expect_exit: i32,
    pub expect_stdout: Option<String>,
    pub reject_stdout: Option<String>,
    pub attempts: u32,
    pub interval: String,
    pub timeout: String,
    /// The timeout is the format's default (`60s`), so the page need not mention it.
    pub default_timeout: bool,
    pub message: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FluxView {
    /// `helmrelease` or `kustomization`.
    pub kind: &'static str,
    /// `HelmRelease` or `Kustomization`.
    pub kind_name: &'static str,
    pub name: String,
    pub namespace: String,
    pub chart_version: Option<String>,
    pub follow_inventory: bool,
    pub context: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RollbackView {
    pub name: Option<String>,
    pub run: String,
    pub timeout: Option<String>,
}

pub(super) fn step(
    runbook: &Runbook,
    step: &Step,
    number: usize,
    all: &BTreeMap<String, Arc<Runbook>>,
) -> StepView {
    let (mut run, mut manual, mut ask, mut call) = (None, None, None, None);
    match &step.action {
        Action::Run(text) => run = Some(text.clone()),
        Action::Manual(text) => manual = Some(text.clone()),
        Action::Ask(a) => {
            ask = Some(AskView {
                question: a.question.clone(),
                into: a.into.clone(),
                choices: a.choices.clone(),
                default: a.default.clone(),
                pattern: a.pattern.as_ref().map(|p| p.as_str().to_string()),
                secret: a.secret,
            });
        }
        Action::Call(c) => {
            call = Some(CallView {
                runbook: c.runbook.clone(),
                title: all
                    .get(&c.runbook)
                    .map_or_else(|| c.runbook.clone(), |r| r.title.clone()),
                with: pairs(&c.with),
            });
        }
        Action::Gate => {}
    }
    StepView {
        number,
        id: step.id.clone(),
        title: step.title.clone(),
        description: step.description.clone(),
        kind: step.action.kind(),
        run,
        manual,
        ask,
        call,
        needs: step
            .needs
            .iter()
            .map(|&i| runbook.steps[i].id.clone())
            .collect(),
        when: step.when.clone(),
        foreach: step.foreach.as_ref().map(|f| match &f.items {
            ForeachItems::List(items) => ForeachView {
                var: f.var.clone(),
                items: Some(items.clone()),
                from: None,
            },
            ForeachItems::From(var) => ForeachView {
                var: f.var.clone(),
                items: None,
                from: Some(var.clone()),
            },
        }),
        capture: step.capture.clone(),
        timeout: step.timeout.map(duration::format),
        retry: (step.retry.attempts > 1).then(|| RetryView {
            attempts: step.retry.attempts,
            delay: duration::format(step.retry.delay),
        }),
        confirm: step.confirm,
        idempotent: step.idempotent,
        checkpoint: step.checkpoint,
        interactive: step.interactive,
        on_failure: step.on_failure.as_str(),
        preconditions: step.preconditions.iter().map(check).collect(),
        verify: step.verify.iter().map(check).collect(),
        rollback: step
            .rollback
            .iter()
            .map(|r| RollbackView {
                name: r.name.clone(),
                run: r.run.clone(),
                timeout: r.timeout.map(duration::format),
            })
            .collect(),
    }
}

pub(super) fn check(check: &Check) -> CheckView {
    let (run, flux) = match &check.kind {
        CheckKind::Command(run) => (Some(run.clone()), None),
        CheckKind::Flux(f) => {
            let (kind, kind_name) = match f.kind {
                crate::runbook::model::FluxKind::Helmrelease => ("helmrelease", "HelmRelease"),
                crate::runbook::model::FluxKind::Kustomization => {
                    ("kustomization", "Kustomization")
                }
            };
            let view = FluxView {
                kind,
                kind_name,
                name: f.name.clone(),
                namespace: f.namespace.clone(),
                chart_version: f.chart_version.clone(),
                follow_inventory: f.follow_inventory,
                context: f.context.clone(),
            };
            (None, Some(view))
        }
    };
    CheckView {
        label: check.label(),
        name: check.name.clone(),
        run,
        flux,
        expect_exit: check.expect_exit,
        expect_stdout: check.expect_stdout.clone(),
        reject_stdout: check.reject_stdout.clone(),
        attempts: check.attempts,
        interval: duration::format(check.interval),
        timeout: duration::format(check.timeout),
        default_timeout: check.timeout == DEFAULT_CHECK_TIMEOUT,
        message: check.message.clone(),
    }
}
