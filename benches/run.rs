//! Benchmark of `runbook run` (run with `cargo bench --bench run`): a generated runbook of
//! 200 steps whose commands are `true`, walked with `--yes` by the release binary, side by
//! side in interleaved rounds with
//!
//! - a shell script running the same 200 `sh -c true` commands (the baseline, 1.00);
//! - a floor: this bench binary itself (`--floor`) doing, per step, what a journaled
//!   executor cannot avoid: write a record, fdatasync it, spawn `sh -c true`, wait; and
//!   the same floor capturing the command's stdout and stderr through two pipes, as a
//!   step's output must be read (`--floor-pipes`, std's `Command::output`);
//! - `runbook` with its state on the disk of the build and on tmpfs (`/dev/shm`);
//! - `just` running 200 chained recipes, when it is installed;
//!
//! and, when `strace` is installed, the syscalls per step made by runbook's own process
//! (its main thread, without children), from the difference between a 200-step run and a
//! 1-step run. Reports medians and ratios against the targets; it asserts nothing.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_runbook");
const STEPS: usize = 200;
const ROUNDS: usize = 31;
/// Targets of issue #16 (ratios to the shell script; syscalls per step).
const TARGET_DISK: f64 = 1.40;
const TARGET_TMPFS: f64 = 1.15;
const TARGET_SYSCALLS: f64 = 20.0;

/// A name and how to start it once.
type Contender<'a> = (&'static str, Box<dyn Fn() -> Command + 'a>);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--floor") {
        floor(Path::new(&args[at + 1]), false);
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--floor-pipes") {
        floor(Path::new(&args[at + 1]), true);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not: skip there.
    if !args.iter().any(|a| a == "--bench") {
        println!("run benchmark: skipped (run `cargo bench --bench run`)");
        return;
    }
    // On the build's disk, not a tmpfs: the journal's fsyncs must cost what they cost.
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temporary directory");
    let dir = temp.path();
    let shm = tempfile::tempdir_in("/dev/shm").ok();
    setup(dir);
    let me = std::env::current_exe().expect("the bench binary");
    let just = just_program();

    let mut contenders: Vec<Contender<'_>> = vec![
        ("sh script", Box::new(|| sh(dir))),
        (
            "floor (write+fdatasync+spawn+wait)",
            Box::new(|| {
                let mut c = Command::new(&me);
                c.arg("--floor").arg(dir.join("floor.journal"));
                c
            }),
        ),
        (
            "runbook, state on disk",
            Box::new(|| runbook(dir, &dir.join(".runbook"))),
        ),
    ];
    if let Some(shm) = &shm {
        let state = shm.path().join("state");
        contenders.push((
            "runbook, state on tmpfs",
            Box::new(move || runbook(dir, &state)),
        ));
        // The floors with their journal on tmpfs: what the tmpfs row can be compared to.
        for (name, flag) in [
            ("floor, journal on tmpfs", "--floor"),
            ("floor + output pipes, on tmpfs", "--floor-pipes"),
        ] {
            let journal = shm.path().join(format!("{flag}.journal"));
            let me = me.clone();
            contenders.push((
                name,
                Box::new(move || {
                    let mut c = Command::new(&me);
                    c.arg(flag).arg(&journal);
                    c
                }),
            ));
        }
    }
    if let Some(program) = &just {
        contenders.push((
            "just, 200 recipes",
            Box::new(move || just_cmd(program, dir)),
        ));
    }

    // Interleaved rounds, each starting with the next contender: a burst of load on the
    // shared machine, or the disk's flush after another's fsyncs, hits every one alike.
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); contenders.len()];
    for round in 0..=ROUNDS {
        for k in 0..contenders.len() {
            let i = (round + k) % contenders.len();
            let elapsed = time(&mut (contenders[i].1)());
            if round > 0 {
                times[i].push(elapsed);
            }
        }
    }
    let medians: Vec<Duration> = times.iter_mut().map(|t| median(t)).collect();
    let shell = medians[0].as_secs_f64();
    println!("{STEPS} steps of `true`, median of {ROUNDS} interleaved rounds:");
    println!("  {:<36} {:>9} {:>8}", "command", "wall", "ratio");
    for ((name, _), median) in contenders.iter().zip(&medians) {
        let ratio = median.as_secs_f64() / shell;
        let target = match *name {
            "runbook, state on disk" => verdict(ratio, TARGET_DISK),
            "runbook, state on tmpfs" => verdict(ratio, TARGET_TMPFS),
            _ => String::new(),
        };
        println!("  {name:<36} {:>6.1} ms {ratio:>7.2}×{target}", ms(*median));
    }
    if just.is_none() {
        println!("  just                                 not installed");
    } else if let Some(just) = medians.last() {
        println!(
            "  runbook (disk) / just                {:>17.2}×",
            medians[2].as_secs_f64() / just.as_secs_f64()
        );
    }
    let at = |name: &str| contenders.iter().position(|(n, _)| *n == name);
    for (floor, label) in [
        ("floor, journal on tmpfs", "runbook (tmpfs) / floor (tmpfs)"),
        (
            "floor + output pipes, on tmpfs",
            "runbook (tmpfs) / floor + pipes",
        ),
    ] {
        if let (Some(runbook), Some(floor)) = (at("runbook, state on tmpfs"), at(floor)) {
            println!(
                "  {label:<36} {:>17.2}×",
                medians[runbook].as_secs_f64() / medians[floor].as_secs_f64()
            );
        }
    }
    if shm.is_none() {
        println!("  runbook, state on tmpfs              no /dev/shm");
    }
    match syscalls_per_step(dir) {
        Some(per_step) => println!(
            "  runbook's own syscalls per step      {per_step:>9.1}{}",
            verdict_le(per_step, TARGET_SYSCALLS)
        ),
        None => println!("  syscalls per step                    strace not installed"),
    }
}

/// The floor: per step, one journal line written and fdatasync'd, then `sh -c true`
/// spawned (stdin null, like a step) and waited for; with `pipes`, its stdout and stderr
/// read to their end through two pipes (std polls both), as a step's are.
fn floor(journal: &Path, pipes: bool) {
    use std::io::Write as _;
    // A new file each time, as each run's journal is.
    let _ = std::fs::remove_file(journal);
    let mut file = std::fs::File::create(journal).expect("floor journal");
    for i in 0..STEPS {
        let line = format!("{{\"type\":\"step-started\",\"step\":\"step-{i}\"}}\n");
        file.write_all(line.as_bytes()).expect("write");
        file.sync_data().expect("fdatasync");
        let mut command = Command::new("/bin/sh");
        command.args(["-c", "true"]).stdin(Stdio::null());
        let status = if pipes {
            command.output().expect("spawn").status
        } else {
            command.status().expect("spawn")
        };
        assert!(status.success());
    }
}

fn setup(dir: &Path) {
    std::fs::create_dir(dir.join("runbooks")).expect("runbooks/");
    std::fs::write(dir.join("runbooks/big.toml"), generated(STEPS)).expect("write big.toml");
    std::fs::write(dir.join("runbooks/one.toml"), generated(1)).expect("write one.toml");
    let mut script = String::from("#!/bin/sh\nset -e\n");
    let mut justfile = String::from("all: step-0\n");
    for i in 0..STEPS {
        script.push_str("sh -c true\n");
        let next = if i + 1 < STEPS {
            format!(" step-{}", i + 1)
        } else {
            String::new()
        };
        // Each recipe depends on the next: just runs them all, one `sh` per line.
        let _ = write!(justfile, "\nstep-{i}:{next}\n    true\n");
    }
    std::fs::write(dir.join("baseline.sh"), script).expect("write baseline.sh");
    std::fs::write(dir.join("justfile"), justfile).expect("write justfile");
}

/// `steps` independent `true` steps with titles, as a CI runbook would have.
fn generated(steps: usize) -> String {
    let mut out = String::from("[runbook]\ntitle = \"Generated\"\n");
    for i in 0..steps {
        let _ = write!(
            out,
            "\n[[step]]\nid = \"step-{i}\"\ntitle = \"Step {i}\"\nrun = \"true\"\n"
        );
    }
    out
}

fn sh(dir: &Path) -> Command {
    let mut c = Command::new("sh");
    c.arg("baseline.sh").current_dir(dir);
    c
}

/// `just` if installed: the binary itself, not a pyenv shim in front of it (`pip install
/// rust-just` puts one on PATH, a shell script that would triple just's time).
fn just_program() -> Option<std::path::PathBuf> {
    if !installed("just") {
        return None;
    }
    let real = Command::new("pyenv")
        .args(["which", "just"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|p| !p.is_empty());
    Some(real.map_or_else(|| "just".into(), Into::into))
}

fn just_cmd(program: &Path, dir: &Path) -> Command {
    let mut c = Command::new(program);
    c.arg("--quiet").current_dir(dir);
    c
}

fn runbook(dir: &Path, state: &Path) -> Command {
    // A fresh state directory each time: every run creates its journal, as a real one does.
    let _ = std::fs::remove_dir_all(state);
    let mut c = Command::new(BIN);
    c.args(["run", "big", "--yes"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RUNBOOK_STATE_DIR", state)
        .env_remove("RUNBOOK_DIR");
    c
}

/// Syscalls of runbook's main thread per step: strace without `-f` follows neither the
/// children nor the signal thread.
fn syscalls_per_step(dir: &Path) -> Option<f64> {
    if !installed("strace") {
        return None;
    }
    let count = |runbook: &str| -> Option<f64> {
        let out = dir.join(format!("strace-{runbook}.txt"));
        let state = dir.join(format!("strace-state-{runbook}"));
        let _ = std::fs::remove_dir_all(&state);
        let status = Command::new("strace")
            .args(["-c", "-o"])
            .arg(&out)
            .arg(BIN)
            .args(["run", runbook, "--yes"])
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env("RUNBOOK_STATE_DIR", &state)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
        let text = std::fs::read_to_string(&out).ok()?;
        // The column `calls` of the header (`% time` is two words, one number below it)
        // in the last line, `total`.
        let header = text.lines().find(|l| l.contains("calls"))?;
        let column = header.split_whitespace().position(|w| w == "calls")? - 1;
        let total = text
            .lines()
            .rev()
            .find(|l| l.trim_end().ends_with("total"))?;
        total.split_whitespace().nth(column)?.parse().ok()
    };
    let (big, one) = (count("big")?, count("one")?);
    #[allow(clippy::cast_precision_loss, reason = "a step count")]
    Some((big - one) / (STEPS - 1) as f64)
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn verdict(ratio: f64, target: f64) -> String {
    let word = if ratio <= target { "ok" } else { "OVER" };
    format!("  (target ≤ {target:.2}×: {word})")
}

fn verdict_le(value: f64, target: f64) -> String {
    let word = if value <= target { "ok" } else { "OVER" };
    format!("  (target ≤ {target}: {word})")
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

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
