//! `runbook resume`: the failed step runs again and the succeeded ones do not, their verify
//! runs again unless `--no-reverify` or `reverify = false`, a drifted done step fails (and
//! both ways out are named), a runbook whose run steps changed is refused unless
//! `--accept-changed`, captures of done steps are kept, and a run stopped at a manual step
//! continues. Killed runs are resume_killed.rs.

use crate::support::{count, journal, outcome, passes_on_call, project, read, records, run_ids};

const THREE_STEPS: &str = r#"
[runbook]
title = "Three"

[[step]]
id = "first"
run = "echo run >> first.calls"

[[step.verify]]
run = "echo verify >> first.verify"

[[step]]
id = "second"
run = "echo run >> second.calls; test -f fixed"

[[step]]
id = "third"
run = "echo run >> third.calls"
"#;

#[test]
fn resume_runs_the_failed_step_again_and_not_the_succeeded_ones() {
    let t = project(THREE_STEPS);
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("runbook resume");
    assert_eq!(
        (
            count(t.path(), "first.calls"),
            count(t.path(), "second.calls"),
            count(t.path(), "third.calls")
        ),
        (1, 1, 0)
    );

    // Still broken: the failed step runs again, the first does not.
    t.invoke(&["resume", "--yes"]).expect_exit(1);
    assert_eq!(
        (
            count(t.path(), "first.calls"),
            count(t.path(), "second.calls"),
            count(t.path(), "third.calls")
        ),
        (1, 2, 0)
    );

    std::fs::write(t.path().join("fixed"), "").unwrap();
    t.invoke(&["resume", "--yes"]).expect_exit(0);
    assert_eq!(
        (
            count(t.path(), "first.calls"),
            count(t.path(), "second.calls"),
            count(t.path(), "third.calls")
        ),
        (1, 3, 1)
    );
    // The done step's verify ran again on each resume to catch drift.
    assert_eq!(count(t.path(), "first.verify"), 3);
    let j = journal(t.path());
    let reverify: Vec<_> = records(&j, "check", "first")
        .into_iter()
        .filter(|c| c["phase"] == "reverify")
        .collect();
    assert_eq!(reverify.len(), 2);
    assert_eq!(j.iter().filter(|r| r["type"] == "run-resumed").count(), 2);
    assert_eq!(outcome(&j, "second"), "succeeded");
    assert_eq!(j.last().unwrap()["state"], "succeeded");

    // A finished run is not resumed again.
    t.invoke(&["resume", "--yes"])
        .expect_exit(2)
        .expect_stderr_contains("no unfinished run");
}

#[test]
fn resume_no_reverify_skips_the_verify_of_done_steps() {
    let t = project(THREE_STEPS);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    std::fs::write(t.path().join("fixed"), "").unwrap();
    t.invoke(&["resume", "--yes", "--no-reverify"])
        .expect_exit(0);
    assert_eq!(count(t.path(), "first.verify"), 1);
    assert_eq!(count(t.path(), "first.calls"), 1);
}

#[test]
fn resume_does_not_reverify_a_step_with_reverify_false() {
    // A pre-flight baseline ("nothing is failing") that the failure which stopped the run
    // breaks: re-verifying it would wedge the run at the baseline.
    let t = project(
        r#"
[runbook]
title = "Baseline"

[[step]]
id = "baseline"
run = "true"
reverify = false

[[step.verify]]
run = "echo verify >> baseline.verify; test ! -f broken"

[[step]]
id = "change"
run = "touch broken; test -f fixed"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    assert_eq!(count(t.path(), "baseline.verify"), 1);
    std::fs::write(t.path().join("fixed"), "").unwrap();
    t.invoke(&["resume", "--yes"]).expect_exit(0);
    assert_eq!(
        count(t.path(), "baseline.verify"),
        1,
        "resume must not run the verify checks of a `reverify = false` step"
    );
}

#[test]
fn resume_by_run_id_and_a_drifted_done_step_fails() {
    let t = project(
        r#"
[runbook]
title = "Drift"

[[step]]
id = "first"
run = "touch applied"

[[step.verify]]
run = "test -f applied"

[[step]]
id = "second"
run = "test -f fixed"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let id = run_ids(t.path()).remove(0);
    std::fs::remove_file(t.path().join("applied")).unwrap();
    std::fs::write(t.path().join("fixed"), "").unwrap();
    t.invoke(&["resume", &id, "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("verify");
    t.invoke(&["resume", "no-such-run", "--yes"])
        .expect_exit(2)
        .expect_stderr_contains("no-such-run");
}

const CHANGING: &str = r#"
[runbook]
title = "Changing"

[[step]]
id = "first"
run = "echo first >> calls"

[[step]]
id = "second"
run = "test -f fixed && echo second >> calls"

[[step]]
id = "third"
run = "echo third >> calls"
"#;

#[test]
fn resume_refuses_a_runbook_whose_run_steps_changed() {
    let t = project(CHANGING);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    std::fs::write(t.path().join("fixed"), "").unwrap();
    let edited = CHANGING.replace("echo first >> calls", "echo FIRST >> calls");
    let t = t.runbook("rb", &edited);
    let ran = t.invoke(&["resume", "--yes"]);
    ran.expect_exit(2)
        .expect_stderr_contains("`first`")
        .expect_stderr_contains("--accept-changed");
    assert!(!ran.stderr.contains("`third`"), "{}", ran.report());
    assert_eq!(read(t.path(), "calls"), "first\n", "nothing ran");

    t.invoke(&["resume", "--yes", "--accept-changed"])
        .expect_exit(0);
    assert_eq!(read(t.path(), "calls"), "first\nsecond\nthird\n");
    t.invoke(&["log"])
        .expect_exit(0)
        .expect_stdout_contains("decision: accept-changed: `first`");
}

#[test]
fn resume_accepts_edits_to_steps_that_have_not_run() {
    let t = project(CHANGING);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    std::fs::write(t.path().join("fixed"), "").unwrap();
    let edited = CHANGING.replace("echo third >> calls", "echo THIRD >> calls");
    let t = t.runbook("rb", &edited);
    t.invoke(&["resume", "--yes"]).expect_exit(0);
    assert_eq!(read(t.path(), "calls"), "first\nsecond\nTHIRD\n");
}

#[test]
fn a_failed_step_that_ran_counts_as_changed_too() {
    let t = project(CHANGING);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let edited = CHANGING.replace("test -f fixed && echo second", "echo second");
    let t = t.runbook("rb", &edited);
    t.invoke(&["resume", "--yes"])
        .expect_exit(2)
        .expect_stderr_contains("`second`");
}

#[test]
fn resume_keeps_captured_values_of_done_steps() {
    let t = project(&format!(
        r#"
[runbook]
title = "Capture"

[[step]]
id = "find"
run = "echo run >> find.calls; echo sonarr"
capture = "release"

[[step]]
id = "use"
run = "{} && printf %s {{{{ release }}}} > used"
"#,
        passes_on_call("use.calls", 2)
    ));
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    t.invoke(&["resume", "--yes"]).expect_exit(0);
    assert_eq!(count(t.path(), "find.calls"), 1);
    assert_eq!(read(t.path(), "used"), "sonarr");
}

#[test]
fn a_run_stopped_at_a_manual_step_by_auto_continues_with_resume_yes() {
    let t = project(
        r#"
[runbook]
title = "Manual"

[[step]]
id = "prepare"
run = "echo run >> prepare.calls"

[[step]]
id = "look"
manual = "Check the dashboard."

[[step]]
id = "after"
run = "echo run >> after.calls"
"#,
    );
    t.invoke(&["run", "rb", "--auto"])
        .expect_exit(4)
        .expect_stderr_contains("manual step `look`");
    // Nothing of the manual step happened: it is pending, not an unknown outcome.
    t.invoke(&["resume", "--yes"])
        .expect_exit(0)
        .expect_stderr_lacks("outcome is unknown");
    assert_eq!(count(t.path(), "prepare.calls"), 1);
    assert_eq!(count(t.path(), "after.calls"), 1);
    let j = journal(t.path());
    assert_eq!(outcome(&j, "look"), "succeeded");
    assert!(
        records(&j, "decision", "look")
            .iter()
            .any(|r| r["choice"] == "waiting"),
        "the stop is journaled for the step"
    );
}

const DRIFTS: &str = r#"
[runbook]
title = "Drift"

[[step]]
id = "first"
run = "echo run >> first.calls; touch applied"

[[step.verify]]
run = "test -f applied"

[[step]]
id = "second"
run = "test -f fixed"
"#;

#[test]
fn a_failed_reverify_without_an_operator_names_both_ways_out() {
    let t = project(DRIFTS);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let id = run_ids(t.path()).remove(0);
    std::fs::remove_file(t.path().join("applied")).unwrap();
    std::fs::write(t.path().join("fixed"), "").unwrap();
    t.invoke(&["resume", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("`first` succeeded earlier, but verify")
        .expect_stderr_contains(&format!("runbook resume {id} --no-reverify"))
        .expect_stderr_contains(&format!("runbook resume {id} --from first"));
    assert_eq!(count(t.path(), "first.calls"), 1, "not re-run on its own");

    // One way out: walk again from the step (journaled as a decision).
    t.invoke(&["resume", "--yes", "--from", "first"])
        .expect_exit(0);
    assert_eq!(count(t.path(), "first.calls"), 2);
    let j = journal(t.path());
    assert!(
        records(&j, "decision", "first")
            .iter()
            .any(|r| r["choice"] == "resume-from")
    );
}

#[test]
fn resume_no_reverify_is_the_other_way_out_of_a_failed_reverify() {
    let t = project(DRIFTS);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    std::fs::remove_file(t.path().join("applied")).unwrap();
    std::fs::write(t.path().join("fixed"), "").unwrap();
    t.invoke(&["resume", "--yes"]).expect_exit(1);
    t.invoke(&["resume", "--yes", "--no-reverify"])
        .expect_exit(0);
    assert_eq!(count(t.path(), "first.calls"), 1);
}

#[test]
fn resume_from_an_unknown_step_is_a_usage_error() {
    let t = project(THREE_STEPS);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    t.invoke(&["resume", "--yes", "--from", "nope"])
        .expect_exit(2)
        .expect_stderr_contains("no step `nope`");
}
