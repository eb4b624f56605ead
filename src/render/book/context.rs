//! What the book templates see: plain serializable views of the validated model. Strings
//! are template text as written in the runbook (never rendered with values), durations are
//! written the way runbooks write them (`10s`, `1h30m`), absent values are `null`.
//!
//! `runbook.md.tera` gets `runbook`, a [`Page`]. `index.md.tera` and `summary.md.tera` get
//! `runbooks` (every [`Entry`], ordered by phase then name) and `groups` (the same entries
//! grouped by phase, as [`Group`]s).
//!
//! Order of runbooks: numeric phases ascending (`0`, `1`, `2.5`, `10`), then other phases
//! alphabetically (reusable ones such as `tools`), then runbooks without a phase; by name
//! within a phase.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::runbook::duration;
use crate::runbook::graph::mermaid;
use crate::runbook::model::{Action, Check, CheckKind, ForeachItems, Runbook, Step};

/// The `timeout` of a check that sets none (format v1: `60s`).
const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(60);

/// One runbook page.
#[derive(Debug, Serialize)]
pub struct Page {
    pub name: String,
    pub title: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub phase: Option<String>,
    /// `Phase 1` for numeric phases, the capitalized phase otherwise (`Tools`).
    pub phase_label: Option<String>,
    pub risk: &'static str,
    pub tags: Vec<String>,
    pub workdir: Option<String>,
    pub shell: String,
    pub env: Vec<Pair>,
    /// The runbook file relative to the project (`runbooks/tour.toml`).
    pub source: String,
    pub step_count: usize,
    pub vars: Vec<VarView>,
    /// Some variable is `secret` (the variables table gets a Secret column).
    pub any_secret: bool,
    /// Some variable has `from-env` (the variables table gets a From env column).
    pub any_from_env: bool,
    pub preconditions: Vec<CheckView>,
    /// The step graph in Mermaid syntax (`runbook graph NAME`).
    pub mermaid: String,
    /// Steps in walk order.
    pub steps: Vec<StepView>,
    /// Runbooks that call this one, by name.
    pub called_by: Vec<Link>,
}

#[derive(Debug, Serialize)]
pub struct Pair {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct Link {
    pub name: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct VarView {
    pub name: String,
    pub description: Option<String>,
    pub default: Option<String>,
    pub choices: Vec<String>,
    pub pattern: Option<String>,
    pub secret: bool,
    pub from_env: Option<String>,
}

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

/// A runbook as listed by the index and the summary.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub name: String,
    pub title: String,
    pub summary: Option<String>,
    pub phase: Option<String>,
    pub phase_label: Option<String>,
    pub risk: &'static str,
    pub steps: usize,
}

/// The runbooks of one phase (`phase` is `null` for runbooks without one).
#[derive(Debug, Serialize)]
pub struct Group {
    pub phase: Option<String>,
    /// `Phase 1`, `Tools`, or `Other` for runbooks without a phase.
    pub label: String,
    pub runbooks: Vec<Entry>,
}

/// Where a phase sorts: numbers first (by value), then words, then no phase.
fn phase_cmp(a: Option<&str>, b: Option<&str>) -> Ordering {
    fn class(phase: Option<&str>) -> (u8, f64) {
        match phase {
            Some(p) => match p.trim().parse::<f64>() {
                Ok(n) if n.is_finite() => (0, n),
                _ => (1, 0.0),
            },
            None => (2, 0.0),
        }
    }
    let (ca, na) = class(a);
    let (cb, nb) = class(b);
    ca.cmp(&cb).then(na.total_cmp(&nb)).then_with(|| a.cmp(&b))
}

/// The runbooks in book order: by phase, then by name.
pub fn ordered(runbooks: &BTreeMap<String, Arc<Runbook>>) -> Vec<Arc<Runbook>> {
    let mut list: Vec<Arc<Runbook>> = runbooks.values().cloned().collect();
    list.sort_by(|a, b| {
        phase_cmp(a.phase.as_deref(), b.phase.as_deref()).then_with(|| a.name.cmp(&b.name))
    });
    list
}

fn phase_label(phase: Option<&str>) -> Option<String> {
    let phase = phase?.trim();
    if phase.parse::<f64>().is_ok_and(f64::is_finite) {
        return Some(format!("Phase {phase}"));
    }
    let mut chars = phase.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

/// The context of `index.md.tera` and `summary.md.tera`, from runbooks in book order.
pub fn index(ordered: &[Arc<Runbook>]) -> tera::Context {
    let entries: Vec<Entry> = ordered
        .iter()
        .map(|r| Entry {
            name: r.name.clone(),
            title: r.title.clone(),
            summary: r.summary.clone(),
            phase: r.phase.clone(),
            phase_label: phase_label(r.phase.as_deref()),
            risk: r.risk.as_str(),
            steps: r.steps.len(),
        })
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    for entry in &entries {
        match groups.last_mut() {
            Some(group) if group.phase == entry.phase => group.runbooks.push(entry.clone()),
            _ => groups.push(Group {
                phase: entry.phase.clone(),
                label: entry
                    .phase_label
                    .clone()
                    .unwrap_or_else(|| "Other".to_string()),
                runbooks: vec![entry.clone()],
            }),
        }
    }
    let mut cx = tera::Context::new();
    cx.insert("runbooks", &entries);
    cx.insert("groups", &groups);
    cx
}

/// The view of one runbook for `runbook.md.tera`.
pub fn page(
    runbook: &Runbook,
    all: &BTreeMap<String, Arc<Runbook>>,
    calls: &BTreeMap<String, Vec<String>>,
    source_dir: &str,
) -> Page {
    let called_by = calls
        .iter()
        .filter(|(caller, callees)| *caller != &runbook.name && callees.contains(&runbook.name))
        .filter_map(|(caller, _)| all.get(caller))
        .map(|r| Link {
            name: r.name.clone(),
            title: r.title.clone(),
        })
        .collect();
    Page {
        name: runbook.name.clone(),
        title: runbook.title.clone(),
        summary: runbook.summary.clone(),
        description: runbook.description.clone(),
        phase: runbook.phase.clone(),
        phase_label: phase_label(runbook.phase.as_deref()),
        risk: runbook.risk.as_str(),
        tags: runbook.tags.clone(),
        workdir: runbook.workdir.clone(),
        shell: runbook.shell.clone(),
        env: pairs(&runbook.env),
        source: format!("{source_dir}/{}.toml", runbook.name),
        step_count: runbook.steps.len(),
        vars: runbook
            .vars
            .iter()
            .map(|v| VarView {
                name: v.name.clone(),
                description: v.description.clone(),
                default: v.default.clone(),
                choices: v.choices.clone(),
                pattern: v.pattern.as_ref().map(|p| p.as_str().to_string()),
                secret: v.secret,
                from_env: v.from_env.clone(),
            })
            .collect(),
        any_secret: runbook.vars.iter().any(|v| v.secret),
        any_from_env: runbook.vars.iter().any(|v| v.from_env.is_some()),
        preconditions: runbook.preconditions.iter().map(check).collect(),
        // Template expressions in step titles read as placeholders (`#lt;x#gt;` is
        // Mermaid's entity for `<x>`), like everywhere else on the page.
        mermaid: super::filters::replace_templates(&mermaid(runbook), "#lt;", "#gt;", None),
        steps: runbook
            .walk()
            .enumerate()
            .map(|(i, s)| step(runbook, s, i + 1, all))
            .collect(),
        called_by,
    }
}

fn pairs(items: &[(String, String)]) -> Vec<Pair> {
    items
        .iter()
        .map(|(name, value)| Pair {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

fn step(
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

fn check(check: &Check) -> CheckView {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_phases_sort_before_words_and_none() {
        let mut phases = vec![
            None,
            Some("tools"),
            Some("10"),
            Some("2"),
            Some("1.5"),
            Some("0"),
        ];
        phases.sort_by(|a, b| phase_cmp(*a, *b));
        assert_eq!(
            phases,
            vec![
                Some("0"),
                Some("1.5"),
                Some("2"),
                Some("10"),
                Some("tools"),
                None
            ]
        );
    }

    #[test]
    fn phase_labels() {
        assert_eq!(phase_label(Some("1")).as_deref(), Some("Phase 1"));
        assert_eq!(phase_label(Some("tools")).as_deref(), Some("Tools"));
        assert_eq!(phase_label(None), None);
    }
}
