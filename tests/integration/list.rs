//! `runbook list`: the table on stdout, `--json` shape, invalid runbooks flagged on stderr.

use crate::support::Test;

fn project() -> Test {
    Test::new()
        .runbook(
            "deploy",
            "[runbook]\ntitle = \"Deploy an app\"\nsummary = \"Roll out\"\nphase = \"2\"\nrisk = \"high\"\ntags = [\"flux\", \"edge\"]\n\n[[step]]\nid = \"a\"\n\n[[step]]\nid = \"b\"\n",
        )
        .runbook("broken", "[runbook]\ntitle = \"Broken\"\n\n[[step]]\nid = \"X\"\n")
        .runbook("unparsable", "[runbook\n")
}

#[test]
fn table_on_stdout_with_the_summary_or_else_the_title() {
    project()
        .args(["list"])
        .run()
        .expect_exit(0)
        .expect_stdout(
            "NAME        PHASE  RISK  STEPS  SUMMARY
deploy      2      high  2      Roll out
broken      -      low   1      Broken
unparsable  -      -     -      -
",
        )
        .expect_stderr(
            "warning: runbook `broken` is invalid
hint: `runbook check` lists its problems
warning: runbook `unparsable` is invalid
hint: `runbook check` lists its problems
",
        );
}

#[test]
fn json_shape() {
    let output = project().args(["list", "--json"]).run();
    output.expect_exit(0).expect_stderr_empty();
    let json = output.json();
    let rows = json.as_array().expect("an array");
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0],
        serde_json::json!({
            "name": "deploy",
            "title": "Deploy an app",
            "summary": "Roll out",
            "description": null,
            "file": "runbooks/deploy.toml",
            "phase": "2",
            "risk": "high",
            "steps": 2,
            "tags": ["flux", "edge"],
            "valid": true,
        })
    );
    assert_eq!(rows[1]["name"], "broken");
    assert_eq!(rows[1]["valid"], false);
    assert_eq!(rows[1]["phase"], serde_json::Value::Null);
    assert_eq!(rows[2]["title"], serde_json::Value::Null);
    for row in rows {
        let mut keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "description",
                "file",
                "name",
                "phase",
                "risk",
                "steps",
                "summary",
                "tags",
                "title",
                "valid"
            ]
        );
    }
}

#[test]
fn empty_project() {
    Test::new()
        .args(["list"])
        .run()
        .expect_exit(0)
        .expect_stdout("NAME  PHASE  RISK  STEPS  SUMMARY\n");
    Test::new()
        .args(["list", "--json"])
        .run()
        .expect_exit(0)
        .expect_stdout("[]\n");
}

#[test]
fn only_toml_files_are_runbooks() {
    Test::new()
        .runbook("one", "[runbook]\ntitle = \"One\"\n")
        .file("runbooks/README.md", "# not a runbook\n")
        .dir("runbooks/sub.toml")
        .args(["list", "--json"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("\"name\": \"one\"")
        .expect_stdout_lacks("README")
        .expect_stdout_lacks("\"sub\"");
}

/// Phases sort by value, not as text (the table read 12, 2, 1, 5 when sorted by name);
/// words come after numbers, runbooks without a phase last, ties by name.
#[test]
fn sorted_by_phase_numerically_then_by_name() {
    let mut test = Test::new();
    for (name, phase) in [
        ("a-twelve", Some("12")),
        ("b-two", Some("2")),
        ("c-one", Some("1")),
        ("d-five", Some("5")),
        ("e-four-half", Some("4.5")),
        ("f-four", Some("4")),
        ("g-three", Some("3")),
        ("h-tools", Some("tools")),
        ("i-none", None),
        ("a-two", Some("2")),
    ] {
        let phase = phase.map_or(String::new(), |p| format!("phase = \"{p}\"\n"));
        test = test.runbook(name, &format!("[runbook]\ntitle = \"{name}\"\n{phase}"));
    }
    let output = test.args(["list", "--json"]).run();
    output.expect_exit(0);
    let names: Vec<String> = output
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "c-one",
            "a-two",
            "b-two",
            "g-three",
            "f-four",
            "e-four-half",
            "d-five",
            "a-twelve",
            "h-tools",
            "i-none"
        ]
    );
}
