//! Builds the tera context of a run: variables as strings, plus the built-ins `runbook.name`
//! and `run.id`.

use std::collections::BTreeMap;

use serde_json::json;
use tera::Context;

pub fn context(runbook: &str, run_id: &str, values: &BTreeMap<String, String>) -> Context {
    let mut context = Context::new();
    for (name, value) in values {
        context.insert(name, value);
    }
    context.insert("runbook", &json!({ "name": runbook }));
    context.insert("run", &json!({ "id": run_id }));
    context
}
