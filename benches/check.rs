//! Benchmark of `runbook check` (run with `cargo bench --bench check`): the median wall
//! time of the release binary over the repository's shipped runbooks, and over a generated
//! runbook of 5,000 steps where each step needs the previous one and has a templated
//! command and a verify check, and of 40,000 such steps (`check` must stay linear in
//! steps). Budgets: 20 ms, 500 ms and 150 ms.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_runbook");

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not: skip there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("check benchmark: skipped (run `cargo bench --bench check`)");
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shipped = median_check(repo, 30);
    report("shipped runbooks", shipped, Duration::from_millis(20));

    let temp = tempfile::tempdir().expect("temporary directory");
    std::fs::create_dir(temp.path().join("runbooks")).expect("runbooks/");
    std::fs::write(temp.path().join("runbooks/big.toml"), generated(5_000))
        .expect("write big.toml");
    let big = median_check(temp.path(), 10);
    report("5,000-step chain", big, Duration::from_millis(500));

    // Without the other runbook, so the figure is the 40,000 steps alone.
    let huge = tempfile::tempdir().expect("temporary directory");
    std::fs::create_dir(huge.path().join("runbooks")).expect("runbooks/");
    std::fs::write(huge.path().join("runbooks/huge.toml"), generated(40_000))
        .expect("write huge.toml");
    let huge_time = median_check(huge.path(), 5);
    report("40,000-step chain", huge_time, Duration::from_millis(150));
    parse_alone(&generated(40_000));
    println!(
        "check 40,000 / 5,000 steps: {:.1}x the time for 8x the steps (linear: ~8x)",
        huge_time.as_secs_f64() / big.as_secs_f64()
    );
}

/// How much of the budget the parse takes by itself, in this process (the same release
/// build): the `toml` crate into the raw serde types and into its own document, and
/// runbook's fast path (`fast_toml`) into the raw types.
fn parse_alone(text: &str) {
    let time = |parse: &dyn Fn()| {
        let mut times: Vec<Duration> = (0..3)
            .map(|_| {
                let start = Instant::now();
                parse();
                start.elapsed()
            })
            .collect();
        times.sort();
        times[1]
    };
    let raw = time(&|| {
        let file: runbook::runbook::raw::File = toml::from_str(text).expect("parses");
        // Freed outside the timing, as `check` does not free it before it exits.
        std::mem::forget(file);
    });
    let document = time(&|| std::mem::forget(toml::de::DeTable::parse(text).expect("parses")));
    let fast = time(&|| {
        let file = runbook::runbook::fast_toml::parse(text).expect("takes the fast path");
        std::mem::forget(file);
    });
    println!(
        "check 40,000-step chain: toml parse alone {:.2} ms into raw types, {:.2} ms into toml's document ({:.1} MB of TOML); runbook's fast path {:.2} ms into raw types ({:.1}x faster)",
        raw.as_secs_f64() * 1000.0,
        document.as_secs_f64() * 1000.0,
        text.len() as f64 / 1e6,
        fast.as_secs_f64() * 1000.0,
        raw.as_secs_f64() / fast.as_secs_f64()
    );
}

/// A runbook of `steps` steps, each needing the previous, with templates and a verify.
fn generated(steps: usize) -> String {
    let mut out = String::from(
        "[runbook]\ntitle = \"Generated\"\n\n[vars.namespace]\ndefault = \"default\"\n\n[vars.release]\ndefault = \"app\"\n",
    );
    for i in 0..steps {
        let _ = write!(
            out,
            "\n[[step]]\nid = \"step-{i}\"\ntitle = \"Step {i} of {{{{ release }}}}\"\n"
        );
        if i > 0 {
            let _ = writeln!(out, "needs = [\"step-{}\"]", i - 1);
        }
        let _ = write!(
            out,
            "run = \"kubectl -n {{{{ namespace }}}} annotate hr {{{{ release }}}} step={i}\"\ntimeout = \"30s\"\n\n[[step.verify]]\nrun = \"kubectl -n {{{{ namespace }}}} get hr {{{{ release }}}}\"\nexpect-stdout = '\\sTrue\\s'\nattempts = 3\ninterval = \"1s\"\n"
        );
    }
    out
}

/// Median wall time of `runbook check` in `dir` over `runs` runs (after one warm-up).
fn median_check(dir: &Path, runs: usize) -> Duration {
    let run = || {
        let start = Instant::now();
        let output = Command::new(BIN)
            .arg("check")
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env_remove("RUNBOOK_DIR")
            .output()
            .expect("run runbook");
        let elapsed = start.elapsed();
        assert!(
            output.status.success(),
            "runbook check failed in {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        elapsed
    };
    run();
    let mut times: Vec<Duration> = (0..runs).map(|_| run()).collect();
    times.sort();
    times[times.len() / 2]
}

fn report(what: &str, median: Duration, budget: Duration) {
    let verdict = if median <= budget {
        "ok"
    } else {
        "OVER BUDGET"
    };
    println!(
        "check {what:<18} median {:>8.2} ms   budget {:>4} ms   {verdict}",
        median.as_secs_f64() * 1000.0,
        budget.as_millis()
    );
}
