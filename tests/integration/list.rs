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
fn table_on_stdout_sorted_by_name() {
    project()
        .args(["list"])
        .run()
        .expect_exit(0)
        .expect_stdout(
            "NAME        PHASE  RISK  STEPS  TITLE
broken      -      low   1      Broken
deploy      2      high  2      Deploy an app
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
        rows[1],
        serde_json::json!({
            "name": "deploy",
            "title": "Deploy an app",
            "summary": "Roll out",
            "phase": "2",
            "risk": "high",
            "steps": 2,
            "tags": ["flux", "edge"],
            "valid": true,
        })
    );
    assert_eq!(rows[0]["name"], "broken");
    assert_eq!(rows[0]["valid"], false);
    assert_eq!(rows[0]["phase"], serde_json::Value::Null);
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
                "name", "phase", "risk", "steps", "summary", "tags", "title", "valid"
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
        .expect_stdout("NAME  PHASE  RISK  STEPS  TITLE\n");
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
