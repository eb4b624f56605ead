//! Tera: runbook templates (commands, regexes, prose) and the book pages. The only module
//! that touches tera.

pub mod book;
pub mod context;
pub mod quote;
pub mod template;
