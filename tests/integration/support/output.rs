//! [`Output`]: what one invocation of the binary printed and returned, and the assertions
//! on it. Every assertion carries `#[track_caller]` and prints exit code, stdout and stderr
//! when it fails.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// What a run printed and returned. Paths of the temporary directory read `[TEMP]`.
pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
    /// The project the binary ran in.
    root: PathBuf,
    /// The temporary directory, when the run consumed its [`Test`](super::Test)
    /// ([`Test::run`](super::Test::run)); `None` when the `Test` lives on (
    /// [`Test::invoke`](super::Test::invoke), [`Background::finish`](super::Background::finish)).
    _tempdir: Option<TempDir>,
}

impl Output {
    /// Builds an `Output` from what a process returned, writing the temporary directory
    /// `root` as `[TEMP]`.
    pub(super) fn new(output: std::process::Output, root: &Path, tempdir: Option<TempDir>) -> Self {
        let temp = [root.to_path_buf(), root.canonicalize().unwrap_or_default()];
        let clean = |bytes: &[u8]| {
            let mut text = String::from_utf8_lossy(bytes).into_owned();
            for t in &temp {
                if !t.as_os_str().is_empty() {
                    text = text.replace(&*t.to_string_lossy(), "[TEMP]");
                }
            }
            text
        };
        Self {
            status: output.status.code().unwrap_or(-1),
            stdout: clean(&output.stdout),
            stderr: clean(&output.stderr),
            root: root.to_path_buf(),
            _tempdir: tempdir,
        }
    }

    /// The root of the temporary directory the binary ran in.
    pub fn path(&self) -> &Path {
        &self.root
    }

    #[track_caller]
    pub fn expect_exit(&self, code: i32) -> &Self {
        assert_eq!(self.status, code, "unexpected exit code\n{}", self.report());
        self
    }

    #[track_caller]
    pub fn expect_stdout(&self, expected: &str) -> &Self {
        assert_eq!(
            self.stdout,
            expected,
            "unexpected stdout\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub fn expect_stdout_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub fn expect_stdout_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle),
            "stdout has {needle:?}\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub fn expect_stderr(&self, expected: &str) -> &Self {
        assert_eq!(
            self.stderr,
            expected,
            "unexpected stderr\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub fn expect_stderr_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub fn expect_stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr has {needle:?}\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub fn expect_stdout_empty(&self) -> &Self {
        self.expect_stdout("")
    }

    #[track_caller]
    pub fn expect_stderr_empty(&self) -> &Self {
        self.expect_stderr("")
    }

    /// Asserts a diagnostic: its `error: message` line followed by its ` --> location`.
    #[track_caller]
    pub fn expect_diagnostic(&self, message: &str, location: &str) -> &Self {
        let lines: Vec<&str> = self.stderr.lines().collect();
        let found = lines.windows(2).any(|pair| {
            pair[0].ends_with(message)
                && pair[0].contains(": ")
                && pair[1].trim_start().strip_prefix("--> ") == Some(location)
        });
        assert!(
            found,
            "no diagnostic {message:?} at {location}\n{}",
            self.report()
        );
        self
    }

    /// Byte offset of the first `needle` in stderr (to assert the order of messages).
    #[track_caller]
    pub fn stderr_position(&self, needle: &str) -> usize {
        self.stderr
            .find(needle)
            .unwrap_or_else(|| panic!("stderr lacks {needle:?}\n{}", self.report()))
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", self.report()))
    }

    /// Exit code, stdout and stderr in one block, for snapshots.
    pub fn snapshot(&self) -> String {
        format!(
            "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            self.status, self.stdout, self.stderr
        )
    }

    /// Exit code, stdout and stderr, for the message of a failed assertion.
    pub fn report(&self) -> String {
        format!(
            "--- exit: {}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}
