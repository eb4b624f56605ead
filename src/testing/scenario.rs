//! Runs one scenario: a private temporary directory (state dir, shims, repo fixture, a
//! `KUBECONFIG` that does not exist), then the runbook binary itself as `runbook run NAME
//! --yes|--auto`, so the scenario walks exactly what an operator would. Returns what
//! happened (exit code, transcript, calls, the replayed journal) for `expect` to judge.
//! This is test harness code: it spawns the binary under test and `git` for fixtures.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::double::{self, CALLS, Call, DOUBLES, Setup};
use super::raw::RunMode;
use super::spec::{Scenario, TestFile};
use crate::journal::record::{Choice, Entry};
use crate::journal::replay::{RunState, replay};
use crate::journal::store::Store;
use crate::runbook::model::Project;

use crate::config::env_vars::TEST_ANSWERS as ANSWERS_ENV;
use crate::config::env_vars::TEST_POLL_INTERVAL as POLL_ENV;

/// What one scenario's run did.
#[derive(Debug)]
pub struct Observed {
    /// `None` when the run was killed at the scenario's timeout.
    pub exit: Option<i32>,
    pub transcript: String,
    pub calls: Vec<Call>,
    /// The replayed journal; `None` when the run left none (it stopped before starting).
    pub state: Option<RunState>,
    /// The step a `waiting` decision names last (it may not have started: a confirm step
    /// asks before it is journaled as started).
    pub waiting_step: Option<String>,
    /// Where the repo fixture was copied, while the scenario's directory exists.
    pub repo: Option<PathBuf>,
    /// The run's state directory (journal, lock, logs), while the scenario's directory exists.
    pub state_dir: PathBuf,
}

/// A scenario's temporary directory, removed when dropped.
pub struct Workspace {
    pub root: PathBuf,
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl Workspace {
    fn create() -> std::io::Result<Self> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let root = std::env::temp_dir().join(format!("runbook-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }
}

/// Runs `scenario` of `test` with the binary `exe`; the workspace lives as long as the
/// result is judged.
pub fn run(
    exe: &Path,
    project: &Project,
    test: &TestFile,
    scenario: &Scenario,
) -> std::io::Result<(Observed, Workspace)> {
    let ws = Workspace::create()?;
    let repo = match &scenario.repo {
        Some(fixture) => Some(repo_fixture(fixture, &ws.root.join("repo"))?),
        None => None,
    };
    let setup = Setup {
        doubles: scenario.doubles.clone(),
        files_root: repo.clone(),
    };
    std::fs::write(ws.root.join(DOUBLES), serde_json::to_vec(&setup)?)?;
    let bin = ws.root.join("bin");
    double::write_shims(&bin, exe, &ws.root, &programs(scenario))?;
    let mut cmd = runbook_command(exe, project, scenario, &ws.root, &bin)?;
    cmd.args(["run", &test.runbook]);
    for (key, value) in vars(scenario, &ws.root, repo.as_deref()) {
        cmd.arg("--var").arg(format!("{key}={value}"));
    }
    match scenario.mode {
        RunMode::Yes => cmd.arg("--yes"),
        RunMode::Auto => cmd.arg("--auto"),
    };
    if scenario.allow_destructive {
        cmd.arg("--allow-destructive");
    }
    if !scenario.answers.is_empty() {
        let path = ws.root.join("answers.json");
        std::fs::write(&path, serde_json::to_vec(&scenario.answers)?)?;
        cmd.env(ANSWERS_ENV, path);
    }
    let (exit, mut transcript) = spawn(cmd, scenario.timeout)?;
    if scenario.rollback {
        // What an operator does after the run stopped: undo it back to its last checkpoint.
        let mut cmd = runbook_command(exe, project, scenario, &ws.root, &bin)?;
        cmd.args(["rollback", "--yes"]);
        let (_, more) = spawn(cmd, scenario.timeout)?;
        transcript.push_str("\n$ runbook rollback --yes\n");
        transcript.push_str(&more);
    }
    let (state, waiting_step) = match journal(&ws.root.join("state")) {
        Some((state, waiting)) => (Some(state), waiting),
        None => (None, None),
    };
    let observed = Observed {
        exit,
        transcript,
        calls: read_calls(&ws.root.join(CALLS)),
        state,
        waiting_step,
        repo,
        state_dir: ws.root.join("state"),
    };
    Ok((observed, ws))
}

/// `runbook --dir … --state-dir … --color never` in the project directory, with the shims
/// first on `PATH`, a `KUBECONFIG` that does not exist, `TMPDIR` in the scenario's own
/// directory and the scenario's `poll-interval`.
fn runbook_command(
    exe: &Path,
    project: &Project,
    scenario: &Scenario,
    root: &Path,
    bin: &Path,
) -> std::io::Result<Command> {
    let mut cmd = Command::new(exe);
    cmd.current_dir(&project.root)
        .arg("--dir")
        .arg(&project.runbooks_dir)
        .arg("--state-dir")
        .arg(root.join("state"))
        .args(["--color", "never"]);
    cmd.env_remove(ANSWERS_ENV).env_remove(POLL_ENV);
    if let Some(interval) = scenario.poll_interval {
        cmd.env(POLL_ENV, crate::runbook::duration::format(interval));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(
        std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&path)),
    )
    .map_err(std::io::Error::other)?;
    // Scratch files of parallel scenarios (`${TMPDIR:-/tmp}/runbook-<run id>`) must not
    // meet: run ids are timestamps, equal for scenarios started in the same second.
    let tmp = root.join("tmp");
    std::fs::create_dir_all(&tmp)?;
    cmd.env("PATH", path)
        .env("TMPDIR", tmp)
        .env("KUBECONFIG", root.join("kubeconfig-that-does-not-exist"))
        .env("NO_COLOR", "1")
        .env_remove("RUNBOOK_DIR")
        .env_remove("RUNBOOK_STATE_DIR");
    Ok(cmd)
}

/// Every program that gets a shim: the doubled ones and those `calls`/`never` observe.
fn programs(scenario: &Scenario) -> Vec<String> {
    let mut programs: Vec<String> = scenario.doubles.iter().map(|d| d.program.clone()).collect();
    let expect = &scenario.expect;
    for pattern in expect.calls.iter().chain(&expect.never) {
        if let Some(p) = pattern.program() {
            programs.push(p.to_string());
        }
    }
    programs.sort();
    programs.dedup();
    programs
}

/// The scenario's variables, with `{tmp}` (its private directory) and `{repo}` (the repo
/// fixture) filled in, and the repo's path in its variable.
fn vars(scenario: &Scenario, tmp: &Path, repo: Option<&Path>) -> BTreeMap<String, String> {
    let repo_text = repo
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp_text = tmp.join("tmp").to_string_lossy().into_owned();
    let mut vars: BTreeMap<String, String> = scenario
        .vars
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.replace("{tmp}", &tmp_text).replace("{repo}", &repo_text),
            )
        })
        .collect();
    if repo.is_some() {
        vars.entry(scenario.repo_var.clone()).or_insert(repo_text);
    }
    vars
}

/// Copies the fixture and commits it, so the runbook sees a clean git repository.
fn repo_fixture(fixture: &Path, target: &Path) -> std::io::Result<PathBuf> {
    copy_dir(fixture, target)?;
    let git = |args: &[&str]| -> std::io::Result<()> {
        let status = Command::new("git")
            .args([
                "-c",
                "user.name=runbook test",
                "-c",
                "user.email=test@runbook.invalid",
            ])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(target)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "`git {}` failed in the repo fixture",
                args.join(" ")
            )))
        }
    };
    git(&["init", "-q"])?;
    git(&["add", "-A"])?;
    git(&["commit", "-q", "--allow-empty", "-m", "fixture"])?;
    Ok(target.to_path_buf())
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Runs the binary with stdout and stderr on one pipe (the transcript keeps their order),
/// killing it at `timeout`. Output of background processes it left behind is read for at
/// most a second after it exits.
fn spawn(mut cmd: Command, timeout: Duration) -> std::io::Result<(Option<i32>, String)> {
    let (mut reader, writer) = os_pipe::pipe()?;
    cmd.stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer);
    let mut child = cmd.spawn()?;
    drop(cmd);
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + timeout;
    let mut output = Vec::new();
    let exit = loop {
        while let Ok(chunk) = rx.try_recv() {
            output.extend(chunk);
        }
        if let Some(status) = child.try_wait()? {
            break status.code();
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(5)) {
            output.extend(chunk);
        }
    };
    let drain_until = Instant::now() + Duration::from_secs(1);
    while let Ok(chunk) = rx.recv_timeout(drain_until.saturating_duration_since(Instant::now())) {
        output.extend(chunk);
    }
    Ok((exit, String::from_utf8_lossy(&output).into_owned()))
}

fn read_calls(path: &Path) -> Vec<Call> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The scenario's one run, replayed from its journal, and the step it last waited at.
fn journal(state_dir: &Path) -> Option<(RunState, Option<String>)> {
    let store = Store::new(state_dir.to_path_buf());
    let run = store.list().ok()?.into_iter().next()?;
    let records = store.load(&run.id).ok()?.records;
    let waiting = records.iter().rev().find_map(|r| match &r.entry {
        Entry::Decision {
            step,
            choice: Choice::Waiting,
            ..
        } => step.clone(),
        _ => None,
    });
    Some((replay(&records), waiting))
}
