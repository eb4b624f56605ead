//! `runbook report`: the record of real runs made here through the binary (success, a
//! failure then resumes, an on-failure rollback, an interruption, secrets, a failed check,
//! `call` and `foreach`), snapshotted with times, ids, durations, user, host and pid
//! filtered; and that secrets never appear.

use std::fs;

use crate::support::report::{report, snapshot};
use crate::support::{Test, project, run_ids, run_journal_path};

#[test]
fn a_successful_run_names_the_kube_context_and_links_every_log() {
    let t = project(
        r#"[runbook]
title = "Deploy the app"

[vars.cluster]
default = "edge"

[[step]]
id = "apply"
title = "Apply the manifests | all of them"
run = "echo --context {{ cluster }} applied"
checkpoint = true

[[step]]
id = "end"
title = "Everything \"answers\""
needs = ["apply"]

[[step.verify]]
name = "the app answers"
run = "echo up"
expect-stdout = "^up"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    let text = report(&t, &[]);
    assert!(
        text.contains("| Kube context | `edge` (variable `cluster`) |"),
        "{text}"
    );
    let id = &run_ids(t.path())[0];
    assert!(
        text.contains(&format!("(<.runbook/runs/{id}/logs/apply.1.log>)")),
        "{text}"
    );
    snapshot!("success", text);
}

#[test]
fn a_failure_then_two_resumes_shows_three_sessions_the_failed_check_and_the_output() {
    let t = project(
        r#"[runbook]
title = "Fix then verify"

[[step]]
id = "apply"
run = "echo applying; test -f fixed || { echo 'error: quota exceeded' >&2; exit 3; }"

[[step]]
id = "check"
title = "Check the app"
run = "echo checking"

[[step.verify]]
name = "the app answers"
run = "cat answer 2>/dev/null || echo down"
expect-stdout = "^up"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    fs::write(t.path().join("fixed"), "").unwrap();
    t.invoke(&["resume", "--yes"]).expect_exit(1);
    fs::write(t.path().join("answer"), "up\n").unwrap();
    t.invoke(&["resume", "--yes"]).expect_exit(0);
    let text = report(&t, &[]);
    assert!(
        text.contains("error: quota exceeded") || text.contains("`apply`"),
        "{text}"
    );
    snapshot!("failure_then_resume", text);
}

#[test]
fn an_on_failure_rollback_lists_what_was_undone() {
    let t = project(
        r#"[runbook]
title = "Auto"

[[step]]
id = "a"
run = "echo do-a"
[[step.rollback]]
run = "echo undo-a"

[[step]]
id = "b"
run = "echo do-b"
checkpoint = true
[[step.rollback]]
run = "echo undo-b"

[[step]]
id = "c"
run = "echo do-c"
[[step.rollback]]
run = "echo undo-c"

[[step]]
id = "d"
run = "echo do-d; exit 1"
on-failure = "rollback"

[[step]]
id = "e"
run = "echo do-e"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(1);
    let text = report(&t, &[]);
    snapshot!("rollback", text);
}

#[test]
fn an_interrupted_run_reads_interrupted_with_exit_130_then_its_resume_a_second_session() {
    let t = project(
        "[runbook]\ntitle = \"Long\"\n\n[[step]]\nid = \"wait\"\nrun = \"touch started; test -f fast || sleep 30\"\nidempotent = true\n\n[[step]]\nid = \"after\"\nrun = \"true\"\n",
    );
    let mut child = t.spawn(&["run", "rb", "--yes"]);
    child.wait_for(&t.path().join("started"));
    child.signal("INT");
    child.finish().expect_exit(130);
    let text = report(&t, &[]);
    assert!(text.contains("| Exit code | 130 |"), "{text}");
    snapshot!("interrupted", text);
    fs::write(t.path().join("fast"), "").unwrap();
    t.invoke(&["resume", "--yes"]).expect_exit(0);
    let text = report(&t, &[]);
    assert!(text.contains("| 2 | resume |"), "{text}");
    snapshot!("interrupted_then_resumed", text);
}

const TOKEN: &str = "s3cr3t-T0ken-4242";

fn secret_project() -> Test {
    project(
        r#"[runbook]
title = "Secret"

[vars.token]
secret = true
from-env = "TEST_TOKEN"

[[step]]
id = "talk"
run = "echo the token is {{ token }}; echo {{ token }} >&2"
capture = "echoed"

[[step]]
id = "fail"
run = "echo failing with {{ token }}; exit 1"

[[step.verify]]
name = "token {{ token }} seen"
run = "echo {{ token }}"
expect-stdout = "never"
"#,
    )
}

#[test]
fn secrets_never_appear_in_the_report_or_its_json() {
    let t = secret_project();
    t.invoke_env(&["run", "rb", "--yes"], &[("TEST_TOKEN", TOKEN)])
        .expect_exit(1);
    let text = report(&t, &[]);
    let json = report(&t, &["--json"]);
    for out in [&text, &json] {
        assert!(!out.contains(TOKEN), "the secret leaked:\n{out}");
    }
    assert!(text.contains("| `token` | `********` (secret) |"), "{text}");
    assert!(
        text.contains("failing with ********"),
        "the failed step's output is quoted, masked\n{text}"
    );
    snapshot!("secrets", text);
}

#[test]
fn a_failed_check_shows_the_output_it_judged_fenced_and_masked() {
    let t = project(
        r#"[runbook]
title = "Judged"

[vars.token]
secret = true
from-env = "TEST_TOKEN"

[[step]]
id = "probe"
run = "true"

[[step.verify]]
name = "the answer"
run = "seq 1 30; echo 'a ``` fence'; echo token {{ token }} down"
expect-stdout = "^up"
"#,
    );
    t.invoke_env(&["run", "rb", "--yes"], &[("TEST_TOKEN", TOKEN)])
        .expect_exit(1);
    let journal = fs::read_to_string(run_journal_path(t.path(), &run_ids(t.path())[0])).unwrap();
    let text = report(&t, &[]);
    let json = report(&t, &["--json"]);
    for out in [&journal, &text, &json] {
        assert!(!out.contains(TOKEN), "the secret leaked:\n{out}");
    }
    assert!(
        text.contains("````text\n13\n14\n"),
        "the last 20 lines, fenced past the output's backticks\n{text}"
    );
    assert!(!text.contains("\n12\n"), "bounded to 20 lines\n{text}");
    assert!(text.contains("token ******** down\n````"), "{text}");
    snapshot!("failed_check_output", text);
}

#[test]
fn a_call_and_a_foreach_are_one_node_each_and_their_steps_rows() {
    let t = Test::new()
        .runbook(
            "inner",
            "[runbook]\ntitle = \"Inner\"\n\n[[step]]\nid = \"work\"\nrun = \"echo inner-work\"\n",
        )
        .runbook(
            "outer",
            r#"[runbook]
title = "Outer"

[[step]]
id = "deploy"
title = "Deploy {{ release }}"
run = "echo deploying {{ release }}"
foreach = { var = "release", in = ["sonarr", "radarr"] }

[[step]]
id = "fix"
call = "inner"
"#,
        );
    t.invoke(&["run", "outer", "--yes"]).expect_exit(0);
    let text = report(&t, &[]);
    assert!(
        text.contains("`deploy[radarr]`") && text.contains("`fix/work`"),
        "{text}"
    );
    snapshot!("call_and_foreach", text);
}
