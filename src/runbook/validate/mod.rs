//! `raw` → `model`: turns parsed files into validated runbooks, collecting every problem
//! of every file at once (never stopping at the first). Pure: no I/O, no printing.

mod check;
mod context;
mod digest;
mod graph;
mod plain_condition;
mod plain_template;
mod reads;
mod step;
mod steps;

use std::collections::BTreeMap;
use std::sync::Arc;

use context::{Context, strings};
pub use context::{is_step_id, is_variable_name};

use super::diagnostic::{Diagnostic, suggest};
use super::load::Parsed;
use super::model::{Runbook, Var};
use super::raw;

/// The result of validating a whole project.
pub struct Outcome {
    pub runbooks: BTreeMap<String, Arc<Runbook>>,
    pub diagnostics: BTreeMap<String, Vec<Diagnostic>>,
    pub calls: BTreeMap<String, Vec<String>>,
}

pub fn validate_all(parsed: &[Parsed]) -> Outcome {
    let by_name: BTreeMap<&str, &Parsed> = parsed.iter().map(|p| (p.name.as_str(), p)).collect();
    let mut outcome = Outcome {
        runbooks: BTreeMap::new(),
        diagnostics: BTreeMap::new(),
        calls: BTreeMap::new(),
    };
    for p in parsed {
        let (runbook, diagnostics, calls) = validate_one(p, &by_name);
        outcome.runbooks.insert(p.name.clone(), Arc::new(runbook));
        outcome.diagnostics.insert(p.name.clone(), diagnostics);
        outcome.calls.insert(p.name.clone(), calls);
    }
    for (name, diagnostic) in graph::recursive_calls(parsed, &outcome.calls) {
        outcome
            .diagnostics
            .entry(name)
            .or_default()
            .push(diagnostic);
    }
    outcome
}

fn validate_one(
    parsed: &Parsed,
    all: &BTreeMap<&str, &Parsed>,
) -> (Runbook, Vec<Diagnostic>, Vec<String>) {
    let (digest, (mut runbook, diagnostics, calls)) =
        digest::digest_beside(&parsed.source.text, || validate_parts(parsed, all));
    runbook.digest = digest;
    (runbook, diagnostics, calls)
}

/// Everything of [`validate_one`] but the file's digest.
fn validate_parts(
    parsed: &Parsed,
    all: &BTreeMap<&str, &Parsed>,
) -> (Runbook, Vec<Diagnostic>, Vec<String>) {
    let file = &parsed.file;
    let mut cx = Context::new(&parsed.source);
    let vars = validate_vars(&mut cx, file);
    declare_step_outputs(&mut cx, file);
    let header = file.runbook.get_ref();
    let env = header
        .env
        .iter()
        .map(|(k, v)| (k.clone(), cx.template(v, &[], true)))
        .collect();
    let preconditions = file
        .precondition
        .iter()
        .map(|c| check::validate(&mut cx, c, &[]))
        .collect();
    let index = graph::StepIndex::new(file);
    let regions = digest::Regions::new(&parsed.source.text, file);
    let steps = steps::validate_steps(&mut cx, file, all, &index, &regions);
    let order = graph::order(&mut cx, file, &steps);
    graph::check_outputs_come_first(&mut cx, file, &order, &steps);
    let calls = steps
        .iter()
        .filter_map(|s| match &s.action {
            super::model::Action::Call(c) => Some(c.runbook.clone()),
            _ => None,
        })
        .collect();
    step::check_duplicate_ids(&mut cx, file, &index.repeats);
    let runbook = Runbook {
        name: parsed.name.clone(),
        source: Arc::clone(&parsed.source),
        title: header.title.get_ref().clone(),
        summary: header.summary.as_ref().map(|t| t.get_ref().clone()),
        description: header.description.as_ref().map(|t| t.get_ref().clone()),
        phase: header.phase.as_ref().map(|t| t.get_ref().clone()),
        risk: header
            .risk
            .as_ref()
            .map(|r| *r.get_ref())
            .unwrap_or_default(),
        tags: strings(&header.tags),
        workdir: header.workdir.as_ref().map(|t| t.get_ref().clone()),
        shell: header
            .shell
            .as_ref()
            .map_or_else(|| "sh".to_string(), |t| t.get_ref().clone()),
        env,
        vars,
        preconditions,
        steps,
        order,
        // Set by `validate_one`, computed beside the rest.
        digest: String::new(),
    };
    (runbook, cx.diagnostics, calls)
}

fn validate_vars(cx: &mut Context, file: &raw::File) -> Vec<Var> {
    let mut entries: Vec<(&String, &toml::Spanned<raw::Var>)> = file.vars.iter().collect();
    entries.sort_by_key(|(_, v)| v.span().start);
    let mut vars = Vec::new();
    for (name, spanned) in entries {
        let span = spanned.span();
        let raw = spanned.get_ref();
        cx.variable_name(name, span.clone());
        if context::BUILTINS.contains(&name.as_str()) {
            cx.error(
                span.clone(),
                format!("`{name}` is a built-in variable and cannot be declared"),
            );
        }
        let var = Var {
            name: name.clone(),
            description: raw.description.as_ref().map(|t| t.get_ref().clone()),
            default: raw.default.as_ref().map(|t| t.get_ref().clone()),
            choices: raw.choices.as_deref().map(strings).unwrap_or_default(),
            pattern: raw.pattern.as_ref().and_then(|p| cx.regex(p)),
            secret: raw.secret,
            from_env: raw.from_env.as_ref().map(|t| t.get_ref().clone()),
        };
        if let (Some(default), Some(problem)) = (
            &raw.default,
            var.default.as_deref().and_then(|d| var.reject(d)),
        ) {
            cx.error(default.span(), format!("default of `{name}` {problem}"));
        }
        if raw.secret && raw.default.is_some() {
            cx.warning(
                span.clone(),
                format!("secret `{name}` has a default written in the runbook"),
            )
            .add_hint(
                "take secrets from the environment with `from-env`, or let the operator type them",
            );
        }
        cx.known.insert(name.clone());
        cx.declared.insert(name.clone());
        vars.push(var);
    }
    vars
}

/// Captures and `ask` answers are variables for every template of the runbook.
fn declare_step_outputs(cx: &mut Context, file: &raw::File) {
    for step in &file.step {
        let step = step.get_ref();
        for name in [&step.capture, &step.into].into_iter().flatten() {
            cx.known.insert(name.get_ref().clone());
        }
    }
}

/// The names of `[vars]` a runbook declares, for checking `call … with`.
pub fn declared_vars(file: &raw::File) -> Vec<&str> {
    file.vars.keys().map(String::as_str).collect()
}

/// Suggests a runbook name for an unknown `call`.
pub fn suggest_runbook<'a>(name: &str, all: &BTreeMap<&'a str, &Parsed>) -> Option<&'a str> {
    suggest(name, all.keys().copied())
}
