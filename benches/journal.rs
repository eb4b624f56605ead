//! Benchmark of the commands that read journals (run with `cargo bench --bench journal`):
//! `runbook runs` over 1,000 runs of 402 records each (a 100-step run with a verify per
//! step, journaled by the release binary once and copied under 999 more run ids), and
//! `runbook log` of one of them. Reports the median wall time and, when `/usr/bin/time` is
//! installed, the CPU time (user + system: what a loaded machine does not inflate as much
//! as the wall time) and the peak resident memory, against the targets of issue #16 (`runs`: 0.3 s
//! and 30 MB); it asserts nothing.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_runbook");
const RUNS: usize = 1_000;
const STEPS: usize = 100;
const TARGET_RUNS: Duration = Duration::from_millis(300);
const TARGET_RUNS_KB: u64 = 30 * 1024;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not: skip there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("journal benchmark: skipped (run `cargo bench --bench journal`)");
        return;
    }
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temporary directory");
    let dir = temp.path();
    let first = setup(dir);
    let records = std::fs::read_to_string(journal(dir, &first))
        .expect("journal")
        .lines()
        .count();
    println!("{RUNS} runs of {records} records each");

    let runs = median(dir, &["runs"], 9);
    let (kb, cpu) = match resources(dir, &["runs"]) {
        Some((kb, cpu)) => (Some(kb), Some(cpu)),
        None => (None, None),
    };
    println!(
        "runs  median {:>8.1} ms  cpu {}  target {:>4} ms  {}   peak {}  target {} MB  {}",
        ms(runs),
        cpu.map_or_else(|| "-".into(), |c| format!("{:.0} ms", c * 1000.0)),
        TARGET_RUNS.as_millis(),
        verdict(runs <= TARGET_RUNS),
        kb.map_or_else(|| "-".into(), |k| format!("{:.1} MB", k as f64 / 1024.0)),
        TARGET_RUNS_KB / 1024,
        kb.map_or("", |k| verdict(k <= TARGET_RUNS_KB)),
    );
    let log = median(dir, &["log", &first], 21);
    println!(
        "log   median {:>8.1} ms  (one run of {records} records)",
        ms(log)
    );
}

/// Journals one run of a generated runbook and copies it under more run ids; returns the
/// id of the first.
fn setup(dir: &Path) -> String {
    std::fs::create_dir(dir.join("runbooks")).expect("runbooks/");
    let mut text = String::from("[runbook]\ntitle = \"Generated\"\n");
    for i in 0..STEPS {
        let _ = write!(
            text,
            "\n[[step]]\nid = \"step-{i}\"\nrun = \"true\"\n\n[[step.verify]]\nrun = \"true\"\n"
        );
    }
    std::fs::write(dir.join("runbooks/big.toml"), text).expect("write big.toml");
    let status = runbook(dir, &["run", "big", "--yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run runbook");
    assert!(status.success(), "the generated run failed");
    let runs = dir.join(".runbook/runs");
    let first = std::fs::read_dir(&runs)
        .expect("runs/")
        .next()
        .expect("one run")
        .expect("entry")
        .file_name()
        .to_string_lossy()
        .into_owned();
    let original = std::fs::read_to_string(journal(dir, &first)).expect("journal");
    for n in 2..=RUNS {
        let id = format!("{first}-{n}");
        std::fs::create_dir(runs.join(&id)).expect("run dir");
        std::fs::write(journal(dir, &id), original.replacen(&first, &id, 1)).expect("journal");
    }
    first
}

fn journal(dir: &Path, id: &str) -> std::path::PathBuf {
    dir.join(".runbook/runs").join(id).join("journal.jsonl")
}

fn runbook(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUNBOOK_DIR")
        .env_remove("RUNBOOK_STATE_DIR");
    command
}

/// Median wall time over `rounds` runs, after one warm-up.
fn median(dir: &Path, args: &[&str], rounds: usize) -> Duration {
    let once = || {
        let start = Instant::now();
        let output = runbook(dir, args).output().expect("run runbook");
        let elapsed = start.elapsed();
        assert!(output.status.success(), "runbook {args:?} failed");
        elapsed
    };
    once();
    let mut times: Vec<Duration> = (0..rounds).map(|_| once()).collect();
    times.sort();
    times[times.len() / 2]
}

/// Peak resident memory in KB and CPU seconds (user + system), from `/usr/bin/time`
/// when it is installed.
fn resources(dir: &Path, args: &[&str]) -> Option<(u64, f64)> {
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M %U %S", BIN])
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stderr);
    let mut fields = text.lines().last()?.split_whitespace();
    let kb = fields.next()?.parse().ok()?;
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((kb, user + system))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "OVER TARGET" }
}
