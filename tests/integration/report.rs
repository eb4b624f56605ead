//! `runbook report`: the record of real runs made here through the binary (success, a
//! failure then resumes, an on-failure rollback, an interruption, secrets, `call` and
//! `foreach`), snapshotted with times, ids, durations, user, host and pid filtered; that secrets
//! never appear; `--out`, `--json`, `--templates`; errors; the book's example of the tour.

use std::fs;

use crate::support::{Test, project, repo_root, run_ids, run_journal_path};

/// The report of the newest run (exit 0, nothing on stderr).
#[track_caller]
fn report(t: &Test, args: &[&str]) -> String {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let ran = t.invoke(&all);
    ran.expect_exit(0);
    assert!(ran.stderr.is_empty(), "{}", ran.report());
    ran.stdout
}

/// What changes from one run to the next: times, run-id stamps, durations, user@host, pid.
fn normalize(text: &str) -> String {
    let rules: &[(&str, &str)] = &[
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[TIME]"),
        (r"\d{8}-\d{6}", "[STAMP]"),
        (
            r"\b\d+h \d{2}m\b|\b\d+m \d{2}s\b|\b\d+\.\ds\b|\b\d+ms\b",
            "[DUR]",
        ),
        (r"\(pid \d+\)", "(pid [PID])"),
        // The operator is `user@host`: a report without the user fails its snapshot.
        (r"\| [^|\n@]+@[^|\n@]+ \(pid", "| [USER]@[HOST] (pid"),
        (
            r"(?m)^(\| Operator \| )[^|\n@]+@[^|\n@]+ \|",
            "${1}[USER]@[HOST] |",
        ),
        (
            r#""(operator|ended|started|at|ended_at)": "[^"]*""#,
            r#""$1": "[X]""#,
        ),
        (r#""(pid)": \d+"#, r#""$1": 0"#),
        (r#""duration": "[^"]*""#, r#""duration": "[DUR]""#),
    ];
    let mut text = text.to_string();
    for (pattern, with) in rules {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, *with)
            .into_owned();
    }
    text
}

/// Rewrites a journal as if each record (but a check's) came one second after the one
/// before (from 10:15:01), and each step took from its last start to its end: the book's
/// example then reads the same on every regeneration.
fn steady_clock(path: &std::path::Path) {
    let text = fs::read_to_string(path).unwrap();
    let mut started: std::collections::BTreeMap<String, u64> = Default::default();
    let mut out = String::new();
    let mut second = 0u64;
    for line in text.lines() {
        let mut record: serde_json::Value = serde_json::from_str(line).unwrap();
        // A polled check writes one record per try, and how many tries it takes depends on
        // the machine's load: check records share the time of the record before them.
        if record["type"] != "check" {
            second += 1;
        }
        record["ts"] = format!("2026-12-01T10:{:02}:{:02}Z", 15 + second / 60, second % 60).into();
        let step = record["step"].as_str().unwrap_or_default().to_string();
        match record["type"].as_str() {
            Some("step-started") => {
                started.insert(step, second);
            }
            Some("step-finished") => {
                let from = started.get(&step).copied().unwrap_or(second);
                record["duration-ms"] = ((second - from) * 1000).into();
            }
            _ => {}
        }
        out.push_str(&record.to_string());
        out.push('\n');
    }
    fs::write(path, out).unwrap();
}

/// The book's example: the run id's stamp, the operator and the pid fixed.
fn book_example(text: &str) -> String {
    let rules: &[(&str, &str)] = &[
        (r"\d{8}-\d{6}", "20261201-101500"),
        (r"\(pid \d+\)", "(pid 4242)"),
        (r"\| [^|\n]+ \(pid", "| ops@ops-laptop (pid"),
        (r"(?m)^(\| Operator \| )[^|\n]+ \|", "${1}ops@ops-laptop |"),
        // A rollback session names no pid: its operator cell is the fifth.
        (
            r"(?m)^(\| \d+ \| rollback \| [^|\n]+ \| [^|\n]+ \| )[^|\n]+ \|",
            "${1}ops@ops-laptop |",
        ),
    ];
    let mut text = text.to_string();
    for (pattern, with) in rules {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, *with)
            .into_owned();
    }
    text
}

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({ prepend_module_to_snapshot => true }, {
            insta::assert_snapshot!($name, normalize(&$text));
        })
    };
}

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

#[test]
fn out_writes_links_relative_to_the_file_and_the_bytes_are_the_same_every_time() {
    let t = project("[runbook]\ntitle = \"One\"\n\n[[step]]\nid = \"a\"\nrun = \"echo a\"\n");
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    // The directories of FILE are made.
    let ran = t.invoke(&["report", "--out", "docs/changes/run.md"]);
    ran.expect_exit(0)
        .expect_stderr_contains("docs/changes/run.md");
    let first = fs::read_to_string(t.path().join("docs/changes/run.md")).unwrap();
    let id = &run_ids(t.path())[0];
    assert!(
        first.contains(&format!("(<../../.runbook/runs/{id}/logs/a.1.log>)")),
        "{first}"
    );
    assert!(
        t.path()
            .join("docs/changes")
            .join(format!("../../.runbook/runs/{id}/logs/a.1.log"))
            .is_file()
    );
    t.invoke(&["report", "--out", "docs/changes/run.md"])
        .expect_exit(0);
    let second = fs::read_to_string(t.path().join("docs/changes/run.md")).unwrap();
    assert_eq!(first, second);
    assert_eq!(report(&t, &[id]), report(&t, &[]));
}

#[test]
fn json_is_the_report_model() {
    let t = project("[runbook]\ntitle = \"One\"\n\n[[step]]\nid = \"a\"\nrun = \"echo a\"\n");
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    let json: serde_json::Value = serde_json::from_str(&report(&t, &["--json"])).unwrap();
    assert_eq!(json["runbook"], "rb");
    assert_eq!(json["state"], "succeeded");
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["steps"][0]["id"], "a");
    assert_eq!(json["steps"][0]["outcome"], "succeeded");
    assert_eq!(json["sessions"][0]["kind"], "run");
}

#[test]
fn templates_dir_overrides_the_embedded_template() {
    let t = project("[runbook]\ntitle = \"One\"\n\n[[step]]\nid = \"a\"\nrun = \"echo a\"\n").file(
        "tpl/report.md.tera",
        "{{ report.runbook }}: {{ report.state }}\n",
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(report(&t, &["--templates", "tpl"]), "rb: succeeded\n");
    t.invoke(&["report", "--templates", "missing"])
        .expect_exit(2)
        .expect_stderr_contains("template directory");
    let broken = project("[runbook]\ntitle = \"One\"\n\n[[step]]\nid = \"a\"\nrun = \"echo a\"\n")
        .file("tpl/report.md.tera", "{{ report.runbook \n");
    broken.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    broken
        .invoke(&["report", "--templates", "tpl"])
        .expect_exit(2)
        .expect_stderr_contains("the report template does not parse");
}

#[test]
fn an_unknown_run_and_a_damaged_journal_are_clear_errors() {
    let t = project("[runbook]\ntitle = \"One\"\n\n[[step]]\nid = \"a\"\nrun = \"echo a\"\n");
    t.invoke(&["report"])
        .expect_exit(2)
        .expect_stderr_contains("no runs yet");
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    t.invoke(&["report", "no-such-run"])
        .expect_exit(2)
        .expect_stderr_contains("no run `no-such-run`");
    let id = run_ids(t.path())[0].clone();
    let path = run_journal_path(t.path(), &id);
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "not json";
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    t.invoke(&["report", &id])
        .expect_exit(1)
        .expect_stderr_contains("journal.jsonl")
        .expect_stderr_contains("line 2");
}

/// The example in the book's Reports chapter: the tour walked with `--yes
/// --allow-destructive`, then rolled back to its last checkpoint, normalized. `RUNBOOK_UPDATE_EXAMPLES=1` rewrites the page's file.
#[test]
fn the_books_example_report_is_the_tours() {
    let tour = repo_root().join("runbooks/tour.toml");
    let t = Test::new().runbook("tour", &fs::read_to_string(tour).unwrap());
    t.invoke(&["run", "tour", "--yes", "--allow-destructive"])
        .expect_exit(0);
    t.invoke(&["rollback", "--yes"]).expect_exit(0);
    steady_clock(&run_journal_path(t.path(), &run_ids(t.path())[0]));
    fs::create_dir_all(t.path().join("book/src/reports")).unwrap();
    t.invoke(&["report", "--out", "book/src/reports/tour.md"])
        .expect_exit(0);
    let made =
        book_example(&fs::read_to_string(t.path().join("book/src/reports/tour.md")).unwrap());
    let page = repo_root().join("book/src/reports/tour.md");
    if std::env::var_os("RUNBOOK_UPDATE_EXAMPLES").is_some() {
        fs::write(&page, &made).unwrap();
    }
    let shipped = fs::read_to_string(&page).unwrap_or_default();
    assert!(
        shipped == made,
        "book/src/reports/tour.md is stale: run `RUNBOOK_UPDATE_EXAMPLES=1 cargo test --test integration report::the_books_example` \n{made}"
    );
}
