//! The tera wrapper for everything a runbook templates: commands (shell-quoted), regexes
//! (regex-escaped) and prose (as is). The only module that touches tera for runbooks; it
//! knows nothing about steps or files.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::memo::Memo;
use serde_json::Value;
use tera::ast::{Expr, ExprVal, FunctionCall, Node};
use tera::{Context, Tera};

/// Where a rendered value lands, which decides how substituted values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// Commands: each value becomes one shell word.
    Shell,
    /// `expect-stdout` / `reject-stdout`: values match literally.
    Regex,
    /// Titles, descriptions, messages, typed-check fields.
    None,
}

/// What a template refers to, learned by parsing it.
#[derive(Debug, Default, Clone)]
pub struct Analysis {
    /// Top-level variable names read by the template (locals of `for`/`set` excluded).
    pub names: BTreeSet<String>,
    /// The template opts out of quoting with `| raw` (or `| safe`).
    pub uses_raw: bool,
    /// The template has a `{% filter %}` section, which commands and regexes refuse.
    pub filter_section: bool,
}

/// Parses a template and lists the variables it reads, or returns tera's message.
pub fn analyse(source: &str) -> Result<Analysis, String> {
    Result::clone(&shared_analysis(source))
}

/// [`analyse`], made once per distinct source in a process and shared, not copied: a
/// project's runbooks and test files repeat the same templates across files.
pub fn shared_analysis(source: &str) -> Arc<Result<Analysis, String>> {
    static ANALYSES: Memo<Arc<Result<Analysis, String>>> = Memo::new();
    if !is_templated(source) {
        return Arc::new(Ok(Analysis::default()));
    }
    ANALYSES.get(source, || {
        let parsed = tera::Template::new("t", None, source).map(|template| {
            let mut analysis = Analysis::default();
            walk_nodes(&template.ast, &mut Vec::new(), &mut analysis);
            analysis
        });
        Arc::new(parsed.map_err(|e| error_text(&e)))
    })
}

/// Whether `source` holds template syntax at all; text without it renders to itself.
pub fn is_templated(source: &str) -> bool {
    source.contains("{{") || source.contains("{%") || source.contains("{#")
}

fn walk_nodes(nodes: &[Node], locals: &mut Vec<String>, out: &mut Analysis) {
    for node in nodes {
        match node {
            Node::VariableBlock(_, expr) => walk_expr(expr, locals, out),
            Node::Set(_, set) => {
                walk_expr(&set.value, locals, out);
                locals.push(set.key.clone());
            }
            Node::Forloop(_, forloop, _) => {
                walk_expr(&forloop.container, locals, out);
                let depth = locals.len();
                locals.extend(forloop.key.iter().cloned());
                locals.push(forloop.value.clone());
                locals.push("loop".into());
                walk_nodes(&forloop.body, locals, out);
                if let Some(empty) = &forloop.empty_body {
                    walk_nodes(empty, locals, out);
                }
                locals.truncate(depth);
            }
            Node::If(branches, _) => {
                for (_, cond, body) in &branches.conditions {
                    walk_expr(cond, locals, out);
                    walk_nodes(body, locals, out);
                }
                if let Some((_, body)) = &branches.otherwise {
                    walk_nodes(body, locals, out);
                }
            }
            Node::FilterSection(_, section, _) => {
                out.filter_section = true;
                walk_nodes(&section.body, locals, out);
            }
            Node::Block(_, block, _) => walk_nodes(&block.body, locals, out),
            _ => {}
        }
    }
}

/// Walks a bare expression (a `when` condition) the same way as a template.
fn walk_expr(expr: &Expr, locals: &[String], out: &mut Analysis) {
    if expr
        .filters
        .iter()
        .any(|f| f.name == "raw" || f.name == "safe")
    {
        out.uses_raw = true;
    }
    for filter in &expr.filters {
        for arg in filter.args.values() {
            walk_expr(arg, locals, out);
        }
    }
    walk_value(&expr.val, locals, out);
}

fn walk_value(value: &ExprVal, locals: &[String], out: &mut Analysis) {
    match value {
        ExprVal::Ident(name) => {
            let root = name
                .split(['.', '['])
                .next()
                .unwrap_or(name.as_str())
                .to_string();
            if !locals.contains(&root) {
                out.names.insert(root);
            }
        }
        ExprVal::Math(m) => {
            walk_expr(&m.lhs, locals, out);
            walk_expr(&m.rhs, locals, out);
        }
        ExprVal::Logic(l) => {
            walk_expr(&l.lhs, locals, out);
            walk_expr(&l.rhs, locals, out);
        }
        ExprVal::In(i) => {
            walk_expr(&i.lhs, locals, out);
            walk_expr(&i.rhs, locals, out);
        }
        ExprVal::Test(test) => {
            walk_value(&ExprVal::Ident(test.ident.clone()), locals, out);
            test.args.iter().for_each(|a| walk_expr(a, locals, out));
        }
        ExprVal::FunctionCall(call) => call.args.values().for_each(|a| walk_expr(a, locals, out)),
        ExprVal::Array(items) => items.iter().for_each(|a| walk_expr(a, locals, out)),
        ExprVal::StringConcat(concat) => concat
            .values
            .iter()
            .for_each(|v| walk_value(v, locals, out)),
        _ => {}
    }
}

/// Parses a `when` expression by wrapping it in an `if`, so it gets the same analysis.
pub fn analyse_condition(expression: &str) -> Result<Analysis, String> {
    analyse(&condition_template(expression))
}

fn condition_template(expression: &str) -> String {
    format!("{{% if {expression} %}}true{{% else %}}false{{% endif %}}")
}

/// The message of a tera error with its causes, without tera's template-name noise.
pub fn error_text(error: &tera::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    let text = parts
        .into_iter()
        .filter(|p| !p.starts_with("Failed to parse") && !p.starts_with("Failed to render"))
        .collect::<Vec<_>>()
        .join(": ");
    text.replace("__tera_one_off", "template")
        .trim()
        .to_string()
}

/// Whether a `{{ … }}` of a command template stands inside `'…'` or `"…"`, where the
/// automatic quoting would close and reopen the author's quotes.
pub fn expression_inside_quotes(source: &str) -> bool {
    // Without a quote character there is nothing to be inside (most commands).
    if memchr::memchr2(b'\'', b'"', source.as_bytes()).is_none() {
        return false;
    }
    let mut quote: Option<char> = None;
    let mut rest = source;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("{% raw %}") {
            let end = rest
                .find("{% endraw %}")
                .map_or(rest.len(), |i| i + "{% endraw %}".len());
            rest = &rest[end..];
            continue;
        }
        if rest.starts_with("{{") {
            if quote.is_some() {
                return true;
            }
            rest = rest.find("}}").map_or("", |i| &rest[i + 2..]);
            continue;
        }
        match (quote, c) {
            (None | Some('"'), '\\') => {
                let skip = rest.chars().take(2).map(char::len_utf8).sum::<usize>();
                rest = &rest[skip..];
                continue;
            }
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if q == c => quote = None,
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    false
}

pub use super::quote::{Markers, shell_quote};
use super::quote::{REGEX_FILTER, RegexFilter, SHELL_FILTER, ShellFilter};

/// The name tera gives a one-off template; error messages replace it by "template".
const ONE_OFF: &str = "__tera_one_off";

struct RawFilter;

impl tera::Filter for RawFilter {
    fn filter(&self, value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
        Ok(value.clone())
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// Renders templates with the variables of a run.
///
/// Escaping never relies on tera's autoescape, which skips concatenations, arrays and
/// numbers: the parsed template gets one more filter at the end of every `{{ … }}`
/// (unless it opts out with `| raw`), so the final value of each expression, whatever
/// it is, is escaped exactly once.
pub struct Renderer {
    tera: Tera,
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new()
    }
}

impl Renderer {
    pub fn new() -> Self {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![]);
        tera.register_filter("raw", RawFilter);
        tera.register_filter(REGEX_FILTER, RegexFilter);
        Self { tera }
    }

    /// Renders `source` with `context`, escaping each expression's value for `escape`.
    /// A command rendered here holds no secrets; see [`Renderer::command`].
    pub fn render(
        &mut self,
        source: &str,
        escape: Escape,
        context: &Context,
    ) -> Result<String, String> {
        match escape {
            Escape::Shell => self.command(source, &Markers::new(), context),
            Escape::Regex => self.escaped(source, Some(REGEX_FILTER), context),
            Escape::None => self.escaped(source, None, context),
        }
    }

    /// Renders a command whose context holds `markers` in place of secrets: each becomes
    /// its environment reference, everything else one literal shell word per expression.
    pub fn command(
        &mut self,
        source: &str,
        markers: &Markers,
        context: &Context,
    ) -> Result<String, String> {
        self.tera
            .register_filter(SHELL_FILTER, ShellFilter(markers.clone()));
        let text = markers.resolve(&self.escaped(source, Some(SHELL_FILTER), context)?);
        if markers.mangled_in(&text) {
            return Err(
                "a filter was applied to a secret in a command; transform it in \
                 the shell instead (it is in `$RUNBOOK_VAR_<NAME>`)"
                    .into(),
            );
        }
        Ok(text)
    }

    fn escaped(
        &mut self,
        source: &str,
        filter: Option<&str>,
        context: &Context,
    ) -> Result<String, String> {
        if !is_templated(source) {
            return Ok(source.to_string());
        }
        let Some(filter) = filter else {
            return self
                .tera
                .render_str(source, context)
                .map_err(|e| error_text(&e));
        };
        self.tera
            .add_raw_template(ONE_OFF, source)
            .map_err(|e| error_text(&e))?;
        let template = self.tera.templates.get_mut(ONE_OFF).expect("just added");
        let result = append_filter(&mut template.ast, filter).and_then(|()| {
            self.tera
                .render(ONE_OFF, context)
                .map_err(|e| error_text(&e))
        });
        self.tera.templates.remove(ONE_OFF);
        result
    }

    /// Evaluates a `when` expression to a boolean.
    pub fn condition(&mut self, expression: &str, context: &Context) -> Result<bool, String> {
        let text = self.render(&condition_template(expression), Escape::None, context)?;
        Ok(text == "true")
    }
}

/// Whether an expression opts out of escaping.
fn is_raw(expr: &Expr) -> bool {
    expr.filters
        .iter()
        .any(|f| f.name == "raw" || f.name == "safe")
}

/// Makes `filter` the last filter of every output expression in `nodes`, at any depth.
fn append_filter(nodes: &mut [Node], filter: &str) -> Result<(), String> {
    for node in nodes {
        match node {
            Node::VariableBlock(_, expr) if !is_raw(expr) => expr.filters.push(FunctionCall {
                name: filter.to_string(),
                args: HashMap::new(),
            }),
            Node::Forloop(_, forloop, _) => {
                append_filter(&mut forloop.body, filter)?;
                if let Some(empty) = &mut forloop.empty_body {
                    append_filter(empty, filter)?;
                }
            }
            Node::If(branches, _) => {
                for (_, _, body) in &mut branches.conditions {
                    append_filter(body, filter)?;
                }
                if let Some((_, body)) = &mut branches.otherwise {
                    append_filter(body, filter)?;
                }
            }
            Node::Block(_, block, _) => append_filter(&mut block.body, filter)?,
            // Its filter would run on text already escaped and could undo the escaping.
            Node::FilterSection(..) => {
                return Err(
                    "`{% filter %}` sections are not allowed here: apply the filter \
                     inside the `{{ … }}`"
                        .into(),
                );
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analysis_lists_free_variables_only() {
        let a = analyse("{% for x in items %}{{ x }} {{ loop.index }}{% endfor %} {{ run.id }} {{ name | raw }}").unwrap();
        assert_eq!(
            a.names.iter().cloned().collect::<Vec<_>>(),
            ["items", "name", "run"]
        );
        assert!(a.uses_raw);
        assert!(analyse("{{ oops").is_err());
        let c = analyse_condition("kind != 'cronjob' and ns is containing('a')").unwrap();
        assert!(c.names.contains("kind") && c.names.contains("ns"));
    }

    #[test]
    fn shell_mode_quotes_every_value_as_one_word() {
        let mut r = Renderer::new();
        let mut ctx = Context::new();
        ctx.insert("x", "x; touch pwned");
        ctx.insert("plain", "sonarr");
        let out = r
            .render(
                "echo {{ x }} {{ plain }} {{ x | raw }}",
                Escape::Shell,
                &ctx,
            )
            .unwrap();
        assert_eq!(out, "echo 'x; touch pwned' sonarr x; touch pwned");
        assert_eq!(
            r.render("{{ x }}", Escape::Regex, &ctx).unwrap(),
            r"x; touch pwned"
        );
        ctx.insert("dot", "a.b");
        assert_eq!(
            r.render("^{{ dot }}$", Escape::Regex, &ctx).unwrap(),
            r"^a\.b$"
        );
    }

    #[test]
    fn a_secret_is_a_reference_and_filters_cannot_take_it_apart() {
        let mut r = Renderer::new();
        let markers = Markers::new();
        let mut ctx = Context::new();
        ctx.insert("token", &markers.marker("token"));
        assert_eq!(
            r.command("curl -H {{ 'Bearer ' ~ token }}", &markers, &ctx)
                .unwrap(),
            "curl -H 'Bearer '\"${RUNBOOK_VAR_TOKEN}\""
        );
        assert!(
            r.command("echo {{ token | upper }}", &markers, &ctx)
                .is_err()
        );
        assert!(
            r.command(
                "{% filter upper %}{{ token }}{% endfilter %}",
                &markers,
                &ctx
            )
            .is_err()
        );
    }

    #[test]
    fn finds_expressions_inside_quotes() {
        assert!(expression_inside_quotes("echo '{{ x }}'"));
        assert!(expression_inside_quotes("echo \"a {{ x }}\""));
        assert!(!expression_inside_quotes("echo {{ x }} 'a'"));
        assert!(!expression_inside_quotes("echo \\' {{ x }}"));
        assert!(!expression_inside_quotes(
            "kubectl get -o '{% raw %}{{ .x }}{% endraw %}' {{ y }}"
        ));
    }

    #[test]
    fn conditions_evaluate() {
        let mut r = Renderer::new();
        let mut ctx = Context::new();
        ctx.insert("kind", "deployment");
        assert!(r.condition("kind != 'cronjob'", &ctx).unwrap());
        assert!(!r.condition("kind == 'cronjob'", &ctx).unwrap());
    }
}
