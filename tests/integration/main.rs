//! Integration tests: the real `runbook` binary on temporary projects. See tests/README.md.

mod support;

mod check;
mod cli;
mod docs;
mod durability;
mod flux;
mod fuzz;
mod graph;
mod guide;
mod interactive;
mod journal;
mod list;
mod processes;
mod quoting;
mod resume;
mod rollback;
mod run;
mod runbook_test;
mod runbooks;
mod schema;
mod secrets;
mod show;
mod walk;
