//! The engine: walks a runbook, runs commands and checks, journals every outcome, resumes
//! and rolls back. It never prints and never prompts: it emits [`events::Event`]s to a
//! [`events::Reporter`] and asks a [`prompter::Prompter`].

pub mod action;
pub mod checks;
pub mod command;
pub mod context;
pub mod events;
pub mod failure;
pub mod flux;
pub mod group;
pub mod interrupt;
pub mod kinds;
pub mod prompter;
#[cfg(test)]
mod property;
pub mod pump;
pub mod resume;
pub mod rollback;
pub mod run;
pub mod runner;
pub mod scope;
pub mod session;
pub mod spawn;
pub mod text;
pub mod vars;
pub mod walk;
