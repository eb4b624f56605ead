//! Starting one command's process, the way glibc's `posix_spawn` does it but without what
//! it costs per spawn around that: `clone(CLONE_VM | CLONE_VFORK)` on a stack kept for the
//! thread (glibc maps and unmaps one per spawn), and the descriptors put in place by the
//! child itself (glibc's `posix_spawn_file_actions_adddup2` asks `getrlimit` twice per
//! descriptor, std's `Stdio::null` opens `/dev/null` per spawn): 8 to 10 syscalls fewer in
//! runbook's own process per step. The child gets what std's `Command` gives it: its own
//! process group, every signal handler reset to the default (it shares our memory until it
//! execs, so none of ours may run in it), SIGPIPE to the default, an empty signal mask,
//! stdin/stdout/stderr, the directory, then `execve`; an error before `execve` comes back
//! as the spawn's error, like std's. Owns the process's birth and its reaping (`Child`);
//! must not allocate, lock or unwind in the child (all it reads is prepared before the
//! clone); knows nothing about steps, output or stopping (`command` and `group` do).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ffi::{CString, OsString, c_char, c_int, c_void};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::ExitStatus;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};

/// What to start. `program` is a path (`command` looks bare names up in `PATH`).
pub struct Request<'a> {
    pub program: &'a Path,
    /// The arguments after `argv[0]` (which is `program`, as std's `Command` makes it).
    pub args: &'a [String],
    pub cwd: &'a Path,
    /// Variables added to (or replacing ones of) the inherited environment.
    pub env: &'a BTreeMap<String, String>,
    /// stdin from `/dev/null`; otherwise inherited.
    pub null_stdin: bool,
    pub stdout: BorrowedFd<'a>,
    pub stderr: BorrowedFd<'a>,
}

/// A started process; not waited for on drop (like std's `Child`).
#[derive(Debug)]
pub struct Child {
    pid: libc::pid_t,
    status: Option<ExitStatus>,
    /// A pidfd from the clone itself (CLONE_PIDFD, Linux 5.2+), for [`Child::take_pidfd`].
    pidfd: Option<OwnedFd>,
}

/// Everything the child reads, prepared by the parent: raw pointers into the vectors and
/// strings [`spawn`] keeps alive until the child has exec'd or exited.
struct Shared {
    program: *const c_char,
    argv: *const *const c_char,
    envp: *const *const c_char,
    cwd: *const c_char,
    /// (from, to) descriptor pairs to put in place.
    fds: [(c_int, c_int); 3],
    fd_count: usize,
    /// errno of the step that failed in the child; 0 when it exec'd.
    error: AtomicI32,
}

/// Big enough for the child's few frames (it calls only thin libc wrappers).
const STACK_SIZE: usize = 64 * 1024;

thread_local! {
    /// The child's stack, reused: the parent thread is suspended while the child runs on
    /// it (CLONE_VFORK), so one per thread suffices.
    static STACK: RefCell<Vec<u8>> = RefCell::new(vec![0; STACK_SIZE]);
}

/// Starts `request`'s program.
pub fn spawn(request: &Request<'_>) -> std::io::Result<Child> {
    let program = cstring(request.program.as_os_str().as_bytes())?;
    let mut args = vec![program.clone()];
    for arg in request.args {
        args.push(cstring(arg.as_bytes())?);
    }
    let added = added(request.env)?;
    let cwd = cstring(request.cwd.as_os_str().as_bytes())?;
    let argv = pointers(&args);
    let envp = environment(request.env, &added);
    let mut fds = [(0, 0); 3];
    let mut fd_count = 0;
    if request.null_stdin {
        fds[fd_count] = (dev_null()?, libc::STDIN_FILENO);
        fd_count += 1;
    }
    for (fd, to) in [
        (request.stdout, libc::STDOUT_FILENO),
        (request.stderr, libc::STDERR_FILENO),
    ] {
        fds[fd_count] = (fd.as_raw_fd(), to);
        fd_count += 1;
    }
    let shared = Shared {
        program: program.as_ptr(),
        argv: argv.as_ptr(),
        envp: envp.as_ptr(),
        cwd: cwd.as_ptr(),
        fds,
        fd_count,
        error: AtomicI32::new(0),
    };
    let (pid, pidfd) = STACK.with(|stack| clone_child(&mut stack.borrow_mut(), &shared))?;
    let mut child = Child {
        pid,
        status: None,
        pidfd,
    };
    match shared.error.load(Ordering::Relaxed) {
        0 => Ok(child),
        errno => {
            // It exited (127) without exec'ing: reap it, report why.
            let _ = child.wait();
            Err(std::io::Error::from_raw_os_error(errno))
        }
    }
}

/// Clones the child onto `stack` with every signal blocked around it (as glibc does: no
/// handler of ours may run in the child before it reset them); returns once it exec'd
/// or exited, with a pidfd of it where the kernel makes one (CLONE_PIDFD: one syscall
/// fewer than pidfd_open after).
#[expect(
    unsafe_code,
    reason = "clone(2) with CLONE_VM|CLONE_VFORK and signal masks have no wrapper in std"
)]
fn clone_child(
    stack: &mut [u8],
    shared: &Shared,
) -> std::io::Result<(libc::pid_t, Option<OwnedFd>)> {
    // The stack grows down on every Linux target we build for: pass its top, 16-aligned.
    let top = stack.as_mut_ptr_range().end as usize & !15;
    // SAFETY: `all` and `old` are valid sigset_t out-pointers for these calls.
    let (mut all, mut old) = unsafe { (std::mem::zeroed(), std::mem::zeroed()) };
    // SAFETY: as above.
    unsafe {
        libc::sigfillset(&raw mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &raw const all, &raw mut old);
    }
    let flags = libc::CLONE_VM | libc::CLONE_VFORK | libc::CLONE_PIDFD | libc::SIGCHLD;
    let arg = std::ptr::from_ref(shared).cast_mut().cast::<c_void>();
    // Kernels before 5.2 ignore the flag and leave this untouched.
    let mut pidfd: c_int = -1;
    // SAFETY: `child` only reads `shared` (alive: we are suspended until it exec'd or
    // exited) and writes its atomic `error`; it runs on `stack`, borrowed exclusively for
    // the call and unused by anyone else meanwhile; it calls only async-signal-safe libc
    // functions and never returns into Rust code of ours.
    // The kernel writes the pidfd (close-on-exec) to `pidfd`, a valid out-pointer.
    let pid = unsafe { libc::clone(child, top as *mut c_void, flags, arg, &raw mut pidfd) };
    let error = std::io::Error::last_os_error();
    // SAFETY: `old` holds the mask saved above.
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, &raw const old, std::ptr::null_mut());
    }
    if pid < 0 {
        return Err(error);
    }
    // SAFETY: a descriptor the kernel just made for us alone.
    let pidfd = (pidfd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(pidfd) });
    Ok((pid, pidfd))
}

/// The child: runs on the parent's memory until `execve`, so it reads only [`Shared`] and
/// calls only async-signal-safe functions.
#[expect(unsafe_code, reason = "the child of clone(2) before execve")]
extern "C" fn child(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the `Shared` that `spawn` keeps alive until we exec'd or exited.
    let shared = unsafe { &*arg.cast::<Shared>() };
    // SAFETY: see `prepare_and_exec`; `_exit` ends the child without running anything of
    // the parent's (no atexit handlers, no flushing of shared stdio buffers).
    unsafe {
        let errno = prepare_and_exec(shared);
        shared.error.store(errno.max(1), Ordering::Relaxed);
        libc::_exit(127)
    }
}

/// In the child: signals reset, own process group, descriptors, directory, mask, exec.
/// Returns the errno of what failed (execve returns only on failure).
#[expect(unsafe_code, reason = "the child of clone(2) before execve")]
unsafe fn prepare_and_exec(shared: &Shared) -> c_int {
    // SAFETY: every call below takes plain integers or pointers into `shared`, alive and
    // unchanged while we run; `errno` reads this thread's errno location.
    unsafe {
        reset_signals();
        if libc::setpgid(0, 0) != 0 {
            return errno();
        }
        // No slicing: nothing in the child may take a panicking path.
        for &(from, to) in shared.fds.iter().take(shared.fd_count) {
            // dup2 onto itself would keep close-on-exec: clear it instead.
            let failed = if from == to {
                libc::fcntl(from, libc::F_SETFD, 0) < 0
            } else {
                libc::dup2(from, to) < 0
            };
            if failed {
                return errno();
            }
        }
        if libc::chdir(shared.cwd) != 0 {
            return errno();
        }
        let mut empty = std::mem::zeroed();
        libc::sigemptyset(&raw mut empty);
        libc::pthread_sigmask(libc::SIG_SETMASK, &raw const empty, std::ptr::null_mut());
        libc::execve(shared.program, shared.argv, shared.envp);
        errno()
    }
}

/// The signals that can have a handler in this process: the four the interrupt guard
/// catches, the two std catches to report a stack overflow, and SIGPIPE, which std ignores
/// for itself. Asking the kernel about all 64 signals cost the child 64 syscalls a step
/// while the parent waited; `processes_resources::a_step_sees_runbook_catch_only_signals_the_child_resets`
/// proves through the binary that no other signal has a handler.
const RESET: [c_int; 7] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGPIPE,
];

/// Every signal of [`RESET`] with a handler (and SIGPIPE) back to the default; ignored ones
/// stay ignored, as across std's spawn.
#[expect(unsafe_code, reason = "sigaction(2) in the child of clone(2)")]
unsafe fn reset_signals() {
    for signal in RESET {
        // SAFETY: `current` and `default` are valid sigaction structs for the calls.
        unsafe {
            let mut current: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, std::ptr::null(), &raw mut current) != 0 {
                continue;
            }
            let handled =
                current.sa_sigaction != libc::SIG_DFL && current.sa_sigaction != libc::SIG_IGN;
            if handled || signal == libc::SIGPIPE {
                let mut default: libc::sigaction = std::mem::zeroed();
                default.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(signal, &raw const default, std::ptr::null_mut());
            }
        }
    }
}

#[expect(unsafe_code, reason = "errno has no wrapper without allocation")]
fn errno() -> c_int {
    // SAFETY: __errno_location returns this thread's errno slot, always valid.
    unsafe { *libc::__errno_location() }
}

impl Child {
    pub fn id(&self) -> u32 {
        self.pid.unsigned_abs()
    }

    /// The pidfd the clone made, if the kernel made one (readable once the child exited).
    pub fn take_pidfd(&mut self) -> Option<OwnedFd> {
        self.pidfd.take()
    }

    /// The exit status if the process ended (reaping it), without blocking.
    pub fn try_wait(&mut self) -> std::io::Result<Option<ExitStatus>> {
        self.wait_with(libc::WNOHANG)
    }

    /// Blocks until the process ended (reaping it).
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        loop {
            let Some(status) = self.wait_with(0)? else {
                continue;
            };
            return Ok(status);
        }
    }

    #[expect(unsafe_code, reason = "waitpid(2) has no wrapper in std for a raw pid")]
    fn wait_with(&mut self, flags: c_int) -> std::io::Result<Option<ExitStatus>> {
        if let Some(status) = self.status {
            return Ok(Some(status));
        }
        let mut raw = 0;
        loop {
            // SAFETY: `raw` is a valid out-pointer for the duration of the call.
            let pid = unsafe { libc::waitpid(self.pid, &raw mut raw, flags) };
            if pid == self.pid {
                let status = ExitStatus::from_raw(raw);
                self.status = Some(status);
                return Ok(Some(status));
            }
            if pid == 0 {
                return Ok(None);
            }
            let error = std::io::Error::last_os_error();
            if error.kind() != std::io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
    }
}

/// The process's environment as `KEY=VALUE` strings, read once: runbook never changes its
/// own environment, and copying it on every spawn was an eighth of a step's own cost.
fn inherited() -> &'static [(OsString, CString)] {
    static INHERITED: OnceLock<Vec<(OsString, CString)>> = OnceLock::new();
    INHERITED.get_or_init(|| {
        std::env::vars_os()
            .filter_map(|(key, value)| {
                let mut pair = key.as_bytes().to_vec();
                pair.push(b'=');
                pair.extend_from_slice(value.as_bytes());
                // An inherited variable holds no NUL byte; skip rather than trust that.
                cstring(&pair).ok().map(|pair| (key, pair))
            })
            .collect()
    })
}

/// `extra` as `KEY=VALUE` strings.
fn added(extra: &BTreeMap<String, String>) -> std::io::Result<Vec<CString>> {
    extra
        .iter()
        .map(|(key, value)| cstring(format!("{key}={value}").as_bytes()))
        .collect()
}

/// The child's `envp`: the inherited environment without the keys of `extra`, then
/// `added` (the strings of `extra`), null-terminated.
fn environment(extra: &BTreeMap<String, String>, added: &[CString]) -> Vec<*const c_char> {
    let replaced = |key: &OsString| key.to_str().is_some_and(|key| extra.contains_key(key));
    inherited()
        .iter()
        .filter(|(key, _)| !replaced(key))
        .map(|(_, pair)| pair.as_ptr())
        .chain(added.iter().map(|pair| pair.as_ptr()))
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

fn cstring(bytes: &[u8]) -> std::io::Result<CString> {
    let nul = || std::io::Error::new(std::io::ErrorKind::InvalidInput, "nul byte in data");
    CString::new(bytes).map_err(|_| nul())
}

/// A null-terminated array of pointers into `strings`.
fn pointers(strings: &[CString]) -> Vec<*const c_char> {
    let pointers = strings.iter().map(|s| s.as_ptr());
    pointers.chain(std::iter::once(std::ptr::null())).collect()
}

/// `/dev/null`, opened once (close-on-exec); the child puts it on its stdin.
fn dev_null() -> std::io::Result<c_int> {
    static NULL: OnceLock<std::io::Result<OwnedFd>> = OnceLock::new();
    match NULL.get_or_init(|| std::fs::File::open("/dev/null").map(OwnedFd::from)) {
        Ok(fd) => Ok(fd.as_raw_fd()),
        Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::AsFd;

    /// Runs `sh -c script` through [`spawn`]; its exit status and stdout.
    fn sh(script: &str, cwd: &Path) -> std::io::Result<(ExitStatus, String)> {
        run("/bin/sh", &["-c".to_string(), script.to_string()], cwd)
    }

    fn run(program: &str, args: &[String], cwd: &Path) -> std::io::Result<(ExitStatus, String)> {
        let (mut reader, writer) = os_pipe::pipe()?;
        let env = BTreeMap::from([("RUNBOOK_SPAWN_TEST".to_string(), "added".to_string())]);
        let mut child = spawn(&Request {
            program: Path::new(program),
            args,
            cwd,
            env: &env,
            null_stdin: true,
            stdout: writer.as_fd(),
            stderr: writer.as_fd(),
        })?;
        drop(writer);
        let mut out = String::new();
        reader.read_to_string(&mut out)?;
        Ok((child.wait()?, out))
    }

    #[test]
    fn the_child_starts_clean_in_its_own_group() {
        // The program itself reports its mask (a shell masks signals while it forks).
        let (status, out) = run("/bin/cat", &["/proc/self/status".into()], Path::new("/")).unwrap();
        assert!(status.success(), "{out}");
        let field = |out: &str, name: &str| {
            out.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .unwrap_or_default()
                .to_string()
        };
        // No signal blocked; SIGPIPE (13, bit 12) not ignored: what std's Command gives.
        assert_eq!(
            u64::from_str_radix(&field(&out, "SigBlk:"), 16),
            Ok(0),
            "{out}"
        );
        let ignored = u64::from_str_radix(&field(&out, "SigIgn:"), 16).unwrap();
        assert_eq!(ignored & (1 << (libc::SIGPIPE - 1)), 0, "{out}");
        let script = "echo pid=$$ pgid=$(ps -o pgid= -p $$ 2>/dev/null || \
                      cut -d' ' -f5 /proc/$$/stat); readlink /proc/$$/fd/0; echo \"$RUNBOOK_SPAWN_TEST $HOME\"; pwd";
        let dir = tempfile::tempdir().unwrap();
        let (status, out) = sh(script, dir.path()).unwrap();
        assert!(status.success(), "{out}");
        let ids = field(&out, "pid=");
        let (pid, pgid) = ids.split_once(" pgid=").unwrap();
        assert_eq!(pid.trim(), pgid.trim(), "{out}");
        assert!(out.contains("\n/dev/null\n"), "{out}");
        let home = std::env::var("HOME").unwrap_or_default();
        assert!(out.contains(&format!("added {home}\n")), "{out}");
        let cwd = dir.path().canonicalize().unwrap();
        assert!(out.ends_with(&format!("{}\n", cwd.display())), "{out}");
    }

    #[test]
    fn what_fails_before_exec_is_the_spawns_error() {
        let missing = Path::new("/nonexistent/runbook-spawn-test");
        let error = sh("true", missing).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::ENOENT));
        let (mut _reader, writer) = os_pipe::pipe().unwrap();
        let error = spawn(&Request {
            program: Path::new("/dev/null"),
            args: &[],
            cwd: Path::new("/"),
            env: &BTreeMap::new(),
            null_stdin: false,
            stdout: writer.as_fd(),
            stderr: writer.as_fd(),
        })
        .unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::EACCES));
    }

    #[test]
    fn exit_statuses_are_reaped_once() {
        let (status, _) = sh("exit 3", Path::new("/")).unwrap();
        assert_eq!(status.code(), Some(3));
        let (status, _) = sh("kill -TERM $$", Path::new("/")).unwrap();
        assert_eq!(status.signal(), Some(libc::SIGTERM));
    }

    fn readable(fd: BorrowedFd<'_>, timeout_ms: c_int) -> bool {
        let mut pollfd = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        #[expect(unsafe_code, reason = "poll(2) has no safe wrapper in std")]
        // SAFETY: one valid pollfd, exclusively borrowed for the call.
        let ready = unsafe { libc::poll(&raw mut pollfd, 1, timeout_ms) };
        ready == 1
    }

    #[test]
    #[expect(clippy::print_stderr, reason = "a test that cannot run says why")]
    fn the_clone_s_pidfd_says_when_the_child_exited_and_the_child_never_holds_it() {
        let (_reader, writer) = os_pipe::pipe().unwrap();
        let mut child = spawn(&Request {
            program: Path::new("/bin/sh"),
            args: &["-c".to_string(), "sleep 30".to_string()],
            cwd: Path::new("/"),
            env: &BTreeMap::new(),
            null_stdin: false,
            stdout: writer.as_fd(),
            stderr: writer.as_fd(),
        })
        .unwrap();
        let Some(pidfd) = child.take_pidfd() else {
            eprintln!("notice: this kernel gives no pidfd from clone (before Linux 5.2)");
            child.wait().unwrap();
            return;
        };
        // It sleeps until the signal below: it has not exited.
        assert!(!readable(pidfd.as_fd(), 0), "readable before the exit");
        let pidfds: Vec<_> = std::fs::read_dir(format!("/proc/{}/fd", child.id()))
            .unwrap()
            .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().contains("pidfd"))
            .collect();
        assert!(pidfds.is_empty(), "the child holds {pidfds:?}");
        #[expect(unsafe_code, reason = "kill(2) has no safe wrapper in std")]
        // SAFETY: kill(2) takes plain integers.
        unsafe {
            libc::kill(child.pid, libc::SIGTERM);
        }
        assert!(
            readable(pidfd.as_fd(), 10_000),
            "not readable after the exit"
        );
        assert_eq!(
            child.try_wait().unwrap().and_then(|s| s.signal()),
            Some(libc::SIGTERM)
        );
    }
}
