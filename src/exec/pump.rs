//! Reading a running command's stdout and stderr: both pipes polled (poll(2)) in the
//! calling thread, split into lines as they arrive, and kept only as far as the caller
//! asked (a head of each stream up to a byte limit, the last lines, a line count), so
//! memory does not grow with the output. Knows nothing about steps; `command` owns the
//! process.

use std::collections::VecDeque;
use std::io::Read;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::Duration;

use super::command::Stream;

/// Lines longer than this are handed on in pieces: a command that prints megabytes without
/// a newline must not make us hold them.
pub const MAX_LINE: usize = 64 * 1024;
/// Non-empty lines kept from the end of each stream, for failure reports.
pub const TAIL_LINES: usize = 10;

struct Pipe {
    reader: os_pipe::PipeReader,
    stream: Stream,
    /// Bytes read and not yet handed on as lines.
    pending: Vec<u8>,
}

/// What one wait of [`Pump::pump`] saw.
#[derive(Default)]
pub struct Woke {
    /// Output arrived, or a stream ended.
    pub output: bool,
    /// The pidfd it was given says the command ended.
    pub exited: bool,
}

/// Reads a command's stdout and stderr in the calling thread with poll(2), splitting
/// them into lines as they arrive (no reader threads: a step spawns only its command).
pub struct Pump {
    pipes: Vec<Pipe>,
    /// Bytes of each stream's text kept in `stdout`/`stderr`.
    keep: usize,
    pub stdout: String,
    pub stderr: String,
    /// Some of stdout did not fit in `keep`.
    pub stdout_cut: bool,
    /// Lines seen, both streams.
    pub lines: usize,
    /// The last non-empty lines of stdout and of stderr.
    tails: [VecDeque<String>; 2],
}

impl Pump {
    /// `keep`: how many bytes of each stream's text to keep (the rest is counted, its last
    /// lines kept, and handed to the callback, but not stored).
    pub fn new(pipes: [(os_pipe::PipeReader, Stream); 2], keep: usize) -> std::io::Result<Self> {
        Ok(Self {
            pipes: pipes
                .into_iter()
                .map(|(reader, stream)| Pipe {
                    reader,
                    stream,
                    pending: Vec::new(),
                })
                .collect(),
            keep,
            stdout: String::new(),
            stderr: String::new(),
            stdout_cut: false,
            lines: 0,
            tails: [VecDeque::new(), VecDeque::new()],
        })
    }

    pub fn is_done(&self) -> bool {
        self.pipes.is_empty()
    }

    /// The last `n` (at most [`TAIL_LINES`]) non-empty lines: stdout's, then stderr's.
    pub fn tail(&self, n: usize) -> Vec<String> {
        let all: Vec<&String> = self.tails[0].iter().chain(&self.tails[1]).collect();
        all[all.len().saturating_sub(n)..]
            .iter()
            .map(|l| (*l).clone())
            .collect()
    }

    /// Waits up to `wait` for output, or for `exit` (the command's pidfd) to say it
    /// ended, and hands every complete line to `on_line`.
    pub fn pump(
        &mut self,
        wait: Duration,
        exit: Option<BorrowedFd<'_>>,
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> std::io::Result<Woke> {
        if self.pipes.is_empty() && exit.is_none() {
            std::thread::sleep(wait);
            return Ok(Woke::default());
        }
        let mut fds: Vec<libc::pollfd> = self
            .pipes
            .iter()
            .map(|p| p.reader.as_raw_fd())
            .chain(exit.map(|fd| fd.as_raw_fd()))
            .map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        poll(&mut fds, wait)?;
        let exited = exit.is_some() && fds.pop().is_some_and(|fd| fd.revents != 0);
        let mut closed = Vec::new();
        let mut output = false;
        for (i, fd) in fds.iter().enumerate() {
            if fd.revents != 0 {
                output = true;
                // Hung up with nothing left to read: end of output, no read needed.
                let hung_up = fd.revents & libc::POLLIN == 0;
                if hung_up || self.read_once(i, on_line)? {
                    closed.push(i);
                }
            }
        }
        for i in closed.into_iter().rev() {
            let pipe = self.pipes.remove(i);
            self.emit_rest(pipe.stream, &pipe.pending, on_line);
        }
        Ok(Woke { output, exited })
    }

    /// Reads once from pipe `i`, which poll(2) said is readable (so the read does not
    /// block, and the pipe needs no O_NONBLOCK); true at end-of-file.
    fn read_once(
        &mut self,
        i: usize,
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> std::io::Result<bool> {
        let mut chunk = [0u8; 65536];
        let n = loop {
            match self.pipes[i].reader.read(&mut chunk) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            return Ok(true);
        }
        let mut pending = std::mem::take(&mut self.pipes[i].pending);
        pending.extend_from_slice(&chunk[..n]);
        let stream = self.pipes[i].stream;
        let used = self.split(stream, &pending, on_line);
        // One move per read, not one per line.
        pending.drain(..used);
        self.pipes[i].pending = pending;
        Ok(false)
    }

    /// Hands on the complete lines of `bytes` (and over-long pieces); returns how many
    /// bytes were used.
    fn split(
        &mut self,
        stream: Stream,
        bytes: &[u8],
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> usize {
        let mut start = 0;
        while start < bytes.len() {
            let rest = &bytes[start..];
            let end = match rest.iter().position(|&b| b == b'\n') {
                Some(at) if at <= MAX_LINE => at + 1,
                _ if rest.len() >= MAX_LINE => MAX_LINE,
                _ => break,
            };
            self.push(stream, &rest[..end], on_line);
            start += end;
        }
        start
    }

    fn emit_rest(&mut self, stream: Stream, rest: &[u8], on_line: &mut dyn FnMut(Stream, &str)) {
        if !rest.is_empty() {
            self.push(stream, rest, on_line);
        }
    }

    /// Output still buffered when the command ended (a last line without a newline).
    pub fn finish(&mut self, on_line: &mut dyn FnMut(Stream, &str)) {
        for pipe in std::mem::take(&mut self.pipes) {
            self.emit_rest(pipe.stream, &pipe.pending, on_line);
        }
    }

    fn push(&mut self, stream: Stream, bytes: &[u8], on_line: &mut dyn FnMut(Stream, &str)) {
        let text = String::from_utf8_lossy(bytes);
        let line = text.trim_end_matches(['\n', '\r']);
        self.lines += 1;
        let (buffer, tail) = match stream {
            Stream::Stdout => (&mut self.stdout, &mut self.tails[0]),
            Stream::Stderr => (&mut self.stderr, &mut self.tails[1]),
        };
        if self.keep.saturating_sub(buffer.len()) > line.len() {
            buffer.push_str(line);
            buffer.push('\n');
        } else if stream == Stream::Stdout {
            self.stdout_cut = true;
        }
        if !line.trim().is_empty() {
            if tail.len() == TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(line.to_string());
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pumped(bytes: &[u8], keep: usize) -> (Pump, Vec<String>) {
        let (reader, mut writer) = os_pipe::pipe().unwrap();
        let (err_reader, err_writer) = os_pipe::pipe().unwrap();
        drop(err_writer);
        let mut pump = Pump::new(
            [(reader, Stream::Stdout), (err_reader, Stream::Stderr)],
            keep,
        )
        .unwrap();
        let bytes = bytes.to_vec();
        let writing = std::thread::spawn(move || std::io::Write::write_all(&mut writer, &bytes));
        let mut lines = Vec::new();
        while !pump.is_done() {
            pump.pump(Duration::from_millis(20), None, &mut |_, l| {
                lines.push(l.to_string())
            })
            .unwrap();
        }
        writing.join().unwrap().unwrap();
        (pump, lines)
    }

    #[test]
    fn keeps_a_head_and_a_tail_and_counts_the_rest() {
        let text: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let (pump, lines) = pumped(text.as_bytes(), 25);
        assert_eq!(lines.len(), 1000);
        assert_eq!(pump.lines, 1000);
        assert_eq!(pump.stdout, "line 0\nline 1\nline 2\n");
        assert!(pump.stdout_cut);
        assert_eq!(pump.tail(2), ["line 998", "line 999"]);
    }

    #[test]
    fn an_endless_line_is_handed_on_in_pieces() {
        let (pump, lines) = pumped(&vec![b'x'; MAX_LINE * 2 + 5], 0);
        assert_eq!(
            lines.iter().map(String::len).collect::<Vec<_>>(),
            [MAX_LINE, MAX_LINE, 5]
        );
        assert!(pump.stdout.is_empty());
    }
}
