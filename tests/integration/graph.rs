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
    prepare[["Prepare #quot;it#quot; [checkpoint]"]]
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
            "    \"prepare\" [label=\"Prepare \\\"it\\\" [checkpoint]\", peripheries=2];\n",
        )
        .expect_stdout_contains("    \"look\" [label=\"look [manual]\", shape=hexagon];\n")
        .expect_stdout_contains("    \"gate\" -> \"end\";\n")
        .expect_stdout_contains("    \"prepare\" -> \"gate\";\n");
    assert!(output.stdout.ends_with("}\n"));
    assert_eq!(output.stdout.matches(" -> ").count(), 4);
}

const LABELS: &str = include_str!("fixtures/labels/runbooks/labels.toml");

/// Every label character Mermaid, Markdown or mdBook could read as syntax is an entity
/// code; the shape delimiters around the labels are intact; template expressions read
/// `<release>` as in `runbook show`. (CI draws this graph in Chromium: .ci/browser-check.)
#[test]
fn mermaid_labels_are_escaped_and_shapes_are_not() {
    let output = Test::new()
        .runbook("labels", LABELS)
        .args(["graph", "labels"])
        .run();
    output.expect_exit(0).expect_stderr_empty();
    let nodes: Vec<&str> = output.stdout.lines().skip(1).take(5).collect();
    assert_eq!(
        nodes,
        [
            r#"    quotes[["Say #quot;hi#quot; to #lt;release#gt; #amp; #lt;release#gt; [checkpoint]"]]"#,
            r#"    ask_shape{{"Ask #lt;release#gt; #35;1 #124; pipe #96;tick#96; #lt;x#gt;#125;#125; [ask]"}}"#,
            r#"    manual_shape{{"Café ✓ 日本語 — ünïcödé#59; style#58;#35;f00#59; #lt;#35;include x#gt; [manual]"}}"#,
            r#"    gate_shape[/"[/gate/] [[box]] ((round)) #gt;#gt;flag] end [gate]"/]"#,
            r#"    step_end["%% not a comment \ backslash #amp;amp#59; #35;quot#59;"]"#,
        ],
        "{}",
        output.stdout
    );
}

#[test]
fn dot_labels_show_placeholders_and_escape_quotes() {
    let output = Test::new()
        .runbook("labels", LABELS)
        .args(["graph", "labels", "--format", "dot"])
        .run();
    output.expect_exit(0).expect_stdout_contains(
        r#"    "quotes" [label="Say \"hi\" to <release> & <release> [checkpoint]", peripheries=2];"#,
    );
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
