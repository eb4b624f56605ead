//! Shared helpers of validation: collect diagnostics for one file and check the small
//! things every table has (templates, durations, regexes, names). Never stops at the first
//! problem: each helper records what it found and returns a usable value.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use toml::Spanned;

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
    /// Variables read by the templates analysed since it was last cleared (one step's).
    pub used: BTreeSet<String>,
    /// Parsed templates and compiled regexes by source text: a large runbook repeats the
    /// same check commands and patterns many times, and compiling is the costly part.
    analyses: HashMap<String, Result<Analysis, String>>,
    regexes: HashMap<String, Result<Regex, String>>,
}

impl Context {
    pub fn new(source: &Arc<SourceFile>) -> Self {
        Self {
            source: Arc::clone(source),
            diagnostics: Vec::new(),
            known: BUILTINS.iter().map(ToString::to_string).collect(),
            declared: BTreeSet::new(),
            used: BTreeSet::new(),
            analyses: HashMap::new(),
            regexes: HashMap::new(),
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
        let result = self.analyse(text.get_ref());
        self.report_analysis(text, result, locals, command, false);
        if command && template::expression_inside_quotes(text.get_ref()) {
            self.warning(text.span(), "template expression inside shell quotes")
                .add_hint(
                    "values are quoted for you: write `echo {{ name }}`, not `echo '{{ name }}'`",
                );
        }
        text.get_ref().clone()
    }

    /// [`template::analyse`], with a fast path for plain `{{ name }}` templates and a cache.
    fn analyse(&mut self, source: &str) -> Result<Analysis, String> {
        if let Some(analysis) = simple_analysis(source) {
            return Ok(analysis);
        }
        // Looked up before inserting: most lookups hit, and a key is allocated only on a miss.
        if !self.analyses.contains_key(source) {
            self.analyses
                .insert(source.to_string(), template::analyse(source));
        }
        self.analyses[source].clone()
    }

    /// Checks a `when` expression the same way as a template.
    pub fn condition(&mut self, text: &Text, locals: &[&str]) -> String {
        let result = template::analyse_condition(text.get_ref());
        self.report_analysis(text, result, locals, false, true);
        text.get_ref().clone()
    }

    fn report_analysis(
        &mut self,
        text: &Text,
        result: Result<Analysis, String>,
        locals: &[&str],
        command: bool,
        condition: bool,
    ) {
        let analysis = match result {
            Ok(a) => a,
            Err(message) if condition => {
                // The condition was wrapped in `{% if … %}`: 6 characters before it.
                let message = syntax_message(&message, "{% if ".len());
                self.error(text.span(), format!("invalid condition: {message}"))
                    .add_hint("`when` is a tera expression, for example `kind != 'cronjob'`");
                return;
            }
            Err(message) => {
                let message = syntax_message(&message, 0);
                self.error(text.span(), format!("invalid template: {message}"))
                    .add_hint("a literal `{{` is written inside `{% raw %}…{% endraw %}`");
                return;
            }
        };
        self.used.extend(analysis.names.iter().cloned());
        for name in &analysis.names {
            if self.known.contains(name) || locals.contains(&name.as_str()) {
                continue;
            }
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

    pub fn regex(&mut self, text: &Text) -> Option<Regex> {
        self.check_regex(text)
            .then(|| self.regexes[text.get_ref()].clone().ok())
            .flatten()
    }

    /// Compiles a regex once per distinct source and reports it if invalid; `false` then.
    fn check_regex(&mut self, text: &Text) -> bool {
        let source = text.get_ref();
        if !self.regexes.contains_key(source) {
            let compiled = Regex::new(source).map_err(|e| {
                let detail = e.to_string();
                let last = detail.lines().last().unwrap_or_default().trim().to_string();
                last.trim_start_matches("error: ").to_string()
            });
            self.regexes.insert(source.clone(), compiled);
        }
        match &self.regexes[source] {
            Ok(_) => true,
            Err(message) => {
                let message = format!("invalid regex: {message}");
                self.error(text.span(), message);
                false
            }
        }
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

/// The analysis of a template whose only tags are `{{ name }}` or `{{ name.field }}`,
/// found without tera's parser (the common case, and parsing is the slow part of checking a
/// large runbook). `None` for anything else, which goes to tera.
fn simple_analysis(source: &str) -> Option<Analysis> {
    const KEYWORDS: &[&str] = &[
        "true",
        "false",
        "True",
        "False",
        "and",
        "or",
        "not",
        "in",
        "is",
        "loop",
        "__tera_context",
    ];
    if find_pair(source, *b"{%").is_some() || find_pair(source, *b"{#").is_some() {
        return None;
    }
    let mut analysis = Analysis::default();
    let mut rest = source;
    while let Some(open) = find_pair(rest, *b"{{") {
        let after = &rest[open + 2..];
        let close = find_pair(after, *b"}}")?;
        let inner = after[..close].trim_matches(' ');
        let mut parts = inner.split('.');
        let root = parts.next()?;
        let ident = |p: &str| {
            let mut chars = p.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if !ident(root) || KEYWORDS.contains(&root) || !parts.all(ident) {
            return None;
        }
        analysis.names.insert(root.to_string());
        rest = &after[close + 2..];
    }
    Some(analysis)
}

/// Where the two ASCII bytes `pair` first occur in `text` (what `text.find(pair)` gives).
/// `str::find` with a string pattern sets up a two-way searcher on every call, which was
/// the largest part of checking a plain template.
fn find_pair(text: &str, pair: [u8; 2]) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(pair[0], bytes).find(|&i| bytes.get(i + 1) == Some(&pair[1]))
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

    #[test]
    fn simple_templates_skip_the_parser_and_agree_with_it() {
        for source in [
            "echo {{ a }} {{b.c}} }} x",
            "plain",
            "{{ run.id }}",
            "{ {{a}}{",
        ] {
            let fast = simple_analysis(source).expect("simple");
            assert_eq!(
                fast.names,
                template::analyse(source).unwrap().names,
                "{source}"
            );
        }
        for source in [
            "{{ a | raw }}",
            "{{ a }",
            "{{ true }}",
            "{% if a %}{% endif %}",
            "{{ a[0] }}",
            "{{ a",
            "{{{ a }}",
            "x {#c#}",
        ] {
            assert!(simple_analysis(source).is_none(), "{source}");
        }
    }
}
