//! The exit-code table of the command-line contract (RUNBOOK-FORMAT.md section 5). Every
//! exit status the binary returns comes from here; the book's commands chapter mirrors it.

/// Success, also for `--dry-run` and a `check` with no problems.
pub const SUCCESS: u8 = 0;
/// A step failed and the run stopped (resumable); also `docs --check` finding stale pages.
pub const FAILURE: u8 = 1;
/// Usage error: bad flags, unknown runbook, no terminal without `--yes`/`--auto`.
pub const USAGE: u8 = 2;
/// Invalid runbook: syntax, schema, graph or template problems.
pub const INVALID: u8 = 3;
/// The run waits for an operator (a non-interactive run reached a manual or confirm step).
pub const WAITING: u8 = 4;
/// Another run holds the runbook's lock.
pub const LOCKED: u8 = 5;
/// Interrupted by Ctrl-C or SIGTERM; the run is resumable.
pub const INTERRUPTED: u8 = 130;
