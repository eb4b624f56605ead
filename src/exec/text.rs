//! The text of a run: rendering templates in a scope (commands, prose, values, `when`, a
//! step's shown action, undo commands and details) and masking the secret values seen so
//! far. Owns the renderer, the run id templates see, and
//! the secrets; never prints.

use super::scope::{Scope, mask};
use crate::journal::record::Undo;
use crate::render::template::{Escape, Renderer};
use crate::runbook::model::{Action, Step};

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

    /// The command (or instructions) as shown to the operator and journaled.
    pub fn step_action(&mut self, scope: &Scope, step: &Step) -> Option<String> {
        let text = match &step.action {
            Action::Run(run) => self.command(scope, run).ok()?,
            Action::Manual(text) => self.display(scope, text),
            Action::Ask(ask) => self.display(scope, &ask.question),
            Action::Call(call) => format!("call runbook `{}`", call.runbook),
            Action::Gate => return None,
        };
        Some(self.mask(&text))
    }

    pub fn undo(&mut self, scope: &Scope, step: &Step) -> Vec<Undo> {
        // The step's own capture is known only when it ends: undo commands reference it as
        // `"$RUNBOOK_VAR_<NAME>"`, and rollback exports the journaled value.
        let mut scope = scope.clone();
        if let Some(capture) = &step.capture {
            scope.secret_names.insert(capture.clone());
        }
        step.rollback
            .iter()
            .map(|r| Undo {
                name: r.name.as_ref().map(|n| self.display(&scope, n)),
                run: self
                    .command(&scope, &r.run)
                    .unwrap_or_else(|e| format!("false # cannot render: {e}")),
                timeout_ms: r
                    .timeout
                    .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
            })
            .collect()
    }

    /// Checks, rollback and dependencies of a step, for "show details".
    pub fn details(&mut self, scope: &Scope, step: &Step) -> String {
        let mut lines = Vec::new();
        if !step.needs.is_empty() {
            let needs: Vec<&str> = step
                .needs
                .iter()
                .map(|&n| scope.runbook.steps[n].id.as_str())
                .collect();
            lines.push(format!("needs: {}", needs.join(", ")));
        }
        for (phase, checks) in [
            ("precondition", &step.preconditions),
            ("verify", &step.verify),
        ] {
            for check in checks {
                let polling = if check.attempts > 1 {
                    format!(
                        " ({} × every {})",
                        check.attempts,
                        crate::runbook::duration::format(check.interval)
                    )
                } else {
                    String::new()
                };
                lines.push(format!(
                    "{phase}{polling}: {}",
                    self.display(scope, &check.label())
                ));
            }
        }
        for undo in self.undo(scope, step) {
            lines.push(format!("undo: {}", undo.run));
        }
        if step.rollback.is_empty() {
            lines.push("undo: none".into());
        }
        let flags: Vec<&str> = [
            (step.checkpoint, "checkpoint"),
            (step.confirm, "confirm"),
            (step.idempotent, "idempotent"),
            (!step.reverify, "reverify = false"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, f)| f)
        .collect();
        if !flags.is_empty() {
            lines.push(flags.join(" · "));
        }
        lines.push(format!("on failure: {}", step.on_failure.as_str()));
        self.mask(&lines.join("\n"))
    }
}
