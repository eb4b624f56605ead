//! Finds the project (the directory that holds `runbooks/`) by walking up from the current
//! directory, like cargo finds `Cargo.toml`, and lists its runbook files. No parsing.

use std::path::{Path, PathBuf};

use super::model::Project;
use crate::error::{Error, Result};

/// Finds the project: `explicit` names the runbooks directory itself (`--dir`), otherwise
/// walk up from `start` looking for a `runbooks/` directory.
pub fn find_project(start: &Path, explicit: Option<&Path>) -> Result<Project> {
    if let Some(dir) = explicit {
        let dir = start.join(dir);
        if !dir.is_dir() {
            return Err(Error::usage_hint(
                format!("runbooks directory `{}` does not exist", dir.display()),
                "`--dir` (env `RUNBOOK_DIR`) names the directory that holds the `*.toml` runbooks",
            ));
        }
        let root = dir.parent().map_or_else(|| dir.clone(), Path::to_path_buf);
        return Ok(Project {
            root,
            runbooks_dir: dir,
        });
    }
    let mut current = Some(start);
    while let Some(dir) = current {
        let candidate = dir.join("runbooks");
        if candidate.is_dir() {
            return Ok(Project {
                root: dir.to_path_buf(),
                runbooks_dir: candidate,
            });
        }
        current = dir.parent();
    }
    Err(Error::NoProject {
        start: start.to_path_buf(),
    })
}

/// The suffix of a runbook's test file (`runbooks/<name>.test.toml`): never a runbook.
pub const TEST_SUFFIX: &str = ".test.toml";

fn is_test_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(TEST_SUFFIX))
}

/// Every `*.toml` file of the runbooks directory except test files, sorted by name.
pub fn runbook_files(project: &Project) -> Result<Vec<(String, PathBuf)>> {
    let dir = &project.runbooks_dir;
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("read directory", dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| Error::io("read directory", dir, e))?
            .path();
        if path.extension().is_some_and(|e| e == "toml") && path.is_file() && !is_test_file(&path) {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push((stem, path));
        }
    }
    files.sort();
    Ok(files)
}

/// Every `*.test.toml` file of the runbooks directory, sorted by name.
pub fn test_files(project: &Project) -> Result<Vec<PathBuf>> {
    let dir = &project.runbooks_dir;
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("read directory", dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| Error::io("read directory", dir, e))?
            .path();
        if is_test_file(&path) && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Path shown in diagnostics: relative to `base` when below it.
pub fn display_path(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}
