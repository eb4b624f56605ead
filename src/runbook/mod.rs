//! Everything that reads runbooks: discovery, source files, the raw serde mirror of the
//! TOML, validation into the `model`, and the plan views (`graph`). No terminal code and no
//! I/O besides reading the project's files.

pub mod diagnostic;
pub mod discover;
pub mod duration;
pub mod graph;
pub mod load;
pub mod model;
pub mod raw;
pub mod source;
pub mod validate;
