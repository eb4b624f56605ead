//! The one place that spawns processes. A command runs as `<shell> -c <script>` in its own
//! process group with stdin closed (unless interactive), its stdout and stderr read line by
//! line and handed to a callback, a per-attempt timeout, and Ctrl-C forwarded to its group
//! with escalation. Never prints; the caller decides what a line means.
//!
//! Commands are started by [`spawn`] (clone with CLONE_VM|CLONE_VFORK, as posix_spawn
//! does, minus the syscalls glibc and std add around it), not by duct, which runs the
//! operator's shell ([`interactive`]): duct copies the whole environment into a map and
//! sets every variable again on each spawn before any hook of ours runs (duct 1.1
//! `IoContext::new`, `ChildHandle::start`), and duplicates every redirected descriptor;
//! on the step path that was a sixth of runbook's own CPU per step. `std::process::Command`
//! was the step before: per spawn it asked `getrlimit` six times (glibc checks each
//! `adddup2` descriptor), mapped and unmapped a stack and opened or duplicated `/dev/null`.

use std::collections::BTreeMap;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::group;
use super::interrupt::Interrupt;
use super::pump::{self, Pump, Woke};
use super::spawn;

/// What to run.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    /// The shell program and its leading arguments (`bash`, or `bash -eu`).
    pub shell: Vec<String>,
    pub script: String,
    pub cwd: PathBuf,
    /// Variables added to the inherited environment.
    pub env: BTreeMap<String, String>,
    pub timeout: Option<Duration>,
    /// Let the command read the terminal (stdin inherited).
    pub interactive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    /// Killed by a signal (number).
    Signal(i32),
    TimedOut(Duration),
    /// Stopped because the operator pressed Ctrl-C (or SIGTERM arrived).
    Interrupted,
}

impl Exit {
    pub fn describe(&self) -> String {
        match self {
            Exit::Code(code) => format!("exit code {code}"),
            Exit::Signal(signal) => format!("killed by signal {signal}"),
            Exit::TimedOut(limit) => format!(
                "timed out after {}",
                crate::runbook::duration::format(*limit)
            ),
            Exit::Interrupted => "interrupted".to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Finished {
    pub exit: Exit,
    /// The output kept (see [`run_with`]'s `keep`), one `\n` after each line.
    pub stdout: String,
    pub stderr: String,
    /// Some of stdout was not kept: there was more than `keep` bytes of it.
    pub stdout_cut: bool,
    /// Lines printed, both streams.
    pub lines: usize,
    /// The last non-empty lines (at most [`pump::TAIL_LINES`]): stdout's, then stderr's.
    pub tail: Vec<String>,
}

/// Grace between the first signal to a command's group and SIGKILL (SIGTERM at half).
const KILL_GRACE: Duration = Duration::from_secs(5);
/// When the shell already ended on the first signal, how long what is left of its group
/// gets between SIGTERM and SIGKILL.
const LEFTOVER_GRACE: Duration = Duration::from_secs(1);
/// How long after SIGKILL a group may take to vanish (a process in uninterruptible sleep
/// cannot be killed): then it is given up on, so a hung disk cannot hang the run.
const GIVE_UP: Duration = Duration::from_secs(5);
/// How long to keep reading output after the command exited (a background child may
/// hold the pipe open).
const DRAIN_GRACE: Duration = Duration::from_millis(500);
/// What [`run`] keeps of each stream: enough for any check's output, bounded all the same.
pub const DEFAULT_KEEP: usize = 4 * 1024 * 1024;

/// Runs `spec`, calling `on_line` for every output line as it arrives, keeping up to
/// [`DEFAULT_KEEP`] bytes of each stream.
pub fn run(
    spec: &CommandSpec,
    interrupt: &Interrupt,
    on_line: &mut dyn FnMut(Stream, &str),
) -> std::io::Result<Finished> {
    run_with(spec, DEFAULT_KEEP, interrupt, &mut |_| {}, on_line)
}

/// Runs `spec`, keeping at most `keep` bytes of each stream (every line still goes to
/// `on_line`), and calls `on_spawn` with the child's pid (also its process group) as soon
/// as it runs. Returns once the command ended; when it was stopped (Ctrl-C, a signal to
/// us, a timeout), only once nothing of its process group is left.
pub fn run_with(
    spec: &CommandSpec,
    keep: usize,
    interrupt: &Interrupt,
    on_spawn: &mut dyn FnMut(u32),
    on_line: &mut dyn FnMut(Stream, &str),
) -> std::io::Result<Finished> {
    let (program, leading) = spec
        .shell
        .split_first()
        .ok_or_else(|| std::io::Error::other("empty shell"))?;
    let mut args: Vec<String> = leading.to_vec();
    args.push("-c".into());
    args.push(spec.script.clone());
    let (out_reader, out_writer) = os_pipe::pipe()?;
    let (err_reader, err_writer) = os_pipe::pipe()?;
    group::become_subreaper();
    let program = resolve(program, spec.env.get("PATH"));
    if !program.as_os_str().as_encoded_bytes().contains(&b'/') {
        // Not found in PATH: a bare name must not be run from the working directory.
        return Err(std::io::Error::from_raw_os_error(libc::ENOENT));
    }
    let mut child = spawn::spawn(&spawn::Request {
        program: &program,
        args: &args,
        cwd: &spec.cwd,
        env: &spec.env,
        null_stdin: !spec.interactive,
        stdout: out_writer.as_fd(),
        stderr: err_writer.as_fd(),
    })?;
    let pgid = child.id();
    on_spawn(pgid);
    // With a pidfd, our copies of the write ends stay open until the command has exited,
    // so its exit is the one wake of the wait (as `waitpid` is for a shell), not each of
    // its streams closing just before it. Without one, they close now and end-of-output
    // tells us when to ask.
    let watch = child
        .take_pidfd()
        .map_or_else(|| ExitWatch::open(pgid), |fd| ExitWatch(Some(fd)));
    let mut writers = watch.0.is_some().then_some((out_writer, err_writer));
    let mut pump = Pump::new(
        [(out_reader, Stream::Stdout), (err_reader, Stream::Stderr)],
        keep,
    )?;
    let started = Instant::now();
    let mut stopping: Option<Stopping> = None;
    let mut exited_at: Option<Instant> = None;
    let mut status = None;
    let mut asked = Instant::now();
    loop {
        // Until it is reaped, the pump also waits on its exit (the pidfd, when there is
        // one): with no output left, that is all it waits on.
        let exit = if exited_at.is_none() {
            watch.fd()
        } else {
            None
        };
        let woke = if pump.is_done() && exited_at.is_none() && exit.is_none() {
            // No pidfd: output closed, process not reaped yet, a short sleep stands in.
            std::thread::sleep(Duration::from_millis(1));
            Woke::default()
        } else {
            pump.pump(POLL_EVERY, exit, on_line)?
        };
        // While output flows the command runs: ask for its exit once it says so, once the
        // output is closed, a wait passed without any, or every POLL_EVERY (its
        // background children may go on printing after it ended).
        if exited_at.is_none()
            && (woke.exited || pump.is_done() || !woke.output || asked.elapsed() >= POLL_EVERY)
            && let Some(done) = {
                asked = Instant::now();
                child.try_wait()?
            }
        {
            status = Some(done);
            exited_at = Some(Instant::now());
            // Only what it left behind can still write: let the reads see end-of-file.
            drop(writers.take());
        }
        let drained_since = match &mut stopping {
            None => match exited_at {
                Some(at) => Some(at),
                None => {
                    stopping = Stopping::start(spec, started, interrupt, pgid);
                    None
                }
            },
            Some(stop) => stop.advance(pgid, exited_at.is_some(), interrupt),
        };
        if drained_since.is_some_and(|at| pump.is_done() || at.elapsed() > DRAIN_GRACE) {
            break;
        }
    }
    pump.finish(on_line);
    let status = match status {
        Some(status) => status,
        None => child.wait()?,
    };
    let exit = match stopping {
        Some(stop) => stop.reason,
        None => exit_of(status),
    };
    Ok(Finished {
        exit,
        tail: pump.tail(pump::TAIL_LINES),
        lines: pump.lines,
        stdout_cut: pump.stdout_cut,
        stdout: pump.stdout,
        stderr: pump.stderr,
    })
}

/// How long one wait for output (or for the exit) lasts before interrupts and timeouts are
/// looked at again.
const POLL_EVERY: Duration = Duration::from_millis(20);

/// A pidfd of the command (from its clone, or pidfd_open on Linux 5.3+), which the pump
/// polls to wake when it exits; where there is none, a plain sleep stands in.
struct ExitWatch(Option<std::os::fd::OwnedFd>);

impl ExitWatch {
    #[expect(unsafe_code, reason = "pidfd_open(2) has no wrapper in std or libc")]
    fn open(pid: u32) -> Self {
        use std::os::fd::FromRawFd;
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return Self(None);
        };
        // SAFETY: pidfd_open takes a pid and flags; the result is a new descriptor we own.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        let fd = i32::try_from(fd).ok().filter(|fd| *fd >= 0);
        // SAFETY: `fd` was just returned by pidfd_open and is owned by nobody else.
        Self(fd.map(|fd| unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) }))
    }

    fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.0.as_ref().map(AsFd::as_fd)
    }
}

/// A command being stopped: SIGINT to its group, SIGTERM after half the grace (at once
/// when the shell already ended and only its background members are left), SIGKILL after
/// the grace or on a second interrupt; done when no live process is left in the group.
struct Stopping {
    reason: Exit,
    since: Instant,
    termed: Option<Instant>,
    killed: Option<Instant>,
    gone: Option<Instant>,
}

impl Stopping {
    /// Starts stopping the command if it was interrupted or ran out of time.
    fn start(
        spec: &CommandSpec,
        started: Instant,
        interrupt: &Interrupt,
        pgid: u32,
    ) -> Option<Self> {
        let reason = if interrupt.is_set() {
            Exit::Interrupted
        } else {
            Exit::TimedOut(spec.timeout.filter(|limit| started.elapsed() >= *limit)?)
        };
        group::signal(pgid, libc::SIGINT);
        Some(Self {
            reason,
            since: Instant::now(),
            termed: None,
            killed: None,
            gone: None,
        })
    }

    /// Escalates; once the leader was reaped, reaps the rest and returns since when the
    /// group is gone (or was given up on).
    fn advance(&mut self, pgid: u32, leader_gone: bool, interrupt: &Interrupt) -> Option<Instant> {
        if self.gone.is_some() {
            return self.gone;
        }
        if leader_gone {
            group::reap(pgid);
            if group::live_member(pgid).is_none()
                || self.killed.is_some_and(|at| at.elapsed() >= GIVE_UP)
            {
                self.gone = Some(Instant::now());
                return self.gone;
            }
        }
        let elapsed = self.since.elapsed();
        if self.termed.is_none() && (leader_gone || elapsed >= KILL_GRACE / 2) {
            group::signal(pgid, libc::SIGTERM);
            self.termed = Some(Instant::now());
        }
        let leftovers_overdue =
            leader_gone && self.termed.is_some_and(|at| at.elapsed() >= LEFTOVER_GRACE);
        if self.killed.is_none()
            && (elapsed >= KILL_GRACE || interrupt.count() >= 2 || leftovers_overdue)
        {
            group::signal(pgid, libc::SIGKILL);
            self.killed = Some(Instant::now());
        }
        None
    }
}

/// The program's path: a bare name is looked up in `PATH` here, once per shell and `PATH`,
/// since [`spawn`] execs a path (no search per spawn). Unresolved names are passed on as
/// they are, and `run_with` reports them as not found. `path` is the command's own `PATH`, if it sets one.
fn resolve(program: &str, path: Option<&String>) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    if program.contains('/') {
        return program.into();
    }
    let path: std::ffi::OsString =
        path.map_or_else(|| std::env::var_os("PATH").unwrap_or_default(), Into::into);
    // Every step runs the same shell: look it up once per PATH, not once per command.
    static FOUND: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<(String, std::ffi::OsString), PathBuf>>,
    > = std::sync::OnceLock::new();
    let cache = FOUND.get_or_init(Default::default);
    let key = (program.to_string(), path.clone());
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return found;
    }
    let found = std::env::split_paths(&path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(program))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        });
    match found {
        Some(found) => {
            if let Ok(mut cache) = cache.lock() {
                cache.insert(key, found.clone());
            }
            found
        }
        None => program.into(),
    }
}

/// Runs an interactive program (the operator's shell) and waits for it. `terminal`: the
/// controlling terminal, its stdin, stdout and stderr (the process's own streams may be
/// redirected); without one it inherits them.
pub fn interactive(
    program: &str,
    cwd: &std::path::Path,
    env: &BTreeMap<String, String>,
    terminal: Option<&std::fs::File>,
) -> std::io::Result<()> {
    let mut expression = duct::cmd(program, Vec::<String>::new())
        .dir(cwd)
        .unchecked();
    if let Some(tty) = terminal {
        expression = expression
            .stdin_file(tty.try_clone()?)
            .stdout_file(tty.try_clone()?)
            .stderr_file(tty.try_clone()?);
    }
    for (key, value) in env {
        expression = expression.env(key, value);
    }
    expression.run().map(|_| ())
}

fn exit_of(status: std::process::ExitStatus) -> Exit {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code(code),
        (None, Some(signal)) => Exit::Signal(signal),
        (None, None) => Exit::Code(-1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(script: &str) -> CommandSpec {
        CommandSpec {
            shell: vec!["sh".into()],
            script: script.into(),
            cwd: std::env::temp_dir(),
            env: BTreeMap::from([("RUNBOOK_VAR_X".to_string(), "value".to_string())]),
            timeout: None,
            interactive: false,
        }
    }

    #[test]
    fn captures_streams_and_exit_code() {
        let mut lines = Vec::new();
        let out = run(
            &spec("echo out; echo err >&2; echo $RUNBOOK_VAR_X; exit 3"),
            &Interrupt::default(),
            &mut |s, l| lines.push((s, l.to_string())),
        )
        .unwrap();
        assert_eq!(out.exit, Exit::Code(3));
        assert_eq!(out.stdout, "out\nvalue\n");
        assert_eq!(out.stderr, "err\n");
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn bare_program_names_are_resolved_for_posix_spawn() {
        let sh = resolve("sh", None);
        assert!(sh.is_absolute() && sh.ends_with("sh"), "{}", sh.display());
        assert_eq!(
            resolve("/bin/sh", None),
            std::path::PathBuf::from("/bin/sh")
        );
        assert_eq!(
            resolve("no-such-program-here", None),
            std::path::PathBuf::from("no-such-program-here")
        );
        let dir = std::env::temp_dir().join(format!("resolve-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let own = dir.join("sh");
        std::fs::write(&own, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&own, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        // The command's own PATH wins, as it would for the spawned process.
        assert_eq!(resolve("sh", Some(&dir.display().to_string())), own);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let mut s = spec("sleep 30 & sleep 30");
        s.timeout = Some(Duration::from_millis(200));
        let started = Instant::now();
        let out = run(&s, &Interrupt::default(), &mut |_, _| {}).unwrap();
        assert_eq!(out.exit, Exit::TimedOut(Duration::from_millis(200)));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
