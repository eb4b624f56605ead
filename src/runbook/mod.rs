//! Everything that reads runbooks: discovery, source files, the raw serde mirror of the
//! TOML and validation into the `model`. No terminal code and no I/O besides reading the
//! project's files.

pub mod diagnostic;
pub mod discover;
pub mod duration;
pub mod fast_toml;
pub mod load;
pub mod model;
pub mod raw;
pub mod source;
pub mod validate;
