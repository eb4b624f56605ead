//! `runbook run` through each step kind and its control flow: `when`, captures, `foreach`,
//! `call`, gates, manual and confirm steps, and what `--yes`, `--auto` and
//! `--allow-destructive` let through. Variables are run_vars.rs.

use crate::support::{count, journal, outcome, project, read, records};

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
