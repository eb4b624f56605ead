//! The one way a run's journal grows: [`Recorder::append`] writes a record (synced before
//! the next side effect, see `writer`) and folds it into the in-memory [`RunState`] with the
//! same `apply` that `replay` uses. Nothing re-reads the journal while a run goes on: the
//! state here is the run's only truth. A dry run folds without writing. Never prints.

use std::path::{Path, PathBuf};

use super::record::{Entry, Record, now};
use super::replay::RunState;
use super::writer::Journal;

/// A journal write that failed: the run must stop (nothing may happen unrecorded).
#[derive(Debug, thiserror::Error)]
#[error("cannot write the journal `{}`", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

pub struct Recorder {
    journal: Option<Journal>,
    state: RunState,
}

impl Recorder {
    /// Appends to the journal at `path` (created if needed), starting from `state`, the
    /// replay of what the file already holds.
    pub fn open(path: &Path, state: RunState) -> Result<Self, WriteError> {
        let journal = Journal::open(path).map_err(|source| WriteError {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            journal: Some(journal),
            state,
        })
    }

    /// A dry run: records are folded, nothing is written.
    pub fn dry() -> Self {
        Self {
            journal: None,
            state: RunState::default(),
        }
    }

    pub fn is_dry(&self) -> bool {
        self.journal.is_none()
    }

    /// The run as the journal says so far.
    pub fn state(&self) -> &RunState {
        &self.state
    }

    /// Writes `entry` and folds it into the state. An outcome, a check result or a spawned
    /// process announces no side effect: it is synced with the next record or by
    /// [`Recorder::sync`].
    pub fn append(&mut self, entry: Entry) -> Result<(), WriteError> {
        // A spawned process is noted at once and synced with the next record too: its pid
        // means something only while this boot lasts.
        let deferred = matches!(
            entry,
            Entry::StepFinished { .. } | Entry::Check { .. } | Entry::StepSpawned { .. }
        );
        let record = match &mut self.journal {
            Some(journal) => {
                let written = if deferred {
                    journal.append_deferred(entry)
                } else {
                    journal.append(entry)
                };
                written.map_err(|source| WriteError {
                    path: journal.path().to_path_buf(),
                    source,
                })?
            }
            None => Record { ts: now(), entry },
        };
        self.state.apply(&record);
        #[cfg(test)]
        self.check_against_disk();
        Ok(())
    }

    /// Puts every record on disk before a command runs.
    pub fn sync(&mut self) -> Result<(), WriteError> {
        match &mut self.journal {
            Some(journal) => journal.sync().map_err(|source| WriteError {
                path: journal.path().to_path_buf(),
                source,
            }),
            None => Ok(()),
        }
    }

    /// Under test, every append proves the invariant the engine rests on: the live state
    /// equals the replay of the journal written so far.
    #[cfg(test)]
    fn check_against_disk(&self) {
        let Some(journal) = &self.journal else { return };
        let bytes = std::fs::read(journal.path()).expect("read the journal back");
        let records: Vec<Record> = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("a journal line parses"))
            .collect();
        assert_eq!(
            self.state,
            super::replay::replay(&records),
            "live state differs from the replay of {}",
            journal.path().display()
        );
    }
}
