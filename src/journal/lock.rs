//! One run per runbook at a time: an OS file lock on `locks/<runbook>.lock` (released by the
//! kernel when the process dies) and a sidecar `<runbook>.lock.info` naming the holder.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::writer::{create_private_dir, create_private_file};

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{}", held_message(.runbook, .holder.as_ref()))]
    Held {
        runbook: String,
        holder: Option<Holder>,
    },
    #[error("failed to {action} `{}`", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn held_message(runbook: &str, holder: Option<&Holder>) -> String {
    match holder {
        Some(h) => format!(
            "runbook `{runbook}` is locked by run `{}` (pid {} on {}, started {})",
            h.run_id, h.pid, h.host, h.started
        ),
        None => format!("runbook `{runbook}` is locked by another run"),
    }
}

fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> LockError {
    LockError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

type Result<T, E = LockError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    pub run_id: String,
    pub started: String,
}

/// Held for the life of a run; dropping it releases the lock.
pub struct RunLock {
    _file: File,
    info: PathBuf,
}

impl RunLock {
    pub fn acquire(dir: &std::path::Path, runbook: &str, holder: &Holder) -> Result<Self> {
        create_private_dir(dir).map_err(|e| io("create directory", dir, e))?;
        let path = dir.join(format!("{runbook}.lock"));
        let info = dir.join(format!("{runbook}.lock.info"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| io("open lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    runbook: runbook.to_string(),
                    holder: read_holder(&info),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("lock", &path, e)),
        }
        let text = serde_json::to_string(holder)
            .map_err(std::io::Error::other)
            .map_err(|e| io("write", &info, e))?;
        let mut sidecar = create_private_file(&info).map_err(|e| io("write", &info, e))?;
        std::io::Write::write_all(&mut sidecar, text.as_bytes())
            .map_err(|e| io("write", &info, e))?;
        Ok(Self { _file: file, info })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.info);
    }
}

fn read_holder(info: &std::path::Path) -> Option<Holder> {
    std::fs::read_to_string(info)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
}

/// Who holds `runbook`'s lock right now, if a live process does. Probing takes a shared
/// lock for an instant when nobody holds it (flock has no "query"); a `run` starting in
/// that instant fails with exit 5 and can simply be started again.
pub fn holder(dir: &std::path::Path, runbook: &str) -> Option<Holder> {
    let file = std::fs::File::open(dir.join(format!("{runbook}.lock"))).ok()?;
    match file.try_lock_shared() {
        Ok(()) => None,
        Err(std::fs::TryLockError::WouldBlock) => {
            read_holder(&dir.join(format!("{runbook}.lock.info")))
        }
        Err(std::fs::TryLockError::Error(_)) => None,
    }
}

/// This machine's host name, for lock holders and journals.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}
