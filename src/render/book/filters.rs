//! Markdown-safety filters for the book templates (tera is built without its optional
//! filters). Each makes one kind of text safe in one Markdown position:
//!
//! - `cell`: inside a table cell: trims, escapes `|`, escapes `<` and `>` outside code
//!   spans (Markdown would take `<cluster>` for an HTML tag), turns newlines into `<br>`;
//! - `text`: plain text in prose (titles, check names, messages, questions): template
//!   expressions become placeholders (`{{ release }}` reads `<release>`), `<` and `>` are
//!   escaped outside code spans;
//! - `prose`: Markdown written by the author (descriptions, manual steps): only the
//!   template syntax is replaced (`<release>` placeholders, `{% if x %}` as *(if x)*); the
//!   rest is the author's Markdown;
//! - `code`: an inline code span, one per line, with a backtick fence longer than any run
//!   of backticks in the text;
//! - `fence(lang="sh")`: a fenced code block whose fence is longer than any run of
//!   backticks in the text, so a command that contains three backticks cannot close it;
//! - `link_text`: the text of a `[…](…)` link: escapes `\`, `[`, `]`, `<` and `>`.
//!
//! And one test: `is multiline` (the text has more than one line).

use std::collections::HashMap;

use serde_json::Value;
use tera::{Result, Tera, to_value, try_get_value};

pub fn register(tera: &mut Tera) {
    tera.register_filter("cell", cell);
    tera.register_filter("code", code);
    tera.register_filter("text", plain_text);
    tera.register_filter("prose", prose);
    tera.register_filter("fence", fence);
    tera.register_filter("link_text", link_text);
    tera.register_tester("multiline", multiline);
}

fn multiline(value: Option<&Value>, _: &[Value]) -> Result<bool> {
    Ok(value
        .and_then(Value::as_str)
        .is_some_and(|s| s.trim().contains('\n')))
}

/// The text of a value: strings as they are, anything else as JSON.
fn text(name: &str, value: &Value) -> Result<String> {
    Ok(match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(_) | Value::Bool(_) => value.to_string(),
        _ => try_get_value!(name, "value", String, value),
    })
}

fn cell(value: &Value, _: &HashMap<String, Value>) -> Result<Value> {
    Ok(to_value(cell_text(&text("cell", value)?))?)
}

fn plain_text(value: &Value, _: &HashMap<String, Value>) -> Result<Value> {
    Ok(to_value(escape_angles(&text("text", value)?))?)
}

fn prose(value: &Value, _: &HashMap<String, Value>) -> Result<Value> {
    Ok(to_value(prose_text(&text("prose", value)?))?)
}

/// Splits `text` into code spans (and fenced blocks, whose fences are backtick runs too)
/// and the text between them, and maps each: `outside` for text, `inside` for code
/// (backticks included). An unclosed run of backticks is text.
fn map_code_spans(
    text: &str,
    outside: &dyn Fn(&str) -> String,
    inside: &dyn Fn(&str) -> String,
) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut plain = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            plain.push(chars[i]);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&c| c == '`').count();
        let close = (i + run..chars.len()).find(|&j| {
            chars[j] == '`'
                && chars[j - 1] != '`'
                && chars[j..].iter().take_while(|&&c| c == '`').count() == run
        });
        match close {
            Some(j) => {
                out.push_str(&outside(&std::mem::take(&mut plain)));
                let span: String = chars[i..j + run].iter().collect();
                out.push_str(&inside(&span));
                i = j + run;
            }
            None => {
                plain.extend(&chars[i..i + run]);
                i += run;
            }
        }
    }
    out.push_str(&outside(&plain));
    out
}

/// Replaces tera syntax: `{{ expr | filter }}` by `open` + `expr` + `close`, and (when
/// `tags` is given) `{% tag %}` by what `tags` makes of the tag's text.
pub fn replace_templates(
    text: &str,
    open: &str,
    close: &str,
    tags: Option<&dyn Fn(&str) -> String>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = [("{{", "}}"), ("{%", "%}")]
            .into_iter()
            .filter(|(o, _)| *o == "{{" || tags.is_some())
            .filter_map(|(o, c)| rest.find(o).map(|at| (at, o, c)))
            .min_by_key(|(at, _, _)| *at);
        let Some((at, o, c)) = next else { break };
        let Some(len) = rest[at + 2..].find(c) else {
            break;
        };
        out.push_str(&rest[..at]);
        let inner =
            rest[at + 2..at + 2 + len].trim_matches(|ch: char| ch == '-' || ch.is_whitespace());
        if o == "{{" {
            let expr = inner.split('|').next().unwrap_or_default().trim();
            out.push_str(&format!("{open}{expr}{close}"));
        } else if let Some(tags) = tags {
            out.push_str(&tags(inner));
        }
        rest = &rest[at + 2 + len + 2..];
    }
    out.push_str(rest);
    out
}

/// A tera tag as readable prose: `{% if x %}` is *(if x)*, `{% endif %}` *(end)*.
fn tag_words(tag: &str) -> String {
    let (keyword, rest) = tag.split_once(' ').unwrap_or((tag, ""));
    let words = match keyword {
        "raw" | "endraw" => return String::new(),
        "if" => format!("if {}:", rest.trim()),
        "elif" => format!("else if {}:", rest.trim()),
        "else" => "otherwise:".to_string(),
        "for" => format!("for each {}:", rest.trim()),
        k if k.starts_with("end") => "end".to_string(),
        _ => tag.to_string(),
    };
    format!("*({})* ", escape_plain(&words).replace('*', "\\*"))
}

/// A tera tag in plain text: `{% raw %}` and `{% endraw %}` vanish (what they enclose is
/// shown as written), any other tag reads `(tag)`.
pub fn plain_tag(tag: &str) -> String {
    match tag {
        "raw" | "endraw" => String::new(),
        _ => format!("({tag})"),
    }
}

fn escape_plain(text: &str) -> String {
    text.replace('<', "&lt;").replace('>', "&gt;")
}

/// Author's Markdown: template syntax replaced, everything else kept.
pub fn prose_text(text: &str) -> String {
    map_code_spans(
        text,
        &|t| replace_templates(t, "&lt;", "&gt;", Some(&tag_words)),
        &|code| replace_templates(code, "<", ">", None),
    )
}

fn code(value: &Value, _: &HashMap<String, Value>) -> Result<Value> {
    Ok(to_value(code_span(&text("code", value)?))?)
}

fn fence(value: &Value, args: &HashMap<String, Value>) -> Result<Value> {
    let lang = match args.get("lang") {
        Some(lang) => try_get_value!("fence", "lang", String, lang),
        None => String::new(),
    };
    Ok(to_value(fenced(&text("fence", value)?, &lang))?)
}

fn link_text(value: &Value, _: &HashMap<String, Value>) -> Result<Value> {
    let text = text("link_text", value)?;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push(if c == '\n' { ' ' } else { c });
    }
    Ok(to_value(out)?)
}

pub fn cell_text(text: &str) -> String {
    escape_angles(text.trim())
        .replace("\r\n", "\n")
        .replace('|', "\\|")
        .replace('\n', "<br>")
}

/// Plain text: template expressions become `<name>` placeholders, and `<` and `>` are
/// escaped as HTML entities, except inside code spans (where an entity would show
/// literally). A code span opens with a run of backticks and closes at the next run of
/// the same length; an unclosed run is literal text.
pub fn escape_angles(text: &str) -> String {
    map_code_spans(
        text,
        &|t| escape_plain(&replace_templates(t, "<", ">", Some(&plain_tag))),
        &|code| replace_templates(code, "<", ">", None),
    )
}

fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// An inline code span per line (joined by newlines), or the empty string.
pub fn code_span(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split('\n')
        .map(|line| {
            if line.is_empty() {
                return String::new();
            }
            let ticks = "`".repeat(longest_backtick_run(line) + 1);
            // A space on both sides keeps a leading or trailing backtick out of the fence;
            // CommonMark strips one space from each side.
            let pad = if line.starts_with('`') || line.ends_with('`') {
                " "
            } else {
                ""
            };
            format!("{ticks}{pad}{line}{pad}{ticks}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A fenced code block (without a trailing newline).
pub fn fenced(text: &str, lang: &str) -> String {
    let body = text.replace("\r\n", "\n");
    let body = body.trim_end();
    let body = body.trim_start_matches('\n');
    let ticks = "`".repeat((longest_backtick_run(body) + 1).max(3));
    format!("{ticks}{lang}\n{body}\n{ticks}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_and_newlines() {
        assert_eq!(cell_text(" a|b\nc \n"), "a\\|b<br>c");
    }

    #[test]
    fn angles_are_escaped_outside_code_spans_only() {
        assert_eq!(
            cell_text("tree kubernetes/<cluster>/apps"),
            "tree kubernetes/&lt;cluster&gt;/apps"
        );
        assert_eq!(escape_angles("`<a>` and <b>"), "`<a>` and &lt;b&gt;");
        assert_eq!(escape_angles("``x`<y>`z`` <w>"), "``x`<y>`z`` &lt;w&gt;");
        assert_eq!(escape_angles("a ` <b>"), "a ` &lt;b&gt;");
        assert_eq!(escape_angles("a -> b"), "a -&gt; b");
    }

    #[test]
    fn template_syntax_becomes_placeholders() {
        assert_eq!(
            escape_angles("Delete {{ workload }} of `{{ release | upper }}`"),
            "Delete &lt;workload&gt; of `<release>`"
        );
        assert_eq!(
            prose_text("Use <b>{{ x }}</b>.\n{% if a == \"b\" %}Note{% endif %}"),
            "Use <b>&lt;x&gt;</b>.\n*(if a == \"b\":)* Note*(end)* "
        );
        assert_eq!(
            prose_text("```sh\necho {{ x }}\n```"),
            "```sh\necho <x>\n```"
        );
        assert_eq!(prose_text("{% raw %}{{ .x }}{% endraw %}"), "&lt;.x&gt;");
    }

    #[test]
    fn code_spans_outgrow_backticks() {
        assert_eq!(code_span("x"), "`x`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`a`"), "`` `a` ``");
        assert_eq!(code_span("a\nb"), "`a`\n`b`");
        assert_eq!(code_span(""), "");
    }

    #[test]
    fn fences_outgrow_the_text() {
        assert_eq!(fenced("echo hi\n", "sh"), "```sh\necho hi\n```");
        assert_eq!(
            fenced("cat <<EOF\n```\nEOF", "sh"),
            "````sh\ncat <<EOF\n```\nEOF\n````"
        );
    }
}
