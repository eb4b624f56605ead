//! `runbook graph`: Mermaid and Graphviz dot on stdout.

use crate::support::Test;

const RUNBOOK: &str = r#"[runbook]
title = "Graph"

[[step]]
id = "prepare"
title = "Prepare \"it\""
checkpoint = true
run = "true"

[[step]]
id = "look"
manual = "look"

[[step]]
id = "gate"
needs = ["prepare"]

[[step]]
id = "end"
title = "Done"
needs = ["look", "gate"]
run = "true"
"#;

fn graph(format: &[&str]) -> Test {
    Test::new()
        .runbook("g", RUNBOOK)
        .args(["graph", "g"])
        .args(format)
}

#[test]
fn mermaid_is_the_default() {
    let expected = r#"flowchart TD
    prepare[["Prepare 'it' [checkpoint]"]]
    look{{"look [manual]"}}
    gate[/"gate [gate]"/]
    step_end["Done"]
    prepare --> look
    look --> step_end
    gate --> step_end
    prepare --> gate
"#;
    let output = graph(&[]).run();
    output.expect_exit(0).expect_stderr_empty();
    let mut got: Vec<&str> = output.stdout.lines().collect();
    let mut want: Vec<&str> = expected.lines().collect();
    assert_eq!(
        got[..5],
        want[..5],
        "nodes in walk order\n{}",
        output.stdout
    );
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "{}", output.stdout);
    graph(&["--format", "mermaid"])
        .run()
        .expect_exit(0)
        .expect_stdout(&output.stdout);
}

#[test]
fn dot() {
    let output = graph(&["--format", "dot"]).run();
    output
        .expect_exit(0)
        .expect_stderr_empty()
        .expect_stdout_contains("digraph \"g\" {\n")
        .expect_stdout_contains(
            "    \"prepare\" [label=\"Prepare 'it' [checkpoint]\", peripheries=2];\n",
        )
        .expect_stdout_contains("    \"look\" [label=\"look [manual]\", shape=hexagon];\n")
        .expect_stdout_contains("    \"gate\" -> \"end\";\n")
        .expect_stdout_contains("    \"prepare\" -> \"gate\";\n");
    assert!(output.stdout.ends_with("}\n"));
    assert_eq!(output.stdout.matches(" -> ").count(), 4);
}

#[test]
fn unknown_format_is_a_usage_error() {
    graph(&["--format", "svg"])
        .run()
        .expect_exit(2)
        .expect_stdout_empty()
        .expect_stderr_contains("invalid value 'svg'");
}

#[test]
fn invalid_runbook_exits_3() {
    Test::new()
        .runbook(
            "g",
            "[runbook]\ntitle = \"G\"\n\n[[step]]\nid = \"a\"\nneeds = [\"a\"]\n",
        )
        .args(["graph", "g"])
        .run()
        .expect_exit(3)
        .expect_stdout_empty()
        .expect_stderr_contains("error: step `a` needs itself");
}
