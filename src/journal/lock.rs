//! One run per runbook at a time: an OS file lock on `locks/<runbook>.lock` (released by the
//! kernel when the process dies) and a sidecar `<runbook>.lock.info` naming the holder.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::writer::{create_private_dir, create_private_file};
use crate::error::{Error, Result};

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
        create_private_dir(dir).map_err(|e| Error::io("create directory", dir, e))?;
        let path = dir.join(format!("{runbook}.lock"));
        let info = dir.join(format!("{runbook}.lock.info"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::io("open lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(locked(runbook, &info)),
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
        }
        let text = serde_json::to_string(holder)
            .map_err(std::io::Error::other)
            .map_err(|e| Error::io("write", &info, e))?;
        let mut sidecar = create_private_file(&info).map_err(|e| Error::io("write", &info, e))?;
        std::io::Write::write_all(&mut sidecar, text.as_bytes())
            .map_err(|e| Error::io("write", &info, e))?;
        Ok(Self { _file: file, info })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.info);
    }
}

fn locked(runbook: &str, info: &std::path::Path) -> Error {
    let holder: Option<Holder> = std::fs::read_to_string(info)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let message = match holder {
        Some(h) => format!(
            "runbook `{runbook}` is locked by run `{}` (pid {} on {}, started {})",
            h.run_id, h.pid, h.host, h.started
        ),
        None => format!("runbook `{runbook}` is locked by another run"),
    };
    Error::Locked {
        message,
        hint: Some(
            "wait for that run to finish, or stop it; the lock is released when its process exits"
                .into(),
        ),
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
