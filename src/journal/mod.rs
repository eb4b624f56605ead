//! The append-only run journal: record types, the fsyncing writer, the pure replay into a
//! [`replay::RunState`], the state directory layout and the per-runbook lock. Never prints
//! and never prompts.

pub mod brief;
pub mod lock;
pub mod read;
pub mod record;
pub mod recorder;
pub mod replay;
pub mod standing;
pub mod store;
pub mod words;
pub mod writer;
