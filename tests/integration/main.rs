//! Integration tests: the real `runbook` binary on temporary projects. See tests/README.md.

mod support;

mod check;
mod cli;
mod docs;
mod graph;
mod interactive;
mod list;
mod rollback;
mod schema;
mod show;
