//! Chart facts of a HelmRelease: the newest Helm release in `status.history`, the last
//! attempted revision, and matching chart versions against a `chart-version` pattern.
//!
//! Must not decide anything: [`super::helmrelease`] does, with these facts.

use serde_json::Value;

use super::conditions::str_at;
use super::source::Made;

/// `status.history[0]`: the newest Helm release snapshot.
pub(super) struct Release<'a> {
    pub(super) version: &'a str,
    pub(super) status: &'a str,
    pub(super) oci_digest: Option<&'a str>,
}

impl<'a> Release<'a> {
    pub(super) fn made(&self) -> Made<'a> {
        Made {
            version: self.version,
            oci_digest: self.oci_digest,
        }
    }

    /// `deployed`, or `recorded` when the snapshot has no status.
    pub(super) fn status(&self) -> &'a str {
        if self.status.is_empty() {
            "recorded"
        } else {
            self.status
        }
    }
}

pub(super) fn latest_release(object: &Value) -> Option<Release<'_>> {
    let first = object.pointer("/status/history/0")?;
    Some(Release {
        version: first.get("chartVersion")?.as_str()?,
        status: first.get("status").and_then(Value::as_str).unwrap_or(""),
        oci_digest: first.get("ociDigest").and_then(Value::as_str),
    })
}

/// `status.lastAttemptedRevision` (the chart version helm-controller last tried) and its
/// OCI digest, when set.
pub(super) fn last_attempt(object: &Value) -> Option<Made<'_>> {
    let version = str_at(object, "/status/lastAttemptedRevision").filter(|v| !v.is_empty())?;
    Some(Made {
        version,
        oci_digest: str_at(object, "/status/lastAttemptedRevisionDigest"),
    })
}

/// Whether some release in `status.history` of chart `version` failed.
pub(super) fn failed_in_history(object: &Value, version: &str) -> bool {
    object
        .pointer("/status/history")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|h| {
            h.get("chartVersion").and_then(Value::as_str) == Some(version)
                && h.get("status").and_then(Value::as_str) == Some("failed")
        })
}

/// `*` matches any run of characters; everything else is literal. Build metadata (`+…`,
/// added by helm-controller for OCI digests or by `reconcileStrategy: Revision`) is
/// ignored unless the pattern has some.
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

/// `chart 3.7.3 deployed, expected 4.1.1`.
pub(super) fn chart_note(object: &Value, expected_chart: Option<&str>) -> Option<String> {
    match (latest_release(object), expected_chart) {
        (None, Some(expected)) => Some(format!(
            "no release in `status.history`, expected chart {expected}"
        )),
        (None, None) => None,
        (Some(r), expected) => {
            let mut note = format!("chart {} {}", r.version, r.status());
            if let Some(expected) = expected.filter(|e| !chart_matches(e, r.version)) {
                note.push_str(&format!(", expected {expected}"));
            }
            Some(note)
        }
    }
}
