//! Integration tests: the real `runbook` binary on temporary projects. See tests/README.md.

mod support;

mod ask;
mod check;
mod cli;
mod completions;
mod ctrl_c;
mod docs;
mod durability;
mod failure_menu;
mod flux;
mod fuzz;
mod graph;
mod guide;
mod interactive;
mod journal;
mod list;
mod new;
mod processes;
mod quoting;
mod readme;
mod report;
mod resume;
mod rollback;
mod run;
mod runbook_test;
mod runbooks;
mod schema;
mod secrets;
mod show;
mod test_mechanics;
mod tty;
mod walk;
