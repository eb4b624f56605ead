//! Dynamic shell completion: the script of `runbook completions bash` is sourced in a real
//! bash, which is then asked for candidates the way it asks on TAB (`COMP_WORDS`,
//! `COMP_CWORD`, the completion function). The candidates come from the project: runbook
//! names, step ids, `--var` keys and run ids.

use std::process::Command;

use crate::support::{Test, run_ids};

const DEPLOY: &str = r#"
[runbook]
title = "Deploy"
summary = "Roll it out"

[vars.cluster]
description = "Kube context"
default = "edge"

[vars.release]
default = "web"

[[step]]
id = "render"
run = "true"

[[step]]
id = "pick"
ask = "Which size?"
into = "size"
choices = ["1", "2"]
default = "1"

[[step]]
id = "apply"
run = "true"
"#;

fn project() -> Test {
    Test::new().runbook("deploy", DEPLOY).runbook(
        "backup",
        "[runbook]\ntitle = \"Backup\"\n\n[[step]]\nid = \"dump\"\nrun = \"true\"\n",
    )
}

/// `bash -c SCRIPT` in the test's environment, with the project's completion script at
/// `completion.bash`.
fn bash(test: &Test, script: &str) -> Command {
    let registration = test.invoke(&["completions", "bash"]);
    registration.expect_exit(0).expect_stderr_empty();
    std::fs::write(test.path().join("completion.bash"), &registration.stdout).unwrap();
    test.bash(script)
}

/// What bash offers for `words` besides flags (on an empty word clap offers the flags too).
fn candidates(test: &Test, words: &[&str]) -> Vec<String> {
    offered(test, words)
        .into_iter()
        .filter(|c| !c.starts_with('-'))
        .collect()
}

/// What bash's completion function offers for `words` (the last one is being typed).
fn offered(test: &Test, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        r#"source ./completion.bash
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
COMP_TYPE=9
_clap_complete_runbook runbook "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        words = quoted.join(" ")
    );
    let output = bash(test, &script).output().expect("run bash");
    assert!(
        output.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn runbook_names_for_run_show_graph_and_check() {
    let test = project();
    for command in ["run", "show", "graph", "check"] {
        assert_eq!(
            candidates(&test, &["runbook", command, ""]),
            ["backup", "deploy"],
            "{command}"
        );
    }
    assert_eq!(offered(&test, &["runbook", "run", "de"]), ["deploy"]);
    assert!(offered(&test, &["runbook", "run", ""]).contains(&"--yes".to_string()));
}

#[test]
fn step_ids_of_the_named_runbook_for_from() {
    let test = project();
    assert_eq!(
        candidates(&test, &["runbook", "run", "deploy", "--from", ""]),
        ["render", "pick", "apply"]
    );
    assert_eq!(
        candidates(&test, &["runbook", "run", "--yes", "backup", "--from", ""]),
        ["dump"]
    );
    assert!(candidates(&test, &["runbook", "run", "nope", "--from", ""]).is_empty());
}

#[test]
fn var_keys_of_the_named_runbook() {
    let test = project();
    assert_eq!(
        candidates(&test, &["runbook", "run", "deploy", "--var", ""]),
        ["cluster=", "release=", "size=", "size=1", "size=2"]
    );
    assert_eq!(
        candidates(&test, &["runbook", "run", "deploy", "--var", "size="]),
        ["size=", "size=1", "size=2"]
    );
    assert_eq!(
        candidates(&test, &["runbook", "show", "deploy", "--var", "cl"]),
        ["cluster="]
    );
}

#[test]
fn run_ids_for_resume_rollback_and_log_and_steps_for_rollback_to() {
    let test = project();
    test.invoke(&["run", "backup", "--yes"]).expect_exit(0);
    test.invoke(&["run", "deploy", "--yes"]).expect_exit(0);
    let mut ids = run_ids(test.path());
    ids.sort();
    ids.reverse();
    assert_eq!(ids.len(), 2);
    for command in ["resume", "rollback", "log"] {
        let offered = candidates(&test, &["runbook", command, ""]);
        assert_eq!(offered[..2], ids[..], "{command}: {offered:?}");
    }
    // `--to` offers the steps of the run's runbook (default: the newest run).
    assert_eq!(
        candidates(&test, &["runbook", "rollback", "--to", ""]),
        ["render", "pick", "apply"]
    );
    let backup = ids.iter().find(|id| id.ends_with("backup")).unwrap();
    assert_eq!(
        candidates(&test, &["runbook", "rollback", backup, "--to", ""]),
        ["dump"]
    );
}

#[test]
fn dir_flag_is_honoured_while_completing() {
    let test = Test::bare().runbook("elsewhere", "[runbook]\ntitle = \"E\"\n");
    std::fs::create_dir_all(test.path().join("cwd")).unwrap();
    let dir = test.path().join("runbooks");
    let dir = dir.to_str().unwrap();
    assert_eq!(
        candidates(&test, &["runbook", "--dir", dir, "run", ""]),
        ["elsewhere"]
    );
}

#[test]
fn zsh_and_fish_scripts_call_back_the_binary() {
    let test = project();
    let zsh = test.invoke(&["completions", "zsh"]);
    zsh.expect_exit(0)
        .expect_stdout_contains("#compdef runbook")
        .expect_stdout_contains("RUNBOOK_COMPLETE=\"zsh\"")
        .expect_stdout_contains("compdef _clap_dynamic_completer_runbook runbook");
    let fish = test.invoke(&["completions", "fish"]);
    fish.expect_exit(0)
        .expect_stdout_contains("complete --keep-order --exclusive --command runbook")
        .expect_stdout_contains("RUNBOOK_COMPLETE=fish");
    // The scripts call the binary by the path it was invoked with.
    let binary = assert_cmd::cargo::cargo_bin("runbook");
    zsh.expect_stdout_contains(binary.to_str().unwrap());
}

/// The completion switch is namespaced: a `COMPLETE` meant for another tool is ignored.
#[test]
fn a_foreign_complete_variable_is_ignored() {
    let test = project();
    test.invoke_env(&["list"], &[("COMPLETE", "bash")])
        .expect_exit(0)
        .expect_stdout_contains("deploy");
    let output = test.invoke_env(
        &["--", "runbook", "run", "de"],
        &[("RUNBOOK_COMPLETE", "bash"), ("_CLAP_COMPLETE_INDEX", "2")],
    );
    output.expect_exit(0).expect_stdout_contains("deploy");
}
