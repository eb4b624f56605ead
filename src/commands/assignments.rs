//! `--var K=V` parsing shared by `show` and `run`: syntax, names, and values against
//! `choices`/`pattern`. A key may name a declared variable or the `into` of an `ask` step
//! (answering that question in advance).

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::runbook::diagnostic::suggest;
use crate::runbook::model::{Action, Ask, Runbook};

/// Values from the command line: declared variables, and answers to `ask` steps.
#[derive(Debug, Default)]
pub struct Assignments {
    pub vars: BTreeMap<String, String>,
    pub answers: BTreeMap<String, String>,
}

/// Parses `K=V` pairs; every key must be a declared variable or an `ask` step's `into`.
pub fn parse(runbook: &Runbook, pairs: &[String]) -> Result<Assignments> {
    let mut assignments = Assignments::default();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(Error::usage_hint(
                format!("`--var {pair}` is not of the form K=V"),
                "write `--var cluster=edge`",
            ));
        };
        let key = key.trim();
        if runbook.var(key).is_none()
            && let Some(ask) = ask_into(runbook, key)
        {
            let rejected = (!ask.choices.is_empty() && !ask.choices.iter().any(|c| c == value))
                .then(|| {
                    format!(
                        "must be one of {}",
                        crate::runbook::model::quoted_list(&ask.choices)
                    )
                })
                .or_else(|| {
                    ask.pattern
                        .as_ref()
                        .filter(|p| !p.is_match(value))
                        .map(|p| format!("must match `{}`", p.as_str()))
                });
            if let Some(problem) = rejected {
                let shown = if ask.secret { "…" } else { value };
                return Err(Error::usage(format!(
                    "`--var {key}={shown}`: the answer to `{key}` {problem}"
                )));
            }
            assignments
                .answers
                .insert(key.to_string(), value.to_string());
            continue;
        }
        let Some(var) = runbook.var(key) else {
            let names = runbook.vars.iter().map(|v| v.name.as_str());
            let hint = match suggest(key, names) {
                Some(s) => format!("did you mean `{s}`?"),
                None if runbook.vars.is_empty() => {
                    format!("runbook `{}` declares no variables", runbook.name)
                }
                None => format!(
                    "runbook `{}` declares: {}",
                    runbook.name,
                    runbook
                        .vars
                        .iter()
                        .map(|v| format!("`{}`", v.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(Error::usage_hint(
                format!("runbook `{}` has no variable `{key}`", runbook.name),
                hint,
            ));
        };
        if let Some(problem) = var.reject(value) {
            // A secret's error names the variable and the rule, never the value.
            let shown = if var.secret { "…" } else { value };
            return Err(Error::usage(format!(
                "`--var {key}={shown}`: `{key}` {problem}"
            )));
        }
        assignments.vars.insert(key.to_string(), value.to_string());
    }
    Ok(assignments)
}

fn ask_into<'a>(runbook: &'a Runbook, name: &str) -> Option<&'a Ask> {
    runbook.steps.iter().find_map(|s| match &s.action {
        Action::Ask(ask) if ask.into == name => Some(&**ask),
        _ => None,
    })
}
