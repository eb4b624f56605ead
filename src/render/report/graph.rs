//! The report's step graph: the runbook's Mermaid flowchart with each node coloured by
//! what happened to its step in the run. Label text is escaped by [`mermaid_text`]; the
//! shape delimiters are written around it and never escaped.

use std::fmt::Write as _;

use crate::journal::replay::{RunState, Status};
use crate::runbook::model::{Action, Runbook, Step};

/// The colour classes of the graph, each with its Mermaid style. The names are the
/// outcomes' words with `_` for `-` (Mermaid class names stay plain identifiers).
const CLASSES: &[(&str, &str)] = &[
    ("succeeded", "fill:#d1e7dd,stroke:#198754,color:#0f5132"),
    ("failed", "fill:#f8d7da,stroke:#dc3545,color:#842029"),
    ("skipped", "fill:#e2e3e5,stroke:#6c757d,color:#41464b"),
    ("rolled_back", "fill:#fff3cd,stroke:#fd7e14,color:#664d03"),
    ("unknown", "fill:#cfe2ff,stroke:#0d6efd,color:#084298"),
    (
        "not_reached",
        "fill:#ffffff,stroke:#adb5bd,stroke-dasharray:4 3,color:#6c757d",
    ),
];

pub use crate::render::graph::mermaid_text;

/// A Mermaid node id for a step id: `-` and `.` become `_`; keywords get a prefix.
fn node_id(id: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "end",
        "graph",
        "subgraph",
        "flowchart",
        "style",
        "class",
        "classDef",
        "click",
        "direction",
    ];
    let id = id.replace(['-', '.'], "_");
    if KEYWORDS.contains(&id.as_str()) {
        format!("step_{id}")
    } else {
        id
    }
}

/// The class of a runbook step: its own journal entry, its `foreach` items (`id[…]`) and
/// the steps of the runbook it calls (`id/…`) together.
fn class_of(id: &str, state: &RunState) -> &'static str {
    let item = format!("{id}[");
    let child = format!("{id}/");
    let statuses: Vec<Status> = state
        .steps
        .iter()
        .filter(|(step, _)| *step == id || step.starts_with(&item) || step.starts_with(&child))
        .map(|(_, s)| s.status)
        .collect();
    let any = |wanted: Status| statuses.contains(&wanted);
    if statuses.is_empty() {
        "not_reached"
    } else if any(Status::Failed) {
        "failed"
    } else if any(Status::RolledBack) {
        "rolled_back"
    } else if any(Status::Unknown) || any(Status::Pending) {
        "unknown"
    } else if statuses.iter().all(|s| *s == Status::Skipped) {
        "skipped"
    } else {
        "succeeded"
    }
}

/// A step's title as the run showed it (the journal's rendered title), or for a step that
/// never started or stands for several (a `foreach`), the runbook's with `{{ x }}` read `<x>`.
fn title(step: &Step, state: &RunState) -> String {
    if step.foreach.is_none()
        && let Some(ran) = state.step(&step.id)
        && ran.title != step.id
    {
        return ran.title.clone();
    }
    placeholders(&step.title)
}

/// Template expressions read as `<name>` (filters dropped), as `runbook show` shows them.
fn placeholders(text: &str) -> String {
    let expression =
        regex::Regex::new(r"\{\{-?\s*([^}|]*?)\s*(\|[^}]*)?-?\}\}").expect("a valid regex");
    expression.replace_all(text, "<$1>").into_owned()
}

fn label(step: &Step, state: &RunState, class: &str) -> String {
    let mut label = title(step, state);
    if step.foreach.is_some() {
        label.push_str(" (foreach)");
    }
    if let Action::Call(call) = &step.action {
        let _ = write!(label, " (calls {})", call.runbook);
    }
    let _ = write!(label, " · {}", class.replace('_', " "));
    mermaid_text(&label)
}

fn shape(step: &Step) -> (&'static str, &'static str) {
    match step.action {
        Action::Manual(_) | Action::Ask(_) => ("{{", "}}"),
        Action::Gate => ("[/", "/]"),
        _ if step.checkpoint => ("[[", "]]"),
        _ => ("[", "]"),
    }
}

/// The flowchart. Without the runbook (deleted since the run), the steps the journal names
/// are drawn in the order they ran, without edges.
pub fn mermaid(runbook: Option<&Runbook>, state: &RunState, ran: &[String]) -> String {
    let mut out = String::from("flowchart TD\n");
    let mut members: Vec<(String, &'static str)> = Vec::new();
    match runbook {
        Some(runbook) => {
            for step in runbook.walk() {
                let class = class_of(&step.id, state);
                let (open, close) = shape(step);
                let id = node_id(&step.id);
                let _ = writeln!(
                    out,
                    "    {id}{open}\"{}\"{close}",
                    label(step, state, class)
                );
                members.push((id, class));
            }
            for step in runbook.walk() {
                for &need in &step.needs {
                    let from = node_id(&runbook.steps[need].id);
                    let _ = writeln!(out, "    {from} --> {}", node_id(&step.id));
                }
            }
        }
        None => {
            let mut seen: Vec<&str> = Vec::new();
            for id in ran {
                let top = id.split(['[', '/']).next().unwrap_or(id);
                if seen.contains(&top) {
                    continue;
                }
                seen.push(top);
                let class = class_of(top, state);
                let node = node_id(top);
                let text = mermaid_text(&format!("{top} · {}", class.replace('_', " ")));
                let _ = writeln!(out, "    {node}[\"{text}\"]");
                members.push((node, class));
            }
        }
    }
    for (class, style) in CLASSES {
        let nodes: Vec<&str> = members
            .iter()
            .filter(|(_, c)| c == class)
            .map(|(n, _)| n.as_str())
            .collect();
        if !nodes.is_empty() {
            let _ = writeln!(out, "    classDef {class} {style}");
            let _ = writeln!(out, "    class {} {class}", nodes.join(","));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_syntax_is_escaped() {
        assert_eq!(
            mermaid_text("a \"b\" {{ c }} [x]|y"),
            "a #quot;b#quot; #123;#123; c #125;#125; [x]#124;y"
        );
    }

    #[test]
    fn template_titles_read_as_placeholders() {
        assert_eq!(
            placeholders("Deploy {{ release }} to {{target|upper}}"),
            "Deploy <release> to <target>"
        );
    }

    #[test]
    fn keywords_are_not_node_ids() {
        assert_eq!(node_id("end"), "step_end");
        assert_eq!(node_id("roll-out.v2"), "roll_out_v2");
    }
}
