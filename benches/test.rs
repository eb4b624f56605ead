//! Benchmark of `runbook test` (run with `cargo bench --bench test`): 100 generated
//! scenarios of a four-step runbook whose steps call a doubled `kubectl` (six calls per
//! scenario, one through a pipeline into real `grep`), run by the release binary with
//! every core. Reports the wall time against the 10 s budget and the time per scenario
//! against one bare `runbook run` of the same runbook (the harness overhead ratio).

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_runbook");
const SCENARIOS: usize = 100;
const BUDGET: Duration = Duration::from_secs(10);

const RUNBOOK: &str = r#"[runbook]
title = "Bench"

[[step]]
id = "a"
title = "A"
run = "kubectl get pods | grep -c Running"

[[step.verify]]
run = "kubectl get pods -o name"
expect-stdout = 'pod/'

[[step]]
id = "b"
title = "B"
run = "kubectl rollout status deploy/web"
retry = { attempts = 2, delay = "1ms" }

[[step]]
id = "c"
title = "C"
run = "kubectl delete pod web-0"

[[step]]
id = "d"
title = "D"
run = "kubectl get deploy web -o name"
"#;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("test benchmark: skipped (run `cargo bench --bench test`)");
        return;
    }
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temporary directory");
    let dir = temp.path();
    std::fs::create_dir(dir.join("runbooks")).expect("runbooks/");
    std::fs::write(dir.join("runbooks/bench.toml"), RUNBOOK).expect("write bench.toml");
    std::fs::write(dir.join("runbooks/bench.test.toml"), scenarios()).expect("write tests");
    let started = Instant::now();
    let out = Command::new(BIN)
        .args(["test"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUNBOOK_DIR")
        .output()
        .expect("run runbook test");
    let total = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // One plain run (kubectl answered by a shell script) for the per-scenario ratio.
    std::fs::create_dir(dir.join("bin")).expect("bin/");
    let fake = dir.join("bin/kubectl");
    std::fs::write(&fake, "#!/bin/sh\necho 'pod/web-0 Running'\n").expect("fake kubectl");
    Command::new("chmod")
        .arg("+x")
        .arg(&fake)
        .status()
        .expect("chmod");
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let plain = time(
        Command::new(BIN)
            .args(["run", "bench", "--yes", "--state-dir", "plain-state"])
            .current_dir(dir)
            .env("PATH", path)
            .env("NO_COLOR", "1"),
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = total / SCENARIOS as u32;
    println!("{SCENARIOS} scenarios, 6 doubled calls each, {cores} cores:");
    println!(
        "  runbook test         {:>8.0} ms  (budget {} ms: {})",
        ms(total),
        ms(BUDGET),
        if total <= BUDGET { "ok" } else { "OVER BUDGET" }
    );
    println!("  per scenario         {:>8.1} ms", ms(per));
    println!("  one plain run        {:>8.1} ms", ms(plain));
    println!(
        "  per scenario / plain run     {:>6.2}×",
        ms(per) / ms(plain)
    );
    println!(
        "  scenario × cores / plain run {:>6.2}×",
        ms(per) * cores as f64 / ms(plain)
    );
}

fn scenarios() -> String {
    let mut out = String::new();
    for i in 0..SCENARIOS {
        let _ = write!(
            out,
            r#"
[[scenario]]
name = "scenario {i}"

[[scenario.double]]
program = "kubectl"
args = "get pods"
stdout = "web-0 Running\n"

[[scenario.double]]
program = "kubectl"
args = "get pods -o name"
stdout = "pod/web-0\n"

[[scenario.double]]
program = "kubectl"
args = "rollout status *"
exit = 1
then = [{{ exit = 0 }}]

[[scenario.double]]
program = "kubectl"
args = "delete pod *"

[[scenario.double]]
program = "kubectl"
args = "get deploy web -o name"
stdout = "deployment.apps/web\n"

[scenario.expect]
attempts = {{ b = 2 }}
calls = ["kubectl get pods", "kubectl delete pod web-0"]
"#
        );
    }
    out
}

fn time(cmd: &mut Command) -> Duration {
    let started = Instant::now();
    let status = cmd.status().expect("run the binary");
    assert!(status.success(), "the plain run failed");
    started.elapsed()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
