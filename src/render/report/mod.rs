//! `runbook report`: the change record of a run. [`build`] folds the journal (with the
//! runbook and the attempt logs the caller read) into the typed [`model::Report`];
//! [`template`] renders it as Markdown through `templates/report.md.tera`. Both are pure
//! and read no clock, so the same journal gives the same bytes. Secret values never reach
//! the model: the journal holds none, and secret variables are listed masked.

pub mod build;
pub mod graph;
pub mod model;
pub mod sessions;
pub mod template;
pub mod timeline;

pub use build::{Input, LogFile, build};
pub use model::Report;
pub use template::ReportTemplate;
