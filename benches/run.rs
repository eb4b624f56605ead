//! Benchmark of `runbook run` (run with `cargo bench --bench run`): a generated runbook of
//! 200 steps whose commands are `true`, walked with `--yes` by the release binary (journal
//! fsync included), against a shell script running the same 200 `sh -c true` commands (and
//! against `just` when it is installed). Reports the medians and the ratio; the budget is
//! 1.5× the shell script.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_runbook");
const STEPS: usize = 200;
const RUNS: usize = 9;
const BUDGET: f64 = 1.5;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not: skip there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("run benchmark: skipped (run `cargo bench --bench run`)");
        return;
    }
    // On the build's disk, not a tmpfs: the journal's fsyncs must cost what they cost.
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temporary directory");
    let dir = temp.path();
    std::fs::create_dir(dir.join("runbooks")).expect("runbooks/");
    std::fs::write(dir.join("runbooks/big.toml"), runbook()).expect("write big.toml");
    let mut script = String::from("#!/bin/sh\nset -e\n");
    let mut justfile = String::from("all:\n");
    for _ in 0..STEPS {
        script.push_str("sh -c true\n");
        justfile.push_str("    true\n");
    }
    std::fs::write(dir.join("baseline.sh"), script).expect("write baseline.sh");
    std::fs::write(dir.join("justfile"), justfile).expect("write justfile");

    let runbook = median(|| {
        let _ = std::fs::remove_dir_all(dir.join(".runbook"));
        time(
            Command::new(BIN)
                .args(["run", "big", "--yes"])
                .current_dir(dir)
                .env("NO_COLOR", "1")
                .env_remove("RUNBOOK_DIR"),
        )
    });
    let shell = median(|| time(Command::new("sh").arg("baseline.sh").current_dir(dir)));
    let ratio = runbook.as_secs_f64() / shell.as_secs_f64();
    println!("{STEPS} steps of `true`, median of {RUNS}:");
    println!("  runbook run --yes   {:>8.1} ms", ms(runbook));
    println!("  sh script           {:>8.1} ms", ms(shell));
    let verdict = if ratio <= BUDGET { "ok" } else { "OVER BUDGET" };
    println!("  ratio               {ratio:>8.2}×  (budget {BUDGET}×: {verdict})");
    if Command::new("just")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let just = median(|| time(Command::new("just").arg("--quiet").current_dir(dir)));
        println!(
            "  just                {:>8.1} ms  (runbook/just {:.2}×)",
            ms(just),
            runbook.as_secs_f64() / just.as_secs_f64()
        );
    } else {
        println!("  just                not installed");
    }
}

/// 200 independent `true` steps with titles, as a CI runbook would have.
fn runbook() -> String {
    let mut out = String::from("[runbook]\ntitle = \"Generated\"\n");
    for i in 0..STEPS {
        let _ = write!(
            out,
            "\n[[step]]\nid = \"step-{i}\"\ntitle = \"Step {i}\"\nrun = \"true\"\n"
        );
    }
    out
}

fn time(command: &mut Command) -> Duration {
    let start = Instant::now();
    let output = command.output().expect("spawn");
    let elapsed = start.elapsed();
    assert!(
        output.status.success(),
        "benchmark command failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

/// Median over [`RUNS`] runs after one warm-up.
fn median(mut run: impl FnMut() -> Duration) -> Duration {
    run();
    let mut times: Vec<Duration> = (0..RUNS).map(|_| run()).collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
