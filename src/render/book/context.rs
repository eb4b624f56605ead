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
//!
//! This file holds the page of one runbook; the views of its steps and checks are in
//! `context/steps.rs`, the runbook order and the index/summary grouping in
//! `context/index.rs`.

mod index;
mod steps;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::render::graph::mermaid;
use crate::runbook::model::Runbook;

pub use index::{Entry, Group, index, ordered, phase_cmp};
pub use steps::{
    AskView, CallView, CheckView, FluxView, ForeachView, RetryView, RollbackView, StepView,
};

use index::phase_label;
use steps::{check, step};

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
        // Exactly `runbook graph`: the graph escapes its own labels.
        mermaid: mermaid(runbook),
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
