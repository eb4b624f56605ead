//! The README's promises: install first, the interactive tour before the `--yes` one, and
//! every tour command it shows ends the tour with exit 0, on every walk (the tour empties
//! its workspace in `prepare`, so a second walk shows every demo again). The tour walks
//! the repository's own `runbooks/tour.toml`.

use std::fs;

use rexpect::ReadUntil;

use crate::support::{Test, pty_exit_code, pty_expect, pty_send, repo_root};

/// The lines of the README's ```sh blocks, comments removed.
fn readme_commands() -> Vec<String> {
    let readme = fs::read_to_string(repo_root().join("README.md")).expect("read README.md");
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in readme.lines() {
        match line.trim() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            text if in_sh && !text.is_empty() => {
                let command = text.split(" #").next().unwrap_or_default().trim();
                commands.push(command.to_string());
            }
            _ => {}
        }
    }
    commands
}

fn tour() -> Test {
    let toml = fs::read_to_string(repo_root().join("runbooks/tour.toml")).expect("read the tour");
    Test::new().runbook("tour", &toml)
}

#[test]
fn install_first_then_the_interactive_tour_then_yes() {
    let commands = readme_commands();
    assert_eq!(
        commands[0], "cargo install --locked --path .",
        "{commands:?}"
    );
    let interactive = commands.iter().position(|c| c == "runbook run tour");
    let yes = commands
        .iter()
        .position(|c| c.starts_with("runbook run tour") && c.contains("--yes"));
    assert!(
        matches!((interactive, yes), (Some(i), Some(y)) if i < y),
        "the interactive tour must come before the --yes one: {commands:?}"
    );
}

/// The README's `--yes` tour command ends the tour with exit 0, and a second walk in the
/// same project shows the demos again: the flaky API times out once on every walk.
#[test]
fn the_yes_tour_command_ends_the_tour_on_every_walk() {
    let command = readme_commands()
        .into_iter()
        .find(|c| c.starts_with("runbook run tour") && c.contains("--yes"))
        .expect("a --yes tour command in the README");
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let test = tour();
    for walk in 1..=2 {
        let output = test.invoke(&args);
        output
            .expect_exit(0)
            .expect_stderr_contains("tour: succeeded")
            .expect_stderr_contains("api timed out");
        assert!(
            output.stderr.contains("flaky") && output.stderr.contains("2 attempts"),
            "walk {walk}: the flaky demo did not fail once\n{}",
            output.stderr
        );
    }
}

/// The README's first tour command, walked by an operator who takes every default and
/// confirms the destructive step, ends the tour with exit 0.
#[test]
fn the_interactive_tour_ends_with_exit_0() {
    let test = tour();
    let mut session = test.pty(&["run", "tour"]);
    // What only an active prompt shows (an answered one clears itself, and an ask's
    // question is printed by the transcript too): the menus' last item, the unselected
    // choice of each ask, the confirmation's [y/N].
    let prompts = ["abort (resumable)", "  production", "  yes", "[y/N]"];
    let mut answered = [0usize; 4];
    loop {
        let mut needles: Vec<ReadUntil> = prompts
            .iter()
            .map(|p| ReadUntil::String((*p).to_string()))
            .collect();
        needles.push(ReadUntil::EOF);
        let (_, found) = session
            .exp_any(needles)
            .unwrap_or_else(|e| panic!("the tour stalled: {e}"));
        let Some(index) = prompts.iter().position(|p| *p == found) else {
            break;
        };
        answered[index] += 1;
        if index == 1 || index == 2 {
            // An ask's menu ends with the ways out (skip, abort): read past them, or they
            // would count as one more prompt.
            pty_expect(&mut session, "abort (resumable)");
        }
        // Enter takes the preselected answer; the confirmation defaults to no.
        pty_send(&mut session, if index == 3 { "y" } else { "\r" });
    }
    assert_eq!(pty_exit_code(session), 0, "prompts answered: {answered:?}");
    // Each command step, the manual step and each `deploy` item are offered.
    assert!(answered[0] >= 9, "{answered:?}");
    assert_eq!(answered[1..], [1, 1, 1], "{answered:?}");
}

/// The README's `--yes` tour command passes `--allow-destructive` and says why on its own
/// line: `--yes` alone stops at the tour's `confirm = true` step (exit 4).
#[test]
fn the_yes_tour_command_opts_in_to_destructive_steps_and_says_why() {
    let readme = fs::read_to_string(repo_root().join("README.md")).expect("read README.md");
    let line = readme
        .lines()
        .find(|l| l.starts_with("runbook run tour") && l.contains("--yes"))
        .expect("a --yes tour command in the README");
    assert!(line.contains("--allow-destructive"), "{line}");
    let why = line.split(" #").nth(1).unwrap_or_default();
    assert!(
        why.contains("confirm = true") && why.contains("--yes"),
        "the comment says why: {line}"
    );
    tour()
        .args(["run", "tour", "--yes"])
        .run()
        .expect_exit(4)
        .expect_stderr_contains("--allow-destructive");
}
