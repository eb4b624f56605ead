//! The one place that spawns processes (duct). A command runs as `<shell> -c <script>` in
//! its own process group with stdin closed (unless interactive), its stdout and stderr read
//! line by line and handed to a callback, a per-attempt timeout, and Ctrl-C forwarded to
//! its group with escalation. Never prints; the caller decides what a line means.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::group;
use super::interrupt::Interrupt;
use super::pump::{self, Pump};

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
    let mut expression = duct::cmd(resolve(program, spec.env.get("PATH")), &args)
        .dir(&spec.cwd)
        .stdout_file(out_writer)
        .stderr_file(err_writer)
        .unchecked()
        .before_spawn(|command| {
            command.process_group(0);
            Ok(())
        });
    for (key, value) in &spec.env {
        expression = expression.env(key, value);
    }
    if !spec.interactive {
        expression = expression.stdin_null();
    }
    group::become_subreaper();
    let handle = expression.start()?;
    // The expression holds the write ends; drop it so the reads see end-of-file.
    drop(expression);
    let pgid = handle.pids().first().copied().unwrap_or(0);
    on_spawn(pgid);
    let mut pump = Pump::new([(out_reader, Stream::Stdout), (err_reader, Stream::Stderr)], keep)?;
    let started = Instant::now();
    let mut stopping: Option<Stopping> = None;
    let mut exited_at: Option<Instant> = None;
    // Once the pipes are closed the exit usually follows within microseconds: wait briefly
    // first, then back off (a command may close its output and go on running).
    let mut idle = Duration::from_micros(50);
    loop {
        let wait = if pump.is_done() {
            idle = (idle * 2).min(Duration::from_millis(20));
            idle / 2
        } else {
            Duration::from_millis(20)
        };
        pump.pump(wait, on_line)?;
        if exited_at.is_none() && handle.try_wait()?.is_some() {
            exited_at = Some(Instant::now());
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
    let status = handle.wait()?.status;
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

/// The program's path: a bare name is looked up in `PATH` here, so the spawn can use
/// `posix_spawn` (vfork) instead of fork+exec. (std falls back to fork when it must search
/// `PATH` itself in an environment duct rebuilt, and forking a multi-threaded process with
/// a large address space costs milliseconds per command.) Unresolved names are passed on
/// as they are, for the spawn to report. `path` is the command's own `PATH`, if it sets one.
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

/// Runs an interactive program (the operator's shell) on the terminal and waits for it.
pub fn interactive(
    program: &str,
    cwd: &std::path::Path,
    env: &BTreeMap<String, String>,
) -> std::io::Result<()> {
    let mut expression = duct::cmd(program, Vec::<String>::new())
        .dir(cwd)
        .unchecked();
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
