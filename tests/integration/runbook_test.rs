//! `runbook test`: scenarios in `runbooks/<name>.test.toml` run the real binary against
//! command doubles. Each test here builds a small project whose runbook calls `kubectl`
//! (always a double: nothing reaches a cluster) and real `git`, and checks what `runbook
//! test` reports and how it exits (passing, failing, unmatched calls, filters, JUnit); one
//! runs the shipped runbooks' own test files.

use crate::support::{Test, repo_root};

/// Doubles for a run that goes through: the rollout is ready on the third poll.
const RUNBOOK: &str = r#"[runbook]
title = "Demo"

[vars.repo]
description = "the repository"

[[step]]
id = "status"
title = "Status"
run = "kubectl get pods | grep -c Running"
capture = "running"

[[step]]
id = "poll"
title = "Wait for the rollout"
run = "kubectl rollout status deploy/web"
retry = { attempts = 3, delay = "10ms" }

[[step]]
id = "edit"
title = "Edit the repository"
run = "cd {{ repo }} && git rm -q old.yaml && echo running={{ running }} > new.yaml"

[[step]]
id = "delete"
title = "Delete the pod"
run = "kubectl delete pod web-0"
confirm = true
"#;

fn project(scenarios: &str) -> Test {
    Test::new()
        .runbook("demo", RUNBOOK)
        .file("runbooks/fixtures/repo/old.yaml", "old: true\n")
        .file("runbooks/demo.test.toml", scenarios)
}

fn scenario(name: &str, head: &str, doubles: &str, expect: &str) -> String {
    format!(
        "[[scenario]]\nname = \"{name}\"\nrepo = \"fixtures/repo\"\n{head}\n{doubles}\n[scenario.expect]\n{expect}\n"
    )
}

const DOUBLES: &str = r#"
[[scenario.double]]
program = "kubectl"
args = "get pods"
stdout = "web-0 Running\nweb-1 Running\nweb-2 Pending\n"

[[scenario.double]]
program = "kubectl"
args = "rollout status *"
exit = 1
stderr = "Waiting for rollout\n"
then = [{ exit = 1 }, { stdout = "successfully rolled out\n" }]

[[scenario.double]]
program = "kubectl"
args = "re:^delete pod web-[0-9]+$"
stdout = "pod \"web-0\" deleted\n"
"#;

const PASSING_EXPECT: &str = r#"state = "succeeded"
attempts = { poll = 3 }
steps = { status = "succeeded", delete = "succeeded" }
calls = ["kubectl get pods", "kubectl rollout status deploy/web", "kubectl delete pod web-0"]
exists = ["new.yaml"]
absent = ["old.yaml"]
contains = { "new.yaml" = '(?m)^running=2$' }"#;

#[test]
fn a_scenario_that_holds_passes_with_exit_0() {
    let text = scenario(
        "goes through",
        "mode = \"auto\"\nanswers = { delete = \"yes\" }",
        DOUBLES,
        PASSING_EXPECT,
    );
    project(&text)
        .args(["test"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("test demo :: goes through ... ok")
        .expect_stdout_contains("test result: ok. 1 passed; 0 failed");
}

#[test]
fn a_failing_expectation_fails_with_exit_1_showing_expected_and_actual() {
    let expect = PASSING_EXPECT.replace("poll = 3", "poll = 2");
    let text = scenario(
        "wrong count",
        "mode = \"auto\"\nanswers = { delete = \"yes\" }",
        DOUBLES,
        &expect,
    );
    project(&text)
        .args(["test"])
        .run()
        .expect_exit(1)
        .expect_stdout_contains("test demo :: wrong count ... FAILED")
        .expect_stdout_contains("attempts of `poll`:\n  expected: 2\n  actual:   3")
        .expect_stdout_contains("transcript:")
        .expect_stdout_contains("test result: FAILED. 0 passed; 1 failed")
        .expect_stderr_contains("1 of 1 scenario failed");
}

#[test]
fn an_unmatched_call_to_a_doubled_program_names_the_argv_and_the_closest_double() {
    let doubles = DOUBLES.replace("args = \"get pods\"", "args = \"get pod\"");
    let text = scenario(
        "typo",
        "mode = \"yes\"\nallow-destructive = true",
        &doubles,
        "",
    );
    project(&text)
        .args(["test"])
        .run()
        .expect_exit(1)
        .expect_stdout_contains("a call matched no double:")
        .expect_stdout_contains("`kubectl get pods` was called")
        .expect_stdout_contains("closest double: `kubectl get pod`");
}

#[test]
fn never_fails_a_scenario_that_makes_the_call() {
    let text = scenario(
        "no deletes",
        "mode = \"yes\"\nallow-destructive = true",
        DOUBLES,
        "never = [\"kubectl * pod *\"]",
    );
    project(&text)
        .args(["test"])
        .run()
        .expect_exit(1)
        .expect_stdout_contains("a call that must never happen:\n  expected: no call `kubectl * pod *`\n  actual:   `kubectl delete pod web-0` was called");
}

#[test]
fn a_declined_confirmation_and_a_waiting_run_are_judged_from_the_journal() {
    let declined = scenario(
        "declined",
        "mode = \"auto\"\nanswers = { delete = \"no\" }",
        DOUBLES,
        "steps = { edit = \"succeeded\" }\nnever = [\"kubectl delete *\"]\nstate = \"aborted\"",
    );
    let waiting = scenario(
        "waits",
        "mode = \"yes\"",
        DOUBLES,
        "state = \"waiting\"\nexit = 4\nstopped-at = \"delete\"\nmessage = '--allow-destructive'",
    );
    let out = project(&format!("{declined}\n{waiting}"))
        .args(["test", "--json"])
        .run();
    let json = out.json();
    let outcomes = json.as_array().expect("an array");
    let waits = outcomes
        .iter()
        .find(|o| o["scenario"] == "waits")
        .expect("waits ran");
    assert_eq!(waits["passed"], true, "{}", out.report());
    let declined = outcomes
        .iter()
        .find(|o| o["scenario"] == "declined")
        .expect("declined ran");
    assert_eq!(declined["passed"], true, "{}", out.report());
    assert_eq!(
        declined["calls"].as_array().map(Vec::len),
        Some(4),
        "{}",
        out.report()
    );
}

#[test]
fn scenario_filter_runs_only_matching_scenarios() {
    let a = scenario(
        "alpha one",
        "mode = \"yes\"\nallow-destructive = true",
        DOUBLES,
        "",
    );
    let b = scenario(
        "beta two",
        "mode = \"yes\"",
        DOUBLES,
        "state = \"succeeded\"",
    );
    project(&format!("{a}\n{b}"))
        .args(["test", "demo", "--scenario", "alpha*"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("running 1 scenario\n")
        .expect_stdout_lacks("beta two");
}

#[test]
fn junit_report_is_well_formed_xml_with_one_testcase_per_scenario() {
    let good = scenario(
        "good <one>",
        "mode = \"yes\"\nallow-destructive = true",
        DOUBLES,
        "",
    );
    let bad = scenario("bad & \\\"quoted\\\"", "mode = \"yes\"", DOUBLES, "");
    let out = project(&format!("{good}\n{bad}"))
        .args(["test", "--junit", "report.xml"])
        .run();
    out.expect_exit(1);
    let xml = std::fs::read_to_string(out.path().join("report.xml")).expect("report written");
    assert_well_formed(&xml);
    assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert!(xml.contains("name=\"good &lt;one&gt;\""), "{xml}");
    assert!(
        xml.contains("<testsuite name=\"demo\" tests=\"2\" failures=\"1\""),
        "{xml}"
    );
}

#[test]
fn check_reports_test_file_problems_at_file_line_col_and_list_ignores_test_files() {
    let text =
        "[[scenario]]\nname = \"x\"\n\n[scenario.expect]\nsteps = { stats = \"succeeded\" }\n";
    let t = project(text);
    t.invoke(&["check"])
        .expect_exit(3)
        .expect_diagnostic(
            "runbook `demo` has no step `stats`",
            "runbooks/demo.test.toml:5:19",
        )
        .expect_stderr_contains("did you mean `status`?");
    t.invoke(&["list", "--json"])
        .expect_exit(0)
        .expect_stdout_lacks("demo.test");
}

/// Test files are checked in two stages (all that needs no runbook while the runbooks
/// load, then step ids and answers): the problems still come in the order of one pass.
#[test]
fn check_reports_a_test_file_s_problems_in_file_order_across_both_stages() {
    let text = r#"[[scenario]]
name = "x"
answers = { stauts = "retry" }
poll-interval = "soon"

[scenario.expect]
steps = { pol = "succeeded" }
output = "(unclosed"
"#;
    let out = project(text).invoke(&["check"]);
    out.expect_exit(3);
    let order = [
        "has no step `stauts`",
        "invalid duration",
        "has no step `pol`",
        "invalid regex",
    ]
    .map(|needle| out.stderr_position(needle));
    assert!(order.is_sorted(), "{order:?}");
}

#[test]
fn the_shipped_runbooks_pass_their_own_scenarios_without_touching_dot_runbook() {
    let root = repo_root();
    let runs = root.join(".runbook/runs");
    let before = std::fs::read_dir(&runs).map_or(0, Iterator::count);
    Test::bare()
        .args(["--dir"])
        .arg(root.join("runbooks"))
        .arg("test")
        .run()
        .expect_exit(0)
        .expect_stdout_contains("test result: ok.");
    assert_eq!(std::fs::read_dir(&runs).map_or(0, Iterator::count), before);
}

#[test]
fn every_shipped_runbook_has_a_test_file_beside_it() {
    let dir = repo_root().join("runbooks");
    let mut runbooks: Vec<String> = std::fs::read_dir(&dir)
        .expect("runbooks/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".toml") && !n.ends_with(".test.toml"))
        .map(|n| n.trim_end_matches(".toml").to_string())
        .collect();
    runbooks.sort();
    let has_test = |name: &str| dir.join(format!("{name}.test.toml")).is_file();
    let missing: Vec<&String> = runbooks.iter().filter(|n| !has_test(n)).collect();
    assert!(
        missing.is_empty(),
        "shipped runbooks without `runbooks/<name>.test.toml`: {missing:?}"
    );
}

/// Tags balance, attributes are quoted, every `&` starts an entity: enough to catch an
/// unescaped scenario name or transcript.
fn assert_well_formed(xml: &str) {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("XML declaration");
    let mut stack: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find('<') {
        assert_entities(&rest[..start]);
        let end = rest[start..].find('>').expect("tag closes") + start;
        let tag = &rest[start + 1..end];
        assert!(!tag.contains('<'), "`<` inside a tag: {tag}");
        assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
        assert_entities(tag);
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name),
                "closing tag out of order"
            );
        } else if !tag.ends_with('/') {
            stack.push(
                tag.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

fn assert_entities(text: &str) {
    for (i, _) in text.match_indices('&') {
        let entity = &text[i..text[i..].find(';').map_or(text.len(), |e| i + e + 1)];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].contains(&entity),
            "raw `&` in {text}"
        );
    }
}
