//! `runbook schema`: the JSON Schema of the runbook file format (draft 2020-12).

use crate::ui::printer::Printer;

/// The schema is kept as a file so editors and the test suite read the same text.
pub const SCHEMA: &str = include_str!("../runbook/schema.json");

pub fn execute(printer: &Printer) {
    printer.data(SCHEMA);
}
