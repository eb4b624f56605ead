//! Walk semantics that span steps and sessions: a called runbook's own preconditions, and
//! secret answers that are never written down (so a resume asks again).

use crate::support::{Test, files_below, log_json};

#[test]
fn a_called_runbook_checks_its_own_preconditions_first() {
    let output = Test::new()
        .runbook(
            "inner",
            r#"[runbook]
title = "Inner"

[[precondition]]
name = "the gate file exists"
run = "test -f gate"
message = "create `gate` first"

[[step]]
id = "work"
run = "echo inner-work >> trail"
"#,
        )
        .runbook(
            "outer",
            r#"[runbook]
title = "Outer"

[[step]]
id = "fix"
call = "inner"
"#,
        )
        .args(["run", "outer", "--yes"])
        .run();
    output
        .expect_exit(1)
        .expect_stderr_contains("precondition `the gate file exists` of runbook `inner` failed")
        .expect_stderr_contains("create `gate` first");
    assert!(
        !output.path().join("trail").exists(),
        "the inner step did not run"
    );
}

#[test]
fn a_secret_answer_is_not_journaled_and_is_asked_again_on_resume() {
    let toml = r#"[runbook]
title = "Secret answer"

[[step]]
id = "token"
ask = "API token?"
into = "token"
secret = true

[[step]]
id = "use"
run = "test -f ready && test \"$RUNBOOK_VAR_TOKEN\" = s3cr3t-value && echo used >> trail"
"#;
    let first = Test::new()
        .runbook("secret", toml)
        .args(["run", "secret", "--yes", "--var", "token=s3cr3t-value"])
        .run();
    first.expect_exit(1);
    for entry in files_below(&first.path().join(".runbook")) {
        let bytes = std::fs::read(&entry).expect("read state file");
        assert!(
            !String::from_utf8_lossy(&bytes).contains("s3cr3t-value"),
            "secret found in {}",
            entry.display()
        );
    }
    std::fs::write(first.path().join("ready"), "").expect("write ready");
    let mut resume = Test::new();
    resume = resume.current_dir(first.path()).args(["resume", "--yes"]);
    let second = resume.run();
    second
        .expect_exit(4)
        .expect_stderr_contains("step `token` asks \"API token?\" and has no default");
}

#[test]
fn sigterm_while_a_precondition_polls_stops_before_the_step_starts() {
    let test = Test::new().runbook(
        "wait",
        r#"[runbook]
title = "Wait"

[[step]]
id = "guarded"
run = "echo ran >> trail"

[[step.precondition]]
run = "touch polled; test -f never"
attempts = 600
interval = "100ms"
"#,
    );
    let mut child = test.spawn(&["run", "wait", "--yes"]);
    child.wait_for(&test.path().join("polled"));
    child.signal("TERM");
    child.finish().expect_exit(130);
    assert!(
        !test.path().join("trail").exists(),
        "the step never started"
    );
    let records = log_json(&test);
    let types: Vec<&str> = records.iter().filter_map(|r| r["type"].as_str()).collect();
    assert!(types.contains(&"interrupted"), "{types:?}");
    assert!(!types.contains(&"step-started"), "{types:?}");
}

#[test]
fn a_failing_check_shows_the_output_it_judged() {
    Test::new()
        .runbook(
            "claims",
            r#"[runbook]
title = "Claims"

[[step]]
id = "move"
run = "true"

[[step.verify]]
name = "claims kept"
run = "echo 'changed: data-sonarr-0'"
reject-stdout = '\S'
"#,
        )
        .args(["run", "claims", "--yes"])
        .run()
        .expect_exit(1)
        .expect_stderr_contains("verify: claims kept: stdout matches the rejected pattern")
        .expect_stderr_contains("│ changed: data-sonarr-0");
}

#[test]
fn a_called_runbook_reads_its_from_env_variables() {
    let output = Test::new()
        .runbook(
            "inner",
            r#"[runbook]
title = "Inner"

[vars.token]
from-env = "INNER_TOKEN"
secret = true

[[step]]
id = "use"
run = "test \"$RUNBOOK_VAR_TOKEN\" = from-the-env && echo ok >> trail"
"#,
        )
        .runbook(
            "outer",
            "[runbook]\ntitle = \"Outer\"\n\n[[step]]\nid = \"fix\"\ncall = \"inner\"\n",
        )
        .env("INNER_TOKEN", "from-the-env")
        .args(["run", "outer", "--yes"])
        .run();
    output.expect_exit(0);
    assert_eq!(
        std::fs::read_to_string(output.path().join("trail")).unwrap_or_default(),
        "ok\n"
    );
}

#[test]
fn ctrl_c_during_a_rollback_exits_130_and_the_next_rollback_continues() {
    let test = Test::new().runbook(
        "undo",
        r#"[runbook]
title = "Undo"

[[step]]
id = "make"
run = "touch made"

[[step.rollback]]
run = "if [ -f slow ]; then touch undoing; sleep 30; fi; rm -f made"
"#,
    );
    test.invoke(&["run", "undo", "--yes"]).expect_exit(0);
    std::fs::write(test.path().join("slow"), "").expect("write slow");
    let mut child = test.spawn(&["rollback", "--yes"]);
    child.wait_for(&test.path().join("undoing"));
    child.signal("INT");
    child.finish().expect_exit(130);
    assert!(test.path().join("made").exists(), "the undo did not finish");
    std::fs::remove_file(test.path().join("slow")).expect("remove slow");
    test.invoke(&["rollback", "--yes"]).expect_exit(0);
    assert!(
        !test.path().join("made").exists(),
        "the second rollback finished the undo"
    );
}

#[test]
fn a_dry_run_shows_placeholders_for_captures_and_what_each_step_would_check() {
    let output = Test::new()
        .runbook(
            "dry",
            r#"[runbook]
title = "Dry"

[[step]]
id = "find"
run = "echo deployment/sonarr"
capture = "workloads"

[[step]]
id = "delete"
title = "Delete {{ workload }}"
foreach = { var = "workload", from = "workloads" }
run = "kubectl delete {{ workload }} && touch deleted"
confirm = true

[[step.verify]]
name = "the workload is gone"
run = "true"
attempts = 12
interval = "5s"

[[step.rollback]]
run = "flux resume helmrelease sonarr"
"#,
        )
        .args(["run", "dry", "--dry-run"])
        .run();
    output
        .expect_exit(0)
        .expect_stdout_contains("Delete <workloads> (delete[<workloads>])")
        .expect_stdout_contains("$ kubectl delete '<workloads>' && touch deleted")
        .expect_stdout_contains("· verify (12 × every 5s): the workload is gone")
        .expect_stdout_contains("· undo: flux resume helmrelease sonarr");
    assert!(!output.path().join("deleted").exists());
    assert!(!output.path().join(".runbook/runs").exists());
}

/// `run`, `show`, `graph`, `resume` and `rollback` load their runbook and what it calls,
/// transitively, and no other file: a broken runbook elsewhere stops none of them, and
/// a call chain two deep still runs whole and rolls back whole.
#[test]
fn one_runbook_and_its_callees_are_loaded_the_rest_of_the_project_is_not_needed() {
    let t = Test::new()
        .runbook(
            "top",
            "[runbook]\ntitle = \"Top\"\n\n[[step]]\nid = \"down\"\ncall = \"middle\"\n",
        )
        .runbook(
            "middle",
            "[runbook]\ntitle = \"Middle\"\n\n[[step]]\nid = \"further\"\ncall = \"bottom\"\n",
        )
        .runbook(
            "bottom",
            "[runbook]\ntitle = \"Bottom\"\n\n[[step]]\nid = \"leaf\"\nrun = \"echo leaf >> trail\"\n\n[[step.rollback]]\nrun = \"echo undone >> trail\"\n",
        )
        .runbook("broken", "[runbook\ntitle = \"no closing bracket\"\n");
    t.invoke(&["show", "top"])
        .expect_exit(0)
        .expect_stdout_contains("top");
    t.invoke(&["graph", "top"]).expect_exit(0);
    t.invoke(&["run", "top", "--yes"]).expect_exit(0);
    t.invoke(&["rollback", "--yes"]).expect_exit(0);
    assert_eq!(
        std::fs::read_to_string(t.path().join("trail")).unwrap_or_default(),
        "leaf\nundone\n"
    );
    // The whole project is still checked by `check`, and a name it lacks is still
    // suggested from every file.
    t.invoke(&["check"])
        .expect_exit(3)
        .expect_stderr_contains("runbooks/broken.toml");
    t.invoke(&["show", "botom"])
        .expect_exit(2)
        .expect_stderr_contains("did you mean `bottom`?");
}
