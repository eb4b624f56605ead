//! What a run leaves running: an interrupt, a signal to `runbook` or a timeout ends the
//! step's whole process group (background members included) before the run journals and
//! exits; SIGHUP and SIGQUIT are handled like SIGTERM; a dry run ends at once on SIGTERM;
//! a process of a killed run's attempt blocks `resume` and `rollback` while it lives; an
//! undo cut off by a crash is marked. Memory and log names are processes_resources.rs.

use std::process::Stdio;

use crate::support::*;

/// A step whose shell waits on a background `sleep` that ignores SIGINT (as every
/// background job of a non-interactive shell does).
const BACKGROUND: &str = r#"
[runbook]
title = "Background"

[[step]]
id = "wait"
idempotent = true
run = "test -f fast && exit 0; sleep 300 & echo $! > bg.tmp; mv bg.tmp bg.pid; wait"

[[step]]
id = "after"
run = "touch after"
"#;

/// Runs [`BACKGROUND`], sends `signal` once the background sleep runs, and checks that
/// runbook exited 130 with the sleep already gone, journaled, and that the run resumes.
fn signal_ends_the_group(signal: i32) {
    let t = project(BACKGROUND);
    let mut child = t.spawn(&["run", "rb", "--yes"]);
    child.wait_for(&t.path().join("bg.pid"));
    send_signal(child.id(), signal);
    let ran = child.finish();
    let sleeper = read(t.path(), "bg.pid");
    let left = alive(&sleeper);
    kill_leftover(&sleeper);
    ran.expect_exit(130);
    assert!(
        !left,
        "signal {signal}: the background sleep {} outlived runbook",
        sleeper.trim()
    );
    assert!(!t.path().join("after").exists());
    let j = journal(t.path());
    assert!(
        j.iter()
            .any(|r| r["type"] == "interrupted" && r["step"] == "wait"),
        "signal {signal}: {j:#?}"
    );
    assert_eq!(runs_json(&t)[0]["state"], "interrupted", "signal {signal}");
    std::fs::write(t.path().join("fast"), "").unwrap();
    t.invoke(&["resume", "--yes"]).expect_exit(0);
    assert!(
        t.path().join("after").exists(),
        "signal {signal}: the run resumed"
    );
}

#[test]
fn sigint_ends_background_members_of_the_step() {
    signal_ends_the_group(libc::SIGINT);
}

#[test]
fn sigterm_ends_background_members_of_the_step() {
    signal_ends_the_group(libc::SIGTERM);
}

#[test]
fn sighup_is_handled_like_sigterm() {
    signal_ends_the_group(libc::SIGHUP);
}

#[test]
fn sigquit_is_handled_like_sigterm() {
    signal_ends_the_group(libc::SIGQUIT);
}

/// A project whose step `hang` runs `run` with a timeout of 1s, after a run in which the
/// step timed out (exit 1).
fn timed_out(run: &str) -> Test {
    let t = project(&format!(
        r#"
[runbook]
title = "Timeout"

[[step]]
id = "hang"
run = "{run}"
timeout = "1s"
"#
    ));
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("timed out");
    t
}

#[test]
fn a_timeout_ends_background_members_that_ignore_sigint() {
    let t = timed_out("sleep 300 & echo $! > bg.pid; wait");
    let sleeper = read(t.path(), "bg.pid");
    let left = alive(&sleeper);
    kill_leftover(&sleeper);
    assert!(!left, "the background sleep outlived the timeout");
}

/// The step of a run killed with SIGKILL (its command lives on): `resume` and `rollback`
/// refuse while it runs, naming the step and the process, and go ahead once it is gone.
#[test]
fn a_survivor_of_a_killed_run_blocks_resume_and_rollback() {
    let t = project(
        r#"
[runbook]
title = "Overlap"

[[step]]
id = "first"
run = "true"

[[step.rollback]]
run = "echo undo >> undo.calls"

[[step]]
id = "slow"
idempotent = true
run = "echo start >> slow.calls; touch started; test -f fast || sleep 300; echo end >> slow.calls"
"#,
    );
    let mut child = t.spawn(&["run", "rb", "--yes"]);
    child.wait_for(&t.path().join("started"));
    child.kill();
    child.finish();

    let j = journal(t.path());
    let spawned = records(&j, "step-spawned", "slow");
    assert_eq!(spawned.len(), 1, "{j:#?}");
    let pgid = spawned[0]["pgid"].as_u64().unwrap();
    assert_eq!(spawned[0]["pid"], spawned[0]["pgid"]);
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    assert_eq!(spawned[0]["boot-id"], boot.trim());

    let resumed = t.invoke(&["resume", "--yes"]);
    let rolled = t.invoke(&["rollback", "--yes"]);
    let calls = count(t.path(), "slow.calls");
    let undone = count(t.path(), "undo.calls");
    kill_leftover(&format!("-{pgid}"));
    resumed
        .expect_exit(5)
        .expect_stderr_contains("step `slow`")
        .expect_stderr_contains(&format!("process group {pgid}"))
        .expect_stderr_contains("kill -TERM --");
    rolled.expect_exit(5).expect_stderr_contains("step `slow`");
    assert_eq!(
        calls, 1,
        "the step did not start a second time beside the first"
    );
    assert_eq!(undone, 0, "no undo ran beside the survivor");

    // SIGKILL is delivered asynchronously: the survivor can outlive kill(1) for a moment.
    wait_until_group_gone(pgid);
    std::fs::write(t.path().join("fast"), "").unwrap();
    t.invoke(&["resume", "--yes"]).expect_exit(0);
    assert_eq!(outcome(&journal(t.path()), "slow"), "succeeded");
}

/// `rollback` killed during an undo command: the next `rollback` refuses while that
/// command lives, then says in its plan that the undo runs again.
#[test]
fn an_undo_cut_off_by_a_crash_is_marked_in_the_plan() {
    let t = project(
        r#"
[runbook]
title = "Undo"

[[step]]
id = "made"
run = "true"

[[step.rollback]]
run = "echo undo >> undo.calls; touch undoing; test -f fast || sleep 300"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    let mut child = t.spawn(&["rollback", "--yes"]);
    child.wait_for(&t.path().join("undoing"));
    child.kill();
    child.finish();
    let j = journal(t.path());
    let spawned: Vec<_> = j
        .iter()
        .filter(|r| r["type"] == "step-spawned" && r["undo"] == true)
        .collect();
    assert_eq!(spawned.len(), 1, "{j:#?}");
    let pgid = spawned[0]["pgid"].as_u64().unwrap();

    let refused = t.invoke(&["rollback", "--yes"]);
    kill_leftover(&format!("-{pgid}"));
    refused.expect_exit(5).expect_stderr_contains("step `made`");
    // SIGKILL is delivered asynchronously: on a loaded machine the undo's `sleep` can
    // still be alive for a moment after kill(1) returns.
    wait_until_group_gone(pgid);
    std::fs::write(t.path().join("fast"), "").unwrap();
    let again = t.invoke(&["rollback", "--yes"]);
    again.expect_exit(0);
    assert!(
        again.stdout.contains("(interrupted: runs again)")
            || again.stderr.contains("(interrupted: runs again)"),
        "{}{}",
        again.stdout,
        again.stderr
    );
    assert_eq!(count(t.path(), "undo.calls"), 2);
}

/// Waits (up to 20 s) until no live, non-zombie process of group `pgid` is left.
fn wait_until_group_gone(pgid: u64) {
    let live = || {
        std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                return false;
            };
            let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
                return false;
            };
            let fields: Vec<&str> = rest.split(' ').collect();
            fields.len() > 2 && !matches!(fields[0], "Z" | "X") && fields[2] == pgid.to_string()
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while live() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Bytes waiting in a pipe (FIONREAD).
#[expect(unsafe_code, reason = "ioctl(2) has no safe wrapper in std")]
fn buffered(pipe: &impl std::os::fd::AsRawFd) -> usize {
    let mut bytes: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int through the valid pointer.
    let result = unsafe { libc::ioctl(pipe.as_raw_fd(), libc::FIONREAD, &raw mut bytes) };
    assert_eq!(result, 0, "FIONREAD");
    usize::try_from(bytes).unwrap_or(0)
}

/// A dry run whose output nobody reads (piped into a pager that waits) blocks writing to
/// the full pipe; SIGTERM ends it at once anyway, with no resume hint (a dry run has no
/// run to resume).
#[test]
fn sigterm_ends_a_dry_run_blocked_on_its_output() {
    signal_ends_a_blocked_dry_run(libc::SIGTERM);
}

/// The same for Ctrl-C.
#[test]
fn sigint_ends_a_dry_run_blocked_on_its_output() {
    signal_ends_a_blocked_dry_run(libc::SIGINT);
}

fn signal_ends_a_blocked_dry_run(signal: i32) {
    let mut toml = String::from("[runbook]\ntitle = \"Many\"\n");
    for i in 0..400 {
        toml.push_str(&format!(
            "\n[[step]]\nid = \"step-{i}\"\nrun = \"echo {}\"\n",
            "x".repeat(400)
        ));
    }
    let t = project(&toml);
    let child = t
        .std_command()
        .args(["run", "rb", "--dry-run", "--yes"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Whatever happens, the child does not outlive the test.
    struct Reap(std::process::Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Reap(child);
    let stdout = child.0.stdout.take().unwrap();
    let mut stderr = child.0.stderr.take().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    // Blocked once a pipe is nearly full (64 KiB on Linux, less the ends of its pages)
    // and nobody reads; the run prints about 200 KiB.
    while buffered(&stdout) < 48 * 1024 && buffered(&stderr) < 48 * 1024 {
        assert!(
            child.0.try_wait().unwrap().is_none(),
            "the dry run ended before blocking"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the dry run never filled its pipe"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    send_signal(child.0.id(), signal);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    drop(child);
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(130),
        "the dry run did not end on signal {signal}: {status:?}"
    );
    let mut said = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut said).unwrap();
    assert!(!said.contains("resume"), "a dry run hints a resume: {said}");
}

#[test]
fn timeout_kills_the_whole_process_group() {
    let t = timed_out("sleep 30 & echo $! > bg.pid; echo $$ > fg.pid; sleep 30");
    for file in ["bg.pid", "fg.pid"] {
        let pid = read(t.path(), file);
        assert!(!alive(&pid), "{file}: process {} still runs", pid.trim());
    }
    let j = journal(t.path());
    assert_eq!(outcome(&j, "hang"), "failed");
    assert!(
        records(&j, "step-finished", "hang")[0]["reason"]
            .as_str()
            .unwrap()
            .contains("timed out after 1s")
    );
}
