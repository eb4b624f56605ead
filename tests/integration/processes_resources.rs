//! What a command's output costs a run: memory does not grow with it, a capture beyond its
//! limit fails clearly, log files get short names however long a `foreach` item or deep a
//! `call` chain is, and a step ends with its command, not with its output (late output of
//! a background child is kept).

use std::process::Stdio;

use crate::support::*;

/// Peak memory of the runbook process (read by its own next step from /proc) while a step
/// prints 500 MB.
#[test]
fn memory_does_not_grow_with_output() {
    let t = project(
        r#"
[runbook]
title = "Loud"

[[step]]
id = "loud"
run = "yes \"$(printf '%0999d' 0)\" | head -c 500000000"

[[step]]
id = "measure"
run = "grep VmHWM /proc/$PPID/status > hwm"
"#,
    );
    let status = t
        .std_command()
        .args(["run", "rb", "--yes"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let hwm = read(t.path(), "hwm");
    let kib: u64 = hwm
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM in {hwm:?}"));
    assert!(kib < 64 * 1024, "peak RSS {kib} KiB for 500 MB of output");
}

#[test]
fn a_capture_beyond_its_limit_fails_clearly() {
    let t = project(
        r#"
[runbook]
title = "Capture"

[[step]]
id = "big"
run = "head -c 2000000 /dev/zero | tr '\\0' x"
capture = "blob"

[[step]]
id = "small"
run = "echo ok"
capture = "fine"
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("`capture` keeps at most 64 KiB");
    assert_eq!(outcome(&journal(t.path()), "big"), "failed");
}

/// Every log file name of a run, and the step ids of its journal.
fn log_names_and_steps(t: &Test) -> (Vec<String>, Vec<String>) {
    let logs = t
        .path()
        .join(".runbook/runs")
        .join(&run_ids(t.path())[0])
        .join("logs");
    let names = std::fs::read_dir(logs)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let steps = journal(t.path())
        .iter()
        .filter(|r| r["type"] == "step-finished")
        .map(|r| r["step"].as_str().unwrap().to_string())
        .collect();
    (names, steps)
}

#[test]
fn a_long_foreach_item_gets_a_short_log_name_and_keeps_its_id() {
    let item = "x".repeat(300);
    let t = project(&format!(
        r#"
[runbook]
title = "Long"

[[step]]
id = "loop"
foreach = {{ var = "it", in = ["{item}", "short"] }}
run = "echo {{{{ it }}}}"
"#
    ));
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    let (names, steps) = log_names_and_steps(&t);
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.len() <= 120), "{names:?}");
    assert!(
        names.contains(&"loop[short].1.log".to_string()),
        "{names:?}"
    );
    assert!(steps.contains(&format!("loop[{item}]")), "{steps:?}");
}

#[test]
fn a_deep_call_chain_gets_short_log_names() {
    let mut t = Test::new();
    for depth in 0..50 {
        let body = if depth == 49 {
            "[[step]]\nid = \"leaf\"\nrun = \"echo leaf\"\n".to_string()
        } else {
            format!(
                "[[step]]\nid = \"call-level-{depth}\"\ncall = \"level{}\"\n",
                depth + 1
            )
        };
        t = t.runbook(
            &format!("level{depth}"),
            &format!("[runbook]\ntitle = \"Level {depth}\"\n\n{body}"),
        );
    }
    t.invoke(&["run", "level0", "--yes"]).expect_exit(0);
    let (names, steps) = log_names_and_steps(&t);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].len() <= 120, "{names:?}");
    let leaf = steps
        .iter()
        .find(|s| s.ends_with("/leaf"))
        .expect("the leaf ran");
    assert!(leaf.len() > 255, "the journal keeps the whole id: {leaf}");
}

/// The child of a spawn resets only a fixed list of signals before it execs (asking about
/// all 64 cost 64 syscalls a step): every signal runbook catches while a step runs must be
/// on that list, or its handler could run in the child. Read by the step from /proc.
#[test]
#[allow(clippy::print_stderr, reason = "the notice that the test is skipped")]
fn a_step_sees_runbook_catch_only_signals_the_child_resets() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("notice: no /proc; skipping the caught-signals check");
        return;
    }
    let t = project(
        r#"
[runbook]
title = "Signals"

[[step]]
id = "caught"
run = "grep SigCgt /proc/$PPID/status > caught"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    let line = read(t.path(), "caught");
    let hex = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no mask in {line:?}"));
    let caught = u64::from_str_radix(hex, 16).unwrap();
    // SIGHUP 1, SIGINT 2, SIGQUIT 3, SIGBUS 7, SIGSEGV 11, SIGPIPE 13, SIGTERM 15. And
    // glibc's own 32 and 33 (SIGCANCEL, SIGSETXID): sigaction refuses to touch them (the
    // old loop over all 64 skipped them too) and glibc sends them only to threads of this
    // process, which the child is not.
    let reset: u64 = [1, 2, 3, 7, 11, 13, 15, 32, 33]
        .iter()
        .map(|s| 1u64 << (s - 1))
        .sum();
    assert_ne!(
        caught & (1 << 1),
        0,
        "SIGINT is not caught: wrong process read ({line:?})"
    );
    assert_eq!(
        caught & !reset,
        0,
        "runbook catches signals the child keeps: {line:?}"
    );
}

/// runbook keeps its own ends of a step's pipes open until the shell has exited (so the
/// exit is its one wake); once it has, output that a background child prints within the
/// drain grace still belongs to the step.
#[test]
fn output_a_background_child_prints_after_the_shell_exits_is_kept() {
    let t = project(
        r#"
[runbook]
title = "Late output"

[[step]]
id = "late"
run = "(sleep 0.3; echo late) & echo early"
capture = "out"

[[step]]
id = "use"
run = "printf '%s' \"$RUNBOOK_VAR_OUT\" > got"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(read(t.path(), "got"), "early\nlate");
}

/// A command that closes its stdout and stderr long before it exits: the step ends when
/// the command does, not when its output does.
#[test]
fn a_step_that_closes_its_output_early_ends_when_its_command_does() {
    let t = project(
        r#"
[runbook]
title = "Quiet"

[[step]]
id = "quiet"
run = "exec >&- 2>&-; sleep 0.3; touch finished"

[[step]]
id = "after"
run = "test -f finished"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(outcome(&journal(t.path()), "after"), "succeeded");
}
