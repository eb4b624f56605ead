//! Where `runbook report` writes and what it reads: `--out` with links relative to the file
//! and the same bytes every time, `--json` as the report model, `--templates` overriding
//! the embedded template, clear errors for an unknown run or a damaged journal, and the
//! book's example report, which is the tour's.

use std::fs;

use crate::support::report::{book_example, report, steady_clock};
use crate::support::{Test, project, repo_root, run_ids, run_journal_path};

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
