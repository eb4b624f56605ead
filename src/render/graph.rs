//! The step graph as text: Mermaid and Graphviz dot. Pure functions of a validated runbook;
//! `runbook graph` prints them and the book embeds the Mermaid one unchanged.
//!
//! Escaping happens in one place per format, on label text only: the shape delimiters
//! (`{{"…"}}`, `[["…"]]`, `[/"…"/]`) are written around already-escaped text and are
//! never escaped themselves. Template expressions in titles read as placeholders
//! (`{{ release }}` is `<release>`), as in `runbook show` and on the book's pages.

use std::fmt::Write as _;

use super::book::filters::{plain_tag, replace_templates};
use crate::runbook::model::{Action, Runbook, Step};

/// The label of a step as plain text: its title with placeholders, then its marks.
fn node_label(step: &Step) -> String {
    let mut label = replace_templates(&step.title, "<", ">", Some(&plain_tag));
    let mut marks = Vec::new();
    if step.checkpoint {
        marks.push("checkpoint");
    }
    if step.confirm {
        marks.push("confirm");
    }
    if !matches!(step.action, Action::Run(_)) {
        marks.push(step.action.kind());
    }
    if step.foreach.is_some() {
        marks.push("foreach");
    }
    if !marks.is_empty() {
        label.push_str(&format!(" [{}]", marks.join(", ")));
    }
    label
}

/// Text for inside a quoted Mermaid label. Mermaid decodes `#name;` and `#123;` entity
/// codes; everything it, the Markdown page or mdBook could read as syntax becomes one:
/// `"` ends the label, `<`/`>`/`&` are HTML, `#` starts an entity, `{`/`}` are shapes and
/// mdBook's `{{#include}}`, `|` edge text, a backtick a Markdown string, `:` and `;` feed
/// Mermaid's `style …:#…;` pre-pass. Line breaks become spaces; other text, non-ASCII
/// included, stays as it is.
pub fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' | '{' | '}' | '|' | '`' | ':' | ';' => {
                let _ = write!(out, "#{};", u32::from(c));
            }
            '\r' => {}
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Text for inside a quoted dot string: `\` and `"` are escaped, a line break is `\n`.
pub fn dot_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\r' => {}
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

/// Mermaid node id: kebab-case becomes snake_case, and ids that are Mermaid keywords
/// (`end` closes a subgraph and breaks the whole chart) get a `step_` prefix.
fn node_id(step: &Step) -> String {
    const KEYWORDS: &[&str] = &[
        "end",
        "graph",
        "subgraph",
        "flowchart",
        "style",
        "class",
        "click",
        "direction",
    ];
    let id = step.id.replace(['-', '.'], "_");
    if KEYWORDS.contains(&id.as_str()) {
        format!("step_{id}")
    } else {
        id
    }
}

/// The Mermaid node for a step: its id, then the label inside the delimiters of its shape.
fn mermaid_node(step: &Step) -> String {
    let label = mermaid_text(&node_label(step));
    let (open, close) = match step.action {
        Action::Manual(_) | Action::Ask(_) => ("{{", "}}"),
        Action::Gate => ("[/", "/]"),
        _ if step.checkpoint => ("[[", "]]"),
        _ => ("[", "]"),
    };
    format!("{}{open}\"{label}\"{close}", node_id(step))
}

pub fn mermaid(runbook: &Runbook) -> String {
    let mut out = String::from("flowchart TD\n");
    for step in runbook.walk() {
        let _ = writeln!(out, "    {}", mermaid_node(step));
    }
    for step in runbook.walk() {
        for &need in &step.needs {
            let _ = writeln!(
                out,
                "    {} --> {}",
                node_id(&runbook.steps[need]),
                node_id(step)
            );
        }
    }
    out
}

pub fn dot(runbook: &Runbook) -> String {
    let mut out = format!(
        "digraph \"{}\" {{\n    rankdir=TB;\n    node [shape=box];\n",
        dot_text(&runbook.name)
    );
    for step in runbook.walk() {
        let shape = match step.action {
            Action::Manual(_) | Action::Ask(_) => ", shape=hexagon",
            Action::Gate => ", shape=parallelogram",
            _ if step.checkpoint => ", peripheries=2",
            _ => "",
        };
        let _ = writeln!(
            out,
            "    \"{}\" [label=\"{}\"{shape}];",
            dot_text(&step.id),
            dot_text(&node_label(step))
        );
    }
    for step in runbook.walk() {
        for &need in &step.needs {
            let _ = writeln!(
                out,
                "    \"{}\" -> \"{}\";",
                dot_text(&runbook.steps[need].id),
                dot_text(&step.id)
            );
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_html_become_entities() {
        assert_eq!(mermaid_text(r#"say "hi""#), "say #quot;hi#quot;");
        assert_eq!(mermaid_text("a <b> & c"), "a #lt;b#gt; #amp; c");
    }

    #[test]
    fn mermaid_syntax_characters_become_numeric_entities() {
        assert_eq!(mermaid_text("{{ x }}"), "#123;#123; x #125;#125;");
        assert_eq!(mermaid_text("issue #12"), "issue #35;12");
        assert_eq!(mermaid_text("a|b"), "a#124;b");
        assert_eq!(mermaid_text("run `ls`"), "run #96;ls#96;");
        assert_eq!(mermaid_text("style:#f00;"), "style#58;#35;f00#59;");
    }

    #[test]
    fn non_ascii_and_line_breaks() {
        assert_eq!(mermaid_text("Café ✓ 日本"), "Café ✓ 日本");
        assert_eq!(mermaid_text("one\r\ntwo"), "one two");
    }

    #[test]
    fn escaped_text_never_contains_a_delimiter() {
        let nasty = "\"}}{{[[]]/\\<>#|`:;&";
        let text = mermaid_text(nasty);
        for delimiter in ['"', '{', '}', '<', '>', '|', '`'] {
            assert!(!text.contains(delimiter), "{delimiter} in {text}");
        }
        // Every `#` opens an entity that ends at the next `;`.
        assert!(text.split('#').skip(1).all(|entity| entity.contains(';')));
    }

    #[test]
    fn dot_escapes_backslash_quote_and_newline() {
        assert_eq!(dot_text(r#"a\b "c""#), r#"a\\b \"c\""#);
        assert_eq!(dot_text("a\nb"), "a\\nb");
    }
}
