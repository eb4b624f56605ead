//! The variables one runbook sees during a run (the top level, or a `call`ed runbook), and
//! the three ways to render with them: commands (secrets become environment references),
//! display (secrets masked) and values (regexes, `with`, items). Also masking of output.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tera::Context;

use crate::render::context::context;
use crate::render::template::{Escape, Markers, Renderer, is_templated};
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
        // Plain text renders to itself: no context to build (most steps' commands).
        if !is_templated(source) {
            return Ok(source.to_string());
        }
        let markers = Markers::new();
        let mut values = self.values.clone();
        for name in &self.secret_names {
            values.insert(name.clone(), markers.marker(name));
        }
        renderer.command(source, &markers, &self.context_with(run_id, &values))
    }

    /// Renders prose for the operator: secrets masked.
    pub fn display(&self, renderer: &mut Renderer, run_id: &str, source: &str) -> String {
        if !is_templated(source) {
            return source.to_string();
        }
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
        if !is_templated(source) {
            return Ok(source.to_string());
        }
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

    /// Whether a template reads a secret variable of this scope (its value, transformed
    /// by filters or not, is then secret too).
    pub fn reads_secret(&self, source: &str) -> bool {
        crate::render::template::shared_analysis(source)
            .as_ref()
            .as_ref()
            .is_ok_and(|a| a.names.iter().any(|n| self.secret_names.contains(n)))
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

/// Secrets shorter than this (in characters) are masked only where they stand as a whole
/// word: masking every `e` of a one-character secret would wreck all output and tell
/// the secret away besides.
pub const SHORT_SECRET: usize = 4;

/// Replaces every secret value in `text` by the mask, longest secrets first (a secret
/// derived from another contains it).
pub fn mask(text: &str, secrets: &[String]) -> String {
    let mut sorted: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for secret in sorted {
        if !out.contains(secret.as_str()) {
            continue;
        }
        out = if secret.chars().count() >= SHORT_SECRET {
            out.replace(secret.as_str(), MASK)
        } else {
            mask_words(&out, secret)
        };
    }
    out
}

/// Whether `text` holds a secret (as [`mask`] sees it): a value derived from a secret
/// is secret itself.
pub fn holds_secret(text: &str, secrets: &[String]) -> bool {
    mask(text, secrets) != text
}

/// Masks the occurrences of `secret` with no letter, digit or `_` on either side.
fn mask_words(text: &str, secret: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    if secret.chars().all(|c| c == '*') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices(secret) {
        if at < last {
            continue;
        }
        let before = text[..at].chars().next_back();
        let after = text[at + secret.len()..].chars().next();
        let starts_word = word(secret.chars().next()) && word(before);
        let ends_word = word(secret.chars().next_back()) && word(after);
        if starts_word || ends_word {
            continue;
        }
        out.push_str(&text[last..at]);
        out.push_str(MASK);
        last = at + secret.len();
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_mask_whole_words_only() {
        let secrets = vec!["e".to_string()];
        assert_eq!(mask("echo e done", &secrets), "echo ******** done");
        assert_eq!(mask("e", &secrets), MASK);
        assert_eq!(mask("key=e;", &secrets), "key=********;");
        let secrets = vec!["s3cr3t".to_string(), "pre-s3cr3t".to_string()];
        assert_eq!(
            mask("x pre-s3cr3t s3cr3tive", &secrets),
            "x ******** ********ive"
        );
    }
}
