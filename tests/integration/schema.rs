//! `src/runbook/schema.json`: it is draft 2020-12 JSON, every shipped runbook validates
//! against it, a document using every key does too, broken documents do not, and `runbook
//! schema` prints it. The validator is support/schema.rs.

use serde_json::{Value, json};

use crate::support::schema::{SCHEMA, errors_of, schema, toml_to_json};
use crate::support::{Test, repo_root};

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
    let document = toml_to_json(include_str!("../fixtures/every-key.toml"));
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
