//! What the HelmRelease and Kustomization rules share: checking that the JSON is the
//! object asked for, the gates that make any object wait (suspended, a reconcile request
//! not handled yet, a generation not seen yet), and the reasons quoted in each verdict.
//!
//! Must not hold the rules of one kind (that is [`super::helmrelease`] and
//! [`super::kustomization`]) nor read kubectl output; it sees one parsed object.

use serde_json::Value;

use super::conditions::{condition, int_at, object_ref, str_at, tail, true_condition};
use super::objects::Kind;
use super::{REQUESTED_AT, Verdict};

/// The validated identity of a Flux object.
pub(super) struct View<'a> {
    pub(super) object: &'a Value,
    pub(super) label: String,
    pub(super) generation: i64,
}

pub(super) fn identify(object: &Value, kind: Kind) -> Result<View<'_>, Verdict> {
    let (want_kind, want_group) = (kind.name(), kind.group());
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
    let Some(generation) = int_at(object, "/metadata/generation") else {
        return Err(Verdict::Failed(format!(
            "{label} has no `metadata.generation`; not an object read from the API server"
        )));
    };
    Ok(View {
        object,
        label,
        generation,
    })
}

impl View<'_> {
    /// `status.observedGeneration == metadata.generation`: the controller finished acting
    /// on the current spec.
    pub(super) fn observed(&self) -> bool {
        int_at(self.object, "/status/observedGeneration") == Some(self.generation)
    }

    /// The gates before any rule: suspended, a `flux reconcile` request the controller has
    /// not handled yet, or a status about an older spec (`seen` says whether the
    /// controller has acted on this generation, each kind knowing how it records that).
    pub(super) fn gate(&self, seen: bool) -> Option<Verdict> {
        let o = self.object;
        let mut clauses = Vec::new();
        if o.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
            clauses.push("is suspended (`spec.suspend: true`)".to_string());
        }
        let requested = o
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(REQUESTED_AT))
            .and_then(Value::as_str);
        if let Some(at) =
            requested.filter(|r| Some(*r) != str_at(o, "/status/lastHandledReconcileAt"))
        {
            clauses.push(format!(
                "has not handled the reconcile request of `{at}` yet"
            ));
        }
        if !seen {
            clauses.push(self.generation_clause());
        }
        (!clauses.is_empty()).then(|| {
            let head = format!("{} {}", self.label, clauses.join("; "));
            Verdict::Pending(self.describe(head, None, &[], &[]))
        })
    }

    pub(super) fn generation_clause(&self) -> String {
        let generation = self.generation;
        match int_at(self.object, "/status/observedGeneration") {
            Some(observed) => format!(
                "has not observed generation {generation} yet (status is for generation {observed})"
            ),
            None => format!("has not observed generation {generation} yet (no status yet)"),
        }
    }

    /// `head` followed by the Ready, Released (False), Remediated and Stalled conditions
    /// (except `head_kind`, whose message heads the text), their messages unless already in
    /// `shown`, then `notes`.
    pub(super) fn describe(
        &self,
        head: String,
        head_kind: Option<&str>,
        shown: &[&str],
        notes: &[String],
    ) -> String {
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
        parts.extend(notes.iter().cloned());
        parts.join("; ")
    }
}
