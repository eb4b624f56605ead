//! The HelmRelease rules (the table in the [module documentation](super)): rolled back,
//! remediated, stalled, retrying, failed and waiting, and healthy only on the chart the
//! check waits for: `chart-version` when given, else the current artifact of the source.
//!
//! Must not read kubectl output: objects come through a [`Cluster`], and the source is
//! asked for only when the release's own status cannot decide (so a fail-fast verdict
//! with `chart-version` costs one read).

use serde_json::Value;

use super::Verdict;
use super::chart::{
    Release, chart_matches, chart_note, failed_in_history, last_attempt, latest_release,
};
use super::conditions::{Condition, condition, int_at, short, tail, true_condition};
use super::objects::{Cluster, Given, Kind, not_found};
use super::rules::{View, identify};
use super::source::{Current, Made, current, made_from};

/// Decides a HelmRelease's health. `source` is its chart source (OCIRepository or
/// HelmChart) as read from the cluster, `None` when it does not exist.
pub fn assess_helmrelease(
    object: &Value,
    chart_version: Option<&str>,
    source: Option<&Value>,
) -> Verdict {
    let mut given = Given(source.into_iter().cloned().collect());
    judge(object, chart_version, &mut given)
}

pub(super) fn judge(object: &Value, expected: Option<&str>, cluster: &mut dyn Cluster) -> Verdict {
    match rules(object, expected, cluster) {
        Ok(verdict) | Err(verdict) => verdict,
    }
}

/// What the check waits for: a `chart-version` pattern, or the source's current artifact
/// (read once, when first needed).
struct Want<'a, 'c> {
    object: &'a Value,
    expected: Option<&'a str>,
    cluster: &'c mut dyn Cluster,
    current: Option<Current>,
}

impl Want<'_, '_> {
    fn current(&mut self) -> Result<&Current, Verdict> {
        if self.current.is_none() {
            self.current = Some(current(self.object, self.cluster)?);
        }
        Ok(self.current.as_ref().expect("just set"))
    }

    /// Why the last attempt is not about what the check waits for (a failure of an older
    /// chart, read before helm-controller reacted to a new artifact), or `None` when it is
    /// or cannot be told.
    fn stale_attempt(&mut self) -> Result<Option<String>, Verdict> {
        let Some(attempt) = last_attempt(self.object) else {
            return Ok(None);
        };
        if let Some(expected) = self.expected {
            return Ok((!chart_matches(expected, attempt.version)).then(|| {
                format!(
                    "last tried chart {}, not {expected}; waiting for helm-controller to try {expected}",
                    attempt.version
                )
            }));
        }
        Ok(match self.current()? {
            Current::Artifact { source, revision }
                if !made_from(source.kind, attempt, revision) =>
            {
                Some(format!(
                    "last tried chart {}, but {source} now has {}; waiting for helm-controller to try it",
                    attempt.version,
                    short(revision)
                ))
            }
            _ => None,
        })
    }
}

fn rules(o: &Value, expected: Option<&str>, cluster: &mut dyn Cluster) -> Result<Verdict, Verdict> {
    let view = identify(o, Kind::HelmRelease)?;
    let attempted = int_at(o, "/status/lastAttemptedGeneration") == Some(view.generation);
    if let Some(verdict) = view.gate(view.observed() || attempted) {
        return Ok(verdict);
    }
    let context = cluster.context().map(str::to_string);
    let mut want = Want {
        object: o,
        expected,
        cluster,
        current: None,
    };
    let reconciling = true_condition(o, "Reconciling");
    let stalled = true_condition(o, "Stalled");
    let remediated = true_condition(o, "Remediated");
    let release = latest_release(o);
    let notes: Vec<String> = chart_note(o, expected).into_iter().collect();

    // Tried, failed, remediated: fails unless helm-controller is still retrying.
    if let Some(remediation) = remediation(&view, release.as_ref(), remediated.as_ref()) {
        if let Some(stale) = want.stale_attempt()? {
            return Ok(pending(&view, stale, &notes));
        }
        // The rolled-back line already says which chart is deployed.
        let notes: &[String] = if remediation.rolled_back { &[] } else { &notes };
        let Remediation { head, why, .. } = remediation;
        if stalled.is_none()
            && let Some(c) = &reconciling
        {
            let head = format!("{head}; helm-controller is retrying{}", tail(c, false));
            let reason = view.describe(head, Some("Remediated"), &[&why, c.message], notes);
            return Ok(Verdict::Pending(reason));
        }
        let reason = view.describe(head, Some("Remediated"), &[&why], notes);
        return Ok(Verdict::Failed(reason));
    }
    if let Some(c) = &stalled {
        if let Some(stale) = want.stale_attempt()? {
            return Ok(pending(&view, stale, &notes));
        }
        let head = format!("{} is Stalled{}", view.label, tail(c, true));
        return Ok(Verdict::Failed(view.describe(
            head,
            Some("Stalled"),
            &[c.message],
            &notes,
        )));
    }
    if let Some(c) = &reconciling {
        let mut head = format!("{} is reconciling{}", view.label, tail(c, true));
        if !view.observed() {
            head = format!("{head}; {}", view.generation_clause());
        }
        return Ok(Verdict::Pending(view.describe(
            head,
            None,
            &[c.message],
            &notes,
        )));
    }
    if !view.observed() {
        let head = format!("{} {}", view.label, view.generation_clause());
        return Ok(Verdict::Pending(view.describe(head, None, &[], &notes)));
    }
    let ready = condition(o, "Ready");
    match ready.as_ref().map(|c| c.status) {
        Some("True") => {}
        Some("False") => return failed_and_waiting(&view, ready.as_ref(), &mut want, &notes),
        _ => {
            let head = format!("{} is not Ready", view.label);
            return Ok(Verdict::Pending(view.describe(head, None, &[], &notes)));
        }
    }
    ready_release(
        &view,
        release.as_ref(),
        &mut want,
        context.as_deref(),
        &notes,
    )
}

fn pending(view: &View<'_>, why: String, notes: &[String]) -> Verdict {
    Verdict::Pending(view.describe(format!("{} {why}", view.label), None, &[], notes))
}

/// A remediated release: the head of its verdict, the message it quotes, and whether it
/// is a rollback.
struct Remediation {
    head: String,
    why: String,
    rolled_back: bool,
}

/// `HelmRelease ai/comfyui rolled back: chart 3.7.3 deployed, 4.1.1 attempted (Helm
/// rollback … succeeded)` when the last attempted chart is not the newest release and that
/// attempt failed or was remediated; else `… was remediated (reason): message` when
/// Remediated=True (an uninstall remediation).
fn remediation(
    view: &View<'_>,
    release: Option<&Release<'_>>,
    remediated: Option<&Condition<'_>>,
) -> Option<Remediation> {
    let rollback = release
        .zip(last_attempt(view.object))
        .filter(|(release, attempt)| {
            attempt.version != release.version
                && (remediated.is_some() || failed_in_history(view.object, attempt.version))
        });
    let Some((release, attempt)) = rollback else {
        return remediated.map(|c| Remediation {
            head: format!("{} was remediated{}", view.label, tail(c, true)),
            why: c.message.to_string(),
            rolled_back: false,
        });
    };
    let why = remediated
        .map(|c| c.message)
        .filter(|m| !m.is_empty())
        .or_else(|| condition(view.object, "Ready").map(|c| c.message))
        .unwrap_or("");
    let mut head = format!(
        "{} rolled back: chart {} {}, {} attempted",
        view.label,
        release.version,
        release.status(),
        attempt.version
    );
    if !why.is_empty() {
        head.push_str(&format!(" ({why})"));
    }
    Some(Remediation {
        head,
        why: why.to_string(),
        rolled_back: true,
    })
}

/// Ready=False on the observed generation, neither Reconciling nor Stalled: helm-controller
/// gave up until its next interval. Waiting for a dependency is not a failure of this
/// release, and neither is a failure of an older chart than the one waited for.
fn failed_and_waiting(
    view: &View<'_>,
    ready: Option<&Condition<'_>>,
    want: &mut Want<'_, '_>,
    notes: &[String],
) -> Result<Verdict, Verdict> {
    if ready.is_some_and(|c| c.reason == "DependencyNotReady") {
        return Ok(pending(
            view,
            "is waiting for a dependency".to_string(),
            notes,
        ));
    }
    if let Some(stale) = want.stale_attempt()? {
        return Ok(pending(view, stale, notes));
    }
    let reason = ready.map(|c| tail(c, false)).unwrap_or_default();
    let head = format!(
        "{} failed{reason} and helm-controller is not retrying before its next interval",
        view.label
    );
    Ok(Verdict::Failed(view.describe(head, None, &[], notes)))
}

/// Ready=True on the observed generation: healthy when the newest release is deployed and
/// made from what the check waits for.
fn ready_release(
    view: &View<'_>,
    release: Option<&Release<'_>>,
    want: &mut Want<'_, '_>,
    context: Option<&str>,
    notes: &[String],
) -> Result<Verdict, Verdict> {
    let generation = view.generation;
    let Some(release) = release.filter(|r| r.status == "deployed") else {
        let why = match release {
            Some(r) => format!(
                "is Ready but its newest release (chart {}) is {}",
                r.version,
                r.status()
            ),
            None => "is Ready but has no release in `status.history`".to_string(),
        };
        return Ok(pending(view, why, notes));
    };
    let version = release.version;
    if let Some(expected) = want.expected {
        if !chart_matches(expected, version) {
            return Ok(pending(
                view,
                format!("is Ready but not on chart {expected}"),
                notes,
            ));
        }
        return Ok(Verdict::Healthy(format!(
            "{} Ready on chart {version} (generation {generation} observed)",
            view.label
        )));
    }
    let made: Made<'_> = release.made();
    let from = match want.current()? {
        Current::Artifact { source, revision } if made_from(source.kind, made, revision) => {
            format!(", the current artifact of {source} ({})", short(revision))
        }
        Current::Artifact { source, revision } => {
            let why = format!(
                "is Ready on chart {version}, but {source} now has {}; helm-controller has not released it yet",
                short(revision)
            );
            return Ok(pending(view, why, notes));
        }
        Current::Missing(source) => format!(" ({}, so not compared)", not_found(source, context)),
        Current::NoArtifact(source) => format!(" ({source} reports no artifact to compare with)"),
        Current::Untracked(why) => format!(" (source not compared: {why})"),
    };
    Ok(Verdict::Healthy(format!(
        "{} Ready on chart {version}{from} (generation {generation} observed)",
        view.label
    )))
}
