//! Text made from runbooks: tera templates (commands, regexes, prose), the book pages and
//! the step graph. The only module that touches tera.

pub mod book;
pub mod context;
pub mod graph;
pub mod quote;
pub mod report;
pub mod template;
