//! `--var K=V` parsing shared by `show` and `run`: syntax and names are checked here,
//! values against `choices`/`pattern` by the caller that knows the runbook.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::runbook::diagnostic::suggest;
use crate::runbook::model::Runbook;

/// Parses `K=V` pairs; every key must be a variable the runbook declares.
pub fn parse(runbook: &Runbook, pairs: &[String]) -> Result<BTreeMap<String, String>> {
    let mut values = BTreeMap::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(Error::usage_hint(
                format!("`--var {pair}` is not of the form K=V"),
                "write `--var cluster=edge`",
            ));
        };
        let key = key.trim();
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
            return Err(Error::usage(format!(
                "`--var {key}={value}`: `{key}` {problem}"
            )));
        }
        values.insert(key.to_string(), value.to_string());
    }
    Ok(values)
}
