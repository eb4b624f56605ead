//! The state directory: `runs/<run-id>/journal.jsonl`, `runs/<run-id>/logs/`,
//! `locks/<runbook>.lock`. Reads journals (setting a torn last line aside) and lists runs.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::brief::{self, Fold};
use super::record::Record;
use super::standing::Summary;
use super::writer::sync_dir;

/// Why a journal could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// A line before the last does not parse: not a torn write, and not repaired.
    #[error("journal `{}` is damaged at line {line}: {reason}", path.display())]
    Damaged {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("failed to {action} `{}`", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl JournalError {
    fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        JournalError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

type Result<T, E = JournalError> = std::result::Result<T, E>;

/// One run of the state directory: the summary of its journal, or why it cannot be read.
#[derive(Debug)]
pub struct Listed {
    pub id: String,
    pub journal: Result<Summary, JournalError>,
}

#[derive(Debug, Clone)]
pub struct Store {
    pub root: PathBuf,
}

/// A journal as read from disk.
pub struct Loaded {
    pub records: Vec<Record>,
    /// Set when a torn last line was moved aside (the warning to show).
    pub torn: Option<String>,
}

impl Store {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.root.join("runs")
    }

    pub fn run_dir(&self, run_id: &str) -> PathBuf {
        self.runs_dir().join(run_id)
    }

    pub fn journal_path(&self, run_id: &str) -> PathBuf {
        self.run_dir(run_id).join("journal.jsonl")
    }

    pub fn logs_dir(&self, run_id: &str) -> PathBuf {
        self.run_dir(run_id).join("logs")
    }

    /// The log file of try `attempt` of the step with journal id `journal_id`. The `/` of
    /// a call chain becomes `~`; an id too long for a file name (a long `foreach` item, a
    /// deep call chain) is cut and given a hash of the whole id, which stays in the journal.
    pub fn log_path(&self, run_id: &str, journal_id: &str, attempt: u32) -> PathBuf {
        self.logs_dir(run_id)
            .join(Self::log_file_name(journal_id, attempt))
    }

    /// The name of [`Store::log_path`]'s file inside [`Store::logs_dir`].
    pub fn log_file_name(journal_id: &str, attempt: u32) -> String {
        format!("{}.{attempt}.log", log_name(journal_id))
    }

    pub fn locks_dir(&self) -> PathBuf {
        self.root.join("locks")
    }

    /// A new run id: UTC time plus a short suffix, sortable and unique per process.
    pub fn new_run_id(&self, runbook: &str) -> String {
        let now = time::OffsetDateTime::now_utc();
        let stamp = format!(
            "{:04}{:02}{:02}-{:02}{:02}{:02}",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        );
        let mut id = format!("{stamp}-{runbook}");
        let mut n = 2;
        while self.run_dir(&id).exists() {
            id = format!("{stamp}-{runbook}-{n}");
            n += 1;
        }
        id
    }

    /// Reads a run's journal. A torn last line is moved to `journal.jsonl.torn.N` and cut
    /// off; damage before the last line is an error.
    pub fn load(&self, run_id: &str) -> Result<Loaded> {
        let path = self.journal_path(run_id);
        let bytes = std::fs::read(&path).map_err(|e| JournalError::io("read journal", &path, e))?;
        let (records, torn_at) = parse(&path, &bytes)?;
        if let Some(good_bytes) = torn_at {
            let torn = set_aside(&path, &bytes, good_bytes)?;
            return Ok(Loaded {
                records,
                torn: Some(torn),
            });
        }
        if !bytes.is_empty() && !bytes.ends_with(b"\n") {
            // A complete record whose newline was cut: finish the line so appends stay separate.
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .map_err(|e| JournalError::io("repair journal", &path, e))?;
            file.write_all(b"\n")
                .map_err(|e| JournalError::io("repair journal", &path, e))?;
        }
        Ok(Loaded {
            records,
            torn: None,
        })
    }

    /// Every run with its summary (or its damage), oldest first: by the recorded
    /// start, then the id.
    pub fn list(&self) -> Result<Vec<Listed>> {
        self.list_where(|_| true)
    }

    /// The runs whose id names `runbook` (`STAMP-RUNBOOK` or `STAMP-RUNBOOK-N`), without
    /// reading any other run's journal. Callers still check the journal's runbook.
    pub fn list_of(&self, runbook: &str) -> Result<Vec<Listed>> {
        self.list_where(|id| {
            id.get(16..).is_some_and(|rest| {
                rest == runbook
                    || rest.strip_prefix(runbook).is_some_and(|n| {
                        n.strip_prefix('-')
                            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                    })
            })
        })
    }

    fn list_where(&self, wanted: impl Fn(&str) -> bool) -> Result<Vec<Listed>> {
        let dir = self.runs_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(JournalError::io("read directory", &dir, e)),
        };
        let ids: Vec<String> = entries
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|id| wanted(id) && self.journal_path(id).is_file())
            .collect();
        let mut runs = self.summarize_all(ids);
        runs.sort_by(|a, b| (&a.0, &a.1.id).cmp(&(&b.0, &b.1.id)));
        Ok(runs.into_iter().map(|(_, run)| run).collect())
    }
}

impl Store {
    /// Each journal folded to its summary as it is read, one journal at a time per thread:
    /// journals are independent, so `runs` over a long history uses every core.
    fn summarize_all(&self, ids: Vec<String>) -> Vec<(String, Listed)> {
        let threads = crate::memo::cores();
        let per_thread = ids.len().div_ceil(threads).max(1);
        let one = |id: String| {
            let (journal, started) = summarize(&self.journal_path(&id));
            let started = match &journal {
                Ok(state) => state.started.clone(),
                // Damage is after the first line: its `run-started` still dates the run.
                Err(_) => started.unwrap_or_default(),
            };
            (started, Listed { id, journal })
        };
        if ids.len() <= per_thread {
            return ids.into_iter().map(one).collect();
        }
        let mut chunks = Vec::new();
        let mut ids = ids.into_iter().peekable();
        while ids.peek().is_some() {
            chunks.push(ids.by_ref().take(per_thread).collect::<Vec<_>>());
        }
        std::thread::scope(|scope| {
            let workers: Vec<_> = chunks
                .into_iter()
                .map(|chunk| scope.spawn(move || chunk.into_iter().map(one).collect::<Vec<_>>()))
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| {
                    worker
                        .join()
                        .unwrap_or_else(|e| std::panic::resume_unwind(e))
                })
                .collect()
        })
    }
}

/// Longest journal id used as it is in a log file name (bytes); file names end at 255.
const LOG_NAME_MAX: usize = 96;

fn log_name(journal_id: &str) -> String {
    let name: String = journal_id
        .chars()
        .map(|c| if c == '/' { '~' } else { c })
        .collect();
    if name.len() <= LOG_NAME_MAX {
        return name;
    }
    let mut cut = LOG_NAME_MAX - 17;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}-{:016x}", &name[..cut], fnv1a(journal_id.as_bytes()))
}

/// FNV-1a, 64 bits: stable across builds and Rust versions (std's hasher is not), so a
/// resumed run finds the same log file names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A journal's summary, read once through the summary-only fold of [`brief`] (no record
/// is built), and the `ts` of its first line, which dates a run even when it is damaged.
/// Like [`Store::load`], a last line that does not parse is a torn write; it is left out
/// (and left in place for `load` to set aside and warn about).
fn summarize(path: &Path) -> (Result<Summary>, Option<String>) {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return (Err(JournalError::io("read journal", path, e)), None),
    };
    let mut fold = Fold::default();
    let mut first = None;
    for (number, content, last) in lines(&bytes) {
        if content.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if first.is_none() {
            first = Some(brief::timestamp(content));
        }
        match fold.line(content) {
            Ok(()) => {}
            Err(_) if last => break,
            Err(reason) => {
                let damage = JournalError::Damaged {
                    path: path.to_path_buf(),
                    line: number,
                    reason,
                };
                return (Err(damage), first.flatten());
            }
        }
    }
    (Ok(fold.summary()), first.flatten())
}

/// Parses journal bytes into records. `Some(offset)` when the last line does not parse (a
/// torn write, possibly cut inside a UTF-8 sequence): where the good part ends. Damage
/// before the last line is an error naming the file and line.
fn parse(path: &Path, bytes: &[u8]) -> Result<(Vec<Record>, Option<usize>)> {
    let mut records = Vec::new();
    let mut good_bytes = 0;
    for (number, content, last) in lines(bytes) {
        let taken = content.len() + usize::from(!last || bytes.ends_with(b"\n"));
        if content.iter().all(u8::is_ascii_whitespace) {
            good_bytes += taken;
            continue;
        }
        match serde_json::from_slice::<Record>(content) {
            Ok(record) => {
                records.push(record);
                good_bytes += taken;
            }
            Err(_) if last => return Ok((records, Some(good_bytes))),
            Err(e) => {
                return Err(JournalError::Damaged {
                    path: path.to_path_buf(),
                    line: number,
                    reason: e.to_string(),
                });
            }
        }
    }
    Ok((records, None))
}

/// The lines of a journal: (1-based number, content without the newline, whether it is
/// the last line). A final newline ends the last line; it does not start an empty one.
/// `memchr` finds the newlines: a byte-at-a-time split was a tenth of `runs`.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8], bool)> {
    let mut start = 0;
    let mut number = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let rest = &bytes[start..];
        let (content, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], start + i + 1),
            None => (rest, bytes.len()),
        };
        start = next;
        number += 1;
        Some((number, content, next == bytes.len()))
    })
}

/// Moves the torn tail of the journal at `path` to the first free `journal.jsonl.torn.N`
/// (every recovery keeps its own), synced before the journal is cut back.
fn set_aside(path: &Path, bytes: &[u8], good_bytes: usize) -> Result<String> {
    let (torn_path, mut torn) = (1..)
        .map(|n| path.with_extension(format!("jsonl.torn.{n}")))
        .find_map(|candidate| match create_new_private_file(&candidate) {
            Ok(file) => Some(Ok((candidate, file))),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
            Err(e) => Some(Err(JournalError::io("write", &candidate, e))),
        })
        .unwrap_or_else(|| {
            Err(JournalError::io(
                "write",
                path,
                std::io::Error::other("no free name"),
            ))
        })?;
    torn.write_all(&bytes[good_bytes..])
        .and_then(|()| torn.sync_all())
        .map_err(|e| JournalError::io("write", &torn_path, e))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir).map_err(|e| JournalError::io("sync", dir, e))?;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| JournalError::io("repair journal", path, e))?;
    file.set_len(good_bytes as u64)
        .map_err(|e| JournalError::io("repair journal", path, e))?;
    file.sync_all()
        .map_err(|e| JournalError::io("repair journal", path, e))?;
    Ok(format!(
        "the last line of `{}` was torn (a crash during a write); it was moved to `{}`",
        path.display(),
        torn_path.display()
    ))
}

/// Creates a file readable only by the owner, failing if it exists.
fn create_new_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
