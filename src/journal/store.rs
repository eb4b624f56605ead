//! The state directory: `runs/<run-id>/journal.jsonl`, `runs/<run-id>/logs/`,
//! `locks/<runbook>.lock`. Reads journals (setting a torn last line aside) and lists runs.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::record::Record;
use super::replay::{RunState, replay};
use super::writer::create_private_file;
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Store {
    pub root: PathBuf,
}

/// A journal as read from disk.
pub struct Loaded {
    pub records: Vec<Record>,
    /// Set when a torn last line was moved aside (the warning to show).
    pub torn: Option<String>,
}

impl Store {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.root.join("runs")
    }

    pub fn run_dir(&self, run_id: &str) -> PathBuf {
        self.runs_dir().join(run_id)
    }

    pub fn journal_path(&self, run_id: &str) -> PathBuf {
        self.run_dir(run_id).join("journal.jsonl")
    }

    pub fn logs_dir(&self, run_id: &str) -> PathBuf {
        self.run_dir(run_id).join("logs")
    }

    pub fn locks_dir(&self) -> PathBuf {
        self.root.join("locks")
    }

    /// A new run id: UTC time plus a short suffix, sortable and unique per process.
    pub fn new_run_id(&self, runbook: &str) -> String {
        let now = time::OffsetDateTime::now_utc();
        let stamp = format!(
            "{:04}{:02}{:02}-{:02}{:02}{:02}",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        );
        let mut id = format!("{stamp}-{runbook}");
        let mut n = 2;
        while self.run_dir(&id).exists() {
            id = format!("{stamp}-{runbook}-{n}");
            n += 1;
        }
        id
    }

    /// Reads a run's journal. A torn last line is moved to `journal.jsonl.torn` and cut
    /// off; damage before the last line is an error.
    pub fn load(&self, run_id: &str) -> Result<Loaded> {
        let path = self.journal_path(run_id);
        let text =
            std::fs::read_to_string(&path).map_err(|e| Error::io("read journal", &path, e))?;
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut records = Vec::with_capacity(lines.len());
        let mut good_bytes = 0;
        for (i, line) in lines.iter().enumerate() {
            let content = line.trim_end_matches('\n');
            if content.trim().is_empty() {
                good_bytes += line.len();
                continue;
            }
            match serde_json::from_str::<Record>(content) {
                Ok(record) => {
                    records.push(record);
                    good_bytes += line.len();
                }
                Err(_) if i + 1 == lines.len() => {
                    let torn = set_aside(&path, &text, good_bytes)?;
                    return Ok(Loaded {
                        records,
                        torn: Some(torn),
                    });
                }
                Err(e) => {
                    return Err(Error::Journal {
                        message: format!("journal `{}` is damaged at line {}: {e}", path.display(), i + 1),
                        hint: Some("only a torn last line is repaired automatically: inspect the file, or start a new run".into()),
                    });
                }
            }
        }
        if !text.is_empty() && !text.ends_with('\n') {
            // A complete record whose newline was cut: finish the line so appends stay separate.
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .map_err(|e| Error::io("repair journal", &path, e))?;
            file.write_all(b"\n")
                .map_err(|e| Error::io("repair journal", &path, e))?;
        }
        Ok(Loaded {
            records,
            torn: None,
        })
    }

    /// Every run with its replayed state, oldest first.
    pub fn list(&self) -> Result<Vec<(String, RunState)>> {
        let dir = self.runs_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("read directory", &dir, e)),
        };
        let mut runs = Vec::new();
        for entry in entries.flatten() {
            let id = entry.file_name().to_string_lossy().into_owned();
            if !self.journal_path(&id).is_file() {
                continue;
            }
            let Ok(loaded) = self.load(&id) else { continue };
            runs.push((id, replay(&loaded.records)));
        }
        runs.sort_by(|a, b| {
            (a.1.started.as_str(), a.0.as_str()).cmp(&(b.1.started.as_str(), b.0.as_str()))
        });
        Ok(runs)
    }
}

fn set_aside(path: &Path, text: &str, good_bytes: usize) -> Result<String> {
    let torn_path = path.with_extension("jsonl.torn");
    let mut torn =
        create_private_file(&torn_path).map_err(|e| Error::io("write", &torn_path, e))?;
    torn.write_all(&text.as_bytes()[good_bytes..])
        .map_err(|e| Error::io("write", &torn_path, e))?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io("repair journal", path, e))?;
    file.set_len(good_bytes as u64)
        .map_err(|e| Error::io("repair journal", path, e))?;
    file.sync_all()
        .map_err(|e| Error::io("repair journal", path, e))?;
    Ok(format!(
        "the last line of `{}` was torn (a crash during a write); it was moved to `{}`",
        path.display(),
        torn_path.display()
    ))
}
