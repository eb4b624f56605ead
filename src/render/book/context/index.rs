//! The runbook order of the book and what `index.md.tera` and `summary.md.tera` see: every
//! runbook as an [`Entry`] in book order, and the same entries grouped by phase.
//!
//! Must not look inside a runbook beyond its header (name, title, summary, phase, risk, step
//! count): the pages themselves are built in the parent module.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::runbook::model::Runbook;

/// A runbook as listed by the index and the summary.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub name: String,
    pub title: String,
    pub summary: Option<String>,
    pub phase: Option<String>,
    pub phase_label: Option<String>,
    pub risk: &'static str,
    pub steps: usize,
}

/// The runbooks of one phase (`phase` is `null` for runbooks without one).
#[derive(Debug, Serialize)]
pub struct Group {
    pub phase: Option<String>,
    /// `Phase 1`, `Tools`, or `Other` for runbooks without a phase.
    pub label: String,
    pub runbooks: Vec<Entry>,
}

/// Where a phase sorts: numbers first, by value (1, 2, 4, 4.5, 5, 12), then words, then no
/// phase. `runbook list` uses the same order as the book.
pub fn phase_cmp(a: Option<&str>, b: Option<&str>) -> Ordering {
    fn class(phase: Option<&str>) -> (u8, f64) {
        match phase {
            Some(p) => match p.trim().parse::<f64>() {
                Ok(n) if n.is_finite() => (0, n),
                _ => (1, 0.0),
            },
            None => (2, 0.0),
        }
    }
    let (ca, na) = class(a);
    let (cb, nb) = class(b);
    ca.cmp(&cb).then(na.total_cmp(&nb)).then_with(|| a.cmp(&b))
}

/// The runbooks in book order: by phase, then by name.
pub fn ordered(runbooks: &BTreeMap<String, Arc<Runbook>>) -> Vec<Arc<Runbook>> {
    let mut list: Vec<Arc<Runbook>> = runbooks.values().cloned().collect();
    list.sort_by(|a, b| {
        phase_cmp(a.phase.as_deref(), b.phase.as_deref()).then_with(|| a.name.cmp(&b.name))
    });
    list
}

pub(super) fn phase_label(phase: Option<&str>) -> Option<String> {
    let phase = phase?.trim();
    if phase.parse::<f64>().is_ok_and(f64::is_finite) {
        return Some(format!("Phase {phase}"));
    }
    let mut chars = phase.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

/// The context of `index.md.tera` and `summary.md.tera`, from runbooks in book order.
pub fn index(ordered: &[Arc<Runbook>]) -> tera::Context {
    let entries: Vec<Entry> = ordered
        .iter()
        .map(|r| Entry {
            name: r.name.clone(),
            title: r.title.clone(),
            summary: r.summary.clone(),
            phase: r.phase.clone(),
            phase_label: phase_label(r.phase.as_deref()),
            risk: r.risk.as_str(),
            steps: r.steps.len(),
        })
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    for entry in &entries {
        match groups.last_mut() {
            Some(group) if group.phase == entry.phase => group.runbooks.push(entry.clone()),
            _ => groups.push(Group {
                phase: entry.phase.clone(),
                label: entry
                    .phase_label
                    .clone()
                    .unwrap_or_else(|| "Other".to_string()),
                runbooks: vec![entry.clone()],
            }),
        }
    }
    let mut cx = tera::Context::new();
    cx.insert("runbooks", &entries);
    cx.insert("groups", &groups);
    cx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_phases_sort_before_words_and_none() {
        let mut phases = vec![
            None,
            Some("tools"),
            Some("10"),
            Some("2"),
            Some("1.5"),
            Some("0"),
        ];
        phases.sort_by(|a, b| phase_cmp(*a, *b));
        assert_eq!(
            phases,
            vec![
                Some("0"),
                Some("1.5"),
                Some("2"),
                Some("10"),
                Some("tools"),
                None
            ]
        );
    }

    #[test]
    fn phase_labels() {
        assert_eq!(phase_label(Some("1")).as_deref(), Some("Phase 1"));
        assert_eq!(phase_label(Some("tools")).as_deref(), Some("Tools"));
        assert_eq!(phase_label(None), None);
    }
}
