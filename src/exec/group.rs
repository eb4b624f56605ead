//! Process groups as the unit a command is stopped by: signalling a group, telling whether
//! any live process is left in it, reaping the members that were reparented to us, and the
//! machine's boot id (a pid means something only on the boot it was recorded on). Knows
//! nothing about steps or the journal; `command` decides when to stop a group.

use std::sync::OnceLock;

/// Sends `signal` to the process group `pgid` (the command and everything it started).
#[expect(
    unsafe_code,
    reason = "libc::kill has no safe wrapper in std; arguments are plain integers"
)]
pub fn signal(pgid: u32, signal: i32) {
    let Ok(pgid) = i32::try_from(pgid) else {
        return;
    };
    if pgid > 1 {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
        unsafe {
            libc::kill(-pgid, signal);
        }
    }
}

/// A live (not zombie) process of group `pgid`, if there is one. Reads /proc, so a zombie
/// that nobody reaps does not keep a group "alive"; without /proc, asks kill(2).
pub fn live_member(pgid: u32) -> Option<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return group_exists(pgid).then_some(pgid);
    };
    entries.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
        let (state, group) = state_and_group(&stat)?;
        (group == pgid && !matches!(state, 'Z' | 'X')).then_some(pid)
    })
}

/// The state letter and the process group from a `/proc/PID/stat` line. The command name
/// in parentheses may itself contain spaces and parentheses: parse after the last `)`.
fn state_and_group(stat: &str) -> Option<(char, u32)> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let group = fields.next()?.parse().ok()?;
    Some((state, group))
}

#[expect(
    unsafe_code,
    reason = "kill(2) with signal 0 probes without signalling"
)]
fn group_exists(pgid: u32) -> bool {
    let Ok(pgid) = i32::try_from(pgid) else {
        return false;
    };
    // SAFETY: signal 0 checks for existence only; no memory is involved.
    let result = unsafe { libc::kill(-pgid, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Reaps members of `pgid` that ended after being reparented to us (see
/// [`become_subreaper`]), so they do not linger as zombies. Call only after the group's
/// leader was waited for: it would otherwise steal the leader's status from its owner.
#[expect(
    unsafe_code,
    reason = "waitpid(2) has no safe wrapper for a process group"
)]
pub fn reap(pgid: u32) {
    let Ok(pgid) = i32::try_from(pgid) else {
        return;
    };
    if pgid <= 1 {
        return;
    }
    loop {
        let mut status = 0;
        // SAFETY: `status` is a valid out-pointer for the duration of the call.
        let pid = unsafe { libc::waitpid(-pgid, &raw mut status, libc::WNOHANG) };
        if pid <= 0 {
            return;
        }
    }
}

/// Makes this process the reaper of its orphaned descendants (Linux), so a background
/// member of a command's group whose shell exited is still ours to reap once it is
/// stopped. Done once; harmless where unsupported.
#[expect(unsafe_code, reason = "prctl(2) has no safe wrapper in std")]
pub fn become_subreaper() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        #[cfg(target_os = "linux")]
        // SAFETY: PR_SET_CHILD_SUBREAPER takes an integer flag; no memory is involved.
        unsafe {
            libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        }
    });
}

/// This boot of the machine (`/proc/sys/kernel/random/boot_id`), read once.
pub fn boot_id() -> Option<&'static str> {
    static ID: OnceLock<Option<String>> = OnceLock::new();
    ID.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    })
    .as_deref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_command_names_parse() {
        assert_eq!(
            state_and_group("42 (a) b (c)) S 1 4242 4242 0"),
            Some(('S', 4242))
        );
        assert_eq!(state_and_group("garbage"), None);
    }

    #[test]
    fn this_process_is_a_live_member_of_its_group() {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let (_, group) = state_and_group(&stat).unwrap();
        assert!(live_member(group).is_some());
        assert!(boot_id().is_some_and(|id| id.len() >= 32));
    }
}
