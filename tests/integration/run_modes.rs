//! The modes and outputs of `runbook run`: no terminal, dry run and its plan, `--from`, the
//! `runs`/`log` JSON shapes, Ctrl-C then resume, an unfinished run in the way (`--new`), and
//! `log` printing the journal as written.

use crate::support::{
    alive, count, journal, log_json, outcome, project, read, records, run_ids, runs_json,
};

const TWO_STEPS: &str = r#"
[runbook]
title = "Two"

[[step]]
id = "one"
run = "echo one >> calls"

[[step]]
id = "two"
run = "echo two >> calls"
"#;

#[test]
fn without_a_terminal_and_without_yes_or_auto_nothing_runs() {
    let t = project(TWO_STEPS);
    t.invoke(&["run", "rb"])
        .expect_exit(2)
        .expect_stderr_contains("--yes")
        .expect_stderr_contains("--auto");
    assert!(!t.path().join("calls").exists());
    assert!(run_ids(t.path()).is_empty());
}

#[test]
fn dry_run_runs_nothing_and_writes_no_state() {
    let t = project(TWO_STEPS);
    let ran = t.invoke(&["run", "rb", "--dry-run"]);
    ran.expect_exit(0)
        .expect_stdout_contains("echo one >> calls");
    assert!(!t.path().join("calls").exists());
    assert!(!t.path().join(".runbook/runs").exists());
    t.invoke(&["run", "rb", "--dry-run", "--yes"])
        .expect_exit(0);
    assert!(!t.path().join(".runbook/runs").exists());
}

/// `runbook run X --dry-run > plan.txt` keeps the plan: the plan is data on stdout, with
/// the runbook-level preconditions `show` lists; the closing line and the warnings are
/// progress on stderr.
#[test]
fn a_dry_run_writes_its_plan_to_stdout_with_the_runbook_preconditions() {
    let t = project(
        r#"
[runbook]
title = "Planned"

[[precondition]]
name = "the cluster answers"
run = "touch checked"

[[step]]
id = "one"
run = "echo one >> calls"

[[step.verify]]
name = "one was written"
run = "test -f calls"
"#,
    );
    let ran = t.invoke(&["run", "rb", "--dry-run"]);
    ran.expect_exit(0)
        .expect_stdout_contains("runbook preconditions (checked first):\n  · the cluster answers")
        .expect_stdout_contains("$ echo one >> calls")
        .expect_stdout_contains("· verify: one was written")
        .expect_stderr_contains("dry run finished: nothing was executed")
        .expect_stderr_lacks("echo one")
        .expect_stderr_lacks("the cluster answers");
    assert!(
        !t.path().join("checked").exists(),
        "a dry run checks nothing"
    );
    assert!(!t.path().join("calls").exists());
}

#[test]
fn from_skips_the_steps_before_it() {
    let t = project(TWO_STEPS);
    t.invoke(&["run", "rb", "--yes", "--from", "two"])
        .expect_exit(0);
    assert_eq!(read(t.path(), "calls"), "two\n");
    let j = journal(t.path());
    assert_eq!(outcome(&j, "one"), "skipped");
    assert_eq!(outcome(&j, "two"), "succeeded");
    t.invoke(&["run", "rb", "--yes", "--from", "tow"])
        .expect_exit(2)
        .expect_stderr_contains("two");
}

#[test]
fn runs_and_log_json_shapes() {
    let t = project(TWO_STEPS);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    let runs = runs_json(&t);
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["id"].as_str().unwrap(), run_ids(t.path())[0]);
    assert_eq!(run["runbook"], "rb");
    assert_eq!(run["state"], "succeeded");
    assert_eq!(run["step"], "two");
    assert!(run["started"].as_str().unwrap().ends_with('Z'));
    assert!(run["updated"].is_string());

    t.invoke(&["runs"])
        .expect_exit(0)
        .expect_stdout_contains("succeeded")
        .expect_stdout_contains(&run_ids(t.path())[0]);
    t.invoke(&["log"])
        .expect_exit(0)
        .expect_stdout_contains("one: succeeded")
        .expect_stdout_contains("run finished: succeeded");
    let log = log_json(&t);
    assert_eq!(
        log,
        journal(t.path()),
        "log --json prints the journal records"
    );
    let types: Vec<&str> = log.iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "run-started",
            "step-started",
            "step-spawned",
            "step-finished",
            "step-started",
            "step-spawned",
            "step-finished",
            "run-finished"
        ]
    );
    for record in &log {
        let ts = record["ts"].as_str().unwrap();
        assert!(
            ts.len() >= 20 && ts.ends_with('Z') && &ts[10..11] == "T",
            "{ts}"
        );
    }
    assert_eq!(log[0]["runbook"], "rb");
    assert!(log[0]["digest"].is_string());
    assert_eq!(log[1]["step"], "one");
    assert_eq!(log[2]["step"], "one");
    assert!(log[2]["pid"].is_u64() && log[2]["pgid"].is_u64());
    assert_eq!(log[3]["outcome"], "succeeded");
    assert_eq!(log[7]["state"], "succeeded");
}

#[test]
fn sigint_stops_the_command_group_and_the_run_resumes() {
    let t = project(
        r#"
[runbook]
title = "Interrupt"

[[step]]
id = "wait"
idempotent = true
run = "echo run >> wait.calls; touch started; test -f fast || sh -c 'echo $$ > sleeper.pid; exec sleep 30'"

[[step]]
id = "after"
run = "touch after"
"#,
    );
    let mut child = t.spawn(&["run", "rb", "--yes"]);
    child.wait_for(&t.path().join("sleeper.pid"));
    child.signal("INT");
    let ran = child.finish();
    ran.expect_exit(130);
    assert!(
        !alive(&read(t.path(), "sleeper.pid")),
        "the command's group did not get the signal"
    );
    assert!(!t.path().join("after").exists());
    let j = journal(t.path());
    let interrupted: Vec<_> = j.iter().filter(|r| r["type"] == "interrupted").collect();
    assert!(!interrupted.is_empty(), "{j:#?}");
    assert!(
        records(&j, "step-finished", "wait").is_empty(),
        "an interrupted step has no outcome"
    );
    let runs = runs_json(&t);
    assert_eq!(runs[0]["state"], "interrupted");

    std::fs::write(t.path().join("fast"), "").unwrap();
    t.invoke(&["resume", "--yes"]).expect_exit(0);
    assert_eq!(count(t.path(), "wait.calls"), 2);
    assert!(t.path().join("after").exists());
    assert_eq!(outcome(&journal(t.path()), "wait"), "succeeded");
}

const STOPS: &str = r#"
[runbook]
title = "Stops"

[[step]]
id = "first"
run = "echo run >> first.calls"

[[step]]
id = "second"
run = "test -f fixed"
"#;

#[test]
fn run_with_an_unfinished_run_refuses_without_an_operator() {
    let t = project(STOPS);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let old = run_ids(t.path()).remove(0);
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(2)
        .expect_stderr_contains(&format!("unfinished run `{old}`"))
        .expect_stderr_contains(&format!("runbook resume {old}"))
        .expect_stderr_contains("runbook run rb --new");
    assert_eq!(run_ids(t.path()).len(), 1, "no second run was started");
    assert_eq!(count(t.path(), "first.calls"), 1);
}

#[test]
fn run_new_abandons_the_unfinished_run() {
    let t = project(STOPS);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let old = run_ids(t.path()).remove(0);
    std::fs::write(t.path().join("fixed"), "").unwrap();
    t.invoke(&["run", "rb", "--yes", "--new"]).expect_exit(0);
    let ids = run_ids(t.path());
    assert_eq!(ids.len(), 2);
    let last = crate::support::run_journal(t.path(), &old)
        .pop()
        .expect("records");
    assert_eq!(last["type"], "run-finished");
    assert_eq!(last["state"], "abandoned");
    let runs = runs_json(&t);
    let states: Vec<&str> = runs.iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["abandoned", "succeeded"]);
    // An abandoned run is over: plain resume finds nothing to continue.
    t.invoke(&["resume", "--yes"])
        .expect_exit(2)
        .expect_stderr_contains("no unfinished run");
    t.invoke(&["resume", &old, "--yes"])
        .expect_exit(2)
        .expect_stderr_contains("abandoned");
}

#[test]
fn log_prints_the_journal_as_written_on_one_line_per_record() {
    let t = project(
        r#"
[runbook]
title = "Log"

[[step]]
id = "read"
run = "printf 'HelmRelease Ready\nSee Grafana'"
capture = "status"

[[step]]
id = "pick"
ask = "Which colour?"
into = "colour"
default = "Blue"

[[step]]
id = "secret"
ask = "Token?"
into = "token"
secret = true
default = "hunter2"

[[step]]
id = "fail"
run = "exit 3"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let records = journal(t.path()).len();
    let log = t.invoke(&["log"]);
    log.expect_exit(0)
        .expect_stdout_contains("status = HelmRelease Ready\\nSee Grafana")
        .expect_stdout_contains("colour = Blue")
        .expect_stdout_contains("token = ********")
        .expect_stdout_lacks("hunter2")
        .expect_stdout_contains("`run` failed with exit code 3");
    assert_eq!(
        log.stdout.lines().count(),
        records + 1,
        "one line per record, plus the heading:\n{}",
        log.stdout
    );
}
