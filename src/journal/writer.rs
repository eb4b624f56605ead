//! The append-only writer: one JSON line per record, written at once (a killed process
//! loses nothing) and synced (`sync_data`) before the next side effect: [`Journal::append`]
//! syncs before returning; [`Journal::append_deferred`] leaves an outcome to be synced
//! with the next record or by [`Journal::sync`], which the executor calls before it spawns
//! anything. One sync per step instead of two. A new journal's directory entries are synced
//! too (the file's and every directory created for it), so a power loss cannot lose the
//! whole journal. Files 0600, directories 0700. A `runbook test` scenario's run turns the
//! syncing off ([`set_durable`]): its state directory is thrown away with the scenario.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::record::{Entry, Record, now};

static DURABLE: AtomicBool = AtomicBool::new(true);

/// Whether this process syncs journals and the directories made for them (the default).
/// Off only for the run of a `runbook test` scenario: nothing outlives the scenario's
/// directory, and the scenario reads the journal after the process ended, when every
/// write is visible without a sync. Syncing cost most of a scenario's time on a busy disk.
pub fn set_durable(durable: bool) {
    DURABLE.store(durable, Ordering::Relaxed);
}

fn durable() -> bool {
    DURABLE.load(Ordering::Relaxed)
}

pub struct Journal {
    file: File,
    path: PathBuf,
    /// Records written but not yet synced.
    unsynced: bool,
    /// The line being written, reused: a record is serialized into it, not into a new
    /// string grown byte run by byte run.
    line: Vec<u8>,
}

impl Journal {
    /// Opens (creating if needed) a journal for appending.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let created = match path.parent() {
            Some(dir) => create_durable_dir(dir)?,
            None => Vec::new(),
        };
        let new = !path.exists();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        if new {
            // The file's entry, then each new directory's entry in its parent.
            if let Some(dir) = path.parent() {
                sync_dir(dir)?;
            }
            for dir in created {
                if let Some(parent) = dir.parent() {
                    sync_dir(parent)?;
                }
            }
        }
        Ok(Self {
            file,
            path: path.to_path_buf(),
            unsynced: false,
            line: Vec::with_capacity(512),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry` and syncs it (and any deferred record before it) to disk.
    pub fn append(&mut self, entry: Entry) -> std::io::Result<Record> {
        let record = self.append_deferred(entry)?;
        self.sync()?;
        Ok(record)
    }

    /// Appends `entry` without syncing: for an outcome that no side effect depends on
    /// until the next [`Journal::append`] or [`Journal::sync`].
    pub fn append_deferred(&mut self, entry: Entry) -> std::io::Result<Record> {
        let record = Record { ts: now(), entry };
        self.line.clear();
        serde_json::to_writer(&mut self.line, &record).map_err(std::io::Error::other)?;
        self.line.push(b'\n');
        self.file.write_all(&self.line)?;
        self.unsynced = true;
        Ok(record)
    }

    /// Syncs deferred records to disk (nothing to do when there are none).
    pub fn sync(&mut self) -> std::io::Result<()> {
        if self.unsynced {
            if durable() {
                self.file.sync_data()?;
            }
            self.unsynced = false;
        }
        Ok(())
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        let _ = self.sync();
    }
}

/// Creates a directory (and parents) readable only by the owner.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Creates `dir` and its missing parents (0700) and syncs their entries to disk.
pub fn create_synced_dir(dir: &Path) -> std::io::Result<()> {
    for created in create_durable_dir(dir)? {
        if let Some(parent) = created.parent() {
            sync_dir(parent)?;
        }
    }
    Ok(())
}

/// Creates `dir` and its missing parents (0700); returns the ones it created, deepest first.
fn create_durable_dir(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    if !missing.is_empty() {
        create_private_dir(dir)?;
    }
    Ok(missing)
}

/// Syncs a directory, so the entries created in it survive a power loss.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    if !durable() {
        return Ok(());
    }
    File::open(dir)?.sync_all()
}

/// Creates a file readable only by the owner (truncating it).
pub fn create_private_file(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_records_are_written_at_once_and_synced_with_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs/r/journal.jsonl");
        let mut journal = Journal::open(&path).unwrap();
        let outcome = Entry::Interrupted {
            step: Some("a".into()),
        };
        journal.append_deferred(outcome).unwrap();
        assert!(journal.unsynced);
        // Already in the file (a killed process loses nothing), though not yet synced.
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
        journal.append(Entry::Interrupted { step: None }).unwrap();
        assert!(!journal.unsynced);
        journal
            .append_deferred(Entry::Interrupted { step: None })
            .unwrap();
        journal.sync().unwrap();
        assert!(!journal.unsynced);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3);
    }
}
