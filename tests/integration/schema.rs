//! `src/runbook/schema.json`: every shipped runbook validates against it, broken documents
//! do not, and `runbook schema` prints it. The validator below implements the subset of
//! JSON Schema 2020-12 the schema uses (no crate needed): `type`, `properties`, `required`,
//! `additionalProperties`, `propertyNames`, `items`, `enum`, `pattern`, `minimum`, `$ref`
//! to `#/$defs/…`, `oneOf`, `anyOf`, `not` and `dependentRequired`. It panics on any other
//! assertion keyword, so the schema cannot silently use one the test ignores.

use serde_json::{Value, json};

use crate::support::{Test, repo_root};

const SCHEMA: &str = include_str!("../../src/runbook/schema.json");

/// Keywords that only annotate.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "title",
    "description",
    "default",
    "examples",
];

fn schema() -> Value {
    serde_json::from_str(SCHEMA).expect("schema.json is JSON")
}

/// Validates `value` against `schema`; returns every error as `path: message`.
fn validate(root: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        panic!("schema at {path} is not an object");
    };
    for (keyword, arg) in schema {
        match keyword.as_str() {
            k if ANNOTATIONS.contains(&k) => {}
            "$ref" => {
                let name = arg
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/$defs/"))
                    .expect("local $ref");
                let target = &root["$defs"][name];
                assert!(!target.is_null(), "unresolved $ref {name}");
                validate(root, target, value, path, errors);
            }
            "type" => {
                let types: Vec<&str> = match arg {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => panic!("bad type keyword"),
                };
                if !types.iter().any(|t| has_type(value, t)) {
                    errors.push(format!(
                        "{path}: expected {}, got {value}",
                        types.join(" or ")
                    ));
                }
            }
            "enum" => {
                if !arg.as_array().expect("enum array").contains(value) {
                    errors.push(format!("{path}: {value} is not one of {arg}"));
                }
            }
            "pattern" => {
                if let Some(text) = value.as_str() {
                    let re = regex::Regex::new(arg.as_str().expect("pattern string"))
                        .expect("pattern compiles");
                    if !re.is_match(text) {
                        errors.push(format!("{path}: {text:?} does not match {arg}"));
                    }
                }
            }
            "minimum" => {
                if let (Some(n), Some(min)) = (value.as_f64(), arg.as_f64())
                    && n < min
                {
                    errors.push(format!("{path}: {n} is less than {min}"));
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for key in arg
                        .as_array()
                        .expect("required array")
                        .iter()
                        .filter_map(Value::as_str)
                    {
                        if !object.contains_key(key) {
                            errors.push(format!("{path}: missing required key `{key}`"));
                        }
                    }
                }
            }
            "dependentRequired" => {
                if let Some(object) = value.as_object() {
                    for (key, needed) in arg.as_object().expect("dependentRequired object") {
                        if !object.contains_key(key) {
                            continue;
                        }
                        for other in needed
                            .as_array()
                            .expect("array")
                            .iter()
                            .filter_map(Value::as_str)
                        {
                            if !object.contains_key(other) {
                                errors.push(format!("{path}: `{key}` requires `{other}`"));
                            }
                        }
                    }
                }
            }
            "properties" | "additionalProperties" | "propertyNames" => {
                if keyword == "properties"
                    || !schema.contains_key("properties")
                    || keyword == "propertyNames"
                {
                    validate_object(root, schema, keyword, value, path, errors);
                }
            }
            "items" => {
                if let Some(items) = value.as_array() {
                    for (i, item) in items.iter().enumerate() {
                        validate(root, arg, item, &format!("{path}[{i}]"), errors);
                    }
                }
            }
            "oneOf" | "anyOf" => {
                let passing = arg
                    .as_array()
                    .expect("array of schemas")
                    .iter()
                    .filter(|s| {
                        let mut sub = Vec::new();
                        validate(root, s, value, path, &mut sub);
                        sub.is_empty()
                    })
                    .count();
                let ok = if keyword == "oneOf" {
                    passing == 1
                } else {
                    passing >= 1
                };
                if !ok {
                    errors.push(format!(
                        "{path}: {passing} of the `{keyword}` alternatives match"
                    ));
                }
            }
            "not" => {
                let mut sub = Vec::new();
                validate(root, arg, value, path, &mut sub);
                if sub.is_empty() {
                    errors.push(format!("{path}: matches a `not` schema {arg}"));
                }
            }
            other => panic!("the test validator does not implement `{other}` (used at {path})"),
        }
    }
}

/// `properties`, `additionalProperties` and `propertyNames` together (run once per object).
fn validate_object(
    root: &Value,
    schema: &serde_json::Map<String, Value>,
    keyword: &str,
    value: &Value,
    path: &str,
    errors: &mut Vec<String>,
) {
    let Some(object) = value.as_object() else {
        return;
    };
    if keyword == "propertyNames" {
        for key in object.keys() {
            validate(
                root,
                &schema["propertyNames"],
                &Value::String(key.clone()),
                &format!("{path}.{key} (name)"),
                errors,
            );
        }
        return;
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    for (key, item) in object {
        let child = format!("{path}.{key}");
        match (
            properties.and_then(|p| p.get(key)),
            schema.get("additionalProperties"),
        ) {
            (Some(sub), _) => validate(root, sub, item, &child, errors),
            (None, Some(Value::Bool(false))) => errors.push(format!("{path}: unknown key `{key}`")),
            (None, Some(Value::Bool(true)) | None) => {}
            (None, Some(sub)) => validate(root, sub, item, &child, errors),
        }
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "null" => value.is_null(),
        other => panic!("unknown type {other}"),
    }
}

fn errors_of(document: &Value) -> Vec<String> {
    let root = schema();
    let mut errors = Vec::new();
    validate(&root, &root, document, "$", &mut errors);
    errors
}

fn toml_to_json(text: &str) -> Value {
    let value: toml::Value = toml::from_str(text).expect("valid TOML");
    serde_json::to_value(value).expect("TOML converts to JSON")
}

#[test]
fn schema_is_draft_2020_12_json() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    // Every object schema closes its keys.
    fn closed(value: &Value, path: &str) {
        if let Some(object) = value.as_object() {
            if object.get("type") == Some(&json!("object")) {
                assert!(
                    object.contains_key("additionalProperties"),
                    "{path} has no additionalProperties"
                );
            }
            for (k, v) in object {
                closed(v, &format!("{path}/{k}"));
            }
        }
    }
    closed(&schema, "#");
}

#[test]
fn every_shipped_runbook_validates() {
    let dir = repo_root().join("runbooks");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("runbooks/ exists") {
        let path = entry.unwrap().path();
        // `*.test.toml` files are `runbook test` scenarios, not runbooks.
        let is_test = path.to_string_lossy().ends_with(".test.toml");
        if path.extension().is_none_or(|e| e != "toml") || is_test {
            continue;
        }
        let document = toml_to_json(&std::fs::read_to_string(&path).unwrap());
        let errors = errors_of(&document);
        assert!(
            errors.is_empty(),
            "{} does not match the schema:\n{}",
            path.display(),
            errors.join("\n")
        );
        count += 1;
    }
    assert!(count > 0, "no runbooks in {}", dir.display());
}

#[test]
fn a_document_using_every_key_validates() {
    let document = toml_to_json(
        r#"
[runbook]
title = "All"
summary = "s"
description = "d"
phase = "1"
risk = "critical"
tags = ["a"]
workdir = "."
shell = "bash"
env = { A = "{{ x }}" }

[vars.x]
description = "d"
default = "a"
choices = ["a", "b"]
pattern = "^[ab]$"
secret = false
from-env = "X"

[[precondition]]
name = "n"
run = "true"
expect-exit = 0
expect-stdout = "a"
reject-stdout = "b"
attempts = 2
interval = "1s"
timeout = "1h30m"
message = "m"

[[step]]
id = "a"
title = "t"
description = "d"
needs = []
when = "x == 'a'"
run = "echo"
capture = "out"
timeout = "500ms"
retry = { attempts = 3, delay = "5s" }
confirm = true
idempotent = true
reverify = false
checkpoint = true
interactive = false
on-failure = "rollback"

[[step.precondition]]
flux = { kind = "helmrelease", name = "n", namespace = "ns", chart-version = "1.0.0", context = "edge" }

[[step.verify]]
flux = { kind = "kustomization", name = "n", follow-inventory = true }

[[step.rollback]]
name = "undo"
run = "echo undo"
timeout = "5m"

[[step]]
id = "b"
ask = "q"
into = "answer"
choices = ["y", "n"]
default = "y"
pattern = "^[yn]$"
secret = false

[[step]]
id = "c"
call = "other"
with = { name = "x" }
foreach = { var = "item", in = ["1"] }

[[step]]
id = "d"
manual = "do"
foreach = { var = "item", from = "x" }
"#,
    );
    assert_eq!(errors_of(&document), Vec::<String>::new());
}

#[test]
fn broken_documents_are_rejected() {
    let cases = [
        ("title = \"no header\"", "missing required key `runbook`"),
        (
            "[runbook]\nsummary = \"x\"",
            "$.runbook: missing required key `title`",
        ),
        (
            "[runbook]\ntitle = \"t\"\ntitel = \"x\"",
            "$.runbook: unknown key `titel`",
        ),
        (
            "[runbook]\ntitle = \"t\"\nrisk = \"extreme\"",
            "is not one of",
        ),
        ("[runbook]\ntitle = 1", "$.runbook.title: expected string"),
        (
            "[runbook]\ntitle = \"t\"\n[vars.Bad-Name]",
            "(name): \"Bad-Name\" does not match",
        ),
        (
            "[runbook]\ntitle = \"t\"\n[[step]]\nid = \"Bad\"",
            "$.step[0].id: \"Bad\" does not match",
        ),
        (
            "[runbook]\ntitle = \"t\"\n[[step]]\nrun = \"x\"",
            "$.step[0]: missing required key `id`",
        ),
        (
            "[runbook]\ntitle = \"t\"\n[[step]]\nid = \"a\"\nrun = \"x\"\nmanual = \"y\"",
            "matches a `not` schema",
        ),
        (
            "[runbook]\ntitle = \"t\"\n[[step]]\nid = \"a\"\nask = \"q\"",
            "`ask` requires `into`",
        ),
        (
            "[runbook]\ntitle = \"t\"\n[[step]]\nid = \"a\"\nmanual = \"q\"\ncapture = \"x\"",
            "`capture` requires `run`",
        ),
        (
            "[runbook]\ntitle = \"t\"\n[[step]]\nid = \"a\"\ntimeout = \"5 minutes\"",
            "does not match",
        ),
        (
            "[runbook]\ntitle = \"t\"\n[[step]]\nid = \"a\"\non-failure = \"retry\"",
            "is not one of",
        ),
        (
            "[runbook]\ntitle = \"t\"\n[[step]]\nid = \"a\"\n[[step.verify]]\nname = \"n\"",
            "0 of the `oneOf` alternatives match",
        ),
        (
            "[runbook]\ntitle = \"t\"\n[[step]]\nid = \"a\"\n[[step.verify]]\nrun = \"x\"\nattempts = 0",
            "0 is less than 1",
        ),
        (
            "[runbook]\ntitle = \"t\"\n[[step]]\nid = \"a\"\n[[step.verify]]\nflux = { kind = \"helmchart\", name = \"x\" }",
            "is not one of",
        ),
        (
            "[runbook]\ntitle = \"t\"\n[[step]]\nid = \"a\"\nforeach = { var = \"i\" }",
            "0 of the `oneOf` alternatives match",
        ),
        (
            "[runbook]\ntitle = \"t\"\n[[step]]\nid = \"a\"\n[[step.rollback]]\nname = \"n\"",
            "missing required key `run`",
        ),
    ];
    for (toml, expected) in cases {
        let errors = errors_of(&toml_to_json(toml));
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{toml:?}: expected an error containing {expected:?}, got {errors:?}"
        );
    }
}

#[test]
fn schema_command_prints_the_file() {
    let output = Test::bare().args(["schema"]).run();
    output
        .expect_exit(0)
        .expect_stderr_empty()
        .expect_stdout(SCHEMA);
    assert_eq!(output.json(), schema());
}
