//! What is particular to HelmReleases: the public [`assess_helmrelease`], the newest Helm
//! release in `status.history`, and matching its chart version against the expected pattern.
//!
//! Must not duplicate the shared rule order (that is [`super::rules`]); this only supplies
//! the chart facts the rules and reasons need.

use serde_json::Value;

use super::Verdict;
use super::rules::assess;
use crate::runbook::model::FluxKind;

/// Decides a HelmRelease object's health by the rules in the [module documentation](super).
pub fn assess_helmrelease(object: &Value, chart_version: Option<&str>) -> Verdict {
    assess(object, FluxKind::Helmrelease, chart_version)
}

/// `status.history[0]`: the newest Helm release snapshot.
pub(super) struct Release<'a> {
    pub(super) version: &'a str,
    pub(super) status: &'a str,
}

pub(super) fn latest_release(object: &Value) -> Option<Release<'_>> {
    let first = object.pointer("/status/history/0")?;
    Some(Release {
        version: first.get("chartVersion")?.as_str()?,
        status: first.get("status").and_then(Value::as_str).unwrap_or(""),
    })
}

/// `*` matches any run of characters; everything else is literal. Build metadata (`+…`,
/// added by source-controller for `reconcileStrategy: Revision`) is ignored unless the
/// pattern has some.
pub(super) fn chart_matches(pattern: &str, version: &str) -> bool {
    glob(pattern, version)
        || (!pattern.contains('+')
            && version
                .split_once('+')
                .is_some_and(|(core, _)| glob(pattern, core)))
}

pub(super) fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// `chart 3.7.3 deployed, expected 4.1.1` (HelmReleases only).
pub(super) fn chart_note(object: &Value, expected_chart: Option<&str>) -> Option<String> {
    let release = latest_release(object);
    match (release, expected_chart) {
        (None, Some(expected)) => Some(format!(
            "no release in `status.history`, expected chart {expected}"
        )),
        (None, None) => None,
        (Some(r), expected) => {
            let status = if r.status.is_empty() {
                "recorded"
            } else {
                r.status
            };
            let mut note = format!("chart {} {status}", r.version);
            if let Some(expected) = expected.filter(|e| !chart_matches(e, r.version)) {
                note.push_str(&format!(", expected {expected}"));
            }
            Some(note)
        }
    }
}
