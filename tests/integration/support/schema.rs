//! A validator for the subset of JSON Schema 2020-12 that `src/runbook/schema.json` uses (no
//! crate needed): `type`, `properties`, `required`, `additionalProperties`, `propertyNames`,
//! `items`, `enum`, `pattern`, `minimum`, `$ref` to `#/$defs/…`, `oneOf`, `anyOf`, `not` and
//! `dependentRequired`. It panics on any other assertion keyword, so the schema cannot
//! silently use one the tests ignore. It validates values only; it reads no files but the
//! schema it embeds.

use serde_json::Value;

/// The schema file as shipped.
pub const SCHEMA: &str = include_str!("../../../src/runbook/schema.json");

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

pub fn schema() -> Value {
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

pub fn errors_of(document: &Value) -> Vec<String> {
    let root = schema();
    let mut errors = Vec::new();
    validate(&root, &root, document, "$", &mut errors);
    errors
}

pub fn toml_to_json(text: &str) -> Value {
    let value: toml::Value = toml::from_str(text).expect("valid TOML");
    serde_json::to_value(value).expect("TOML converts to JSON")
}
