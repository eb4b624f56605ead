//! Reading a running command's stdout and stderr: both pipes polled (poll(2)) in the
//! calling thread, split into lines as they arrive, collected for checks and captures.
//! Knows nothing about steps; `command` owns the process.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::time::Duration;

use super::command::Stream;

/// Reads a command's stdout and stderr in the calling thread with poll(2), splitting
/// them into lines as they arrive (no reader threads: a step spawns only its command).
pub struct Pump {
    pipes: Vec<(os_pipe::PipeReader, Stream, Vec<u8>)>,
    pub stdout: String,
    pub stderr: String,
}

impl Pump {
    pub fn new(pipes: [(os_pipe::PipeReader, Stream); 2]) -> std::io::Result<Self> {
        for (pipe, _) in &pipes {
            set_nonblocking(pipe.as_raw_fd())?;
        }
        Ok(Self {
            pipes: pipes.into_iter().map(|(p, s)| (p, s, Vec::new())).collect(),
            stdout: String::new(),
            stderr: String::new(),
        })
    }

    pub fn is_done(&self) -> bool {
        self.pipes.is_empty()
    }

    /// Waits up to `wait` for output and hands every complete line to `on_line`.
    pub fn pump(
        &mut self,
        wait: Duration,
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> std::io::Result<()> {
        if self.pipes.is_empty() {
            std::thread::sleep(wait);
            return Ok(());
        }
        let mut fds: Vec<libc::pollfd> = self
            .pipes
            .iter()
            .map(|(p, _, _)| libc::pollfd {
                fd: p.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        poll(&mut fds, wait)?;
        let mut closed = Vec::new();
        for (i, fd) in fds.iter().enumerate() {
            if fd.revents != 0 && self.drain(i, on_line)? {
                closed.push(i);
            }
        }
        for i in closed.into_iter().rev() {
            let (_, stream, rest) = self.pipes.remove(i);
            self.emit_rest(stream, &rest, on_line);
        }
        Ok(())
    }

    /// Reads what pipe `i` has now; true at end-of-file.
    fn drain(&mut self, i: usize, on_line: &mut dyn FnMut(Stream, &str)) -> std::io::Result<bool> {
        let mut chunk = [0u8; 8192];
        loop {
            let read = self.pipes[i].0.read(&mut chunk);
            match read {
                Ok(0) => return Ok(true),
                Ok(n) => {
                    let stream = self.pipes[i].1;
                    self.pipes[i].2.extend_from_slice(&chunk[..n]);
                    while let Some(end) = self.pipes[i].2.iter().position(|&b| b == b'\n') {
                        let line: Vec<u8> = self.pipes[i].2.drain(..=end).collect();
                        self.push(stream, &line, on_line);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn emit_rest(&mut self, stream: Stream, rest: &[u8], on_line: &mut dyn FnMut(Stream, &str)) {
        if !rest.is_empty() {
            self.push(stream, rest, on_line);
        }
    }

    /// Output still buffered when the command ended (a last line without a newline).
    pub fn finish(&mut self, on_line: &mut dyn FnMut(Stream, &str)) {
        for (_, stream, rest) in std::mem::take(&mut self.pipes) {
            self.emit_rest(stream, &rest, on_line);
        }
    }

    fn push(&mut self, stream: Stream, bytes: &[u8], on_line: &mut dyn FnMut(Stream, &str)) {
        let text = String::from_utf8_lossy(bytes);
        let line = text.trim_end_matches(['\n', '\r']);
        let buffer = match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        };
        buffer.push_str(line);
        buffer.push('\n');
        on_line(stream, line);
    }
}

/// poll(2) over `fds` for up to `wait`; an interrupted wait is not an error.
#[expect(unsafe_code, reason = "libc::poll has no safe wrapper in std")]
fn poll(fds: &mut [libc::pollfd], wait: Duration) -> std::io::Result<()> {
    let timeout = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX);
    let count = libc::nfds_t::try_from(fds.len()).unwrap_or(0);
    // SAFETY: `fds` is a valid, exclusively borrowed slice of `count` pollfd structs.
    let result = unsafe { libc::poll(fds.as_mut_ptr(), count, timeout) };
    if result < 0 {
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    Ok(())
}

#[expect(unsafe_code, reason = "fcntl has no safe wrapper in std")]
fn set_nonblocking(fd: std::os::fd::RawFd) -> std::io::Result<()> {
    // SAFETY: fcntl on a descriptor this process owns; no memory is passed.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
