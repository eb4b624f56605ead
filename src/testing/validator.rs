//! The checks of one test file's parts: scenarios, doubles, patterns, regexes, durations,
//! fixtures, and (once the tested runbook is known) step ids and answers. Collects located
//! [`Diagnostic`]s; reads fixture files but runs nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use toml::Spanned;

use super::pattern::Pattern;
use super::raw::{self, Reply};
use super::spec::{DoubleSpec, Expectations, Scenario};
use crate::regexes::LazyRegex;
use crate::runbook::diagnostic::{Diagnostic, suggest};
use crate::runbook::model::{Action, Runbook};
use crate::runbook::source::SourceFile;

/// A check that needs the tested runbook, kept until it is known.
pub(super) enum Deferred {
    Step(String, std::ops::Range<usize>),
    Answers(String, Vec<String>, std::ops::Range<usize>),
}

pub(super) struct Validator<'a> {
    pub source: &'a Arc<SourceFile>,
    pub problems: Vec<Diagnostic>,
    /// Each deferred check with the number of problems found before it.
    pub deferred: Vec<(usize, Deferred)>,
}

impl Validator<'_> {
    pub fn error(&mut self, span: std::ops::Range<usize>, message: String) -> &mut Diagnostic {
        self.problems
            .push(Diagnostic::error(message).at(self.source, span));
        self.problems.last_mut().expect("just pushed")
    }

    pub fn defer(&mut self, check: Deferred) {
        self.deferred.push((self.problems.len(), check));
    }

    pub fn resolve(&mut self, runbook: &Runbook, check: Deferred) {
        match check {
            Deferred::Step(id, span) => self.step_id(runbook, &id, span),
            Deferred::Answers(id, list, span) => self.answers(runbook, &id, &list, span),
        }
    }

    pub fn scenario(&mut self, raw: raw::Scenario, dir: &Path) -> Scenario {
        let mut answers = BTreeMap::new();
        for (step, given) in &raw.answers {
            let list = given.get_ref().list();
            self.defer(Deferred::Answers(step.clone(), list.clone(), given.span()));
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
            expect: self.expect(raw.expect),
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
            match crate::memo::read_to_string(&dir.join(&file)) {
                Ok(text) => reply.stdout.push_str(&text),
                Err(e) => {
                    self.error(span, format!("cannot read `stdout-file` `{file}`: {e}"));
                }
            }
        }
        reply
    }

    fn expect(&mut self, raw: raw::Expect) -> Expectations {
        let mut steps = Vec::new();
        for (id, status) in raw.steps {
            self.defer(Deferred::Step(id.clone(), status.span()));
            steps.push((id, status.into_inner()));
        }
        let mut attempts = Vec::new();
        for (id, n) in raw.attempts {
            self.defer(Deferred::Step(id.clone(), n.span()));
            attempts.push((id, n.into_inner()));
        }
        if let Some(stop) = &raw.stopped_at {
            self.defer(Deferred::Step(stop.get_ref().clone(), stop.span()));
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

    fn regex(&mut self, r: &Spanned<String>) -> Option<LazyRegex> {
        match LazyRegex::new(r.get_ref()) {
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
