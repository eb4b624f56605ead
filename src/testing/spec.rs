//! A test file, validated against the runbook it tests: step ids exist, patterns and
//! regexes compile, fixtures exist. Every problem is a located [`Diagnostic`]; nothing
//! here runs anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::pattern::Pattern;
use super::raw::{self, Reply, RunMode, State, StepStatus};
use crate::runbook::diagnostic::{Diagnostic, suggest};
use crate::runbook::load::toml_diagnostic;
use crate::runbook::model::{Action, Runbook};
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
    pub message: Option<Regex>,
    pub output: Option<Regex>,
    pub never_output: Vec<Regex>,
    pub steps: Vec<(String, StepStatus)>,
    pub attempts: Vec<(String, u32)>,
    pub calls: Vec<Pattern>,
    pub never: Vec<Pattern>,
    pub exists: Vec<String>,
    pub absent: Vec<String>,
    pub contains: Vec<(String, Regex)>,
}

/// The runbook a test file tests, by its file name.
pub fn runbook_of(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let name = name.unwrap_or_default();
    name.strip_suffix(SUFFIX).unwrap_or(&name).to_string()
}

/// Reads and validates a test file; `runbooks` are the project's loaded runbooks.
pub fn load(
    source: &Arc<SourceFile>,
    runbooks: &BTreeMap<String, Arc<Runbook>>,
) -> (Option<TestFile>, Vec<Diagnostic>) {
    let file: raw::File = match toml::from_str(&source.text) {
        Ok(file) => file,
        Err(e) => return (None, vec![toml_diagnostic(source, &e)]),
    };
    let mut v = Validator {
        source,
        problems: Vec::new(),
    };
    let name = file
        .runbook
        .as_ref()
        .map_or_else(|| runbook_of(source.path()), |r| r.get_ref().clone());
    let Some(runbook) = runbooks.get(&name) else {
        let span = file.runbook.as_ref().map_or(0..0, Spanned::span);
        let mut d =
            Diagnostic::error(format!("no runbook named `{name}` to test")).at(source, span);
        if let Some(s) = suggest(&name, runbooks.keys().map(String::as_str)) {
            d = d.hint(format!("did you mean `{s}`?"));
        }
        return (None, vec![d.hint("a test file `<name>.test.toml` tests `runbooks/<name>.toml`; `runbook = \"…\"` names another")]);
    };
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
        scenarios.push(v.scenario(raw, runbook, &dir));
    }
    if scenarios.is_empty() {
        v.error(0..0, "a test file without any `[[scenario]]`".to_string());
    }
    let problems = v.problems;
    let test = TestFile {
        display: source.display.clone(),
        closure: vec![name.clone()],
        runbook: name,
        scenarios,
    };
    let valid = !problems.iter().any(Diagnostic::is_error);
    (Some(test).filter(|_| valid), problems)
}

struct Validator<'a> {
    source: &'a Arc<SourceFile>,
    problems: Vec<Diagnostic>,
}

impl Validator<'_> {
    fn error(&mut self, span: std::ops::Range<usize>, message: String) -> &mut Diagnostic {
        self.problems
            .push(Diagnostic::error(message).at(self.source, span));
        self.problems.last_mut().expect("just pushed")
    }

    fn scenario(&mut self, raw: raw::Scenario, runbook: &Runbook, dir: &Path) -> Scenario {
        let mut answers = BTreeMap::new();
        for (step, given) in &raw.answers {
            let list = given.get_ref().list();
            self.answers(runbook, step, &list, given.span());
            answers.insert(step.clone(), list);
        }
        let repo = raw.repo.as_ref().map(|r| {
            let path = dir.join(r.get_ref());
            if !path.is_dir() {
                self.error(
                    r.span(),
                    format!("no fixture directory `{}`", path.display()),
                );
            }
            path
        });
        let has_repo = raw.repo.is_some();
        let doubles = raw
            .doubles
            .iter()
            .map(|d| self.double(d, dir, has_repo))
            .collect();
        Scenario {
            name: raw.name.into_inner(),
            vars: raw.vars,
            mode: raw.mode,
            allow_destructive: raw.allow_destructive,
            answers,
            repo,
            repo_var: raw.repo_var,
            timeout: Duration::from_secs(raw.timeout.max(1)),
            poll_interval: raw.poll_interval.as_ref().and_then(|p| self.duration(p)),
            rollback: raw.rollback,
            doubles,
            expect: self.expect(raw.expect, runbook),
        }
    }

    fn double(&mut self, d: &raw::Double, dir: &Path, has_repo: bool) -> DoubleSpec {
        if let Some(args) = &d.args {
            self.pattern(args);
        }
        let files = d
            .files
            .keys()
            .chain(d.then.iter().flat_map(|r| r.files.keys()));
        for path in files {
            self.file_path(path, has_repo, d.program.span());
        }
        let program = d.program.get_ref();
        if program.is_empty() || program.contains('/') || program.contains(char::is_whitespace) {
            self.error(
                d.program.span(),
                format!("`{program}` is not a program name"),
            )
            .add_hint("a double replaces a program found on PATH: `kubectl`, `flux`, `git`");
        }
        let first = Reply {
            stdout: d.stdout.clone(),
            stdout_file: d.stdout_file.as_ref().map(|f| f.get_ref().clone()),
            stderr: d.stderr.clone(),
            exit: d.exit,
            files: d.files.clone(),
        };
        let span = d
            .stdout_file
            .as_ref()
            .map_or_else(|| d.program.span(), Spanned::span);
        let replies = std::iter::once(first)
            .chain(d.then.iter().cloned())
            .map(|r| self.read_stdout(r, dir, span.clone()))
            .collect();
        DoubleSpec {
            program: program.clone(),
            args: d.args.as_ref().map(|a| a.get_ref().clone()),
            replies,
        }
    }

    /// A double writes files only into the repo fixture, at a path inside it: never into
    /// the project, which the scenario's run sees through links.
    fn file_path(&mut self, path: &str, has_repo: bool, span: std::ops::Range<usize>) {
        use std::path::Component;
        let inside = Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !has_repo {
            self.error(
                span,
                format!("a double writes `{path}` but the scenario has no `repo` fixture"),
            )
            .add_hint(
                "`files` land in the repo fixture; the project's own files are never written",
            );
        } else if !inside || path.is_empty() {
            self.error(
                span,
                format!("`{path}` is not a path inside the repo fixture"),
            )
            .add_hint("give a relative path without `..`: `apps/sonarr/values.yaml`");
        }
    }

    /// Appends the content of `stdout-file` to the reply's stdout.
    fn read_stdout(&mut self, mut reply: Reply, dir: &Path, span: std::ops::Range<usize>) -> Reply {
        if let Some(file) = reply.stdout_file.take() {
            match std::fs::read_to_string(dir.join(&file)) {
                Ok(text) => reply.stdout.push_str(&text),
                Err(e) => {
                    self.error(span, format!("cannot read `stdout-file` `{file}`: {e}"));
                }
            }
        }
        reply
    }

    fn expect(&mut self, raw: raw::Expect, runbook: &Runbook) -> Expectations {
        let mut steps = Vec::new();
        for (id, status) in raw.steps {
            self.step_id(runbook, &id, status.span());
            steps.push((id, status.into_inner()));
        }
        let mut attempts = Vec::new();
        for (id, n) in raw.attempts {
            self.step_id(runbook, &id, n.span());
            attempts.push((id, n.into_inner()));
        }
        if let Some(stop) = &raw.stopped_at {
            self.step_id(runbook, stop.get_ref(), stop.span());
        }
        let contains = raw
            .contains
            .iter()
            .filter_map(|(path, re)| Some((path.clone(), self.regex(re)?)))
            .collect();
        Expectations {
            state: raw.state.map(Spanned::into_inner),
            exit: raw.exit,
            stopped_at: raw.stopped_at.map(Spanned::into_inner),
            message: raw.message.as_ref().and_then(|m| self.regex(m)),
            output: raw.output.as_ref().and_then(|m| self.regex(m)),
            never_output: raw
                .never_output
                .iter()
                .filter_map(|m| self.regex(m))
                .collect(),
            steps,
            attempts,
            calls: raw.calls.iter().filter_map(|p| self.pattern(p)).collect(),
            never: raw.never.iter().filter_map(|p| self.pattern(p)).collect(),
            exists: raw.exists,
            absent: raw.absent,
            contains,
        }
    }

    fn pattern(&mut self, p: &Spanned<String>) -> Option<Pattern> {
        match Pattern::parse(p.get_ref()) {
            Ok(pattern) => Some(pattern),
            Err(e) => {
                self.error(p.span(), format!("invalid pattern: {e}"));
                None
            }
        }
    }

    fn duration(&mut self, d: &Spanned<String>) -> Option<Duration> {
        match crate::runbook::duration::parse(d.get_ref()) {
            Ok(duration) => Some(duration),
            Err(e) => {
                self.error(d.span(), format!("invalid duration: {e}"));
                None
            }
        }
    }

    fn regex(&mut self, r: &Spanned<String>) -> Option<Regex> {
        match crate::memo::regex(r.get_ref()) {
            Ok(regex) => Some(regex),
            Err(e) => {
                self.error(r.span(), format!("invalid regex: {e}"));
                None
            }
        }
    }

    /// A journal id (`deploy[alpha]`, `fix/suspend`) names a step by its first part.
    fn step_id(&mut self, runbook: &Runbook, id: &str, span: std::ops::Range<usize>) {
        let base = id.split(['[', '/']).next().unwrap_or(id);
        if runbook.step(base).is_some() {
            return;
        }
        let hint = suggest(base, runbook.steps.iter().map(|s| s.id.as_str())).map_or_else(
            || format!("`runbook show {}` lists its steps", runbook.name),
            |s| format!("did you mean `{s}`?"),
        );
        self.error(
            span,
            format!("runbook `{}` has no step `{base}`", runbook.name),
        )
        .add_hint(hint);
    }

    fn answers(
        &mut self,
        runbook: &Runbook,
        id: &str,
        list: &[String],
        span: std::ops::Range<usize>,
    ) {
        self.step_id(runbook, id, span.clone());
        let base = id.split(['[', '/']).next().unwrap_or(id);
        let Some(step) = runbook.step(base) else {
            return;
        };
        let words: &[&str] = match step.action {
            // A confirm step asks first (`yes`/`no`), then shows its instructions.
            Action::Manual(_) if step.confirm => &["yes", "no", "done", "skip", "abort"],
            Action::Manual(_) => &["done", "skip", "abort"],
            Action::Ask(_) => return,
            _ if step.confirm => &["yes", "no", "retry", "skip", "rollback", "abort"],
            _ => &["retry", "skip", "rollback", "abort", "rerun", "done"],
        };
        for answer in list {
            if !words.contains(&answer.as_str()) {
                self.error(
                    span.clone(),
                    format!("`{answer}` is not an answer for step `{id}`"),
                )
                .add_hint(format!("answers here: {}", words.join(", ")));
            }
        }
    }
}
