//! `runbook run` through the real binary: checks and polling, step kinds, failure
//! handling, variables (injection, secrets), modes, `--dry-run`, `--from`, timeouts,
//! Ctrl-C, and the typed Flux checks against a fake `kubectl`.
//!
//! Every command writes what it did into files of the temporary project; assertions are
//! on those files, exit codes and journal records, never on how long something took.

use std::path::Path;

use crate::support::{
    Test, alive, count, files_below, journal, log_json, outcome, passes_on_call, project, read,
    records, run_ids, runs_json,
};

// ---------------------------------------------------------------------------------------
// Checks and polling
// ---------------------------------------------------------------------------------------

#[test]
fn verify_passes_on_the_third_poll() {
    let t = project(&format!(
        r#"
[runbook]
title = "Poll"

[[step]]
id = "deploy"
run = "echo ran >> deploy.calls"

[[step.verify]]
name = "rolled out"
run = "{}"
attempts = 5
interval = "100ms"
"#,
        passes_on_call("verify.calls", 3)
    ));
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(count(t.path(), "deploy.calls"), 1);
    assert_eq!(count(t.path(), "verify.calls"), 3);
    let log = log_json(&t);
    let checks: Vec<_> = records(&log, "check", "deploy");
    assert_eq!(checks.len(), 3, "{checks:#?}");
    for (i, check) in checks.iter().enumerate() {
        assert_eq!(check["phase"], "verify");
        assert_eq!(check["name"], "rolled out");
        assert_eq!(check["attempt"], i + 1);
        assert_eq!(check["passed"], i == 2);
    }
    assert_eq!(outcome(&log, "deploy"), "succeeded");
    assert_eq!(log.last().unwrap()["type"], "run-finished");
    assert_eq!(log.last().unwrap()["state"], "succeeded");
}

#[test]
fn verify_that_never_passes_fails_the_step_after_its_attempts() {
    let t = project(
        r#"
[runbook]
title = "Poll"

[[step]]
id = "deploy"
run = "true"

[[step.verify]]
run = "echo try >> verify.calls; false"
attempts = 3
interval = "100ms"
message = "look at the pods"

[[step]]
id = "after"
run = "touch after"
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("look at the pods");
    assert_eq!(count(t.path(), "verify.calls"), 3);
    assert!(!t.path().join("after").exists());
    let j = journal(t.path());
    assert_eq!(outcome(&j, "deploy"), "failed");
    assert_eq!(j.last().unwrap()["state"], "failed");
}

#[test]
fn expect_exit_expect_stdout_and_reject_stdout() {
    let t = project(
        r#"
[runbook]
title = "Checks"

[vars.name]
default = "a.b"

[[step]]
id = "good"
run = "true"

[[step.verify]]
run = "exit 3"
expect-exit = 3

[[step.verify]]
run = "printf 'x\nstatus: Ready\n'"
expect-stdout = '^status: Ready$'

[[step.verify]]
run = "echo fine"
reject-stdout = "error"

[[step.verify]]
name = "value matches literally"
run = "echo a.b"
expect-stdout = '^{{ name }}$'

[[step]]
id = "bad-exit"
on-failure = "continue"
run = "true"

[[step.verify]]
run = "exit 0"
expect-exit = 2

[[step]]
id = "bad-stdout"
needs = []
on-failure = "continue"
run = "true"

[[step.verify]]
run = "echo status: Failed"
expect-stdout = "Ready"

[[step]]
id = "rejected"
needs = []
on-failure = "continue"
run = "true"

[[step.verify]]
run = "echo an error happened"
reject-stdout = "error"

[[step]]
id = "not-literal"
needs = []
on-failure = "continue"
run = "true"

[[step.verify]]
run = "echo axb"
expect-stdout = '^{{ name }}$'
"#,
    );
    let ran = t.invoke(&["run", "rb", "--yes"]);
    let j = journal(t.path());
    assert_eq!(outcome(&j, "good"), "succeeded", "{}", ran.report());
    for step in ["bad-exit", "bad-stdout", "rejected", "not-literal"] {
        assert_eq!(outcome(&j, step), "failed", "{step}\n{}", ran.report());
    }
    let reason = |step: &str| {
        records(&j, "step-finished", step)[0]["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        reason("bad-exit").contains("exit code 0, expected 2"),
        "{}",
        reason("bad-exit")
    );
    assert!(
        reason("bad-stdout").contains("does not match"),
        "{}",
        reason("bad-stdout")
    );
    assert!(
        reason("rejected").contains("rejected pattern"),
        "{}",
        reason("rejected")
    );
}

#[test]
fn runbook_precondition_failing_runs_nothing() {
    let t = project(
        r#"
[runbook]
title = "Pre"

[[precondition]]
name = "cluster reachable"
run = "echo pre >> pre.calls; false"
message = "connect the VPN"

[[step]]
id = "one"
run = "touch one"
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("cluster reachable")
        .expect_stderr_contains("connect the VPN");
    assert!(!t.path().join("one").exists());
    assert_eq!(count(t.path(), "pre.calls"), 1);
    let j = journal(t.path());
    assert!(j.iter().all(|r| r["type"] != "step-started"), "{j:#?}");
    let checks: Vec<_> = j.iter().filter(|r| r["type"] == "check").collect();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0]["phase"], "runbook-precondition");
    assert_eq!(checks[0]["passed"], false);
}

#[test]
fn step_precondition_blocks_the_step() {
    let t = project(
        r#"
[runbook]
title = "Pre"

[[step]]
id = "first"
run = "touch first"

[[step]]
id = "guarded"
run = "touch guarded"

[[step.precondition]]
run = "test -f missing"
message = "HelmRelease not found"
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("HelmRelease not found");
    assert!(t.path().join("first").exists());
    assert!(!t.path().join("guarded").exists());
    let j = journal(t.path());
    assert!(
        records(&j, "step-started", "guarded").is_empty(),
        "a blocked step never starts"
    );
    assert_eq!(outcome(&j, "guarded"), "failed");
    assert_eq!(records(&j, "check", "guarded")[0]["phase"], "precondition");
}

// ---------------------------------------------------------------------------------------
// Failure handling: continue, retry, timeout
// ---------------------------------------------------------------------------------------

#[test]
fn on_failure_continue_skips_steps_that_need_the_failed_one() {
    let t = project(
        r#"
[runbook]
title = "Continue"

[[step]]
id = "broken"
run = "exit 7"
on-failure = "continue"

[[step]]
id = "dependent"
run = "touch dependent"

[[step]]
id = "independent"
needs = []
run = "touch independent"
"#,
    );
    let ran = t.invoke(&["run", "rb", "--yes"]);
    // The walk goes on, but a run with a failed step does not end `succeeded`.
    ran.expect_exit(1)
        .expect_stderr_contains("the run went on (`on-failure = \"continue\"`): `broken`");
    assert!(!t.path().join("dependent").exists(), "{}", ran.report());
    assert!(t.path().join("independent").exists(), "{}", ran.report());
    let j = journal(t.path());
    assert_eq!(outcome(&j, "broken"), "failed");
    assert_eq!(records(&j, "step-finished", "broken")[0]["exit-code"], 7);
    assert_eq!(outcome(&j, "dependent"), "skipped");
    assert!(
        records(&j, "step-finished", "dependent")[0]["reason"]
            .as_str()
            .unwrap()
            .contains("broken")
    );
    assert_eq!(outcome(&j, "independent"), "succeeded");
}

#[test]
fn retry_runs_the_command_until_it_passes() {
    let t = project(&format!(
        r#"
[runbook]
title = "Retry"

[[step]]
id = "flaky"
run = "{}"
retry = {{ attempts = 4, delay = "100ms" }}
"#,
        passes_on_call("tries", 3)
    ));
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(count(t.path(), "tries"), 3);
    let j = journal(t.path());
    assert_eq!(outcome(&j, "flaky"), "succeeded");
    assert_eq!(records(&j, "step-finished", "flaky")[0]["attempts"], 3);
    let logs = t
        .path()
        .join(".runbook/runs")
        .join(&run_ids(t.path())[0])
        .join("logs");
    let mut names: Vec<String> = std::fs::read_dir(logs)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The failing tries keep a log; the third succeeded silently, which leaves none.
    assert_eq!(names, ["flaky.1.log", "flaky.2.log"]);
}

#[test]
fn retry_gives_up_after_its_attempts() {
    let t = project(
        r#"
[runbook]
title = "Retry"

[[step]]
id = "broken"
run = "echo try >> tries; exit 3"
retry = { attempts = 3, delay = "100ms" }
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("after 3 attempts");
    assert_eq!(count(t.path(), "tries"), 3);
    // The failure is journaled with its tries, as a success is.
    let j = journal(t.path());
    assert_eq!(records(&j, "step-finished", "broken")[0]["attempts"], 3);

    // Resumed, it gets its retries again; no earlier log is lost.
    t.invoke(&["resume", "--yes"]).expect_exit(1);
    assert_eq!(count(t.path(), "tries"), 6);
    let logs = t
        .path()
        .join(".runbook/runs")
        .join(&run_ids(t.path())[0])
        .join("logs");
    let commands: usize = std::fs::read_dir(logs)
        .unwrap()
        .flatten()
        .map(|e| {
            std::fs::read_to_string(e.path())
                .unwrap()
                .matches("$ echo try")
                .count()
        })
        .sum();
    assert_eq!(commands, 6, "every try keeps its log");
}

#[test]
fn timeout_kills_the_whole_process_group() {
    let t = project(
        r#"
[runbook]
title = "Timeout"

[[step]]
id = "hang"
run = "sleep 30 & echo $! > bg.pid; echo $$ > fg.pid; sleep 30"
timeout = "1s"
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("timed out");
    for file in ["bg.pid", "fg.pid"] {
        let pid = read(t.path(), file);
        assert!(!alive(&pid), "{file}: process {} still runs", pid.trim());
    }
    let j = journal(t.path());
    assert_eq!(outcome(&j, "hang"), "failed");
    assert!(
        records(&j, "step-finished", "hang")[0]["reason"]
            .as_str()
            .unwrap()
            .contains("timed out after 1s")
    );
}

// ---------------------------------------------------------------------------------------
// Step kinds and control flow
// ---------------------------------------------------------------------------------------

#[test]
fn when_false_skips_the_step() {
    let t = project(
        r#"
[runbook]
title = "When"

[vars.kind]
default = "cronjob"

[[step]]
id = "scale"
when = "kind != 'cronjob'"
run = "touch scaled"

[[step]]
id = "always"
when = "kind == 'cronjob'"
run = "touch always"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert!(!t.path().join("scaled").exists());
    assert!(t.path().join("always").exists());
    let j = journal(t.path());
    assert_eq!(outcome(&j, "scale"), "skipped");
    assert!(records(&j, "step-started", "scale").is_empty());
    assert_eq!(outcome(&j, "always"), "succeeded");
}

#[test]
fn capture_becomes_a_variable_of_later_steps() {
    let t = project(
        r#"
[runbook]
title = "Capture"

[[step]]
id = "find"
run = "echo '  it'\"'\"'s; here  '"
capture = "workload"

[[step]]
id = "use"
run = "printf %s {{ workload }} > used; printf %s \"$RUNBOOK_VAR_WORKLOAD\" > env"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(read(t.path(), "used"), "it's; here");
    assert_eq!(read(t.path(), "env"), "it's; here");
    let j = journal(t.path());
    assert_eq!(
        records(&j, "step-finished", "find")[0]["value"],
        serde_json::json!(["workload", "it's; here"])
    );
}

#[test]
fn foreach_over_a_list_and_over_a_variable() {
    let t = project(
        r#"
[runbook]
title = "Foreach"

[[step]]
id = "each"
foreach = { var = "release", in = ["sonarr", "radarr"] }
run = "echo {{ release }} >> listed"

[[step]]
id = "list"
run = "printf 'plex\n\njellyfin\n'"
capture = "found"

[[step]]
id = "every"
foreach = { var = "app", from = "found" }
run = "echo {{ app }} >> found"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(read(t.path(), "listed"), "sonarr\nradarr\n");
    assert_eq!(read(t.path(), "found"), "plex\njellyfin\n");
    let j = journal(t.path());
    for id in [
        "each[sonarr]",
        "each[radarr]",
        "every[plex]",
        "every[jellyfin]",
    ] {
        assert_eq!(outcome(&j, id), "succeeded", "{id}");
        assert_eq!(records(&j, "step-started", id).len(), 1, "{id}");
    }
}

#[test]
fn call_runs_another_runbook_inline() {
    let t = project(
        r#"
[runbook]
title = "Outer"

[vars.release]
default = "sonarr"

[[step]]
id = "fix"
call = "inner"
with = { target = "{{ release }}-x" }

[[step]]
id = "after"
run = "touch after"
"#,
    )
    .runbook(
        "inner",
        r#"
[runbook]
title = "Inner"

[vars.target]
description = "what to fix"

[vars.mode]
default = "fast"

[[step]]
id = "suspend"
run = "echo suspend {{ target }} {{ mode }} >> inner.calls"

[[step]]
id = "resume"
run = "echo resume {{ target }} >> inner.calls"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(
        read(t.path(), "inner.calls"),
        "suspend sonarr-x fast\nresume sonarr-x\n"
    );
    let j = journal(t.path());
    assert_eq!(outcome(&j, "fix/suspend"), "succeeded");
    assert_eq!(outcome(&j, "fix/resume"), "succeeded");
    assert_eq!(outcome(&j, "fix"), "succeeded");
    assert_eq!(outcome(&j, "after"), "succeeded");
}

#[test]
fn gate_step_runs_only_its_checks() {
    let t = project(
        r#"
[runbook]
title = "Gate"

[[step]]
id = "ready"
title = "Everything is ready"

[[step.precondition]]
run = "echo pre >> gate.calls"

[[step.verify]]
run = "echo verify >> gate.calls"

[[step]]
id = "closed"
title = "Closed gate"

[[step.verify]]
run = "false"

[[step]]
id = "after"
run = "touch after"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    assert_eq!(read(t.path(), "gate.calls"), "pre\nverify\n");
    assert!(!t.path().join("after").exists());
    let j = journal(t.path());
    assert_eq!(records(&j, "step-started", "ready")[0]["kind"], "gate");
    assert_eq!(outcome(&j, "ready"), "succeeded");
    assert_eq!(outcome(&j, "closed"), "failed");
}

#[test]
fn manual_step_is_done_under_yes_and_waits_under_auto() {
    let toml = r#"
[runbook]
title = "Manual"

[[step]]
id = "before"
run = "echo before >> calls"

[[step]]
id = "unlock"
manual = "Open the vault and press the button."

[[step]]
id = "after"
run = "echo after >> calls"
"#;
    let t = project(toml);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(read(t.path(), "calls"), "before\nafter\n");
    let j = journal(t.path());
    assert_eq!(outcome(&j, "unlock"), "succeeded");
    assert!(
        records(&j, "decision", "unlock")[0]["choice"]
            .as_str()
            .unwrap()
            .starts_with("manual")
    );

    let t = project(toml);
    t.invoke(&["run", "rb", "--auto"])
        .expect_exit(4)
        .expect_stderr_contains("unlock");
    assert_eq!(read(t.path(), "calls"), "before\n");
}

#[test]
fn manual_step_with_passing_verify_is_done_without_asking() {
    let t = project(
        r#"
[runbook]
title = "Manual"

[[step]]
id = "unlock"
manual = "Open the vault."

[[step.verify]]
run = "true"

[[step]]
id = "after"
run = "touch after"
"#,
    );
    t.invoke(&["run", "rb", "--auto"]).expect_exit(0);
    assert!(t.path().join("after").exists());
}

#[test]
fn confirm_step_waits_under_auto_and_runs_under_yes() {
    let toml = r#"
[runbook]
title = "Confirm"

[[step]]
id = "delete"
run = "touch deleted"
confirm = true
"#;
    let t = project(toml);
    t.invoke(&["run", "rb", "--auto"])
        .expect_exit(4)
        .expect_stderr_contains("delete")
        .expect_stderr_contains("confirmation");
    assert!(!t.path().join("deleted").exists());
    assert!(records(&journal(t.path()), "step-started", "delete").is_empty());

    let t = project(toml);
    t.invoke(&["run", "rb", "--yes", "--allow-destructive"])
        .expect_exit(0);
    assert!(t.path().join("deleted").exists());
}

#[test]
fn yes_stops_at_a_confirm_step_without_allow_destructive() {
    let t = project(
        r#"
[runbook]
title = "Confirm"

[[step]]
id = "prepare"
run = "echo run >> prepared"

[[step]]
id = "delete"
run = "touch deleted"
confirm = true
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(4)
        .expect_stderr_contains("`delete`")
        .expect_stderr_contains("--allow-destructive");
    assert!(t.path().join("prepared").exists());
    assert!(!t.path().join("deleted").exists());
    assert!(records(&journal(t.path()), "step-started", "delete").is_empty());

    // The same run continues once the flag is given; the confirmation is journaled.
    t.invoke(&["resume", "--yes", "--allow-destructive"])
        .expect_exit(0);
    assert!(t.path().join("deleted").exists());
    let journal = journal(t.path());
    let confirmed = records(&journal, "decision", "delete");
    assert!(
        confirmed.iter().any(|r| r["choice"] == "confirmed"),
        "{confirmed:?}"
    );
    assert_eq!(
        count(t.path(), "prepared"),
        1,
        "done steps are not run again"
    );
}

#[test]
fn allow_destructive_needs_yes() {
    let t = project(THREE_STEPS_FOR_FLAGS);
    t.invoke(&["run", "rb", "--auto", "--allow-destructive"])
        .expect_exit(2)
        .expect_stderr_contains("--yes");
}

const THREE_STEPS_FOR_FLAGS: &str = r#"
[runbook]
title = "Flags"

[[step]]
id = "only"
run = "true"
"#;

#[test]
fn ask_takes_its_default_under_yes() {
    let t = project(
        r#"
[runbook]
title = "Ask"

[[step]]
id = "which"
ask = "Which strategy?"
into = "strategy"
choices = ["recreate", "rolling"]
default = "rolling"

[[step]]
id = "use"
run = "printf %s {{ strategy }} > strategy"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(read(t.path(), "strategy"), "rolling");
    let j = journal(t.path());
    assert_eq!(
        records(&j, "step-finished", "which")[0]["value"],
        serde_json::json!(["strategy", "rolling"])
    );
}

// ---------------------------------------------------------------------------------------
// Variables
// ---------------------------------------------------------------------------------------

#[test]
fn missing_variables_are_listed_at_once_before_anything_runs() {
    let t = project(
        r#"
[runbook]
title = "Vars"

[vars.release]
[vars.namespace]
from-env = "NS_FOR_TEST"
[vars.cluster]
default = "edge"

[[step]]
id = "one"
run = "touch one"
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(2)
        .expect_stderr_contains("`release`")
        .expect_stderr_contains("`namespace`")
        .expect_stderr_contains("NS_FOR_TEST");
    assert!(!t.path().join("one").exists());
    assert!(run_ids(t.path()).is_empty());
}

#[test]
fn choices_and_pattern_are_enforced_on_var() {
    let t = project(
        r#"
[runbook]
title = "Vars"

[vars.cluster]
choices = ["edge", "main"]

[vars.name]
pattern = "^[a-z0-9-]+$"
default = "ok"

[[step]]
id = "one"
run = "touch one"
"#,
    );
    t.invoke(&["run", "rb", "--yes", "--var", "cluster=prod"])
        .expect_exit(2)
        .expect_stderr_contains("cluster");
    t.invoke(&[
        "run",
        "rb",
        "--yes",
        "--var",
        "cluster=edge",
        "--var",
        "name=Bad_Name",
    ])
    .expect_exit(2)
    .expect_stderr_contains("name");
    assert!(!t.path().join("one").exists());
    assert!(run_ids(t.path()).is_empty());
    t.invoke(&[
        "run",
        "rb",
        "--yes",
        "--var",
        "cluster=main",
        "--var",
        "name=good-1",
    ])
    .expect_exit(0);
    assert!(t.path().join("one").exists());
}

/// Values that try to break out of the shell word they are substituted into.
pub(crate) const NASTY: &[&str] = &[
    "x; touch pwned",
    "$(touch pwned)",
    "`touch pwned`",
    "'; touch pwned; '",
    "\"; touch pwned; \"",
    "a\ntouch pwned",
    "x && touch pwned",
    "x | touch pwned",
    "> pwned",
    "$RUNBOOK_VAR_NAME ${HOME} *",
    "\\'\\\"\\\\",
    "",
    " leading and trailing ",
    "ünïcödé ✓ 🚀",
    "-n",
    "~",
];

#[test]
fn var_values_cannot_inject_shell_syntax() {
    let t = project(
        r#"
[runbook]
title = "Injection"

[vars.name]

[[step]]
id = "echo"
run = "printf %s {{ name }} > got; set -- {{ name }}; echo $# > words"

[[step.verify]]
run = "printf %s {{ name }}"
expect-stdout = '^{{ name }}$'
"#,
    );
    for (i, value) in NASTY.iter().enumerate() {
        let ran = t.invoke(&["run", "rb", "--yes", "--var", &format!("name={value}")]);
        ran.expect_exit(0);
        assert!(
            !t.path().join("pwned").exists(),
            "value {value:?} created a file\n{}",
            ran.report()
        );
        assert_eq!(
            std::fs::read(t.path().join("got")).unwrap(),
            value.as_bytes(),
            "value {i}: {value:?}"
        );
        assert_eq!(
            read(t.path(), "words").trim(),
            "1",
            "value {value:?} arrived as more than one argument"
        );
    }
}

/// A small deterministic generator (xorshift) over an alphabet of shell metacharacters.
pub(crate) fn nasty_strings(count: usize) -> Vec<String> {
    const ALPHABET: &[&str] = &[
        "'", "\"", "$", "`", ";", "&", "|", "\n", " ", "\t", "*", "?", "~", "\\", "(", ")", "{",
        "}", "[", "]", "<", ">", "#", "!", "=", "-", "%", "a", "Z", "0", "é", "ß", "→", "🚀", "{{",
        "}}", "$(", "${", "\r", "^",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = (next() % 24) as usize;
            (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect()
        })
        .collect()
}

/// Property: for any value, `printf %s {{ x }}` rendered for the shell and run by
/// `sh -c` prints exactly the value (one argument, nothing expanded or executed).
#[test]
fn shell_rendering_round_trips_any_string() {
    use runbook::render::template::{Escape, Renderer};
    let mut renderer = Renderer::new();
    let dir = tempfile::tempdir().unwrap();
    let values = nasty_strings(300);
    // One shell per batch keeps this fast: each value is printed between NUL separators.
    let mut script = String::new();
    for value in &values {
        let mut context = tera::Context::new();
        context.insert("x", value);
        let command = renderer
            .render("printf %s {{ x }}", Escape::Shell, &context)
            .unwrap();
        script.push_str(&command);
        script.push_str("; printf '\\0'\n");
    }
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Vec<&[u8]> = output.stdout.split(|&b| b == 0).collect();
    assert_eq!(printed.len(), values.len() + 1);
    for (value, got) in values.iter().zip(&printed) {
        assert_eq!(String::from_utf8_lossy(got), *value);
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "a value created a file"
    );
}

#[test]
fn generated_var_values_round_trip_through_the_binary() {
    let t = project(
        r#"
[runbook]
title = "Property"

[vars.x]

[[step]]
id = "print"
run = "printf %s {{ x }} > got"
"#,
    );
    for value in nasty_strings(25) {
        if value.contains('\r') {
            continue;
        }
        t.invoke(&["run", "rb", "--yes", "--var", &format!("x={value}")])
            .expect_exit(0);
        assert_eq!(read(t.path(), "got"), value);
    }
    let mut entries: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        [".runbook", "got", "runbooks"],
        "a value created a file"
    );
}

// ---------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_secret_reaches_the_command_and_nothing_on_disk_or_screen() {
    const TOKEN: &str = "s3cr3t-T0ken-4242";
    let t = project(
        r#"
[runbook]
title = "Secret"

[vars.token]
secret = true
from-env = "TEST_TOKEN"

[vars.cluster]
default = "edge"

[[step]]
id = "login"
run = "test \"$RUNBOOK_VAR_TOKEN\" = s3cr3t-T0ken-4242 && echo ok > env-ok; test {{ token }} = s3cr3t-T0ken-4242 && echo ok > template-ok; printf %s {{ token }} | wc -c > length"
checkpoint = true

[[step.verify]]
run = "echo token is {{ token }}; echo {{ token }} >&2"
expect-stdout = "token is"

[[step.rollback]]
run = "echo undo {{ token }}"

[[step]]
id = "talk"
run = "echo the token is {{ token }}; echo {{ token }} >&2; echo $RUNBOOK_VAR_TOKEN"
capture = "echoed"

[[step]]
id = "fail"
run = "echo failing with {{ token }}; exit 1"
"#,
    );
    let ran = t.invoke_env(&["run", "rb", "--yes"], &[("TEST_TOKEN", TOKEN)]);
    ran.expect_exit(1);
    assert_eq!(read(t.path(), "env-ok"), "ok\n", "{}", ran.report());
    assert_eq!(read(t.path(), "template-ok"), "ok\n");
    assert_eq!(read(t.path(), "length").trim(), TOKEN.len().to_string());
    assert!(
        !ran.stdout.contains(TOKEN) && !ran.stderr.contains(TOKEN),
        "the secret was printed\n{}",
        ran.report()
    );
    let log = t.invoke(&["log"]);
    log.expect_exit(0);
    assert!(!log.stdout.contains(TOKEN) && !log.stderr.contains(TOKEN));
    let files = files_below(&t.path().join(".runbook"));
    assert!(files.iter().any(|f| f.ends_with("journal.jsonl")));
    assert!(
        files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "log"))
            .count()
            >= 2,
        "the steps that printed have logs (a silent success leaves none): {files:?}"
    );
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !contains(&bytes, TOKEN.as_bytes()),
            "{} holds the secret",
            file.display()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Modes, dry run, --from, output shapes
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Typed Flux checks against a fake kubectl serving tests/fixtures/flux-json
// ---------------------------------------------------------------------------------------

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/flux-json");

/// A fake `kubectl` that logs each call to `kubectl.calls` and answers `get KIND NAME -n NS
/// -o json` from `kube/KIND/NS/NAME/<n>.json` (n = the call count for that object; the
/// highest file once n passes it). A missing object prints the NotFound error.
fn flux_project(toml: &str, objects: &[(&str, &str, &str, &[&str])]) -> Test {
    let t = project(toml);
    let root = t.path().to_path_buf();
    let script = format!(
        r#"#!/bin/sh
echo "$*" >> '{root}/kubectl.calls'
dir='{root}/kube'/$2/$5/$3
if [ ! -d "$dir" ]; then
  echo "Error from server (NotFound): $2.helm.toolkit.fluxcd.io \"$3\" not found" >&2
  exit 1
fi
echo x >> "$dir/.calls"
n=$(wc -l < "$dir/.calls")
if [ -f "$dir/$n.json" ]; then cat "$dir/$n.json"; else cat "$dir/$(ls "$dir" | grep json | sort -n | tail -1)"; fi
"#,
        root = root.display()
    );
    let mut t = t.fake_bin("kubectl", &script);
    for (kind, namespace, name, files) in objects {
        for (i, file) in files.iter().enumerate() {
            let json = std::fs::read(Path::new(FIXTURES).join(file)).unwrap();
            t = t.file(
                format!("kube/{kind}/{namespace}/{name}/{}.json", i + 1),
                json,
            );
        }
    }
    t
}

fn flux_runbook(check: &str, attempts: u32, interval: &str) -> String {
    format!(
        r#"
[runbook]
title = "Flux"

[[step]]
id = "upgrade"
run = "true"

[[step.verify]]
flux = {check}
attempts = {attempts}
interval = "{interval}"
"#
    )
}

fn kubectl_calls(t: &Test) -> Vec<String> {
    std::fs::read_to_string(t.path().join("kubectl.calls"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

const SONARR: &str =
    r#"{ kind = "helmrelease", name = "sonarr", namespace = "default", chart-version = "4.1.1" }"#;

#[test]
fn flux_ready_helmrelease_passes() {
    let t = flux_project(
        &flux_runbook(
            r#"{ kind = "helmrelease", name = "sonarr", namespace = "default", chart-version = "4.1.1" }"#,
            3,
            "100ms",
        ),
        &[(
            "helmrelease",
            "default",
            "sonarr",
            &["helmrelease-ready.json"],
        )],
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(
        kubectl_calls(&t),
        ["get helmrelease sonarr -n default -o json"]
    );
}

#[test]
fn flux_reconciling_then_ready_polls_then_passes() {
    let t = flux_project(
        &flux_runbook(SONARR, 10, "100ms"),
        &[(
            "helmrelease",
            "default",
            "sonarr",
            &[
                "helmrelease-reconciling.json",
                "helmrelease-reconciling.json",
                "helmrelease-ready.json",
            ],
        )],
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(kubectl_calls(&t).len(), 3);
    let checks: Vec<bool> = records(&journal(t.path()), "check", "upgrade")
        .iter()
        .map(|c| c["passed"].as_bool().unwrap())
        .collect();
    assert_eq!(checks, [false, false, true]);
}

#[test]
fn flux_stalled_release_fails_after_one_read() {
    let t = flux_project(
        &flux_runbook(SONARR, 30, "10s"),
        &[(
            "helmrelease",
            "default",
            "sonarr",
            &["helmrelease-stalled-retries-exceeded.json"],
        )],
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("Stalled")
        .expect_stderr_contains("Failed to upgrade after 1 attempt(s)");
    assert_eq!(
        kubectl_calls(&t).len(),
        1,
        "a Stalled release must not be polled again"
    );
    let checks = records(&journal(t.path()), "check", "upgrade").len();
    assert_eq!(checks, 1);
}

#[test]
fn flux_remediated_rollback_fails_quoting_the_chart_version() {
    // Remediated while helm-controller still retries (Reconciling): polled until the
    // attempts run out, then fails with the rolled-back line (tests/integration/flux.rs
    // has the other states).
    let t = flux_project(
        &flux_runbook(
            r#"{ kind = "helmrelease", name = "comfyui", namespace = "ai", chart-version = "4.1.1" }"#,
            2,
            "10ms",
        ),
        &[(
            "helmrelease",
            "ai",
            "comfyui",
            &["helmrelease-remediated-rollback.json"],
        )],
    );
    let ran = t.invoke(&["run", "rb", "--yes"]);
    ran.expect_exit(1).expect_stderr_contains("3.7.3");
    assert_eq!(kubectl_calls(&t).len(), 2);
    let j = journal(t.path());
    let reason = records(&j, "step-finished", "upgrade")[0]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.contains("rolled back: chart 3.7.3 deployed, 4.1.1 attempted"),
        "{reason}"
    );
}

#[test]
fn flux_check_without_kubectl_is_a_clear_error() {
    let toml = flux_runbook(SONARR, 30, "10s")
        .replace("title = \"Flux\"", "title = \"Flux\"\nshell = \"/bin/sh\"");
    let t = project(&toml).dir("empty-path");
    let empty = t.path().join("empty-path");
    let ran = t.invoke_env(
        &["run", "rb", "--yes"],
        &[("PATH", empty.to_str().unwrap())],
    );
    ran.expect_exit(1)
        .expect_stderr_contains("`kubectl` not found on PATH");
    assert_eq!(
        records(&journal(t.path()), "check", "upgrade").len(),
        1,
        "kubectl missing is not polled"
    );
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

/// Under `--yes` the transcript keeps every `ask` answer, a secret one masked (issue #15:
/// `? Which environment…` was followed by `✓ choose-target` with no answer).
#[test]
fn ask_answers_are_shown_under_yes_and_secrets_masked() {
    let t = project(
        r#"
[runbook]
title = "Answers"

[[step]]
id = "pick"
ask = "Which colour?"
into = "colour"
choices = ["blue", "green"]
default = "green"

[[step]]
id = "token"
ask = "Which token?"
into = "token"
secret = true
"#,
    );
    let ran = t.invoke(&["run", "rb", "--yes", "--var", "token=s3cr3t-value-123"]);
    ran.expect_exit(0)
        .expect_stderr_contains("→ colour = green")
        .expect_stderr_contains("→ token = ")
        .expect_stderr_lacks("s3cr3t-value-123");
}
