//! The binary in the background: start it in the test's hermetic environment, wait until
//! its command reaches a point (a file appears), signal or kill it, and collect what it
//! printed. Deadlines only keep a broken test from hanging; nothing is asserted about time.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::{Output, Test};

/// How long a wait for a file may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// A `runbook` process started by [`Test::spawn`].
pub struct Background {
    child: Child,
    root: PathBuf,
}

impl Test {
    /// Starts the binary with `args` added in the background (stdin null, output piped),
    /// in the same hermetic environment as [`Test::command`].
    pub fn spawn(&self, args: &[&str]) -> Background {
        let child = self
            .detached_command()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the runbook binary");
        Background {
            child,
            root: self.path().to_path_buf(),
        }
    }
}

impl Background {
    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits until `path` exists; fails if the process ends first.
    #[track_caller]
    pub fn wait_for(&mut self, path: &Path) {
        let deadline = Instant::now() + DEADLINE;
        while !path.exists() {
            if let Some(status) = self.child.try_wait().expect("poll the runbook binary") {
                panic!(
                    "runbook exited ({status}) before {} appeared",
                    path.display()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} never appeared",
                path.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends the signal `name` (`INT`, `TERM`, …) with `kill(1)`.
    #[track_caller]
    pub fn signal(&self, name: &str) {
        signal(self.id(), name);
    }

    /// SIGKILL, as a machine crash would (the commands it started live on).
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the runbook binary");
    }

    /// Waits for the process to end and collects what it printed.
    pub fn finish(self) -> Output {
        let output = self
            .child
            .wait_with_output()
            .expect("wait for the runbook binary");
        Output::new(output, &self.root, None)
    }
}

/// Waits until `path` exists.
#[track_caller]
pub fn wait_for(path: &Path) {
    let deadline = Instant::now() + DEADLINE;
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether a process runs (a zombie counts as gone).
pub fn alive(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())) {
        Ok(stat) => {
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next());
            !matches!(state, Some('Z' | 'X') | None)
        }
        Err(_) => false,
    }
}

/// Sends a signal to one process by pid with `kill(1)`.
#[track_caller]
pub fn signal(pid: u32, name: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name} {pid} failed");
}

/// SIGKILL to what a killed run left behind: a process (`"1234"`) or a process group
/// (`"-1234"`). Failure is ignored: this is cleanup.
pub fn kill_leftover(target: &str) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", target.trim()])
        .status();
}

/// Sends `signal` (`libc::SIGTERM`, …) to one process with kill(2).
#[expect(unsafe_code, reason = "kill(2) has no safe wrapper in std")]
#[track_caller]
pub fn send_signal(pid: u32, signal: i32) {
    let pid = i32::try_from(pid).expect("a pid fits in i32");
    // SAFETY: kill(2) takes plain integers; no memory is involved.
    let result = unsafe { libc::kill(pid, signal) };
    assert_eq!(result, 0, "kill({pid}, {signal}) failed");
}
