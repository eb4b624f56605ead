//! Variable values for a new run: `--var`, then `from-env`, then `default`, then the
//! operator. Every value is checked against `choices`/`pattern`; every missing one is
//! listed at once before anything runs.

use std::collections::BTreeMap;

use super::prompter::{PromptError, Prompter};
use crate::error::{Error, Result};
use crate::runbook::model::{Runbook, Var};

/// A variable's value without asking: `--var`, then a non-empty `from-env`, then `default`.
pub fn value_of(
    var: &Var,
    given: &BTreeMap<String, String>,
    environment: &BTreeMap<String, String>,
) -> Option<String> {
    given
        .get(&var.name)
        .cloned()
        .or_else(|| {
            var.from_env
                .as_ref()
                .and_then(|e| environment.get(e))
                .filter(|v| !v.is_empty())
                .cloned()
        })
        .or_else(|| var.default.clone())
}

pub fn resolve(
    runbook: &Runbook,
    given: &BTreeMap<String, String>,
    environment: &BTreeMap<String, String>,
    prompter: Option<&mut dyn Prompter>,
) -> Result<BTreeMap<String, String>> {
    let mut values = BTreeMap::new();
    let mut missing = Vec::new();
    for var in &runbook.vars {
        match value_of(var, given, environment) {
            Some(value) => {
                if let Some(problem) = var.reject(&value) {
                    // A secret's error names the variable and the rule, never the value.
                    let shown = if var.secret {
                        String::new()
                    } else {
                        format!(" = `{value}`")
                    };
                    return Err(Error::usage(format!(
                        "variable `{}`{shown}: {problem}",
                        var.name
                    )));
                }
                values.insert(var.name.clone(), value);
            }
            None => missing.push(var),
        }
    }
    if missing.is_empty() {
        return Ok(values);
    }
    let Some(prompter) = prompter else {
        let names: Vec<String> = missing.iter().map(|v| format!("`{}`", v.name)).collect();
        let example: Vec<String> = missing
            .iter()
            .map(|v| format!("--var {}=…", v.name))
            .collect();
        return Err(Error::usage_hint(
            format!(
                "missing value{} for {}",
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            ),
            format!("pass {}{}", example.join(" "), env_hint(&missing)),
        ));
    };
    for var in missing {
        match prompter.variable(var) {
            Ok(value) => {
                values.insert(var.name.clone(), value);
            }
            Err(PromptError::Interrupted) => return Err(Error::Interrupted { hint: None }),
            Err(PromptError::Waiting(message)) => return Err(Error::usage(message)),
        }
    }
    Ok(values)
}

fn env_hint(missing: &[&crate::runbook::model::Var]) -> String {
    let from_env: Vec<String> = missing
        .iter()
        .filter_map(|v| v.from_env.as_ref().map(|e| format!("`{e}`")))
        .collect();
    if from_env.is_empty() {
        String::new()
    } else {
        format!(", or set {}", from_env.join(", "))
    }
}
