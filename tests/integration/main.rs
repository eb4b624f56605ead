//! Integration tests: the real `runbook` binary on temporary projects. See tests/README.md.

mod support;

mod check;
mod cli;
mod docs;
mod graph;
mod list;
mod schema;
mod show;
