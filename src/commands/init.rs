//! `runbook init`: makes the current directory a project, a `runbooks/` directory and a
//! `.gitignore` entry for `.runbook/` (where runs, journals, logs and locks live). Running
//! it again changes nothing.

use std::path::Path;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ui::printer::Printer;

/// The line `init` adds to `.gitignore`.
const IGNORED: &str = "/.runbook/";

pub fn execute(config: &Config, printer: &Printer) -> Result<()> {
    let root = &config.cwd;
    let runbooks = root.join("runbooks");
    if runbooks.is_dir() {
        printer.line("runbooks/ exists");
    } else {
        std::fs::create_dir_all(&runbooks)
            .map_err(|e| Error::io("create directory", &runbooks, e))?;
        printer.line("created runbooks/");
    }
    let gitignore = root.join(".gitignore");
    if add_ignore_line(&gitignore)? {
        printer.line(&format!("added `{IGNORED}` to .gitignore"));
    } else {
        printer.line(".gitignore already ignores .runbook/");
    }
    printer.hint("`runbook new NAME` writes a starter runbook into runbooks/");
    Ok(())
}

/// Appends [`IGNORED`] to the file unless a line already ignores `.runbook/`; `true` when
/// it wrote.
fn add_ignore_line(path: &Path) -> Result<bool> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io("read", path, e)),
    };
    if text.lines().any(ignores_state_dir) {
        return Ok(false);
    }
    let mut updated = text;
    if !updated.is_empty() && !updated.ends_with('\n') {
        updated.push('\n');
    }
    updated.push_str(IGNORED);
    updated.push('\n');
    std::fs::write(path, updated).map_err(|e| Error::io("write", path, e))?;
    Ok(true)
}

fn ignores_state_dir(line: &str) -> bool {
    matches!(
        line.trim(),
        ".runbook" | ".runbook/" | "/.runbook" | "/.runbook/" | ".runbook/*" | "/.runbook/*"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_usual_spelling_of_the_entry_counts() {
        for line in [".runbook", "/.runbook/", " .runbook/ ", "/.runbook/*"] {
            assert!(ignores_state_dir(line), "{line}");
        }
        assert!(!ignores_state_dir("# .runbook/"));
        assert!(!ignores_state_dir(".runbooks/"));
    }
}
