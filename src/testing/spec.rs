//! A test file's types, loaded in two stages: [`prepare`] parses it and checks all that
//! needs no runbook (patterns, regexes, durations, fixtures), so it can run while the
//! runbooks load; [`Prepared::finish`] then checks step ids and answers against the tested
//! runbook. The checks themselves are in `validator`. Every problem is a located
//! [`Diagnostic`]; nothing here runs anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::pattern::Pattern;
use super::raw::{self, Reply, RunMode, State, StepStatus};
use super::validator::{Deferred, Validator};
use crate::regexes::LazyRegex;
use crate::runbook::diagnostic::{Diagnostic, suggest};
use crate::runbook::load::toml_diagnostic;
use crate::runbook::model::Runbook;
use crate::runbook::source::SourceFile;

pub use crate::runbook::discover::TEST_SUFFIX as SUFFIX;

#[derive(Debug, Clone)]
pub struct TestFile {
    pub display: String,
    pub runbook: String,
    /// The runbook and every runbook it calls: all a scenario's run needs to load.
    pub closure: Vec<String>,
    pub scenarios: Vec<Scenario>,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub vars: BTreeMap<String, String>,
    pub mode: RunMode,
    pub allow_destructive: bool,
    pub answers: BTreeMap<String, Vec<String>>,
    pub repo: Option<PathBuf>,
    pub repo_var: String,
    pub timeout: Duration,
    /// Replaces every check's `interval` in the run (`poll-interval`).
    pub poll_interval: Option<Duration>,
    /// Run `runbook rollback --yes` after the run (`rollback = true`).
    pub rollback: bool,
    pub doubles: Vec<DoubleSpec>,
    pub expect: Expectations,
}

/// One double as the shim callback reads it from the scenario's `doubles.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DoubleSpec {
    pub program: String,
    pub args: Option<String>,
    /// The first answer, then `then`; the last repeats.
    pub replies: Vec<Reply>,
}

impl DoubleSpec {
    /// How the double reads in messages: `kubectl get sts *`.
    pub fn describe(&self) -> String {
        match &self.args {
            Some(args) => format!("{} {args}", self.program),
            None => format!("{} (any arguments)", self.program),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Expectations {
    pub state: Option<State>,
    pub exit: Option<i32>,
    pub stopped_at: Option<String>,
    pub message: Option<LazyRegex>,
    pub output: Option<LazyRegex>,
    pub never_output: Vec<LazyRegex>,
    pub steps: Vec<(String, StepStatus)>,
    pub attempts: Vec<(String, u32)>,
    pub calls: Vec<Pattern>,
    pub never: Vec<Pattern>,
    pub exists: Vec<String>,
    pub absent: Vec<String>,
    pub contains: Vec<(String, LazyRegex)>,
}

/// The runbook a test file tests, by its file name.
pub fn runbook_of(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let name = name.unwrap_or_default();
    name.strip_suffix(SUFFIX).unwrap_or(&name).to_string()
}

/// A test file checked on its own: parsed, its patterns, regexes, durations and fixtures
/// checked, with the checks that need the tested runbook (step ids, answers) kept for
/// [`Prepared::finish`]. Apart from those, a test file needs nothing of the runbooks, so
/// `check` and `test` prepare test files while the runbooks load.
pub struct Prepared {
    source: Arc<SourceFile>,
    /// The TOML error, when the file does not parse.
    parsed: Result<PreparedFile, Diagnostic>,
}

struct PreparedFile {
    name: String,
    name_span: std::ops::Range<usize>,
    scenarios: Vec<Scenario>,
    problems: Vec<Diagnostic>,
    /// Each check on the runbook with the number of problems found before it, so its own
    /// problems take their place among the others as if checked in one pass.
    deferred: Vec<(usize, Deferred)>,
}

/// Reads a test file and checks all of it that needs no runbook.
pub fn prepare(source: &Arc<SourceFile>) -> Prepared {
    let parsed = crate::runbook::fast_toml::parse_whole(&source.text).map(Ok);
    let file: raw::File = match parsed.unwrap_or_else(|| toml::from_str(&source.text)) {
        Ok(file) => file,
        Err(e) => {
            return Prepared {
                source: Arc::clone(source),
                parsed: Err(toml_diagnostic(source, &e)),
            };
        }
    };
    let mut v = Validator {
        source,
        problems: Vec::new(),
        deferred: Vec::new(),
    };
    let name = file
        .runbook
        .as_ref()
        .map_or_else(|| runbook_of(source.path()), |r| r.get_ref().clone());
    let name_span = file.runbook.as_ref().map_or(0..0, Spanned::span);
    let dir = source
        .path()
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut scenarios: Vec<Scenario> = Vec::new();
    for raw in file.scenarios {
        if scenarios.iter().any(|s| s.name == *raw.name.get_ref()) {
            v.error(
                raw.name.span(),
                format!("a second scenario named `{}`", raw.name.get_ref()),
            );
        }
        scenarios.push(v.scenario(raw, &dir));
    }
    if scenarios.is_empty() {
        v.error(0..0, "a test file without any `[[scenario]]`".to_string());
    }
    Prepared {
        source: Arc::clone(source),
        parsed: Ok(PreparedFile {
            name,
            name_span,
            scenarios,
            problems: v.problems,
            deferred: v.deferred,
        }),
    }
}

impl Prepared {
    /// The file as read (its path names the runbook when no `runbook = "…"` does).
    pub fn source(&self) -> &Arc<SourceFile> {
        &self.source
    }

    /// Completes the checks against `runbooks`; the file comes back only when valid.
    pub fn finish(
        self,
        runbooks: &BTreeMap<String, Arc<Runbook>>,
    ) -> (Option<TestFile>, Vec<Diagnostic>) {
        let source = &self.source;
        let file = match self.parsed {
            Ok(file) => file,
            Err(problem) => return (None, vec![problem]),
        };
        let name = file.name;
        let Some(runbook) = runbooks.get(&name) else {
            let mut d = Diagnostic::error(format!("no runbook named `{name}` to test"))
                .at(source, file.name_span);
            if let Some(s) = suggest(&name, runbooks.keys().map(String::as_str)) {
                d = d.hint(format!("did you mean `{s}`?"));
            }
            return (None, vec![d.hint("a test file `<name>.test.toml` tests `runbooks/<name>.toml`; `runbook = \"…\"` names another")]);
        };
        let mut v = Validator {
            source,
            problems: Vec::with_capacity(file.problems.len()),
            deferred: Vec::new(),
        };
        let mut deferred = file.deferred.into_iter().peekable();
        for (i, problem) in file.problems.into_iter().enumerate() {
            while let Some((_, check)) = deferred.next_if(|(at, _)| *at == i) {
                v.resolve(runbook, check);
            }
            v.problems.push(problem);
        }
        for (_, check) in deferred {
            v.resolve(runbook, check);
        }
        let problems = v.problems;
        let test = TestFile {
            display: source.display.clone(),
            closure: vec![name.clone()],
            runbook: name,
            scenarios: file.scenarios,
        };
        let valid = !problems.iter().any(Diagnostic::is_error);
        (Some(test).filter(|_| valid), problems)
    }
}
