//! The `Test` builder: a temporary project, the real `runbook` binary, and assertions on
//! its exit code, stdout and stderr (in the style of casey/just's test builder).
//!
//! ```ignore
//! Test::new()
//!     .runbook("deploy", "[runbook]\ntitle = \"Deploy\"\n")
//!     .args(["check"])
//!     .run()
//!     .expect_exit(0)
//!     .expect_stderr_contains("ok: 1 runbook valid");
//! ```
//!
//! Every run is hermetic: `RUNBOOK_*`, colour and `CI` variables of the calling shell are
//! removed, `NO_COLOR=1` is set (opt out with [`Test::color`]) and `KUBECONFIG` points at
//! a file that does not exist, so no test can reach a real cluster.

#![allow(
    dead_code,
    reason = "helpers are shared by many test modules; not all use each"
)]

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

mod files;
mod journal;
mod output;
mod process;
pub mod report;
pub mod rollback;
pub mod schema;
mod screen;
mod terminal;

pub use files::*;
pub use journal::*;
pub use output::Output;
pub use process::*;
pub use screen::screen;
pub use terminal::*;

/// The environment variables a test run never inherits.
const REMOVED_VARS: &[&str] = &[
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "FORCE_COLOR",
    "CI",
    "TERM",
];

pub struct Test {
    tempdir: TempDir,
    cwd: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    stdin: Option<Vec<u8>>,
    no_color: bool,
}

impl Default for Test {
    fn default() -> Self {
        Self::new()
    }
}

impl Test {
    /// A temporary project with an empty `runbooks/` directory; commands run in its root.
    pub fn new() -> Self {
        let test = Self::bare();
        fs::create_dir_all(test.path().join("runbooks")).expect("create runbooks/");
        test
    }

    /// A temporary directory that is not a project (no `runbooks/`).
    pub fn bare() -> Self {
        let tempdir = tempfile::Builder::new()
            .prefix("runbook-test")
            .tempdir()
            .expect("create a temporary directory");
        let cwd = tempdir.path().to_path_buf();
        Self {
            tempdir,
            cwd,
            args: Vec::new(),
            env: Vec::new(),
            stdin: None,
            no_color: true,
        }
    }

    /// The root of the temporary directory.
    pub fn path(&self) -> &Path {
        self.tempdir.path()
    }

    /// Writes `runbooks/<name>.toml`.
    pub fn runbook(self, name: &str, toml: &str) -> Self {
        self.file(format!("runbooks/{name}.toml"), toml)
    }

    /// Writes a file below the temporary directory, creating its parents.
    pub fn file(self, path: impl AsRef<Path>, content: impl AsRef<[u8]>) -> Self {
        let path = self.path().join(path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent directories");
        }
        fs::write(&path, content).expect("write test file");
        self
    }

    /// Creates a directory below the temporary directory.
    pub fn dir(self, path: impl AsRef<Path>) -> Self {
        fs::create_dir_all(self.path().join(path)).expect("create directory");
        self
    }

    /// Writes an executable script `<tmp>/bin/<name>`; `<tmp>/bin` comes first on `PATH`.
    pub fn fake_bin(self, name: &str, script: &str) -> Self {
        let path = self.path().join("bin").join(name);
        let test = self.file(&path, script);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod fake binary");
        test
    }

    /// Runs the command in `dir` (relative to the temporary directory), created if missing.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        let dir = self.path().join(dir);
        fs::create_dir_all(&dir).expect("create working directory");
        self.cwd = dir;
        self
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Does not set `NO_COLOR=1`: for tests of colour handling.
    pub fn color(mut self) -> Self {
        self.no_color = false;
        self
    }

    /// The command this test would run, for tests that need assert_cmd directly.
    pub fn command(&self) -> Command {
        let mut command = Command::from_std(self.detached_command());
        match &self.stdin {
            Some(input) => command.write_stdin(input.clone()),
            None => command.write_stdin(Vec::new()),
        };
        command
    }

    /// The same command as a `std::process::Command` (no stdin set), for a background
    /// spawn ([`Test::spawn`]) or a pseudo-terminal. Every binary a test starts is built
    /// here, so all of them run in the hermetic environment.
    pub fn std_command(&self) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("runbook"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("RUNBOOK_") {
                command.env_remove(&key);
            }
        }
        for key in REMOVED_VARS {
            command.env_remove(key);
        }
        let bin = self.path().join("bin");
        let path = std::env::var_os("PATH").unwrap_or_default();
        let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path)))
            .expect("PATH entries have no separators");
        command
            .env("PATH", path)
            .env("KUBECONFIG", self.path().join("no-such-kubeconfig"))
            .current_dir(&self.cwd)
            .args(&self.args);
        if self.no_color {
            command.env("NO_COLOR", "1");
        }
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }

    /// [`Test::std_command`] in a process group of its own: even when `cargo test` runs at
    /// a terminal, the binary is not in its foreground, so it finds no operator on
    /// `/dev/tty` (as in CI, which has no terminal at all). Pseudo-terminal tests use
    /// `std_command`, which the pty makes the foreground.
    pub fn detached_command(&self) -> std::process::Command {
        use std::os::unix::process::CommandExt as _;
        let mut command = self.std_command();
        command.process_group(0);
        command
    }

    /// Runs the binary and returns what it did; the temporary directory lives on in it.
    pub fn run(self) -> Output {
        let output = self.command().output().expect("run the runbook binary");
        let root = self.path().to_path_buf();
        Output::new(output, &root, Some(self.tempdir))
    }

    /// Runs the binary with `args` added, keeping the project for the next command (for
    /// tests that run, resume and roll back in one project).
    pub fn invoke(&self, args: &[&str]) -> Output {
        self.invoke_env(args, &[])
    }

    /// [`Test::invoke`] with extra environment variables for this one command.
    pub fn invoke_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = self.command();
        command.args(args);
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().expect("run the runbook binary");
        Output::new(output, self.path(), None)
    }
}

/// A project with one runbook `rb`.
pub fn project(toml: &str) -> Test {
    Test::new().runbook("rb", toml)
}

/// Runs `runbook check` on a project holding one runbook `rb`.
pub fn check_runbook(toml: &str) -> Output {
    Test::new().runbook("rb", toml).args(["check"]).run()
}

/// A shell command that counts its calls in `file` and succeeds from call `n` on.
pub fn passes_on_call(file: &str, n: usize) -> String {
    format!("echo call >> {file}; test $(wc -l < {file}) -ge {n}")
}

/// Snapshots a run (exit code, stdout and stderr) with insta, the temporary directory
/// filtered to `[TEMP]` (`runbook_snapshot!(output)` or `runbook_snapshot!("name", output)`).
#[macro_export]
macro_rules! runbook_snapshot {
    ($output:expr) => {{
        let output = &$output;
        $crate::support::snapshot_settings(output.path()).bind(|| {
            insta::assert_snapshot!(output.snapshot());
        });
    }};
    ($name:expr, $output:expr) => {{
        let output = &$output;
        $crate::support::snapshot_settings(output.path()).bind(|| {
            insta::assert_snapshot!($name, output.snapshot());
        });
    }};
}

/// insta settings shared by every snapshot: the temp dir reads `[TEMP]`.
pub fn snapshot_settings(temp: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for path in [temp.to_path_buf(), temp.canonicalize().unwrap_or_default()] {
        let text = path.to_string_lossy().into_owned();
        if !text.is_empty() {
            settings.add_filter(&regex::escape(&text), "[TEMP]");
        }
    }
    settings.add_filter(r"runbook-test[A-Za-z0-9]+", "[TEMP]");
    settings
}

/// The repository root (for tests over the shipped `runbooks/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
