//! `E2e`: a temporary project with shipped runbooks, a seeded fake cluster (`tests/fakes`)
//! and a git checkout of a synthetic repository (or the haynes-ops snapshot), and the
//! commands run in it. It asserts nothing itself: `Run` (run.rs) does.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub(crate) use super::run::Run;
use crate::support::{Test, repo_root};

/// The checkout's name inside the test's temporary project (`--var repo=…`).
pub(crate) const REPO: &str = "repo";

/// The real haynes-ops snapshot, relative to the repository root.
const SNAPSHOT: &str = "../shared/fixtures/haynes-ops";

/// The synthetic repositories of `tests/fixtures/repos/`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Layout {
    /// `kubernetes/{edge,main}/apps` and `kubernetes/shared/{components,repositories}`;
    /// one app-template OCIRepository in flux-system, named with its namespace.
    TwoCluster,
    /// `kubernetes/apps`, `kubernetes/components`, `kubernetes/templates`; an OCIRepository
    /// per app beside its HelmRelease; components attached by Flux `spec.components`.
    SingleCluster,
    /// `kubernetes/apps`, `kubernetes/components`; the app-template OCIRepository is a
    /// kustomize Component stamped into each namespace, named without a namespace.
    PerNamespace,
}

impl Layout {
    fn dir(self) -> &'static str {
        match self {
            Self::TwoCluster => "two-cluster",
            Self::SingleCluster => "single-cluster",
            Self::PerNamespace => "per-namespace",
        }
    }
}

pub(crate) fn fakes() -> PathBuf {
    repo_root().join("tests/fakes")
}

fn snapshot_dir() -> Option<PathBuf> {
    let path = repo_root().join(SNAPSHOT);
    path.join("kubernetes").is_dir().then_some(path)
}

/// A python without shim overhead for the fakes' JSON helpers (pyenv shims cost ~100ms a call).
fn python() -> String {
    ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("python3")
        .to_string()
}

#[track_caller]
fn sh(cwd: &Path, program: &str, args: &[&str], env: &[(&str, &Path)]) -> String {
    let mut command = Command::new(program);
    command.args(args).current_dir(cwd);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A temporary project with shipped runbooks, a seeded fake cluster and optionally a git
/// checkout of the fixture.
pub(crate) struct E2e {
    pub(crate) test: Test,
}

impl E2e {
    /// Copies `runbooks/<name>.toml` of the repository for each name and seeds the fake
    /// cluster with `seed.sh SCENARIO [CONTEXT]`.
    pub(crate) fn new(runbooks: &[&str], scenario: &[&str]) -> Self {
        let mut test = Test::new();
        for name in runbooks {
            let source = repo_root().join("runbooks").join(format!("{name}.toml"));
            let text = fs::read_to_string(&source)
                .unwrap_or_else(|e| panic!("read {}: {e}", source.display()));
            test = test.runbook(name, &text);
        }
        let root = test.path().to_path_buf();
        let path = std::env::join_paths([root.join("bin"), fakes().join("bin")].into_iter().chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .expect("PATH entries have no separators");
        let test = test
            .dir("bin")
            .dir("tmp")
            .env("PATH", path)
            .env("FAKE_CLUSTER", root.join("cluster"))
            .env("FAKE_PYTHON", python())
            .env("TMPDIR", root.join("tmp"));
        let e2e = Self { test };
        e2e.seed(scenario);
        e2e
    }

    pub(crate) fn root(&self) -> &Path {
        self.test.path()
    }

    pub(crate) fn repo(&self) -> PathBuf {
        self.root().join(REPO)
    }

    /// Runs `tests/fakes/seed.sh ARGS…` on this test's cluster.
    pub(crate) fn seed(&self, args: &[&str]) -> &Self {
        let mut all = vec![fakes().join("seed.sh").to_string_lossy().into_owned()];
        all.extend(args.iter().map(|a| (*a).to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let cluster = self.root().join("cluster");
        let python = PathBuf::from(python());
        sh(
            self.root(),
            "bash",
            &all,
            &[("FAKE_CLUSTER", &cluster), ("FAKE_PYTHON", &python)],
        );
        self
    }

    /// A file of the cluster state, e.g. `hr/media/sonarr/immutable`.
    pub(crate) fn state(&self, path: &str) -> PathBuf {
        self.root().join("cluster").join(path)
    }

    pub(crate) fn remove_state(&self, path: &str) -> &Self {
        fs::remove_file(self.state(path)).unwrap_or_else(|e| panic!("remove {path}: {e}"));
        self
    }

    /// A hook: the first fake call matching `pattern` (ERE on its calls.log line) runs
    /// `command` in the project root before it is answered.
    pub(crate) fn hook(&self, pattern: &str, command: &str) -> &Self {
        assert!(!pattern.contains('\t') && !command.contains('\n'));
        let path = self.state("hooks");
        let mut hooks = fs::read_to_string(&path).unwrap_or_default();
        hooks.push_str(&format!("{pattern}\t{command}\n"));
        fs::write(path, hooks).expect("write hooks");
        self
    }

    /// An executable `bin/NAME` (before the fakes on PATH) that logs its call to calls.log.
    pub(crate) fn fake_tool(&self, name: &str, body: &str) -> &Self {
        let path = self.root().join("bin").join(name);
        let script = format!(
            "#!/usr/bin/env bash\n{{ printf '%s' {name}; printf ' %q' \"$@\"; printf '\\n'; }} >>\"$FAKE_CLUSTER/calls.log\"\n{body}\n"
        );
        fs::write(&path, script).expect("write fake tool");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod fake tool");
        self
    }

    /// Copies the synthetic repository of `layout` to `<tmp>/repo`, lets `edit` change it,
    /// and commits it as the initial state of a real git repository.
    pub(crate) fn checkout(self, layout: Layout, edit: impl FnOnce(&Path)) -> Self {
        let source = repo_root().join("tests/fixtures/repos").join(layout.dir());
        self.checkout_from(&source, &[layout.dir()], edit)
    }

    /// The same on the real haynes-ops snapshot (`../shared/fixtures/haynes-ops`, only
    /// `kubernetes/<cluster>` and `kubernetes/shared`: copying 800 files costs seconds on a
    /// slow disk). `None`, with a notice on stderr, when the snapshot is not there: a
    /// fresh clone has nothing beside it, CI has it.
    pub(crate) fn snapshot(self, cluster: &str, edit: impl FnOnce(&Path)) -> Option<Self> {
        let Some(source) = snapshot_dir() else {
            // Straight to the process's stderr: the test harness captures eprintln! of a
            // passing test, and the point of the notice is to be seen.
            let _ = writeln!(
                std::io::stderr(),
                "notice: skipped, the haynes-ops snapshot is not at {} (CI provides ../shared/fixtures/haynes-ops next to the repository)",
                repo_root().join(SNAPSHOT).display()
            );
            return None;
        };
        Some(self.checkout_from(
            &source,
            &[&format!("kubernetes/{cluster}"), "kubernetes/shared"],
            edit,
        ))
    }

    fn checkout_from(self, source: &Path, parts: &[&str], edit: impl FnOnce(&Path)) -> Self {
        let repo = self.repo();
        fs::create_dir_all(repo.join("kubernetes")).expect("create the checkout");
        for part in parts {
            let (from, to) = if part.starts_with("kubernetes/") {
                (source.join(part), repo.join(part))
            } else {
                (source.join("kubernetes"), repo.join("kubernetes"))
            };
            fs::remove_dir_all(&to).ok();
            sh(
                self.root(),
                "cp",
                &["-R", &from.to_string_lossy(), &to.to_string_lossy()],
                &[],
            );
        }
        sh(
            self.root(),
            "chmod",
            &["-R", "u+w", &repo.to_string_lossy()],
            &[],
        );
        edit(&repo);
        self.git(&["-c", "init.defaultBranch=main", "init", "-q"]);
        self.git(&["config", "user.name", "Runbook Test"]);
        self.git(&["config", "user.email", "runbook-test@example.invalid"]);
        self.git(&["config", "commit.gpgsign", "false"]);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", "initial state"]);
        self
    }

    pub(crate) fn git(&self, args: &[&str]) -> String {
        let repo = self.repo();
        let mut all = vec!["-C", repo.to_str().expect("utf-8 temp path")];
        all.extend(args);
        sh(self.root(), "git", &all, &[])
    }

    /// `runbook run NAME --yes --allow-destructive --var k=v…` (the operator approves
    /// every step), then `runbook log --json` and calls.log.
    pub(crate) fn run(&self, name: &str, vars: &[(&str, &str)]) -> Run {
        self.run_with(name, &["--yes", "--allow-destructive"], vars)
    }

    /// `runbook run NAME FLAGS… --var k=v…` (a flag such as `--allow-destructive`).
    pub(crate) fn run_with(&self, name: &str, flags: &[&str], vars: &[(&str, &str)]) -> Run {
        let vars: Vec<String> = vars.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut args = vec!["run", name];
        args.extend(flags);
        for var in &vars {
            args.extend(["--var", var]);
        }
        self.invoke(&args)
    }

    /// Any command, then `runbook log --json` of the newest run and the whole calls.log.
    pub(crate) fn invoke(&self, args: &[&str]) -> Run {
        self.invoke_then_log(args, None)
    }

    /// `runbook resume ID --yes FLAGS…`, then the journal of that run.
    pub(crate) fn resume(&self, run: &Run, flags: &[&str]) -> Run {
        let id = run.run_id();
        let mut args = vec!["resume", &id, "--yes"];
        args.extend(flags);
        self.invoke_then_log(&args, Some(&id))
    }

    fn invoke_then_log(&self, args: &[&str], run_id: Option<&str>) -> Run {
        let output = self.test.invoke(args);
        let mut log_args = vec!["log"];
        log_args.extend(run_id);
        log_args.push("--json");
        let log = self.test.invoke(&log_args);
        let journal: Vec<Value> = if log.status == 0 {
            serde_json::from_str(&log.stdout)
                .unwrap_or_else(|e| panic!("runbook log --json is not JSON: {e}\n{}", log.stdout))
        } else {
            Vec::new()
        };
        let calls = fs::read_to_string(self.state("calls.log")).unwrap_or_default();
        Run {
            output,
            journal,
            calls: calls.lines().map(str::to_string).collect(),
        }
    }
}

pub(crate) fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).expect("write fixture file");
}

pub(crate) fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("a parent")).expect("create directories");
    fs::write(path, text).expect("write fixture file");
}

/// A `wait: true` Kustomization kube-system/cilium and its release, Ready.
pub(crate) fn canary(e2e: &E2e) {
    e2e.seed(&[
        "ks",
        "kube-system",
        "cilium",
        "source=GitRepository/flux-system/haynes-ops",
        "wait=true",
    ]);
    e2e.seed(&[
        "hr",
        "kube-system",
        "cilium",
        "version=1.18.4",
        "ks=kube-system/cilium",
        "chart=cilium",
    ]);
}
