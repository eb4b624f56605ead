//! The command line as a whole: project discovery, `--dir`/`RUNBOOK_DIR`, unknown runbooks,
//! usage errors (exit 2), stdout/stderr discipline, colour, and the hermetic test
//! environment. Help texts and completions are cli_help.rs.

use crate::support::Test;

const RUNBOOK: &str = "[runbook]\ntitle = \"Deploy\"\n\n[[step]]\nid = \"a\"\nrun = \"true\"\n";

#[test]
fn project_is_found_by_walking_up() {
    Test::new()
        .runbook("deploy", RUNBOOK)
        .current_dir("apps/media/sonarr")
        .args(["list", "--json"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("\"name\": \"deploy\"");
}

#[test]
fn diagnostics_name_files_relative_to_the_current_directory() {
    Test::new()
        .runbook("deploy", "[runbook]\ntitle = 1\n")
        .current_dir("sub")
        .args(["check"])
        .run()
        .expect_exit(3)
        .expect_stderr_contains(" --> [TEMP]/runbooks/deploy.toml:2:9");
}

#[test]
fn dir_flag_names_the_runbooks_directory() {
    Test::bare()
        .file("elsewhere/books/deploy.toml", RUNBOOK)
        .args(["list", "--json", "--dir", "elsewhere/books"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("\"name\": \"deploy\"");
}

#[test]
fn dir_flag_wins_over_discovery() {
    Test::new()
        .runbook("local", RUNBOOK)
        .file("other/runbooks/remote.toml", RUNBOOK)
        .args(["--dir", "other/runbooks", "list", "--json"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("\"remote\"")
        .expect_stdout_lacks("\"local\"");
}

#[test]
fn runbook_dir_environment_variable() {
    Test::bare()
        .file("elsewhere/books/deploy.toml", RUNBOOK)
        .env("RUNBOOK_DIR", "elsewhere/books")
        .args(["list", "--json"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("\"name\": \"deploy\"");
}

#[test]
fn missing_dir_is_a_usage_error() {
    Test::bare()
        .args(["list", "--dir", "nope"])
        .run()
        .expect_exit(2)
        .expect_stderr_contains("error: runbooks directory `[TEMP]/nope` does not exist")
        .expect_stderr_contains("hint: `--dir` (env `RUNBOOK_DIR`)");
}

#[test]
fn no_project_found() {
    Test::bare()
        .args(["list"])
        .run()
        .expect_exit(2)
        .expect_stdout_empty()
        .expect_stderr(
            "error: could not find a `runbooks/` directory in `[TEMP]` or any parent
hint: run inside a project that has `runbooks/`, or pass `--dir DIR` (env `RUNBOOK_DIR`)
",
        );
}

#[test]
fn unknown_runbook_name() {
    for command in ["show", "graph", "check"] {
        Test::new()
            .runbook("deploy", RUNBOOK)
            .args([command, "deplyo"])
            .run()
            .expect_exit(2)
            .expect_stdout_empty()
            .expect_stderr(
                "error: no runbook named `deplyo` in `[TEMP]/runbooks`\nhint: did you mean `deploy`?\n",
            );
    }
    Test::new()
        .runbook("deploy", RUNBOOK)
        .args(["show", "zzzzzzzz"])
        .run()
        .expect_exit(2)
        .expect_stderr_contains("hint: `runbook list` shows the runbooks of this project");
}

#[test]
fn usage_errors_exit_2() {
    Test::new()
        .args(["frobnicate"])
        .run()
        .expect_exit(2)
        .expect_stderr_contains("unrecognized subcommand");
    Test::new()
        .args(["list", "--jsn"])
        .run()
        .expect_exit(2)
        .expect_stderr_contains("--json");
    Test::new()
        .run()
        .expect_exit(2)
        .expect_stderr_contains("Usage:");
    Test::new()
        .args(["--color", "sometimes", "list"])
        .run()
        .expect_exit(2);
}

#[test]
fn data_on_stdout_diagnostics_on_stderr() {
    let project = || {
        Test::new()
            .runbook("deploy", RUNBOOK)
            .runbook("warn", "[runbook]\ntitle = \"W\"\n\n[vars.x]\ndefault = \"1\"\n\n[[step]]\nid = \"a\"\nrun = \"echo {{ x | raw }}\"\n")
    };
    project()
        .args(["check"])
        .run()
        .expect_exit(0)
        .expect_stdout_empty()
        .expect_stderr_contains("warning:");
    project()
        .args(["list"])
        .run()
        .expect_exit(0)
        .expect_stderr_empty();
    project()
        .args(["show", "deploy"])
        .run()
        .expect_exit(0)
        .expect_stderr_empty();
    project()
        .args(["graph", "deploy"])
        .run()
        .expect_exit(0)
        .expect_stderr_empty();
    project()
        .args(["schema"])
        .run()
        .expect_exit(0)
        .expect_stderr_empty();
    project()
        .args(["show", "nope"])
        .run()
        .expect_exit(2)
        .expect_stdout_empty();
}

#[test]
fn no_color_by_default_in_tests_and_with_no_color() {
    let broken = || Test::new().runbook("b", "[runbook]\n");
    broken()
        .args(["check"])
        .run()
        .expect_exit(3)
        .expect_stderr_lacks("\u{1b}[");
    broken()
        .color()
        .env("NO_COLOR", "1")
        .args(["check"])
        .run()
        .expect_exit(3)
        .expect_stderr_lacks("\u{1b}[");
    // Not a terminal and no flag: plain too.
    broken()
        .color()
        .args(["check"])
        .run()
        .expect_exit(3)
        .expect_stderr_lacks("\u{1b}[");
    broken()
        .color()
        .args(["check", "--color", "never"])
        .env("FORCE_COLOR", "1")
        .run()
        .expect_exit(3)
        .expect_stderr_lacks("\u{1b}[");
}

#[test]
fn color_always_and_force_color() {
    let broken = || Test::new().runbook("b", "[runbook]\n");
    broken()
        .color()
        .args(["check", "--color", "always"])
        .run()
        .expect_exit(3)
        .expect_stderr_contains("\u{1b}[31m\u{1b}[1merror\u{1b}[0m: ");
    // `--color always` beats NO_COLOR.
    broken()
        .args(["--color", "always", "check"])
        .run()
        .expect_exit(3)
        .expect_stderr_contains("\u{1b}[");
    broken()
        .color()
        .env("CLICOLOR_FORCE", "1")
        .args(["check"])
        .run()
        .expect_exit(3)
        .expect_stderr_contains("\u{1b}[");
}

#[test]
fn test_environment_is_hermetic() {
    // A RUNBOOK_DIR of the calling shell must not leak into tests: `Test` removes it,
    // and this test sets one explicitly only to prove an explicit value still works.
    Test::new()
        .runbook("deploy", RUNBOOK)
        .env("RUNBOOK_DIR", "runbooks")
        .args(["list", "--json"])
        .run()
        .expect_exit(0);
    Test::new()
        .fake_bin("kubectl", "#!/bin/sh\necho \"fake $KUBECONFIG\"\n")
        .command()
        .assert()
        .failure();
    let path = Test::new().fake_bin("kubectl", "#!/bin/sh\necho fake\n");
    let out = std::process::Command::new(path.path().join("bin/kubectl"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "fake\n");
}
