//! Files of a test's project as the tests read and damage them: whole files, line counts,
//! directory walks, appends cut short as by a crash, and byte searches (for secrets that
//! must not be on disk). Only reads and appends; it never runs the binary.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Lines in a file below the project (0 when it does not exist).
pub fn count(root: &Path, file: &str) -> usize {
    fs::read_to_string(root.join(file))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// A file below the project, which must exist.
#[track_caller]
pub fn read(root: &Path, file: &str) -> String {
    fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("read {file}: {e}"))
}

/// Every file below `dir`, recursively.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path)
            } else {
                files.push(path)
            }
        }
    }
    files
}

/// Appends `bytes` to the file at `path`, as a write cut short by a crash would.
pub fn append(path: &Path, bytes: &[u8]) {
    fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

/// Whether `needle` occurs in `haystack`, byte for byte.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
