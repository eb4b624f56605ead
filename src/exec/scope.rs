//! The variables one runbook sees during a run (the top level, or a `call`ed runbook), and
//! the three ways to render with them: commands (secrets become environment references),
//! display (secrets masked) and values (regexes, `with`, items). Also masking of output.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tera::Context;

use crate::render::context::context;
use crate::render::template::{Escape, Markers, Renderer};
use crate::runbook::model::Runbook;

pub const MASK: &str = "********";

#[derive(Debug, Clone)]
pub struct Scope {
    pub runbook: Arc<Runbook>,
    /// Journal id prefix: `""` at the top, `"fix/"` inside the call step `fix`.
    pub prefix: String,
    pub values: BTreeMap<String, String>,
    pub secret_names: BTreeSet<String>,
}

pub use crate::render::quote::{env_name, secret_reference};

impl Scope {
    pub fn new(runbook: Arc<Runbook>, prefix: String, values: BTreeMap<String, String>) -> Self {
        let secret_names = runbook
            .vars
            .iter()
            .filter(|v| v.secret)
            .map(|v| v.name.clone())
            .collect();
        Self {
            runbook,
            prefix,
            values,
            secret_names,
        }
    }

    pub fn set(&mut self, name: &str, value: String, secret: bool) {
        if secret {
            self.secret_names.insert(name.to_string());
        }
        self.values.insert(name.to_string(), value);
    }

    /// Every variable as `RUNBOOK_VAR_<NAME>` for the commands' environment.
    pub fn environment(&self) -> BTreeMap<String, String> {
        self.values
            .iter()
            .map(|(k, v)| (env_name(k), v.clone()))
            .collect()
    }

    /// Values shown to the operator and written to disk: secrets masked.
    pub fn shown_values(&self) -> BTreeMap<String, String> {
        self.values
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if self.secret_names.contains(k) {
                        MASK.to_string()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect()
    }

    fn context_with(&self, run_id: &str, values: &BTreeMap<String, String>) -> Context {
        context(&self.runbook.name, run_id, values)
    }

    /// Renders a command: secrets become `"${RUNBOOK_VAR_X}"`, expanded by the shell from
    /// the environment, so they never appear in the command line, the journal or a log.
    /// The template sees a marker of this render in a secret's place, never its value.
    pub fn command(
        &self,
        renderer: &mut Renderer,
        run_id: &str,
        source: &str,
    ) -> Result<String, String> {
        let markers = Markers::new();
        let mut values = self.values.clone();
        for name in &self.secret_names {
            values.insert(name.clone(), markers.marker(name));
        }
        renderer.command(source, &markers, &self.context_with(run_id, &values))
    }

    /// Renders prose for the operator: secrets masked.
    pub fn display(&self, renderer: &mut Renderer, run_id: &str, source: &str) -> String {
        renderer
            .render(
                source,
                Escape::None,
                &self.context_with(run_id, &self.shown_values()),
            )
            .unwrap_or_else(|_| source.to_string())
    }

    /// Renders with real values (regexes, `with` values, items, typed-check fields).
    pub fn value(
        &self,
        renderer: &mut Renderer,
        run_id: &str,
        source: &str,
        escape: Escape,
    ) -> Result<String, String> {
        renderer.render(source, escape, &self.context_with(run_id, &self.values))
    }

    /// Evaluates a `when` expression.
    pub fn condition(
        &self,
        renderer: &mut Renderer,
        run_id: &str,
        expression: &str,
    ) -> Result<bool, String> {
        renderer.condition(expression, &self.context_with(run_id, &self.values))
    }

    /// The secret values of this scope, for masking output.
    pub fn secret_values(&self) -> Vec<String> {
        self.secret_names
            .iter()
            .filter_map(|n| self.values.get(n))
            .filter(|v| !v.is_empty())
            .cloned()
            .collect()
    }
}

/// Replaces every secret value in `text` by the mask.
pub fn mask(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        if !secret.is_empty() && out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), MASK);
        }
    }
    out
}
