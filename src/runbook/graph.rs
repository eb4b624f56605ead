//! The step graph as text: Mermaid and Graphviz dot. Pure functions of a validated runbook.

use std::fmt::Write as _;

use super::model::{Action, Runbook, Step};

fn node_label(step: &Step) -> String {
    let mut label = step.title.replace('"', "'");
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
    let id = step.id.replace('-', "_");
    if KEYWORDS.contains(&id.as_str()) {
        format!("step_{id}")
    } else {
        id
    }
}

pub fn mermaid(runbook: &Runbook) -> String {
    let mut out = String::from("flowchart TD\n");
    for step in runbook.walk() {
        let label = node_label(step);
        let shape = match step.action {
            Action::Manual(_) | Action::Ask(_) => format!("{{{{\"{label}\"}}}}"),
            Action::Gate => format!("[/\"{label}\"/]"),
            _ if step.checkpoint => format!("[[\"{label}\"]]"),
            _ => format!("[\"{label}\"]"),
        };
        let _ = writeln!(out, "    {}{shape}", node_id(step));
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
        runbook.name
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
            step.id,
            node_label(step).replace('\\', "\\\\")
        );
    }
    for step in runbook.walk() {
        for &need in &step.needs {
            let _ = writeln!(
                out,
                "    \"{}\" -> \"{}\";",
                runbook.steps[need].id, step.id
            );
        }
    }
    out.push_str("}\n");
    out
}
