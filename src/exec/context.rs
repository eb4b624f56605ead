//! What every part of the engine shares for one run: the journal with the run state folded
//! from it, the reporter events go to, the run's text (rendering, masking) and the command
//! runner. The walker, the check runner and the rollback runner each borrow it; it never
//! prints or prompts.

use super::events::{Event, Reporter};
use super::runner::CommandRunner;
use super::text::Text;
use crate::error::Result;
use crate::journal::record::Entry;
use crate::journal::recorder::Recorder;
use crate::journal::replay::RunState;

pub struct Context<'a> {
    /// The journal and the run state folded from it: the run's only truth.
    pub recorder: Recorder,
    pub reporter: &'a mut dyn Reporter,
    pub text: Text,
    pub commands: CommandRunner,
}

impl Context<'_> {
    /// Appends to the journal and folds the record into the run state.
    pub fn record(&mut self, entry: Entry) -> Result<()> {
        Ok(self.recorder.append(entry)?)
    }

    /// Puts every journal record on disk before a command runs.
    pub fn before_spawn(&mut self) -> Result<()> {
        Ok(self.recorder.sync()?)
    }

    /// The run as the journal says so far.
    pub fn state(&self) -> &RunState {
        self.recorder.state()
    }

    pub fn emit(&mut self, event: Event) {
        self.reporter.event(&event);
    }
}
