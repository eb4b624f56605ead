//! The command line as a whole: project discovery, `--dir`/`RUNBOOK_DIR`, usage errors,
//! help texts, completions, stdout/stderr discipline and colour.

use clap::CommandFactory;

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
fn version_and_help_exit_0_on_stdout() {
    Test::new()
        .args(["--version"])
        .run()
        .expect_exit(0)
        .expect_stdout(concat!("runbook ", env!("CARGO_PKG_VERSION"), "\n"))
        .expect_stderr_empty();
    Test::new()
        .args(["--help"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("Examples:")
        .expect_stderr_empty();
}

#[test]
fn clap_definition_is_consistent() {
    runbook::cli::Cli::command().debug_assert();
}

#[test]
fn every_subcommand_help_shows_an_example() {
    let commands: Vec<String> = runbook::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for required in ["list", "show", "check", "graph", "schema", "completions"] {
        assert!(
            commands.iter().any(|c| c == required),
            "`{required}` missing from {commands:?}"
        );
    }
    for command in &commands {
        let help = Test::new().args([command.as_str(), "--help"]).run();
        help.expect_exit(0).expect_stderr_empty();
        assert!(
            help.stdout.contains("Example") && help.stdout.contains(&format!("runbook {command}")),
            "`runbook {command} --help` shows no example:\n{}",
            help.stdout
        );
    }
}

/// `run --help` ran its examples together on one line; now every line of every
/// "Examples:" block is one command.
#[test]
fn help_examples_are_one_per_line() {
    let commands: Vec<String> = runbook::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for command in commands.iter().map(String::as_str).chain([""]) {
        let args: Vec<&str> = [command, "--help"]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let help = Test::new().args(args).run();
        let block: Vec<&str> = help
            .stdout
            .lines()
            .skip_while(|l| !l.starts_with("Example"))
            .skip(1)
            .take_while(|l| !l.is_empty())
            .collect();
        assert!(
            !block.is_empty(),
            "`{command} --help` has no examples:\n{}",
            help.stdout
        );
        for line in block {
            let example = line.strip_prefix("  ").unwrap_or_default();
            assert!(
                (example.starts_with("runbook ") || example.starts_with("echo "))
                    && !example.contains('`')
                    && !example.contains(", runbook"),
                "`{command} --help`: {line:?} is not one example"
            );
        }
    }
    let run = Test::new().args(["run", "--help"]).run();
    run.expect_stdout_contains("Examples:\n  runbook run tour\n  runbook run edge-stabilization");
}

/// `graph --help` left `<NAME>` undescribed.
#[test]
fn every_positional_is_described() {
    fn walk(command: &clap::Command, path: &str) {
        for arg in command.get_positionals() {
            assert!(
                arg.get_help()
                    .is_some_and(|h| !h.to_string().trim().is_empty()),
                "`{path}`: <{}> has no help",
                arg.get_id()
            );
        }
        for sub in command.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()));
        }
    }
    walk(&runbook::cli::Cli::command(), "runbook");
    Test::new()
        .args(["graph", "--help"])
        .run()
        .expect_stdout_contains("<NAME>\n          The runbook's name");
}

/// `run tour --yse` answered "to pass '--yse' as a value, use '-- --yse'".
#[test]
fn a_mistyped_flag_gets_a_did_you_mean() {
    Test::new()
        .runbook("tour", "[runbook]\ntitle = \"T\"\n")
        .args(["run", "tour", "--yse"])
        .run()
        .expect_exit(2)
        .expect_stdout_empty()
        .expect_stderr_contains("error: unexpected argument '--yse' found")
        .expect_stderr_contains("tip: a similar argument exists: '--yes'")
        .expect_stderr_contains("Usage: runbook run")
        .expect_stderr_lacks("-- --yse");
    Test::new()
        .args(["show", "x", "--vra", "a=b"])
        .run()
        .expect_exit(2)
        .expect_stderr_contains("'--var'");
    // clap's own matcher offered `runs` for `rnu`.
    Test::new()
        .args(["rnu", "tour"])
        .run()
        .expect_exit(2)
        .expect_stderr_contains("tip: a similar subcommand exists: 'run'");
}

/// `runbook run` with no name lists the runbooks (book order, with summaries), exit 2.
#[test]
fn a_missing_runbook_name_lists_the_runbooks() {
    let test = Test::new()
        .runbook(
            "zeta",
            "[runbook]\ntitle = \"Zeta\"\nsummary = \"The last word\"\nphase = \"1\"\n",
        )
        .runbook(
            "alpha",
            "[runbook]\ntitle = \"Alpha title\"\nphase = \"12\"\n",
        );
    for command in ["run", "show", "graph"] {
        test.invoke(&[command])
            .expect_exit(2)
            .expect_stdout_empty()
            .expect_stderr(&format!(
                "error: `runbook {command}` needs the name of a runbook; the project has:
  zeta   The last word
  alpha  Alpha title
hint: for example `runbook {command} zeta`
"
            ));
    }
    Test::new()
        .args(["run"])
        .run()
        .expect_exit(2)
        .expect_stderr_contains("the project has none")
        .expect_stderr_contains("runbook new NAME");
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        (
            "bash",
            "complete -o nospace -o bashdefault -o nosort -F _clap_complete_runbook runbook",
        ),
        ("zsh", "#compdef runbook"),
        (
            "fish",
            "complete --keep-order --exclusive --command runbook",
        ),
        ("elvish", "arg-completer[runbook]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        Test::bare()
            .args(["completions", shell])
            .run()
            .expect_exit(0)
            .expect_stderr_empty()
            .expect_stdout_contains(marker);
    }
    Test::bare()
        .args(["completions", "tcsh"])
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
