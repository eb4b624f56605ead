//! One run per runbook at a time: an OS file lock on `locks/<runbook>.lock` (released by the
//! kernel when the process dies) and a sidecar `<runbook>.lock.info` naming the holder.
//! And no step twice at once: processes of an earlier attempt that outlived the run that
//! started them (it was killed) are found from the journal's `step-spawned` records.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::record::{Entry, Record};
use super::writer::{create_private_file, create_synced_dir};
use crate::error::{Error, Result};
use crate::exec::group;

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
        create_synced_dir(dir).map_err(|e| Error::io("create directory", dir, e))?;
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

/// A process of an earlier attempt that may still be at work: the step it ran for, the
/// process group recorded for it, and a live member of that group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survivor {
    pub step: String,
    pub pgid: u32,
    pub pid: u32,
}

/// The first process group of a try whose step has no outcome after it (the run that
/// started it was killed) that still has a live process on this boot of this machine.
/// A group recorded on another boot is gone with it.
pub fn survivor(records: &[Record]) -> Option<Survivor> {
    // (step, undo, pgid, boot id) of the tries with no end recorded after them.
    let mut open: Vec<(&str, bool, u32, Option<&str>)> = Vec::new();
    for record in records {
        match &record.entry {
            Entry::StepSpawned {
                step,
                pgid,
                boot_id,
                undo,
                ..
            } => {
                open.retain(|(s, u, _, _)| (*s, *u) != (step.as_str(), *undo));
                open.push((step, *undo, *pgid, boot_id.as_deref()));
            }
            Entry::StepFinished { step, .. } => {
                open.retain(|(s, u, _, _)| (*s, *u) != (step, false))
            }
            Entry::RollbackStep { step, outcome, .. } if outcome != "started" => {
                open.retain(|(s, u, _, _)| (*s, *u) != (step, true));
            }
            _ => {}
        }
    }
    let boot = group::boot_id();
    open.into_iter()
        .filter(|(_, _, _, recorded)| recorded.is_none() || boot.is_none() || *recorded == boot)
        .find_map(|(step, _, pgid, _)| {
            group::live_member(pgid).map(|pid| Survivor {
                step: step.to_string(),
                pgid,
                pid,
            })
        })
}

/// Refuses (exit 5) to start anything in run `run_id` while a process of an earlier
/// attempt lives: the new one would run beside it. `again` is the command to retry with.
pub fn refuse_survivors(records: &[Record], run_id: &str, again: &str) -> Result<()> {
    let Some(s) = survivor(records) else {
        return Ok(());
    };
    Err(Error::Locked {
        message: format!(
            "step `{}` of run `{run_id}` is still running from an earlier attempt: process {} (process group {}) is alive",
            s.step, s.pid, s.pgid
        ),
        hint: Some(format!(
            "wait for it to end, or stop it with `kill -TERM -- -{}`; then `{again}`",
            s.pgid
        )),
    })
}
