//! `runbook new NAME` (a commented starter runbook that passes `check` and walks) and
//! `runbook init` (a project: `runbooks/` and a `.gitignore` entry for `.runbook/`).

use crate::support::{Test, read};

#[test]
fn new_writes_a_starter_that_passes_check_and_walks() {
    let test = Test::new();
    test.invoke(&["new", "deploy-app"])
        .expect_exit(0)
        .expect_stdout_empty()
        .expect_stderr_contains("created runbooks/deploy-app.toml");
    let starter = read(test.path(), "runbooks/deploy-app.toml");
    for part in [
        "title = \"Deploy app\"",
        "[[precondition]]",
        "[[step.verify]]",
        "[[step.rollback]]",
        "checkpoint = true",
        "# ",
    ] {
        assert!(starter.contains(part), "{part:?} missing from\n{starter}");
    }
    test.invoke(&["check", "deploy-app"])
        .expect_exit(0)
        .expect_stderr("ok: 1 runbook valid\n");
    test.invoke(&["run", "deploy-app", "--yes"])
        .expect_exit(0)
        .expect_stderr_contains("deploy-app: succeeded");
    test.invoke(&["rollback", "--yes"]).expect_exit(0);
}

#[test]
fn new_never_overwrites_and_wants_a_kebab_case_name() {
    let test = Test::new().runbook("taken", "[runbook]\ntitle = \"Mine\"\n");
    test.invoke(&["new", "taken"])
        .expect_exit(2)
        .expect_stderr_contains("error: `runbooks/taken.toml` already exists");
    assert_eq!(
        read(test.path(), "runbooks/taken.toml"),
        "[runbook]\ntitle = \"Mine\"\n"
    );
    test.invoke(&["new", "Deploy App"])
        .expect_exit(2)
        .expect_stderr_contains("try `deploy-app`");
    test.invoke(&["new", "../escape"]).expect_exit(2);
    assert!(!test.path().join("escape.toml").exists());
}

#[test]
fn new_outside_a_project_points_at_init() {
    Test::bare()
        .args(["new", "x"])
        .run()
        .expect_exit(2)
        .expect_stderr_contains("could not find a `runbooks/` directory")
        .expect_stderr_contains("`runbook init`");
}

#[test]
fn init_makes_a_project_and_is_idempotent() {
    let test = Test::bare().file(".gitignore", "/target");
    test.invoke(&["init"])
        .expect_exit(0)
        .expect_stderr_contains("created runbooks/")
        .expect_stderr_contains("added `/.runbook/` to .gitignore");
    assert!(test.path().join("runbooks").is_dir());
    assert_eq!(read(test.path(), ".gitignore"), "/target\n/.runbook/\n");
    test.invoke(&["init"])
        .expect_exit(0)
        .expect_stderr_contains(".gitignore already ignores .runbook/");
    assert_eq!(read(test.path(), ".gitignore"), "/target\n/.runbook/\n");
    test.invoke(&["new", "first"]).expect_exit(0);
    test.invoke(&["list"])
        .expect_exit(0)
        .expect_stdout_contains("first");
}

#[test]
fn init_without_a_gitignore_creates_one() {
    let test = Test::bare();
    test.invoke(&["init"]).expect_exit(0);
    assert_eq!(read(test.path(), ".gitignore"), "/.runbook/\n");
}
