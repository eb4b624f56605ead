//! The text of a run: rendering templates in a scope (commands, prose, values, `when`) and
//! masking the secret values seen so far. Owns the renderer, the run id templates see, and
//! the secrets; never prints.

use super::scope::{Scope, mask};
use crate::render::template::{Escape, Renderer};

pub struct Text {
    renderer: Renderer,
    run_id: String,
    /// Secret values seen so far, masked in everything shown or written.
    secrets: Vec<String>,
}

impl Text {
    pub fn new(run_id: String, secrets: Vec<String>) -> Self {
        Self {
            renderer: Renderer::new(),
            run_id,
            secrets,
        }
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// A value to mask from now on (an `ask` answer, a called runbook's secret).
    pub fn add_secrets(&mut self, values: impl IntoIterator<Item = String>) {
        self.secrets
            .extend(values.into_iter().filter(|v| !v.is_empty()));
    }

    pub fn mask(&self, text: &str) -> String {
        mask(text, &self.secrets)
    }

    /// Prose for the operator, secrets masked.
    pub fn shown(&mut self, scope: &Scope, source: &str) -> String {
        let rendered = scope.display(&mut self.renderer, &self.run_id, source);
        self.mask(&rendered)
    }

    /// Prose rendered with secrets left as the scope shows them (not masked again).
    pub fn display(&mut self, scope: &Scope, source: &str) -> String {
        scope.display(&mut self.renderer, &self.run_id, source)
    }

    /// A command: secrets become references the shell expands.
    pub fn command(&mut self, scope: &Scope, source: &str) -> Result<String, String> {
        scope.command(&mut self.renderer, &self.run_id, source)
    }

    /// A value with real values (regexes, `with`, items, typed-check fields).
    pub fn value(&mut self, scope: &Scope, source: &str, escape: Escape) -> Result<String, String> {
        scope.value(&mut self.renderer, &self.run_id, source, escape)
    }

    pub fn condition(&mut self, scope: &Scope, expression: &str) -> Result<bool, String> {
        scope.condition(&mut self.renderer, &self.run_id, expression)
    }
}
