//! `runbook docs`: the generated book pages, `--check`, `--out`, `--templates`, and the
//! repository's own book.
//!
//! The fixture project is `tests/integration/fixtures/docs/`; the pages it must produce are
//! committed under `fixtures/docs/expected/`. After a deliberate change to the templates,
//! regenerate them with `UPDATE_EXPECTED=1 cargo test --test integration docs`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{Test, repo_root};

const DEPLOY: &str = include_str!("fixtures/docs/runbooks/deploy.toml");
const HELPER: &str = include_str!("fixtures/docs/runbooks/helper.toml");
const FIRST: &str = include_str!("fixtures/docs/runbooks/first.toml");
const SUMMARY: &str = include_str!("fixtures/docs/book/src/SUMMARY.md");

/// The fixture project: three runbooks and a hand-written SUMMARY.md with the markers.
fn project() -> Test {
    Test::new()
        .runbook("deploy", DEPLOY)
        .runbook("helper", HELPER)
        .runbook("first", FIRST)
        .file("book/src/SUMMARY.md", SUMMARY)
}

/// Runs `runbook docs ARGS…` in the test's project: (exit code, stderr).
fn docs(test: &Test, args: &[&str]) -> (i32, String) {
    let output = test.invoke(&[&["docs"], args].concat());
    (output.status, output.stderr)
}

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn expected_path(relative: &str) -> PathBuf {
    repo_root()
        .join("tests/integration/fixtures/docs/expected")
        .join(relative)
}

/// Compares a generated file with its committed expectation (or rewrites the expectation
/// under `UPDATE_EXPECTED=1`).
#[track_caller]
fn assert_expected(generated: &Path, relative: &str) {
    let got = read(generated);
    let expected = expected_path(relative);
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        fs::write(&expected, &got).expect("update the expected file");
        return;
    }
    let want = read(&expected);
    assert!(
        got == want,
        "{relative} differs from {}\n--- generated:\n{got}",
        expected.display()
    );
}

#[test]
fn pages_match_the_expected_files() {
    let test = project();
    let (code, stderr) = docs(&test, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("created book/src/runbooks/deploy.md"),
        "{stderr}"
    );
    assert!(stderr.contains("updated book/src/SUMMARY.md"), "{stderr}");
    let src = test.path().join("book/src");
    assert_expected(&src.join("runbooks/deploy.md"), "runbooks/deploy.md");
    assert_expected(&src.join("runbooks/index.md"), "runbooks/index.md");
    assert_expected(&src.join("SUMMARY.md"), "SUMMARY.md");
}

#[test]
fn page_escapes_what_would_break_markdown() {
    let test = project();
    assert_eq!(docs(&test, &[]).0, 0);
    let page = read(test.path().join("book/src/runbooks/deploy.md"));
    // A pipe in a table cell is escaped; a command holding ``` gets a longer fence.
    assert!(page.contains("| Kube context \\| cluster |"), "{page}");
    assert!(page.contains("matches `^(web\\|api)$`"), "{page}");
    assert!(
        page.contains("````sh\ncat <<'EOF' > out.md\n```\n"),
        "{page}"
    );
    // Secrets are not shown, template text is shown as written.
    assert!(!page.contains("hunter2"), "{page}");
    assert!(
        page.contains("kubectl scale deploy/{{ release }}-canary --replicas {{ size }}"),
        "{page}"
    );
    assert!(page.contains("```mermaid\nflowchart TD\n"), "{page}");
    assert!(
        page.contains("[Reconcile \\[helper\\]](helper.md)"),
        "{page}"
    );
    let helper = read(test.path().join("book/src/runbooks/helper.md"));
    assert!(
        helper.contains("Called by [Deploy the web app](deploy.md)."),
        "{helper}"
    );
}

#[test]
fn output_is_deterministic_and_unchanged_files_are_not_written() {
    let test = project();
    assert_eq!(docs(&test, &[]).0, 0);
    let page = test.path().join("book/src/runbooks/deploy.md");
    let before = fs::metadata(&page).unwrap().modified().unwrap();
    let first = read(&page);
    let (code, stderr) = docs(&test, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("book is current"), "{stderr}");
    assert!(
        !stderr.contains("created") && !stderr.contains("updated"),
        "{stderr}"
    );
    assert_eq!(fs::metadata(&page).unwrap().modified().unwrap(), before);
    assert_eq!(read(&page), first);
    let (code, stderr) = docs(&test, &["--check"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("book is current"), "{stderr}");
}

#[test]
fn check_names_stale_missing_and_extra_files_and_writes_nothing() {
    let test = project();
    assert_eq!(docs(&test, &[]).0, 0);
    let pages = test.path().join("book/src/runbooks");
    fs::write(pages.join("deploy.md"), "edited by hand\n").unwrap();
    fs::remove_file(pages.join("index.md")).unwrap();
    fs::write(pages.join("gone.md"), "a page of a deleted runbook\n").unwrap();
    let (code, stderr) = docs(&test, &["--check"]);
    assert_eq!(code, 1, "{stderr}");
    for line in [
        "stale: book/src/runbooks/deploy.md",
        "missing: book/src/runbooks/index.md",
        "extra: book/src/runbooks/gone.md",
        "hint: run `runbook docs`",
    ] {
        assert!(stderr.contains(line), "stderr lacks {line:?}\n{stderr}");
    }
    assert!(!stderr.contains("helper.md"), "{stderr}");
    // Nothing was written.
    assert_eq!(read(pages.join("deploy.md")), "edited by hand\n");
    assert!(!pages.join("index.md").exists());
    assert!(pages.join("gone.md").exists());
    // `runbook docs` repairs all three.
    let (code, stderr) = docs(&test, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("removed book/src/runbooks/gone.md"),
        "{stderr}"
    );
    assert!(!pages.join("gone.md").exists());
    assert_eq!(docs(&test, &["--check"]).0, 0);
}

#[test]
fn check_notices_a_changed_runbook_and_a_deleted_one() {
    let test = project();
    assert_eq!(docs(&test, &[]).0, 0);
    fs::write(
        test.path().join("runbooks/first.toml"),
        FIRST.replace("echo hello", "echo bonjour"),
    )
    .unwrap();
    let (code, stderr) = docs(&test, &["--check"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("stale: book/src/runbooks/first.md"),
        "{stderr}"
    );
    fs::remove_file(test.path().join("runbooks/first.toml")).unwrap();
    let (code, stderr) = docs(&test, &["--check"]);
    assert_eq!(code, 1, "{stderr}");
    for line in [
        "extra: book/src/runbooks/first.md",
        "stale: book/src/runbooks/index.md",
        "stale: book/src/SUMMARY.md",
    ] {
        assert!(stderr.contains(line), "stderr lacks {line:?}\n{stderr}");
    }
}

#[test]
fn only_the_generated_block_of_summary_changes() {
    let test = project();
    assert_eq!(docs(&test, &[]).0, 0);
    let summary = read(test.path().join("book/src/SUMMARY.md"));
    assert!(summary.starts_with("# Summary\n\n[Introduction](introduction.md)\n"));
    assert!(summary.ends_with("# Development\n\n- [Contributing](contributing.md)\n"));
    let tools = summary.find("runbooks/helper.md").unwrap();
    assert!(
        summary.find("runbooks/first.md").unwrap() < summary.find("runbooks/deploy.md").unwrap()
    );
    assert!(
        summary.find("runbooks/deploy.md").unwrap() < tools,
        "{summary}"
    );
}

#[test]
fn summary_without_markers_is_an_error() {
    let test = project().file("book/src/SUMMARY.md", "# Summary\n\n- [Intro](intro.md)\n");
    let (code, stderr) = docs(&test, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("has no generated block"), "{stderr}");
    assert!(stderr.contains("<!-- runbooks:begin -->"), "{stderr}");
    assert!(!test.path().join("book/src/runbooks").exists());
}

#[test]
fn out_writes_elsewhere_and_creates_a_summary() {
    let test = project();
    let (code, stderr) = docs(&test, &["--out", "site"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("created site/runbooks/deploy.md"),
        "{stderr}"
    );
    let summary = read(test.path().join("site/SUMMARY.md"));
    assert!(
        summary.contains("<!-- runbooks:begin -->\n- [Runbooks](runbooks/index.md)\n"),
        "{summary}"
    );
    assert_eq!(
        read(test.path().join("site/runbooks/deploy.md")),
        read(expected_path("runbooks/deploy.md"))
    );
    assert!(!test.path().join("book/src/runbooks").exists());
    assert_eq!(docs(&test, &["--out", "site", "--check"]).0, 0);
}

#[test]
fn custom_templates_replace_the_embedded_ones() {
    let test = project()
        .file(
            "tpl/runbook.md.tera",
            "CUSTOM {{ runbook.name }}: {{ runbook.steps | length }} steps, risk {{ runbook.risk }}\n",
        )
        .file("tpl/runbok.md.tera", "misnamed");
    let (code, stderr) = docs(&test, &["--templates", "tpl"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: `tpl/runbok.md.tera` replaces no template"),
        "{stderr}"
    );
    let src = test.path().join("book/src");
    assert_eq!(
        read(src.join("runbooks/deploy.md")),
        "CUSTOM deploy: 6 steps, risk high\n"
    );
    // The templates not overridden stay the embedded ones.
    assert_expected(&src.join("runbooks/index.md"), "runbooks/index.md");
    // Against the embedded templates the custom pages are stale.
    let (code, stderr) = docs(&test, &["--check"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("stale: book/src/runbooks/deploy.md"),
        "{stderr}"
    );
}

#[test]
fn a_broken_custom_template_is_a_usage_error() {
    let test = project().file("tpl/index.md.tera", "{% if %}");
    let (code, stderr) = docs(&test, &["--templates", "tpl"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("a book template does not parse"),
        "{stderr}"
    );
    let (code, stderr) = docs(&test, &["--templates", "no-such-dir"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn invalid_runbooks_are_refused_with_exit_3() {
    let test = project().runbook(
        "broken",
        "[runbook]\ntitle = \"Broken\"\n\n[[step]]\nid = \"a\"\nrun = \"true\"\nneeds = [\"nope\"]\n",
    );
    let (code, stderr) = docs(&test, &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("broken.toml"), "{stderr}");
    assert!(!test.path().join("book/src/runbooks").exists());
    assert_eq!(docs(&test, &["--check"]).0, 3);
}

#[test]
fn the_repository_book_is_current() {
    let output = Test::new()
        .command()
        .current_dir(repo_root())
        .args(["docs", "--check"])
        .output()
        .expect("run the runbook binary");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "book/ is stale: run `cargo run -- docs` and commit the result\n{stderr}"
    );
    assert!(stderr.contains("book is current"), "{stderr}");
}

/// `<word>` in plain text would be an unclosed HTML tag for mdBook: prose and table cells
/// escape it, code spans keep it as written.
#[test]
fn angle_brackets_outside_code_are_escaped() {
    let test = Test::new()
        .runbook(
            "angles",
            r#"[runbook]
title = "Deploy to <cluster>"

[vars.cluster]
description = "Cluster whose tree (kubernetes/<cluster>/apps) is used; see `kubernetes/<cluster>`"
default = "edge"

[[step]]
id = "apply"
title = "Apply <cluster>"
run = "kubectl --context {{ cluster }} apply -k kubernetes/{{ cluster }}/apps"

[[step.verify]]
name = "the <cluster> apps are there"
run = "kubectl --context {{ cluster }} get ns"
message = "look at <cluster> by hand"
"#,
        )
        .file("book/src/SUMMARY.md", SUMMARY);
    let (code, stderr) = docs(&test, &[]);
    assert_eq!(code, 0, "{stderr}");
    let page = read(test.path().join("book/src/runbooks/angles.md"));
    for escaped in [
        "# Deploy to &lt;cluster&gt;",
        "(kubernetes/&lt;cluster&gt;/apps)",
        "see `kubernetes/<cluster>`",
        "### 1. Apply &lt;cluster&gt;",
        "**the &lt;cluster&gt; apps are there**",
        "look at &lt;cluster&gt; by hand",
    ] {
        assert!(page.contains(escaped), "missing {escaped:?} in\n{page}");
    }
    let summary = read(test.path().join("book/src/SUMMARY.md"));
    assert!(summary.contains("Deploy to \\<cluster\\>"), "{summary}");
}
