//! The rule order of the [module documentation](super), applied to one object of either
//! kind: identify it, fail on a current Stalled/Remediated status, wait while it is not
//! settled, then check the expected chart; and the reasons quoted in each verdict.
//!
//! Must not read kubectl output or follow inventories (that is [`super::kubectl`] and
//! [`super::kustomization`]); it sees one parsed object.

use serde_json::Value;

use super::conditions::{condition, object_ref, str_at, tail, true_condition};
use super::helmrelease::{chart_matches, chart_note, latest_release};
use super::{HELM_GROUP, KUSTOMIZE_GROUP, REQUESTED_AT, Verdict};
use crate::runbook::model::FluxKind;

/// The validated identity of a Flux object plus what the rules need.
struct View<'a> {
    object: &'a Value,
    label: String,
    generation: i64,
    expected_chart: Option<&'a str>,
}

fn identify<'a>(
    object: &'a Value,
    kind: FluxKind,
    expected_chart: Option<&'a str>,
) -> Result<View<'a>, Verdict> {
    let (want_kind, want_group) = match kind {
        FluxKind::Helmrelease => ("HelmRelease", HELM_GROUP),
        FluxKind::Kustomization => ("Kustomization", KUSTOMIZE_GROUP),
    };
    let want = format!("a Flux `{want_kind}` ({want_group})");
    if !object.is_object() {
        return Err(Verdict::Failed(format!(
            "expected {want}, got JSON that is not an object"
        )));
    }
    let got_kind = str_at(object, "/kind");
    let api_version = str_at(object, "/apiVersion");
    let group = api_version.and_then(|a| a.split_once('/')).map(|(g, _)| g);
    if got_kind != Some(want_kind) || group != Some(want_group) {
        let got = match (got_kind, api_version) {
            (Some(k), Some(a)) => format!("`{k}` ({a})"),
            (Some(k), None) => format!("`{k}` without `apiVersion`"),
            (None, _) => "an object without `kind`".to_string(),
        };
        return Err(Verdict::Failed(format!("expected {want}, got {got}")));
    }
    let label = format!("{want_kind} {}", object_ref(object));
    if str_at(object, "/metadata/name").is_none() {
        return Err(Verdict::Failed(format!(
            "{label} has no `metadata.name`; not an object read from the API server"
        )));
    }
    let Some(generation) = object
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
    else {
        return Err(Verdict::Failed(format!(
            "{label} has no `metadata.generation`; not an object read from the API server"
        )));
    };
    Ok(View {
        object,
        label,
        generation,
        expected_chart,
    })
}

pub(super) fn assess(object: &Value, kind: FluxKind, expected_chart: Option<&str>) -> Verdict {
    let view = match identify(object, kind, expected_chart) {
        Ok(view) => view,
        Err(verdict) => return verdict,
    };
    let o = view.object;
    let generation = view.generation;
    let observed = o
        .pointer("/status/observedGeneration")
        .and_then(Value::as_i64);
    let attempted = o
        .pointer("/status/lastAttemptedGeneration")
        .and_then(Value::as_i64);
    let requested = o
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(REQUESTED_AT))
        .and_then(Value::as_str);
    let handled = str_at(o, "/status/lastHandledReconcileAt");
    let unhandled_request = requested.filter(|r| Some(*r) != handled);
    let observed_now = observed == Some(generation);
    let failure_is_current =
        (observed_now || attempted == Some(generation)) && unhandled_request.is_none();

    // Rule 2: terminal states about the current spec.
    for (kind, verb) in [("Stalled", "is Stalled"), ("Remediated", "was remediated")] {
        if let Some(c) = true_condition(o, kind).filter(|_| failure_is_current) {
            let head = format!("{} {verb}{}", view.label, tail(&c, true));
            return Verdict::Failed(view.describe(head, Some(kind), &[c.message]));
        }
    }

    // Rule 3: not settled yet.
    let mut clauses = Vec::new();
    let mut shown = Vec::new();
    if o.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
        clauses.push("is suspended (`spec.suspend: true`)".to_string());
    }
    if let Some(c) = true_condition(o, "Reconciling") {
        clauses.push(format!("is reconciling{}", tail(&c, true)));
        shown.push(c.message);
    }
    if !observed_now {
        clauses.push(match observed {
            Some(observed) => format!(
                "has not observed generation {generation} yet (status is for generation {observed})"
            ),
            None => format!("has not observed generation {generation} yet (no status yet)"),
        });
    }
    if let Some(at) = unhandled_request {
        clauses.push(format!(
            "has not handled the reconcile request of `{at}` yet"
        ));
    }
    let ready = condition(o, "Ready");
    if clauses.is_empty() && ready.as_ref().is_none_or(|c| c.status != "True") {
        clauses.push("is not Ready".to_string());
    }
    if !clauses.is_empty() {
        let head = format!("{} {}", view.label, clauses.join("; "));
        return Verdict::Pending(view.describe(head, None, &shown));
    }

    // Rule 4: the expected chart is what was deployed.
    let release = latest_release(o);
    if let Some(expected) = expected_chart {
        let ok = release
            .as_ref()
            .is_some_and(|r| chart_matches(expected, r.version) && r.status == "deployed");
        if !ok {
            let head = format!("{} is Ready but not on chart {expected}", view.label);
            return Verdict::Pending(view.describe(head, None, &[]));
        }
    }

    // Rule 5.
    let mut summary = format!("{} Ready", view.label);
    match (kind, &release) {
        (FluxKind::Helmrelease, Some(r)) => summary.push_str(&format!(" on chart {}", r.version)),
        (FluxKind::Kustomization, _) => {
            if let Some(revision) = str_at(o, "/status/lastAppliedRevision") {
                summary.push_str(&format!(" at revision {revision}"));
            }
        }
        _ => {}
    }
    Verdict::Healthy(format!("{summary} (generation {generation} observed)"))
}

impl View<'_> {
    /// `head` followed by the Ready, Released (False), Remediated and Stalled conditions
    /// (except `head_kind`, whose message heads the text), their messages unless already in
    /// `shown`, and the chart note.
    fn describe(&self, head: String, head_kind: Option<&str>, shown: &[&str]) -> String {
        let o = self.object;
        let mut parts = vec![head];
        let mut shown: Vec<&str> = shown.iter().copied().filter(|m| !m.is_empty()).collect();
        match condition(o, "Ready") {
            Some(c) if c.message.is_empty() || shown.contains(&c.message) => {
                parts.push(format!("Ready={}", c.status));
            }
            Some(c) => {
                parts.push(format!("Ready={}: {}", c.status, c.message));
                shown.push(c.message);
            }
            None => parts.push("no Ready condition yet".to_string()),
        }
        let extra = [
            condition(o, "Released").filter(|c| c.status == "False"),
            true_condition(o, "Remediated"),
            true_condition(o, "Stalled"),
        ];
        for c in extra.into_iter().flatten() {
            if Some(c.kind) == head_kind {
                continue;
            }
            let new = !shown.contains(&c.message);
            parts.push(format!("{}={}{}", c.kind, c.status, tail(&c, new)));
            shown.push(c.message);
        }
        if let Some(note) = chart_note(self.object, self.expected_chart) {
            parts.push(note);
        }
        parts.join("; ")
    }
}
