//! `runbook test` mechanics, each through the binary: the exact argv of an unmatched
//! call, a `then` sequence whose last answer repeats, files a double writes, a program
//! that is only observed running for real, parallel scenarios with their own state dir,
//! a `KUBECONFIG` that does not exist, the operator's `.runbook/` left alone by the tour,
//! repo fixtures copied clean per scenario, `files` kept inside them, and the exit codes of usage and validation errors.

use crate::support::{Test, files_below, repo_root};

/// A project with `runbook` and its test file `scenarios`.
fn project(runbook: &str, scenarios: &str) -> Test {
    Test::new()
        .runbook("demo", runbook)
        .file("runbooks/demo.test.toml", scenarios)
        .dir("runbooks/fixtures/repo")
}

fn one_step(run: &str) -> String {
    format!(
        "[runbook]\ntitle = \"Demo\"\n\n[vars.repo]\ndescription = \"the repository\"\ndefault = \".\"\n\n[[step]]\nid = \"go\"\ntitle = \"Go\"\nrun = '''{run}'''\n"
    )
}

#[test]
fn an_unmatched_call_shows_the_exact_argv_quoted_and_the_closest_double() {
    let scenarios = r#"
[[scenario]]
name = "annotates"

[[scenario.double]]
program = "kubectl"
args = "annotate hr web note=*x"

[[scenario.double]]
program = "kubectl"
args = "get pods"
"#;
    project(
        &one_step("kubectl annotate hr web 'note=a b' ''"),
        scenarios,
    )
    .args(["test"])
    .run()
    .expect_exit(1)
    .expect_stdout_contains("`kubectl annotate hr web 'note=a b' ''` was called")
    .expect_stdout_contains("closest double: `kubectl annotate hr web note=*x`");
}

#[test]
fn a_then_sequence_answers_in_order_and_its_last_answer_repeats() {
    let scenarios = r#"
[[scenario]]
name = "polls four times"

[[scenario.double]]
program = "kubectl"
args = "version"
stdout = "first\n"
then = [{ stdout = "second\n" }, { stdout = "last\n", exit = 0 }]

[scenario.expect]
output = '(?s)│ first\n.*│ second\n.*│ last\n.*│ last\n'
calls = ["kubectl version", "kubectl version", "kubectl version", "kubectl version"]
"#;
    let out = project(
        &one_step("for i in 1 2 3 4; do kubectl version; done"),
        scenarios,
    )
    .args(["test", "--json"])
    .run();
    out.expect_exit(0);
    assert_eq!(out.json()[0]["calls"].as_array().map(Vec::len), Some(4));
}

#[test]
fn a_double_writes_its_files_into_the_repo_fixture_and_an_observed_program_runs_for_real() {
    let scenarios = r#"
[[scenario]]
name = "exports"
repo = "fixtures/repo"

[[scenario.double]]
program = "kubectl"
args = "get cm app -o yaml"
stdout = "exported\n"
files = { "out/cm.yaml" = "data:\n  level: debug\n" }

[scenario.expect]
exists = ["out/cm.yaml"]
contains = { "out/cm.yaml" = '(?m)^  level: debug$' }
output = 'level=debug'
calls = ["kubectl get cm app -o yaml", "grep -c level *out/cm.yaml"]
"#;
    project(
        &one_step(
            "kubectl get cm app -o yaml && grep -c level {{ repo }}/out/cm.yaml && echo level=$(sed -n 's/^  level: //p' {{ repo }}/out/cm.yaml)",
        ),
        scenarios,
    )
    .args(["test"])
    .run()
    .expect_exit(0)
    .expect_stdout_contains("test demo :: exports ... ok");
}

#[test]
fn parallel_scenarios_each_get_their_own_state_dir_lock_and_journal() {
    // Each run holds its runbook's lock for a second, and counts the runs in the state
    // dir of its working directory: with one state dir for all, scenarios running at the
    // same time would find the lock taken (exit 5) or see each other's runs.
    let mut scenarios = String::new();
    for i in 0..4 {
        scenarios.push_str(&format!(
            "[[scenario]]\nname = \"run {i}\"\n\n[scenario.expect]\nsteps = {{ go = \"succeeded\" }}\noutput = 'runs=1\\b'\n\n"
        ));
    }
    let t = project(
        &one_step("sleep 1 && echo runs=$(ls .runbook/runs | wc -l)"),
        &scenarios,
    );
    let out = t.invoke(&["test"]);
    out.expect_exit(0)
        .expect_stdout_contains("test result: ok. 4 passed; 0 failed");
    assert!(!t.path().join(".runbook").exists(), "{}", out.report());
}

#[test]
fn a_scenario_sees_a_kubeconfig_that_does_not_exist_whatever_the_caller_has() {
    let scenarios = r#"
[[scenario]]
name = "no cluster"

[scenario.expect]
output = 'kubeconfig=/\S+/kubeconfig-that-does-not-exist'
"#;
    let t = project(
        &one_step(r#"test ! -e "$KUBECONFIG" && echo "kubeconfig=$KUBECONFIG""#),
        scenarios,
    )
    .file("real-kubeconfig", "apiVersion: v1\n");
    let real = t.path().join("real-kubeconfig");
    t.env("KUBECONFIG", real)
        .args(["test"])
        .run()
        .expect_exit(0);
}

#[test]
fn the_tour_runs_its_scenarios_without_touching_the_operators_dot_runbook() {
    let root = repo_root();
    let read = |name: &str| std::fs::read_to_string(root.join("runbooks").join(name)).unwrap();
    let t = Test::new()
        .file("runbooks/tour.toml", read("tour.toml"))
        .file("runbooks/tour.test.toml", read("tour.test.toml"))
        .file(".runbook/operator-notes", "mine\n");
    t.invoke(&["test", "tour"])
        .expect_exit(0)
        .expect_stdout_contains(
            "test tour :: walks every step under --yes --allow-destructive ... ok",
        );
    let left: Vec<String> = files_below(&t.path().join(".runbook"))
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].ends_with("operator-notes"), "{left:?}");
}

#[test]
fn usage_and_validation_errors_have_their_own_exit_codes() {
    let valid = project(&one_step("true"), "[[scenario]]\nname = \"x\"\n");
    valid.invoke(&["test", "nosuch"]).expect_exit(2);
    valid
        .invoke(&["test", "--scenario", "nothing-matches"])
        .expect_exit(2)
        .expect_stderr_contains("no test scenarios to run");
    let invalid =
        "[[scenario]]\nname = \"x\"\n\n[scenario.expect]\nsteps = { og = \"succeeded\" }\n";
    project(&one_step("true"), invalid)
        .args(["test"])
        .run()
        .expect_exit(3)
        .expect_diagnostic(
            "runbook `demo` has no step `og`",
            "runbooks/demo.test.toml:5:16",
        );
}

#[test]
fn every_scenario_gets_its_own_clean_copy_of_the_repo_fixture() {
    // Even plumbing that does not refresh the index sees the copy as clean, and what one
    // scenario removes is back for the next.
    let mut scenarios = String::new();
    for i in 0..3 {
        scenarios.push_str(&format!(
            "[[scenario]]\nname = \"edit {i}\"\nrepo = \"fixtures/repo\"\n\n[scenario.expect]\nabsent = [\"old.yaml\"]\nexists = [\"keep/new.yaml\"]\n\n"
        ));
    }
    let run = "cd {{ repo }} && git diff-files --quiet && git diff-index --quiet HEAD && test -z \"$(git status --porcelain)\" && git rm -q old.yaml";
    project(&one_step(run), &scenarios)
        .file("runbooks/fixtures/repo/old.yaml", "old: true\n")
        .file("runbooks/fixtures/repo/keep/new.yaml", "new: true\n")
        .args(["test"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("test result: ok. 3 passed; 0 failed");
}

#[test]
fn a_double_may_write_files_only_inside_a_repo_fixture() {
    let scenarios = r#"
[[scenario]]
name = "no repo"

[[scenario.double]]
program = "kubectl"
files = { "apps/x.yaml" = "x" }

[[scenario]]
name = "escapes"
repo = "fixtures/repo"

[[scenario.double]]
program = "kustomize"
then = [{ files = { "../outside.yaml" = "x" } }]
"#;
    let t = project(&one_step("true"), scenarios);
    t.invoke(&["check"])
        .expect_exit(3)
        .expect_diagnostic(
            "a double writes `apps/x.yaml` but the scenario has no `repo` fixture",
            "runbooks/demo.test.toml:6:11",
        )
        .expect_diagnostic(
            "`../outside.yaml` is not a path inside the repo fixture",
            "runbooks/demo.test.toml:14:11",
        );
}
