//! `runbook rollback` and `on-failure = "rollback"`: the plan, the undo order, the journal,
//! failing and interrupted rollbacks and how they continue. Every command appends to the
//! file `order` in the project, so the order of what ran is observable.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::support::Test;

/// A project whose state survives several invocations of the binary.
struct Project {
    test: Test,
}

/// What one invocation did.
struct Run {
    status: i32,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn exit(&self, code: i32) -> &Self {
        assert_eq!(self.status, code, "unexpected exit code\n{}", self.report());
        self
    }

    #[track_caller]
    fn says(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    fn lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr has {needle:?}\n{}",
            self.report()
        );
        self
    }

    /// Byte offset of `needle` in stderr.
    #[track_caller]
    fn at(&self, needle: &str) -> usize {
        self.stderr
            .find(needle)
            .unwrap_or_else(|| panic!("stderr lacks {needle:?}\n{}", self.report()))
    }

    fn report(&self) -> String {
        format!("--- exit: {}\n--- stderr:\n{}", self.status, self.stderr)
    }
}

impl Project {
    fn new() -> Self {
        Self { test: Test::new() }
    }

    fn runbook(self, name: &str, toml: &str) -> Self {
        Self {
            test: self.test.runbook(name, toml),
        }
    }

    fn path(&self) -> &Path {
        self.test.path()
    }

    fn run(&self, args: &[&str]) -> Run {
        let output = self
            .test
            .command()
            .args(args)
            .output()
            .expect("run the runbook binary");
        Run {
            status: output.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The lines appended to `order` since the last call, which empties it.
    fn order(&self) -> Vec<String> {
        let path = self.path().join("order");
        let text = fs::read_to_string(&path).unwrap_or_default();
        let _ = fs::remove_file(&path);
        text.lines().map(str::to_string).collect()
    }

    fn touch(&self, name: &str) {
        fs::write(self.path().join(name), "").expect("create flag file");
    }

    /// `(id, state)` of every run, oldest first.
    fn runs(&self) -> Vec<(String, String)> {
        let output = self
            .test
            .command()
            .args(["runs", "--json"])
            .output()
            .expect("run `runbook runs`");
        assert!(
            output.status.success(),
            "runs --json failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let rows: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("runs --json prints JSON");
        rows.as_array()
            .expect("an array of runs")
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_string(),
                    r["state"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    #[track_caller]
    fn only_run(&self) -> (String, String) {
        let runs = self.runs();
        assert_eq!(runs.len(), 1, "expected one run: {runs:?}");
        runs.into_iter().next().unwrap()
    }

    fn journal_path(&self, run_id: &str) -> PathBuf {
        self.path()
            .join(".runbook/runs")
            .join(run_id)
            .join("journal.jsonl")
    }

    /// Every journal record of a run.
    fn journal(&self, run_id: &str) -> Vec<serde_json::Value> {
        fs::read_to_string(self.journal_path(run_id))
            .expect("read the journal")
            .lines()
            .map(|l| serde_json::from_str(l).expect("a journal line is JSON"))
            .collect()
    }

    /// `(step, outcome)` of every `rollback-step` record of a run.
    fn rollback_steps(&self, run_id: &str) -> Vec<(String, String)> {
        self.journal(run_id)
            .iter()
            .filter(|r| r["type"] == "rollback-step")
            .map(|r| {
                (
                    r["step"].as_str().unwrap().to_string(),
                    r["outcome"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

fn lines(expected: &[&str]) -> Vec<String> {
    expected.iter().map(|s| (*s).to_string()).collect()
}

/// `a` → `b` (checkpoint, captures `version`) → `c` and `d` (both need `b`) → `e` (needs both). `d` has no undo.
const GRAPH: &str = r#"[runbook]
title = "Graph"

[vars.app]
default = "shop"

[[step]]
id = "a"
title = "A"
run = "echo do-a >> order"
[[step.rollback]]
run = "echo undo-a >> order"

[[step]]
id = "b"
title = "B"
run = "echo do-b >> order; echo v2"
capture = "version"
checkpoint = true
[[step.rollback]]
run = "echo undo-b >> order"

[[step]]
id = "c"
title = "C"
needs = ["b"]
run = "echo do-c >> order"
[[step.rollback]]
run = "echo undo-c {{ app }} {{ version }} >> order"

[[step]]
id = "d"
title = "D"
needs = ["b"]
run = "echo do-d >> order"

[[step]]
id = "e"
title = "E"
needs = ["c", "d"]
run = "echo do-e >> order"
[[step.rollback]]
name = "first"
run = "echo undo-e1 >> order"
[[step.rollback]]
run = "echo undo-e2 >> order"
"#;

#[test]
fn undoes_the_steps_after_the_checkpoint_newest_first() {
    let p = Project::new().runbook("graph", GRAPH);
    p.run(&["run", "graph", "--yes"]).exit(0);
    assert_eq!(p.order(), lines(&["do-a", "do-b", "do-c", "do-d", "do-e"]));
    let (id, state) = p.only_run();
    assert_eq!(state, "succeeded");

    let out = p.run(&["rollback", "--yes"]);
    // Rendered with the run's variables and captures, at step start.
    out.exit(0)
        .says("rollback plan")
        .says("$ echo undo-c shop v2 >> order")
        .lacks("undo-b");
    assert_eq!(p.order(), lines(&["undo-e1", "undo-e2", "undo-c shop v2"]));
    assert_eq!(
        p.rollback_steps(&id),
        [
            ("e", "started"),
            ("e", "succeeded"),
            ("d", "no-undo"),
            ("c", "started"),
            ("c", "succeeded")
        ]
        .map(|(s, o)| (s.to_string(), o.to_string()))
    );
    let types: Vec<String> = p
        .journal(&id)
        .iter()
        .map(|r| r["type"].as_str().unwrap().to_string())
        .collect();
    assert!(
        types.contains(&"rollback-started".to_string())
            && types.contains(&"rollback-finished".to_string()),
        "{types:?}"
    );
}

#[test]
fn no_undo_steps_are_listed_before_anything_runs() {
    let p = Project::new().runbook("graph", GRAPH);
    p.run(&["run", "graph", "--yes"]).exit(0);
    let out = p.run(&["rollback", "--yes"]);
    out.exit(0);
    let plan = out.at("rollback plan");
    let listed = out.at("d: no undo");
    let note = out.at("`d` cannot be undone automatically");
    let first_undo = out.at("undone: e");
    assert!(
        plan < listed && listed < note && note < first_undo,
        "{}",
        out.report()
    );
}

#[test]
fn rollback_to_a_step_keeps_that_step() {
    let p = Project::new().runbook("graph", GRAPH);
    p.run(&["run", "graph", "--yes"]).exit(0);
    p.order();
    p.run(&["rollback", "--to", "a", "--yes"]).exit(0);
    assert_eq!(
        p.order(),
        lines(&["undo-e1", "undo-e2", "undo-c shop v2", "undo-b"])
    );
}

#[test]
fn rollback_to_a_step_that_did_not_run_is_a_usage_error() {
    let p = Project::new().runbook("graph", GRAPH);
    p.run(&["run", "graph", "--yes"]).exit(0);
    p.order();
    p.run(&["rollback", "--to", "nope", "--yes"])
        .exit(2)
        .says("step `nope` did not run in this run");
    assert!(p.order().is_empty());
}

#[test]
fn a_second_rollback_goes_back_one_more_checkpoint() {
    let p = Project::new().runbook("graph", GRAPH);
    p.run(&["run", "graph", "--yes"]).exit(0);
    p.order();
    p.run(&["rollback", "--yes"]).exit(0);
    assert_eq!(p.order(), lines(&["undo-e1", "undo-e2", "undo-c shop v2"]));
    p.run(&["rollback", "--yes"]).exit(0);
    assert_eq!(p.order(), lines(&["undo-b", "undo-a"]));
    assert_eq!(p.only_run().1, "rolled-back");
    p.run(&["rollback", "--yes"])
        .exit(0)
        .says("nothing to roll back");
}

#[test]
fn a_partial_rollback_leaves_the_run_resumable_and_resume_reruns_the_undone_steps() {
    let p = Project::new().runbook("graph", GRAPH);
    p.run(&["run", "graph", "--yes"]).exit(0);
    p.order();
    p.run(&["rollback", "--yes"]).exit(0).says("runbook resume");
    assert_eq!(p.order(), lines(&["undo-e1", "undo-e2", "undo-c shop v2"]));
    let (id, state) = p.only_run();
    assert_ne!(
        state, "succeeded",
        "a partly undone run is no longer succeeded"
    );
    p.run(&["resume", &id, "--yes"]).exit(0);
    assert_eq!(p.order(), lines(&["do-c", "do-d", "do-e"]));
    assert_eq!(p.only_run().1, "succeeded");
}

/// `a`, `b` (two undo commands, the second fails while `broken` exists), `c`. No checkpoint.
const FLAKY_UNDO: &str = r#"[runbook]
title = "Flaky undo"

[[step]]
id = "a"
title = "A"
run = "echo do-a >> order"
[[step.rollback]]
run = "echo undo-a >> order"

[[step]]
id = "gate"
title = "A gate, nothing to undo"

[[step]]
id = "b"
title = "B"
run = "echo do-b >> order"
[[step.rollback]]
run = "echo undo-b1 >> order"
[[step.rollback]]
run = "echo undo-b2 >> order; if [ -f broken ]; then echo 'cannot reach the cluster' >&2; exit 3; fi"

[[step]]
id = "c"
title = "C"
run = "echo do-c >> order"
[[step.rollback]]
run = "echo undo-c >> order"
"#;

#[test]
fn a_failing_undo_command_stops_the_rollback_and_a_second_rollback_continues() {
    let p = Project::new().runbook("flaky", FLAKY_UNDO);
    p.run(&["run", "flaky", "--yes"]).exit(0);
    p.order();
    p.touch("broken");
    p.run(&["rollback", "--yes"])
        .exit(1)
        .says("cannot reach the cluster")
        .says("exit code 3")
        .says("runbook rollback");
    assert_eq!(p.order(), lines(&["undo-c", "undo-b1", "undo-b2"]));
    let (id, state) = p.only_run();
    assert_eq!(state, "rollback-failed");

    fs::remove_file(p.path().join("broken")).unwrap();
    p.run(&["rollback", "--yes"]).exit(0);
    // `c` is not undone again; `b` runs again from its first undo command.
    assert_eq!(p.order(), lines(&["undo-b1", "undo-b2", "undo-a"]));
    assert_eq!(p.only_run().1, "rolled-back");
    let finished: Vec<String> = p
        .journal(&id)
        .iter()
        .filter(|r| r["type"] == "rollback-finished")
        .map(|r| {
            format!(
                "{} {}",
                r["state"].as_str().unwrap(),
                r["reason"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(finished.len(), 2, "{finished:?}");
    assert!(
        finished[0].starts_with("rollback-failed `b`:"),
        "{finished:?}"
    );
    assert_eq!(finished[1].trim(), "rolled-back");
}

#[test]
fn resume_refuses_while_a_rollback_is_unfinished() {
    let p = Project::new().runbook("flaky", FLAKY_UNDO);
    p.run(&["run", "flaky", "--yes"]).exit(0);
    p.touch("broken");
    p.run(&["rollback", "--yes"]).exit(1);
    let (id, _) = p.only_run();
    p.order();
    p.run(&["resume", &id, "--yes"])
        .exit(2)
        .says("unfinished rollback")
        .says(&format!("runbook rollback {id}"));
    assert!(p.order().is_empty());
}

#[test]
fn a_rollback_killed_mid_undo_continues_from_that_step() {
    let toml = r#"[runbook]
title = "Crash"

[[step]]
id = "a"
title = "A"
run = "echo do-a >> order"
[[step.rollback]]
run = "echo undo-a >> order"

[[step]]
id = "b"
title = "B"
run = "echo do-b >> order"
[[step.rollback]]
run = "echo undo-b1 >> order"
[[step.rollback]]
run = "echo undo-b2 >> order; if [ ! -f crashed ]; then echo $$ > sleeper.pid; touch crashed; exec sleep 300; fi"

[[step]]
id = "c"
title = "C"
run = "echo do-c >> order"
[[step.rollback]]
run = "echo undo-c >> order"
"#;
    let p = Project::new().runbook("crash", toml);
    p.run(&["run", "crash", "--yes"]).exit(0);
    p.order();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_runbook"))
        .args(["rollback", "--yes"])
        .current_dir(p.path())
        .env_remove("RUNBOOK_DIR")
        .env_remove("RUNBOOK_STATE_DIR")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start `runbook rollback`");
    let marker = p.path().join("crashed");
    let mut waited = 0;
    while !marker.exists() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("rollback exited ({status}) before reaching the sleeping undo command");
        }
        waited += 1;
        assert!(waited < 6000, "the undo command never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL the rollback");
    child.wait().expect("reap the rollback");
    let sleeper = fs::read_to_string(p.path().join("sleeper.pid")).unwrap_or_default();
    let _ = std::process::Command::new("kill")
        .args(["-9", sleeper.trim()])
        .status();

    let (id, state) = p.only_run();
    assert_eq!(state, "rolling-back");
    assert_eq!(p.order(), lines(&["undo-c", "undo-b1", "undo-b2"]));

    p.run(&["rollback", "--yes"])
        .exit(0)
        .says("b:")
        .lacks("c: $");
    assert_eq!(p.order(), lines(&["undo-b1", "undo-b2", "undo-a"]));
    assert_eq!(p.only_run().1, "rolled-back");
    assert_eq!(
        p.rollback_steps(&id),
        [
            ("c", "started"),
            ("c", "succeeded"),
            ("b", "started"),
            ("b", "started"),
            ("b", "succeeded"),
            ("a", "started"),
            ("a", "succeeded")
        ]
        .map(|(s, o)| (s.to_string(), o.to_string()))
    );
}

#[test]
fn on_failure_rollback_undoes_back_to_the_checkpoint() {
    let toml = r#"[runbook]
title = "Auto"

[[step]]
id = "a"
title = "A"
run = "echo do-a >> order"
[[step.rollback]]
run = "echo undo-a >> order"

[[step]]
id = "b"
title = "B"
run = "echo do-b >> order"
checkpoint = true
[[step.rollback]]
run = "echo undo-b >> order"

[[step]]
id = "c"
title = "C"
run = "echo do-c >> order"
[[step.rollback]]
run = "echo undo-c >> order"

[[step]]
id = "d"
title = "D"
run = "echo do-d >> order; test -f fixed"
on-failure = "rollback"

[[step]]
id = "e"
title = "E"
run = "echo do-e >> order"
"#;
    let p = Project::new().runbook("auto", toml);
    p.run(&["run", "auto", "--yes"])
        .exit(1)
        .says("rolled back to the last checkpoint");
    assert_eq!(
        p.order(),
        lines(&["do-a", "do-b", "do-c", "do-d", "undo-c"])
    );
    let (id, state) = p.only_run();
    assert_eq!(state, "failed");
    assert_eq!(
        p.rollback_steps(&id),
        [("d", "no-undo"), ("c", "started"), ("c", "succeeded")]
            .map(|(s, o)| (s.to_string(), o.to_string()))
    );
    let types: Vec<String> = p
        .journal(&id)
        .iter()
        .map(|r| r["type"].as_str().unwrap().to_string())
        .collect();
    let started = types
        .iter()
        .position(|t| t == "rollback-started")
        .expect("rollback-started");
    let finished = types
        .iter()
        .position(|t| t == "rollback-finished")
        .expect("rollback-finished");
    assert!(
        started < finished && types.last().map(String::as_str) == Some("run-finished"),
        "{types:?}"
    );

    // Fixed: resume re-runs the undone steps from the checkpoint on.
    p.touch("fixed");
    p.run(&["resume", &id, "--yes"]).exit(0);
    assert_eq!(p.order(), lines(&["do-c", "do-d", "do-e"]));
    assert_eq!(p.only_run().1, "succeeded");
}

#[test]
fn a_failing_automatic_rollback_says_so() {
    let toml = r#"[runbook]
title = "Auto"

[[step]]
id = "a"
title = "A"
run = "echo do-a >> order"
checkpoint = true

[[step]]
id = "b"
title = "B"
run = "echo do-b >> order"
[[step.rollback]]
run = "echo undo-b >> order; test -f fixed"

[[step]]
id = "c"
title = "C"
run = "false"
on-failure = "rollback"
"#;
    let p = Project::new().runbook("auto", toml);
    let out = p.run(&["run", "auto", "--yes"]);
    out.exit(1)
        .says("rollback")
        .lacks("rolled back to the last checkpoint");
    let (id, state) = p.only_run();
    assert_eq!(state, "rollback-failed");
    p.touch("fixed");
    p.order();
    p.run(&["rollback", &id, "--yes"]).exit(0);
    assert_eq!(p.order(), lines(&["undo-b"]));
    assert_eq!(p.only_run().1, "failed");
}

#[test]
fn foreach_items_are_undone_in_reverse() {
    let toml = r#"[runbook]
title = "Loop"

[[step]]
id = "prepare"
title = "Prepare"
run = "echo do-prepare >> order"
checkpoint = true

[[step]]
id = "deploy"
title = "Deploy {{ app }}"
foreach = { var = "app", in = ["a", "b", "c"] }
run = "echo do-{{ app }} >> order"
[[step.rollback]]
run = "echo undo-{{ app }} >> order"
"#;
    let p = Project::new().runbook("loop", toml);
    p.run(&["run", "loop", "--yes"]).exit(0);
    p.order();
    let out = p.run(&["rollback", "--yes"]);
    out.exit(0);
    assert!(
        out.at("deploy[c]") < out.at("deploy[b]") && out.at("deploy[b]") < out.at("deploy[a]"),
        "{}",
        out.report()
    );
    assert_eq!(p.order(), lines(&["undo-c", "undo-b", "undo-a"]));
    let (id, _) = p.only_run();
    let undone: Vec<String> = p
        .rollback_steps(&id)
        .into_iter()
        .filter(|(_, o)| o == "succeeded")
        .map(|(s, _)| s)
        .collect();
    assert_eq!(undone, lines(&["deploy[c]", "deploy[b]", "deploy[a]"]));
}

#[test]
fn call_inner_steps_are_undone_in_reverse() {
    let inner = r#"[runbook]
title = "Fix"

[vars.target]
default = "x"

[[step]]
id = "a"
title = "A"
run = "echo do-fix-a {{ target }} >> order"
[[step.rollback]]
run = "echo undo-fix-a {{ target }} >> order"

[[step]]
id = "b"
title = "B"
run = "echo do-fix-b >> order"
[[step.rollback]]
run = "echo undo-fix-b >> order"
"#;
    let outer = r#"[runbook]
title = "Outer"

[[step]]
id = "start"
title = "Start"
run = "echo do-start >> order"
checkpoint = true

[[step]]
id = "fix"
title = "Fix"
call = "fix"
with = { target = "prod" }
[[step.rollback]]
run = "echo undo-fix >> order"
"#;
    let p = Project::new().runbook("fix", inner).runbook("outer", outer);
    p.run(&["run", "outer", "--yes"]).exit(0);
    assert_eq!(p.order(), lines(&["do-start", "do-fix-a prod", "do-fix-b"]));
    p.run(&["rollback", "--yes"]).exit(0);
    assert_eq!(
        p.order(),
        lines(&["undo-fix-b", "undo-fix-a prod", "undo-fix"])
    );
    let (id, _) = p.only_run();
    let undone: Vec<String> = p
        .rollback_steps(&id)
        .into_iter()
        .filter(|(_, o)| o == "succeeded")
        .map(|(s, _)| s)
        .collect();
    assert_eq!(undone, lines(&["fix/b", "fix/a", "fix"]));
}

#[test]
fn a_complete_rollback_ends_the_run_and_run_starts_fresh() {
    let p = Project::new().runbook("flaky", FLAKY_UNDO);
    p.run(&["run", "flaky", "--yes"]).exit(0);
    p.order();
    p.run(&["rollback", "--yes"])
        .exit(0)
        .says("runbook run flaky");
    assert_eq!(
        p.order(),
        lines(&["undo-c", "undo-b1", "undo-b2", "undo-a"])
    );
    let (id, state) = p.only_run();
    assert_eq!(state, "rolled-back");
    p.run(&["resume", &id, "--yes"])
        .exit(2)
        .says("already ended (rolled-back)");

    p.run(&["run", "flaky", "--yes"]).exit(0);
    assert_eq!(p.order(), lines(&["do-a", "do-b", "do-c"]));
    let runs = p.runs();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(
        runs.iter().filter(|(_, s)| s == "succeeded").count(),
        1,
        "{runs:?}"
    );
}

#[test]
fn a_checkpoint_without_a_command_is_a_rollback_point() {
    let toml = r#"[runbook]
title = "Gate checkpoint"

[[step]]
id = "a"
title = "A"
run = "echo do-a >> order"
[[step.rollback]]
run = "echo undo-a >> order"

[[step]]
id = "healthy"
title = "Everything is healthy"
checkpoint = true

[[step]]
id = "b"
title = "B"
run = "echo do-b >> order"
[[step.rollback]]
run = "echo undo-b >> order"
"#;
    let p = Project::new().runbook("gate", toml);
    p.run(&["run", "gate", "--yes"]).exit(0);
    p.order();
    p.run(&["rollback", "--yes"]).exit(0);
    assert_eq!(p.order(), lines(&["undo-b"]));
}

#[test]
fn without_a_terminal_rollback_needs_yes() {
    let p = Project::new().runbook("graph", GRAPH);
    p.run(&["run", "graph", "--yes"]).exit(0);
    p.order();
    p.run(&["rollback"])
        .exit(2)
        .says("no terminal")
        .says("--yes");
    assert!(p.order().is_empty());
    assert_eq!(p.only_run().1, "succeeded");
}

#[test]
fn rolls_back_a_failed_run() {
    let p = Project::new().runbook("flaky", &FLAKY_UNDO.replace("echo do-c >> order", "exit 1"));
    p.run(&["run", "flaky", "--yes"]).exit(1);
    p.order();
    // The failed step's command began, so its undo runs too (undo commands are idempotent).
    p.run(&["rollback", "--yes"])
        .exit(0)
        .says("1. c: $ echo undo-c");
    assert_eq!(
        p.order(),
        lines(&["undo-c", "undo-b1", "undo-b2", "undo-a"])
    );
    assert_eq!(p.only_run().1, "rolled-back");
}

#[test]
fn show_lists_each_steps_undo() {
    let p = Project::new().runbook("graph", GRAPH);
    let out = p
        .test
        .command()
        .args(["show", "graph", "--var", "app=web shop"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("undo: $ echo undo-c 'web shop'"),
        "{stdout}"
    );
    assert!(
        stdout.contains("undo: $ echo undo-e1 >> order")
            && stdout.contains("undo: $ echo undo-e2 >> order"),
        "{stdout}"
    );
    assert!(stdout.contains("undo: none"), "{stdout}");
}

const SECRET: &str = r#"[runbook]
title = "Secret"

[vars.token]
secret = true
from-env = "DEPLOY_TOKEN"

[[step]]
id = "login"
title = "Log in"
run = "echo do-login {{ token }} >> order"
[[step.rollback]]
run = "echo undo-login {{ token }} >> order"
"#;

#[test]
fn undo_commands_get_secrets_from_the_environment_again() {
    let p = Project::new().runbook("secret", SECRET);
    let run = |args: &[&str], token: Option<&str>| {
        let mut command = p.test.command();
        command.args(args);
        if let Some(token) = token {
            command.env("DEPLOY_TOKEN", token);
        }
        let output = command.output().unwrap();
        Run {
            status: output.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    };
    run(&["run", "secret", "--yes"], Some("s3cret")).exit(0);
    assert_eq!(p.order(), lines(&["do-login s3cret"]));
    let (id, _) = p.only_run();
    assert!(
        !fs::read_to_string(p.journal_path(&id))
            .unwrap()
            .contains("s3cret"),
        "a secret reached the journal"
    );

    run(&["rollback", "--yes"], None)
        .exit(2)
        .says("the undo commands need the secret `token`")
        .says("DEPLOY_TOKEN");
    assert!(p.order().is_empty());
    run(&["rollback", "--yes"], Some("s3cret"))
        .exit(0)
        .lacks("s3cret");
    assert_eq!(p.order(), lines(&["undo-login s3cret"]));
}

#[test]
fn a_checkpoint_call_keeps_its_inner_steps_and_a_call_needs_no_undo_of_its_own() {
    let inner = r#"[runbook]
title = "Inner"

[[step]]
id = "a"
title = "A"
run = "echo do-inner-a >> order"
[[step.rollback]]
run = "echo undo-inner-a >> order"
"#;
    let outer = r#"[runbook]
title = "Outer"

[[step]]
id = "first"
title = "First"
call = "inner"
checkpoint = true

[[step]]
id = "second"
title = "Second"
call = "inner"
"#;
    let p = Project::new()
        .runbook("inner", inner)
        .runbook("outer", outer);
    p.run(&["run", "outer", "--yes"]).exit(0);
    p.order();
    let out = p.run(&["rollback", "--yes"]);
    out.exit(0)
        .says("second: no undo")
        .lacks("`second` cannot be undone");
    assert_eq!(p.order(), lines(&["undo-inner-a"]));
    let (id, _) = p.only_run();
    let undone: Vec<String> = p
        .rollback_steps(&id)
        .into_iter()
        .filter(|(_, o)| o != "started")
        .map(|(s, _)| s)
        .collect();
    assert_eq!(undone, lines(&["second/a", "second"]));
}

#[test]
fn an_undo_command_can_use_its_own_steps_capture() {
    let toml = r#"[runbook]
title = "Own capture"

[[step]]
id = "create"
title = "Create a job"
run = "echo do-create >> order; echo job-42"
capture = "job"
[[step.rollback]]
run = "echo undo-create {{ job }} >> order"
"#;
    let p = Project::new().runbook("own", toml);
    p.run(&["run", "own", "--yes"]).exit(0);
    p.order();
    p.run(&["rollback", "--yes"]).exit(0);
    assert_eq!(p.order(), lines(&["undo-create job-42"]));
}
