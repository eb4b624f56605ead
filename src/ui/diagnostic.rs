//! Renders errors and diagnostics, cargo style: `error: message`, then ` --> file:line:col`,
//! the source line with a marker, the label, and `hint:` lines. The one place errors become
//! text.

use std::fmt::Write as _;

use super::color::Styles;
use crate::error::Error;
use crate::runbook::diagnostic::{Diagnostic, Severity};

/// Renders one diagnostic (several lines, ending with a newline).
pub fn render(diagnostic: &Diagnostic, styles: &Styles) -> String {
    let mut out = String::new();
    let (word, style) = match diagnostic.severity {
        Severity::Error => ("error", &styles.error),
        Severity::Warning => ("warning", &styles.warning),
    };
    let _ = writeln!(
        out,
        "{}: {}",
        style.apply_to(word),
        styles.bold.apply_to(&diagnostic.message)
    );
    if let (Some(file), Some(span)) = (&diagnostic.file, &diagnostic.span) {
        let pos = file.position(span.start);
        let text = sanitize(file.line_text(pos.line));
        let gutter = pos.line.to_string().len();
        let pad = " ".repeat(gutter);
        let bar = styles.accent.apply_to("|");
        let _ = writeln!(
            out,
            "{pad}{} {}:{}:{}",
            styles.accent.apply_to("-->"),
            file.display,
            pos.line,
            pos.column
        );
        let _ = writeln!(out, "{pad} {bar}");
        let _ = writeln!(out, "{} {bar} {text}", styles.accent.apply_to(pos.line));
        let start = file.boundary(span.start);
        let end = file.boundary(span.end).max(start);
        let same_line = file.text[start..end].lines().next().unwrap_or_default();
        let width = same_line.chars().count().max(1);
        let marker = "^".repeat(width);
        let label = diagnostic
            .label
            .as_deref()
            .map(|l| format!(" {l}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{pad} {bar} {}{}",
            " ".repeat(pos.column - 1),
            style.apply_to(format!("{marker}{label}"))
        );
    }
    for hint in &diagnostic.hints {
        let _ = writeln!(out, "{}: {hint}", styles.hint.apply_to("hint"));
    }
    out
}

/// Renders a top-level error with its cause chain and hint.
pub fn render_error(error: &Error, styles: &Styles) -> String {
    if let Error::Invalid(diagnostics) = error {
        let mut out: String = diagnostics
            .iter()
            .map(|d| render(d, styles) + "\n")
            .collect();
        let _ = writeln!(out, "{}: {error}", styles.error.apply_to("error"));
        return out;
    }
    let mut out = format!("{}: {error}\n", styles.error.apply_to("error"));
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let _ = writeln!(out, "  {} {cause}", styles.dim.apply_to("caused by:"));
        source = cause.source();
    }
    if let Some(hint) = error.hint() {
        let _ = writeln!(out, "{}: {hint}", styles.hint.apply_to("hint"));
    }
    out
}

/// Replaces control characters so file contents cannot drive the terminal.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}
