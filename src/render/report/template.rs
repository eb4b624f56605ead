//! The report's template: `templates/report.md.tera`, embedded, or the file of that name in
//! a `--templates DIR`. Registers the two filters the template needs to keep journal text
//! from becoming Markdown syntax: `cell` (a table cell) and `code` (an inline code span).

use std::collections::HashMap;
use std::path::Path;

use tera::{Tera, Value};

use super::model::Report;
use crate::error::{Error, Result};
use crate::render::template::error_text;

pub const REPORT_TEMPLATE: &str = "report.md.tera";
pub const EMBEDDED: &str = include_str!("../../../templates/report.md.tera");

/// The compiled report template.
pub struct ReportTemplate {
    tera: Tera,
    /// The override file, when one was used.
    pub file: Option<std::path::PathBuf>,
}

impl ReportTemplate {
    /// The embedded template, or `dir/report.md.tera` when that file exists.
    pub fn load(dir: Option<&Path>) -> Result<Self> {
        let mut file = None;
        let mut text = EMBEDDED.to_string();
        if let Some(dir) = dir {
            if !dir.is_dir() {
                return Err(Error::usage_hint(
                    format!("template directory `{}` does not exist", dir.display()),
                    format!("`--templates DIR` holds a file named `{REPORT_TEMPLATE}`"),
                ));
            }
            let path = dir.join(REPORT_TEMPLATE);
            if path.is_file() {
                text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
                file = Some(path);
            }
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![]);
        tera.register_filter("cell", cell);
        tera.register_filter("code", code);
        tera.register_filter("fenced", fenced);
        tera.add_raw_template(REPORT_TEMPLATE, &text).map_err(|e| {
            Error::usage_hint(
                format!("the report template does not parse: {}", error_text(&e)),
                hint(file.as_deref()),
            )
        })?;
        Ok(Self { tera, file })
    }

    pub fn render(&self, report: &Report) -> Result<String> {
        let mut context = tera::Context::new();
        context.insert("report", report);
        let text = self.tera.render(REPORT_TEMPLATE, &context).map_err(|e| {
            Error::usage_hint(
                format!("failed to render the report: {}", error_text(&e)),
                hint(self.file.as_deref()),
            )
        })?;
        let mut text = text.trim_start_matches('\n').trim_end().to_string();
        text.push('\n');
        Ok(text)
    }
}

fn hint(file: Option<&Path>) -> String {
    match file {
        Some(file) => format!(
            "fix `{}`, or remove it to use the embedded template",
            file.display()
        ),
        None => "this is a bug in the embedded template; please report it".into(),
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A Markdown table cell: `|` escaped, line breaks as `<br>`, HTML brackets as entities.
fn cell(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    let text = text_of(value)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace("\r\n", "\n")
        .replace('\n', "<br>");
    Ok(Value::String(text))
}

/// An inline code span that holds any text: the fence is one backtick longer than the
/// longest run inside, padded when the text starts or ends with one.
pub fn code_span(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\n', " ⏎ ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn code(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(
        code_span(&text_of(value)).replace('|', "\\|"),
    ))
}

/// Lines as a fenced `text` block whose fence no line can close.
pub fn fenced_block(lines: &[String]) -> String {
    let longest = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`').map(str::len))
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{}\n{fence}", lines.join("\n"))
}

fn fenced(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    let lines: Vec<String> = match value {
        Value::Array(items) => items.iter().map(text_of).collect(),
        other => text_of(other).lines().map(str::to_string).collect(),
    };
    Ok(Value::String(fenced_block(&lines)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_backticks_and_line_breaks() {
        assert_eq!(code_span("a"), "`a`");
        assert_eq!(code_span("a `b` c"), "``a `b` c``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span("a\nb"), "`a ⏎ b`");
        let block = fenced_block(&["```".into(), "x".into()]);
        assert!(block.starts_with("````text\n```\nx\n````"), "{block}");
    }

    #[test]
    fn the_embedded_template_parses() {
        ReportTemplate::load(None).unwrap();
    }
}
