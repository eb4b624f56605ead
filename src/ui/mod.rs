//! The terminal edge: the printer (the only writer to stdout and stderr), colour policy,
//! diagnostics rendering, reporters and prompters. The engine never depends on this module.

pub mod color;
pub mod diagnostic;
pub mod markdown;
pub mod printer;
pub mod prompt;
pub mod reporter;
pub mod summary;
pub mod table;
pub mod tty;
