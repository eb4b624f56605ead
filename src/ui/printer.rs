//! The only code that writes to stdout and stderr. stdout carries data (`list`, `graph`,
//! `schema`, `--json`); stderr carries progress, prompts and diagnostics. A closed stdout
//! (`runbook list | head`) is not an error.

use std::io::Write;

use super::color::Styles;

#[derive(Debug, Clone)]
pub struct Printer {
    pub styles: Styles,
    pub stdout_styles: Styles,
    pub color: bool,
}

impl Printer {
    pub fn new(color_stderr: bool, color_stdout: bool) -> Self {
        Self {
            styles: Styles::new(color_stderr),
            stdout_styles: Styles::new(color_stdout),
            color: color_stderr,
        }
    }

    /// Writes data to stdout; a broken pipe is ignored.
    #[allow(clippy::unused_self, reason = "all output goes through the printer")]
    pub fn data(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// Writes one line to stderr.
    #[allow(clippy::unused_self, reason = "all output goes through the printer")]
    pub fn line(&self, text: &str) {
        // One write per line (stderr is unbuffered), so lines never interleave in pieces.
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(format!("{text}\n").as_bytes());
    }

    pub fn warning(&self, message: &str) {
        self.line(&format!(
            "{}: {message}",
            self.styles.warning.apply_to("warning")
        ));
    }

    pub fn hint(&self, message: &str) {
        self.line(&format!("{}: {message}", self.styles.hint.apply_to("hint")));
    }
}
