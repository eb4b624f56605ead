//! Reads every runbook file of a project, parses the TOML into `raw` types and validates
//! them together (a `call` needs its target). Produces a [`Catalog`]; reports problems as
//! diagnostics, never prints.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::diagnostic::{Diagnostic, suggest};
use super::discover::{display_path, runbook_files};
use super::model::{Project, Runbook};
use super::raw;
use super::source::SourceFile;
use super::validate;
use crate::error::{Error, Result};

/// From this size a file's heaps are backed by huge pages (`alloc::expect_large`): about
/// 850 steps. Measured: a 2,000-step file (600 KB) checks in 15.1 ms with the advice
/// against 17.1 without; the shipped files (45 KB at most) gain nothing, and each huge
/// page a small process touches costs it up to 2 MiB of memory.
const LARGE_FILE: usize = 256 << 10;

/// A parsed (not yet validated) runbook file.
pub struct Parsed {
    pub name: String,
    pub source: Arc<SourceFile>,
    pub file: raw::File,
}

/// Every runbook of a project, with the problems found in each.
pub struct Catalog {
    pub project: Project,
    pub runbooks: BTreeMap<String, Arc<Runbook>>,
    /// Problems per runbook name (files that did not parse are listed too).
    pub diagnostics: BTreeMap<String, Vec<Diagnostic>>,
    /// `call` edges, for closures over called runbooks.
    pub calls: BTreeMap<String, Vec<String>>,
    pub names: Vec<String>,
}

impl Catalog {
    pub fn load(project: Project, cwd: &Path) -> Result<Self> {
        let files = runbook_files(&project)?;
        let names = files.iter().map(|(name, _)| name.clone()).collect();
        let mut loading = Loading::default();
        for (name, path) in &files {
            loading.read(name, path, cwd)?;
        }
        Ok(loading.finish(project, names))
    }

    /// [`Catalog::load`] for `wanted` and what they call, transitively: the other files
    /// are neither read nor validated (a run needs its own runbook, not the project's
    /// 16 others), though every name is known for errors and suggestions. The problems of
    /// `wanted` and their callees are the same as a full load gives; a name without a
    /// file (a mistyped `call`) or a file that does not parse falls back to the full load,
    /// for the suggestions in those errors.
    pub fn load_closure(project: Project, cwd: &Path, wanted: &[String]) -> Result<Self> {
        let files: BTreeMap<String, std::path::PathBuf> =
            runbook_files(&project)?.into_iter().collect();
        let mut loading = Loading::default();
        let mut queue: Vec<String> = wanted.to_vec();
        let mut i = 0;
        while let Some(name) = queue.get(i).cloned() {
            i += 1;
            let Some(path) = files.get(&name) else {
                // An unknown name is an error whose hint ("did you mean …?") is drawn from
                // every runbook: the full load gives it exactly as `check` does.
                return Self::load(project, cwd);
            };
            let Some(file) = loading.read(&name, path, cwd)? else {
                // It did not parse, so a call of it reads as a call of an unknown
                // runbook: the same fallback gives that error its hint.
                return Self::load(project, cwd);
            };
            for step in &file.step {
                if let Some(callee) = &step.get_ref().call
                    && !queue.contains(callee.get_ref())
                {
                    queue.push(callee.get_ref().clone());
                }
            }
        }
        Ok(loading.finish(project, files.into_keys().collect()))
    }

    /// `name` and every runbook it calls, transitively.
    pub fn closure(&self, name: &str) -> Vec<String> {
        let mut seen = vec![name.to_string()];
        let mut i = 0;
        while i < seen.len() {
            for callee in self.calls.get(&seen[i]).into_iter().flatten() {
                if !seen.contains(callee) {
                    seen.push(callee.clone());
                }
            }
            i += 1;
        }
        seen
    }

    /// The problems of `names` and what they call (errors and warnings).
    pub fn problems_of(&self, names: &[String]) -> Vec<Diagnostic> {
        let mut all: Vec<String> = Vec::new();
        for name in names {
            for n in self.closure(name) {
                if !all.contains(&n) {
                    all.push(n);
                }
            }
        }
        all.sort();
        all.iter()
            .filter_map(|n| self.diagnostics.get(n))
            .flatten()
            .cloned()
            .collect()
    }

    /// Fails with [`Error::UnknownRunbook`] unless the project has `name`.
    pub fn require_known(&self, name: &str) -> Result<()> {
        if self.names.iter().any(|n| n == name) {
            return Ok(());
        }
        Err(Error::UnknownRunbook {
            name: name.to_string(),
            dir: self.project.runbooks_dir.clone(),
            suggestion: suggest(name, self.names.iter().map(String::as_str)).map(str::to_string),
        })
    }

    /// The validated runbook `name`, or the problems that keep it (or a callee) invalid.
    pub fn get(&self, name: &str) -> Result<Arc<Runbook>> {
        self.require_known(name)?;
        let problems = self.problems_of(&[name.to_string()]);
        if problems.iter().any(Diagnostic::is_error) {
            return Err(Error::invalid(problems));
        }
        Ok(Arc::clone(&self.runbooks[name]))
    }
}

/// Files read and parsed so far, with the problems found in them.
#[derive(Default)]
struct Loading {
    diagnostics: BTreeMap<String, Vec<Diagnostic>>,
    parsed: Vec<Parsed>,
}

impl Loading {
    /// Reads and parses the runbook `name` at `path`; the raw file when it parsed.
    fn read(&mut self, name: &str, path: &Path, cwd: &Path) -> Result<Option<&raw::File>> {
        let (source, invalid_at) = SourceFile::read(path, display_path(path, cwd))
            .map_err(|e| Error::io("read", path, e))?;
        if source.text.len() >= LARGE_FILE {
            crate::alloc::expect_large();
        }
        let found = self.diagnostics.entry(name.to_string()).or_default();
        if let Some(at) = invalid_at {
            // The lossy text keeps the valid prefix, so `at` is a position in it.
            let problem = Diagnostic::error("the file is not valid UTF-8")
                .at(&source, at..at + char::REPLACEMENT_CHARACTER.len_utf8())
                .hint("runbooks are UTF-8 text; re-save the file as UTF-8");
            found.push(problem);
            return Ok(None);
        }
        let (file, problems) = parse(&source);
        found.extend(problems);
        let Some(file) = file else {
            return Ok(None);
        };
        self.parsed.push(Parsed {
            name: name.to_string(),
            source,
            file,
        });
        Ok(self.parsed.last().map(|p| &p.file))
    }

    /// Validates what was parsed, together (a `call` needs its target).
    fn finish(self, project: Project, names: Vec<String>) -> Catalog {
        let Self {
            mut diagnostics,
            parsed,
        } = self;
        let outcome = validate::validate_all(&parsed);
        // The raw files are not needed past validation, and a process loads its catalog
        // once: freeing tens of thousands of steps' strings one by one would cost more
        // than the rest of validation's bookkeeping (the OS takes them back at exit).
        std::mem::forget(parsed);
        for (name, found) in outcome.diagnostics {
            diagnostics.entry(name).or_default().extend(found);
        }
        for found in diagnostics.values_mut() {
            found.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
        }
        Catalog {
            project,
            runbooks: outcome.runbooks,
            diagnostics,
            calls: outcome.calls,
            names,
        }
    }
}

/// Parses one file. A TOML or schema error becomes a located diagnostic; an unknown key
/// on a one-line `key = value` is set aside and parsing goes on, so one typo does not hide
/// the file's other problems.
pub fn parse(source: &Arc<SourceFile>) -> (Option<raw::File>, Vec<Diagnostic>) {
    if let Some(file) = super::fast_toml::parse(&source.text) {
        return (Some(file), Vec::new());
    }
    let mut text = source.text.clone();
    let mut diagnostics = Vec::new();
    // Keys set aside so far: their absence must not be reported as a missing key.
    let mut blanked_keys: Vec<String> = Vec::new();
    loop {
        match toml::from_str::<raw::File>(&text) {
            Ok(file) => return (Some(file), diagnostics),
            Err(e) => {
                let message = e.message();
                if let Some(key) = missing_key(message)
                    && blanked_keys.iter().any(|k| k == key)
                {
                    // Caused by setting a wrong value aside, already reported.
                    return (None, diagnostics);
                }
                // A bad key or value on a line of its own is set aside so parsing goes on.
                let recoverable = [
                    "unknown field",
                    "invalid type",
                    "unknown variant",
                    "invalid value",
                ]
                .iter()
                .any(|p| message.starts_with(p));
                diagnostics.push(toml_diagnostic(source, &e));
                let blanked = e
                    .span()
                    .filter(|_| recoverable && diagnostics.len() < 50)
                    .and_then(|span| blank_line(&text, span.start));
                match blanked {
                    Some((next, key)) => {
                        blanked_keys.push(key);
                        text = next;
                    }
                    None => return (None, diagnostics),
                }
            }
        }
    }
}

fn missing_key(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Replaces the line holding `offset` by spaces (so later spans stay valid), when that
/// line is a whole `key = value` on its own; returns the new text and the key.
fn blank_line(text: &str, offset: usize) -> Option<(String, String)> {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[start..end];
    let (key, value) = line.split_once('=')?;
    // Only a key at the start of its line, or a value right after `key =`: a problem
    // inside an inline table would set the whole table aside and cause false errors.
    let at_key = text[start..offset].trim().is_empty();
    let value_start = start + key.len() + 1;
    let at_value = offset >= value_start && text[value_start..offset].trim().is_empty();
    if !at_key && !at_value {
        return None;
    }
    let value = value.trim();
    let balanced =
        |open: char, close: char| value.matches(open).count() == value.matches(close).count();
    let multiline = value.starts_with("\"\"\"") || value.starts_with("'''");
    if multiline || !balanced('[', ']') || !balanced('{', '}') {
        return None;
    }
    let mut next = String::with_capacity(text.len());
    next.push_str(&text[..start]);
    for c in line.chars() {
        // One space per byte, so every later span still points at the same text.
        next.extend(std::iter::repeat_n(' ', c.len_utf8()));
    }
    next.push_str(&text[end..]);
    Some((next, key.trim().trim_matches('"').to_string()))
}

pub(crate) fn toml_diagnostic(source: &Arc<SourceFile>, error: &toml::de::Error) -> Diagnostic {
    let message = error.message().trim().to_string();
    let mut diagnostic = if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
        let d = Diagnostic::error(format!("unknown key `{key}`")).label("not a key of this table");
        match suggest(key, expected.iter().copied()) {
            Some(s) => d.hint(format!("did you mean `{s}`?")),
            None => d.hint(format!("known keys here: {}", backticked(&expected))),
        }
    } else if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or_default();
        Diagnostic::error(format!("missing required key `{key}`"))
    } else if let Some(rest) = message.strip_prefix("unknown variant `") {
        let value = rest.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
        Diagnostic::error(format!("unknown value `{value}`"))
            .hint(format!("expected one of {}", backticked(&expected)))
    } else {
        Diagnostic::error(toml_words(&lowercase_first(&message)))
    };
    if let Some(span) = error.span() {
        diagnostic = diagnostic.at(source, span);
    } else {
        diagnostic = diagnostic.at(source, 0..0);
    }
    diagnostic
}

/// serde's data-model words in TOML's terms: "expected a sequence" means an array.
fn toml_words(message: &str) -> String {
    let message = message
        .replace("expected a sequence", "expected an array")
        .replace("expected a map", "expected a table")
        .replace("expected u32", "expected a whole number (0 or more)")
        .replace("expected i32", "expected a whole number")
        .replace("expected a boolean", "expected `true` or `false`");
    match message.find("expected struct ") {
        Some(i) => format!("{}expected a table", &message[..i]),
        None => message,
    }
}

fn backticked(items: &[&str]) -> String {
    items
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::Catalog;
    use crate::runbook::model::Project;

    /// `load_closure` reads the wanted runbook and its callees, transitively, and no other
    /// file (`broken` would add its parse error), while every name stays known.
    #[test]
    fn a_closure_holds_the_callees_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let runbooks = dir.path().join("runbooks");
        std::fs::create_dir(&runbooks).unwrap();
        let call = |to: &str| {
            format!("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"s\"\ncall = \"{to}\"\n")
        };
        std::fs::write(runbooks.join("top.toml"), call("middle")).unwrap();
        std::fs::write(runbooks.join("middle.toml"), call("bottom")).unwrap();
        let leaf = "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"s\"\nrun = \"true\"\n";
        std::fs::write(runbooks.join("bottom.toml"), leaf).unwrap();
        std::fs::write(runbooks.join("broken.toml"), "[runbook\n").unwrap();
        let project = Project {
            root: dir.path().to_path_buf(),
            runbooks_dir: runbooks,
        };
        let closure = Catalog::load_closure(project.clone(), dir.path(), &["top".into()]).unwrap();
        let loaded: Vec<&str> = closure.runbooks.keys().map(String::as_str).collect();
        assert_eq!(loaded, ["bottom", "middle", "top"]);
        assert_eq!(closure.names, ["bottom", "broken", "middle", "top"]);
        assert!(!closure.diagnostics.contains_key("broken"));
        assert!(closure.get("top").is_ok());
        // The full load sees the broken file, and gives the closure the same problems.
        let all = Catalog::load(project, dir.path()).unwrap();
        assert!(all.diagnostics["broken"].iter().any(|d| d.is_error()));
        assert_eq!(
            format!("{:?}", all.problems_of(&["top".into()])),
            format!("{:?}", closure.problems_of(&["top".into()]))
        );
    }
}
