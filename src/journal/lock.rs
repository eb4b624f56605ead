//! One run per runbook at a time: an OS file lock on `locks/<runbook>.lock` (released by the
//! kernel when the process dies) and a sidecar `<runbook>.lock.info` naming the holder.
//! And no step twice at once: processes of an earlier attempt that outlived the run that
//! started them (it was killed) are found from the journal's `step-spawned` records.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::record::{Entry, Record, RollbackOutcome};
use super::writer::{create_private_file, create_synced_dir};
use crate::exec::group;

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{}", held_message(.runbook, .holder.as_ref()))]
    Held {
        runbook: String,
        holder: Option<Holder>,
    },
    /// A process of an earlier attempt of the run still lives.
    #[error(
        "step `{}` of run `{run_id}` is still running from an earlier attempt: process {} (process group {}) is alive",
        .survivor.step, .survivor.pid, .survivor.pgid
    )]
    Survivor {
        run_id: String,
        survivor: Survivor,
        /// The command to retry with.
        again: String,
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
        create_synced_dir(dir).map_err(|e| io("create directory", dir, e))?;
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

/// Who runs this process, for the journal's operator (`user@host`): `$USER`, else
/// `$LOGNAME`, else the passwd name of the real uid, else the uid as a number. Never fails:
/// a run is not refused for want of a name.
pub fn user_name() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .map(|name| name.trim().to_string())
        .find(|name| !name.is_empty())
        .or_else(|| passwd_name(uid()))
        .unwrap_or_else(|| uid().to_string())
}

#[expect(unsafe_code, reason = "getuid(2) has no wrapper in std")]
fn uid() -> libc::uid_t {
    // SAFETY: getuid cannot fail and touches no memory of ours.
    unsafe { libc::getuid() }
}

/// The passwd name of `uid`, through the reentrant `getpwuid_r`.
#[expect(unsafe_code, reason = "getpwuid_r(3) has no wrapper in std or libc")]
fn passwd_name(uid: libc::uid_t) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: an all-zero passwd is valid (null pointers, zero ids); getpwuid_r fills it.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is to live memory of the given size; `found` is set to `&pwd`
    // or null, and `pwd`'s strings point into `buf`, which outlives their use below.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r succeeded, so `pw_name` is a NUL-terminated string inside `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    Some(name.to_string_lossy().into_owned()).filter(|n| !n.is_empty())
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
            Entry::RollbackStep { step, outcome, .. } if *outcome != RollbackOutcome::Started => {
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
    match survivor(records) {
        None => Ok(()),
        Some(survivor) => Err(LockError::Survivor {
            run_id: run_id.to_string(),
            survivor,
            again: again.to_string(),
        }),
    }
}
