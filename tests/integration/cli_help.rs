//! What the command line tells the operator about itself: `--version` and `--help` on
//! stdout with exit 0, an example in every subcommand's help (one per line), every
//! positional described, did-you-mean for a mistyped flag, the runbooks listed when a name
//! is missing, and completion scripts for every shell.

use clap::CommandFactory;

use crate::support::Test;

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
