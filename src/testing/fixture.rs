//! Repo fixtures of `runbook test`. A fixture directory becomes a clean git repository
//! (its files committed) once per `runbook test`, as a template; each scenario gets a copy
//! of the template, `.git` included, with modification times kept. Three git processes
//! per fixture instead of per scenario (they were a scenario's largest setup cost). The
//! template's git ignores inode and ctime (`core.checkStat = minimal`, `core.trustctime =
//! false`), so even plumbing such as `git diff-files` sees the copy as clean. This is
//! test harness code: it spawns `git`; it never touches the fixture itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// The templates made so far, by fixture directory; removed when dropped.
pub struct Fixtures {
    root: PathBuf,
    made: Mutex<BTreeMap<PathBuf, Result<PathBuf, String>>>,
}

impl Fixtures {
    pub fn new() -> Self {
        let root =
            std::env::temp_dir().join(format!("runbook-test-{}-fixtures", std::process::id()));
        Self {
            root,
            made: Mutex::new(BTreeMap::new()),
        }
    }

    /// Copies `fixture`, as a committed git repository, to `target`.
    pub fn checkout(&self, fixture: &Path, target: &Path) -> std::io::Result<PathBuf> {
        let template = self.template(fixture)?;
        copy_dir(&template, target)?;
        Ok(target.to_path_buf())
    }

    fn template(&self, fixture: &Path) -> std::io::Result<PathBuf> {
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(done) = made.get(fixture) {
            return done.clone().map_err(std::io::Error::other);
        }
        let dir = self.root.join(made.len().to_string());
        let result = build(fixture, &dir)
            .map(|()| dir)
            .map_err(|e| e.to_string());
        made.insert(fixture.to_path_buf(), result.clone());
        result.map_err(std::io::Error::other)
    }
}

impl Default for Fixtures {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Fixtures {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Copies the fixture to `dir` and commits it.
fn build(fixture: &Path, dir: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    copy_dir(fixture, dir)?;
    git(dir, &["init", "-q"])?;
    // A second `[core]` section is valid git config; it keeps copies clean (see above).
    let config = dir.join(".git/config");
    let mut text = std::fs::read_to_string(&config)?;
    text.push_str("[core]\n\tcheckStat = minimal\n\ttrustctime = false\n");
    std::fs::write(&config, text)?;
    git(dir, &["add", "-A"])?;
    git(dir, &["commit", "-q", "--allow-empty", "-m", "fixture"])
}

fn git(dir: &Path, args: &[&str]) -> std::io::Result<()> {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=runbook test",
            "-c",
            "user.email=test@runbook.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
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
}

/// Copies a tree: directories, files with their modification times, symbolic links as
/// links.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
            let modified = entry.metadata()?.modified()?;
            std::fs::File::open(&target)?.set_modified(modified)?;
        }
    }
    Ok(())
}
