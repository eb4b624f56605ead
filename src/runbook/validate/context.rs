//! Shared helpers of validation: collect diagnostics for one file and check the small
//! things every table has (templates, durations, regexes, names). Never stops at the first
//! problem: each helper records what it found and returns a usable value.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use toml::Spanned;

use super::plain_condition::plain_condition;
use super::plain_template::{find_pair, simple_names};
use super::reads::ReadsInterner;
use crate::render::template::{self, Analysis};
use crate::runbook::diagnostic::{Diagnostic, suggest};
use crate::runbook::duration;
use crate::runbook::raw::Text;
use crate::runbook::source::{SourceFile, Span};

/// Names every template may use besides the runbook's own variables.
pub const BUILTINS: &[&str] = &["runbook", "run"];

pub struct Context {
    pub source: Arc<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// Variables a template may read: declared, captured, asked and built in.
    pub known: BTreeSet<String>,
    /// The names declared under `[vars]`.
    pub declared: BTreeSet<String>,
    /// Variables read by the templates analysed since its last `finish` (one step's).
    pub used: ReadsInterner,
    /// Each regex checked, by source text, with its problem if it does not compile: a
    /// large runbook repeats the same patterns many times. Whether one compiles is
    /// `regexes::compiles`' answer (parsed, not compiled, where that says as much).
    regexes: HashMap<String, Option<String>>,
    /// Reused buffer of [`Context::plain_names`], so checking a template allocates nothing.
    simple_names: Vec<Range<usize>>,
}

impl Context {
    pub fn new(source: &Arc<SourceFile>) -> Self {
        Self {
            source: Arc::clone(source),
            diagnostics: Vec::new(),
            known: BUILTINS.iter().map(ToString::to_string).collect(),
            declared: BTreeSet::new(),
            used: ReadsInterner::default(),
            regexes: HashMap::new(),
            simple_names: Vec::new(),
        }
    }

    /// A context with the same variables, no diagnostics and empty caches: for another
    /// thread to validate steps as this one would.
    pub fn fork(&self) -> Context {
        Context {
            known: self.known.clone(),
            declared: self.declared.clone(),
            ..Context::new(&self.source)
        }
    }

    pub fn error(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        let d = Diagnostic::error(message).at(&self.source, span);
        self.diagnostics.push(d);
        self.diagnostics.last_mut().expect("just pushed")
    }

    pub fn warning(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        let d = Diagnostic::warning(message).at(&self.source, span);
        self.diagnostics.push(d);
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Checks a template: syntax, unknown variables, and `| raw` in commands.
    pub fn template(&mut self, text: &Text, locals: &[&str], command: bool) -> String {
        let source = text.get_ref();
        if !self.plain_names(text, locals, simple_names) {
            let analysis = template::shared_analysis(source);
            self.report_analysis(text, &analysis, locals, command, false);
        }
        if command && template::expression_inside_quotes(source) {
            self.warning(text.span(), "template expression inside shell quotes")
                .add_hint(
                    "values are quoted for you: write `echo {{ name }}`, not `echo '{{ name }}'`",
                );
        }
        source.clone()
    }

    /// Checks a `when` expression the same way as a template.
    pub fn condition(&mut self, text: &Text, locals: &[&str]) -> String {
        let source = text.get_ref();
        if !self.plain_names(text, locals, plain_condition) {
            let result = template::analyse_condition(source);
            self.report_analysis(text, &result, locals, false, true);
        }
        source.clone()
    }

    /// Reports the names `read` finds in `text` in place, without tera (no `Analysis`, no
    /// allocation per name): most templates and conditions of a large runbook are plain
    /// and differ only in literal text. `false` when `read` cannot tell: tera's then.
    fn plain_names(
        &mut self,
        text: &Text,
        locals: &[&str],
        read: impl Fn(&str, &mut Vec<Range<usize>>) -> bool,
    ) -> bool {
        let source = text.get_ref();
        let mut names = std::mem::take(&mut self.simple_names);
        let plain = read(source, &mut names);
        if plain {
            self.report_names(text, names.iter().map(|r| &source[r.clone()]), locals);
        }
        names.clear();
        self.simple_names = names;
        plain
    }

    fn report_analysis(
        &mut self,
        text: &Text,
        result: &Result<Analysis, String>,
        locals: &[&str],
        command: bool,
        condition: bool,
    ) {
        let analysis = match result {
            Ok(a) => a,
            Err(message) if condition => {
                // The condition was wrapped in `{% if … %}`: 6 characters before it.
                let message = syntax_message(message, "{% if ".len());
                self.error(text.span(), format!("invalid condition: {message}"))
                    .add_hint("`when` is a tera expression, for example `kind != 'cronjob'`");
                return;
            }
            Err(message) => {
                let message = syntax_message(message, 0);
                self.error(text.span(), format!("invalid template: {message}"))
                    .add_hint("a literal `{{` is written inside `{% raw %}…{% endraw %}`");
                return;
            }
        };
        self.report_names(text, analysis.names.iter().map(String::as_str), locals);
        if analysis.filter_section && command {
            self.error(text.span(), "`{% filter %}` section in a command")
                .add_hint(
                    "its filter would run on quoted text; apply the filter inside the `{{ … }}`",
                );
        }
        if analysis.uses_raw && command {
            self.warning(text.span(), "`| raw` turns off shell quoting for this value")
                .add_hint("a value with spaces or `;` will be split or run as shell syntax; prefer plain `{{ x }}`");
        }
    }

    /// Records the names a template reads in `used` and reports the unknown ones, each once
    /// and in name order (the order of [`Analysis::names`]), whatever order `names` has.
    fn report_names<'a>(
        &mut self,
        text: &Text,
        names: impl Iterator<Item = &'a str>,
        locals: &[&str],
    ) {
        let mut unknown: BTreeSet<&str> = BTreeSet::new();
        for name in names {
            self.used.record(name);
            if !self.known.contains(name) && !locals.contains(&name) {
                unknown.insert(name);
            }
        }
        for name in unknown {
            let candidates: Vec<&str> = self
                .known
                .iter()
                .map(String::as_str)
                .chain(locals.iter().copied())
                .collect();
            let hint = match suggest(name, candidates) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "declare it as `[vars.{name}]`, or set it with `capture`, `ask`/`into` or `foreach`"
                ),
            };
            self.error(
                text.span(),
                format!("template uses unknown variable `{name}`"),
            )
            .add_hint(hint);
        }
    }

    pub fn duration(&mut self, text: Option<&Text>, default: Duration) -> Duration {
        let Some(text) = text else { return default };
        match duration::parse(text.get_ref()) {
            Ok(d) => d,
            Err(message) => {
                self.error(text.span(), format!("invalid duration: {message}"))
                    .add_hint("write durations like `500ms`, `10s`, `5m` or `1h30m`");
                default
            }
        }
    }

    pub fn optional_duration(&mut self, text: Option<&Text>) -> Option<Duration> {
        text.map(|t| self.duration(Some(t), Duration::ZERO))
    }

    /// The compiled regex, for the few a runbook matches itself (an answer's `pattern`).
    pub fn regex(&mut self, text: &Text) -> Option<Regex> {
        self.check_regex(text)
            .then(|| crate::memo::regex(text.get_ref()).ok())
            .flatten()
    }

    /// Compiles a regex once per distinct source and reports it if invalid; `false` then.
    fn check_regex(&mut self, text: &Text) -> bool {
        let source = text.get_ref();
        // One lookup on a hit (the common case); the message is cloned only when invalid.
        let problem = match self.regexes.get(source) {
            Some(problem) => problem.clone(),
            None => {
                let problem = crate::regexes::compiles(source).err().map(|e| {
                    let detail = e.to_string();
                    let last = detail.lines().last().unwrap_or_default().trim().to_string();
                    last.trim_start_matches("error: ").to_string()
                });
                self.regexes.insert(source.clone(), problem.clone());
                problem
            }
        };
        let Some(message) = problem else { return true };
        self.error(text.span(), format!("invalid regex: {message}"));
        false
    }

    /// A regex that may contain template expressions: only a plain one can be checked now.
    pub fn templated_regex(&mut self, text: &Text, locals: &[&str]) -> String {
        let source = self.template(text, locals, false);
        if find_pair(&source, *b"{{").is_none() && find_pair(&source, *b"{%").is_none() {
            // Only whether it compiles matters here: no clone of the compiled regex.
            self.check_regex(text);
        }
        source
    }

    /// Checks that a variable name is a template identifier.
    pub fn variable_name(&mut self, name: &str, span: Span) {
        if !is_variable_name(name) {
            let fixed = name.replace('-', "_").to_lowercase();
            self.error(span, format!("`{name}` is not a valid variable name"))
                .add_hint(format!(
                    "variable names are snake_case (`^[a-z_][a-z0-9_]*$`): try `{fixed}`"
                ));
        }
    }
}

/// Condenses tera's multi-line parser message (`--> 1:9`, the source line, a marker, then
/// `= expected …`) into one line with the position inside the template, so it neither
/// repeats the source nor looks like a second file location. `shift` is the length of a
/// wrapper put before the text.
fn syntax_message(message: &str, shift: usize) -> String {
    let expected = message.lines().find_map(|l| l.trim().strip_prefix("= "));
    let position = message.lines().find_map(|l| l.trim().strip_prefix("--> "));
    let (Some(expected), Some(position)) = (expected, position) else {
        return message.to_string();
    };
    let mut numbers = position
        .split(':')
        .map(|n| n.trim().parse::<usize>().unwrap_or(1));
    let (line, column) = (numbers.next().unwrap_or(1), numbers.next().unwrap_or(1));
    let column = if line == 1 {
        column.saturating_sub(shift).max(1)
    } else {
        column
    };
    if line == 1 {
        format!("{expected} (at column {column} of the text)")
    } else {
        format!("{expected} (at line {line}, column {column} of the text)")
    }
}

pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub fn is_step_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Strings of a list of spanned texts.
pub fn strings(items: &[Spanned<String>]) -> Vec<String> {
    items.iter().map(|t| t.get_ref().clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        let source = SourceFile::new("t.toml".into(), "t.toml".into(), "x".repeat(40));
        let mut cx = Context::new(&source);
        cx.known.insert("known".to_string());
        cx
    }

    #[test]
    fn unknown_names_are_reported_once_each_in_name_order() {
        let mut cx = context();
        let text = Spanned::new(
            0..10,
            "{{ zeta }} {{ known }} {{ alpha.x }} {{zeta}}".to_string(),
        );
        cx.template(&text, &[], false);
        let messages: Vec<&str> = cx.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "template uses unknown variable `alpha`",
                "template uses unknown variable `zeta`"
            ]
        );
        let reads = cx.used.finish();
        let used: Vec<&str> = reads.iter().map(|n| &**n).collect();
        assert_eq!(used, ["alpha", "known", "zeta"]);
    }

    #[test]
    fn templates_tera_parses_report_the_same_way_and_locals_are_known() {
        let mut cx = context();
        let text = Spanned::new(
            0..10,
            "{{ zeta | upper }} {{ item }} {{ alpha }}".to_string(),
        );
        cx.template(&text, &["item"], false);
        let messages: Vec<&str> = cx.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "template uses unknown variable `alpha`",
                "template uses unknown variable `zeta`"
            ]
        );
    }

    #[test]
    fn an_invalid_regex_is_reported_each_time_it_is_used() {
        let mut cx = context();
        let bad = Spanned::new(0..3, "a(".to_string());
        let good = Spanned::new(0..3, "a+".to_string());
        assert!(cx.regex(&good).is_some());
        assert!(cx.regex(&good).is_some());
        assert!(cx.regex(&bad).is_none());
        assert!(cx.regex(&bad).is_none());
        assert_eq!(cx.diagnostics.len(), 2);
        assert!(cx.diagnostics[1].message.starts_with("invalid regex: "));
    }
}
