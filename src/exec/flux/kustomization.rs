//! The Kustomization rules: stalled fails, reconciling or waiting for a dependency waits,
//! Ready=False with no retry in progress fails, and healthy only when Ready on the observed
//! generation with `lastAppliedRevision` equal to its source's artifact revision; plus the
//! HelmReleases and Kustomizations listed in `status.inventory`.
//!
//! Must not follow the inventory (that is [`super::tree`]) nor read kubectl output.

use serde_json::Value;

use super::conditions::{condition, short, str_at, tail, true_condition};
use super::objects::{Cluster, Given, Kind, ObjectRef, not_found};
use super::rules::identify;
use super::source::{Current, current};
use super::{HELM_GROUP, KUSTOMIZE_GROUP, Verdict};

/// Decides a Kustomization's own health (its inventory is not followed). `source` is its
/// source (GitRepository, OCIRepository or Bucket), `None` when it does not exist.
pub fn assess_kustomization(object: &Value, source: Option<&Value>) -> Verdict {
    let mut given = Given(source.into_iter().cloned().collect());
    judge(object, &mut given)
}

pub(super) fn judge(o: &Value, cluster: &mut dyn Cluster) -> Verdict {
    match rules(o, cluster) {
        Ok(verdict) | Err(verdict) => verdict,
    }
}

fn rules(o: &Value, cluster: &mut dyn Cluster) -> Result<Verdict, Verdict> {
    let view = identify(o, Kind::Kustomization)?;
    // kustomize-controller moves `status.observedGeneration` only on success; a failure
    // of the current spec shows in the generation recorded on the Ready condition.
    let ready = condition(o, "Ready");
    let seen =
        view.observed() || ready.as_ref().and_then(|c| c.generation) == Some(view.generation);
    if let Some(verdict) = view.gate(seen) {
        return Ok(verdict);
    }
    if let Some(c) = true_condition(o, "Stalled") {
        let head = format!("{} is Stalled{}", view.label, tail(&c, true));
        return Ok(Verdict::Failed(view.describe(
            head,
            Some("Stalled"),
            &[c.message],
            &[],
        )));
    }
    if let Some(c) = true_condition(o, "Reconciling") {
        let head = format!("{} is reconciling{}", view.label, tail(&c, true));
        return Ok(Verdict::Pending(view.describe(
            head,
            None,
            &[c.message],
            &[],
        )));
    }
    let pending = |why: String| {
        Verdict::Pending(view.describe(format!("{} {why}", view.label), None, &[], &[]))
    };
    match ready.as_ref().map(|c| (c.status, c.reason)) {
        Some(("True", _)) if view.observed() => {}
        Some(("True", _)) => return Ok(pending(view.generation_clause())),
        Some(("False", "DependencyNotReady")) => {
            return Ok(pending("is waiting for a dependency".to_string()));
        }
        Some(("False", _)) => {
            let attempted = str_at(o, "/status/lastAttemptedRevision").unwrap_or("");
            if let Current::Artifact { source, revision } = current(o, cluster)?
                && !attempted.is_empty()
                && attempted != revision
            {
                return Ok(pending(format!(
                    "last attempted {}, but {source} now has {}; waiting for kustomize-controller to try it",
                    short(attempted),
                    short(&revision)
                )));
            }
            let reason = ready.as_ref().map(|c| tail(c, false)).unwrap_or_default();
            let head = format!(
                "{} failed{reason} and kustomize-controller is not retrying before its next interval",
                view.label
            );
            return Ok(Verdict::Failed(view.describe(head, None, &[], &[])));
        }
        _ => return Ok(pending("is not Ready".to_string())),
    }
    let applied = str_at(o, "/status/lastAppliedRevision").unwrap_or("");
    let context = cluster.context().map(str::to_string);
    let generation = view.generation;
    let from = match current(o, cluster)? {
        Current::Artifact { source, revision } if revision == applied => {
            format!(", the current artifact of {source}")
        }
        Current::Artifact { source, revision } => {
            return Ok(pending(format!(
                "is Ready at revision {}, but {source} now has {}; kustomize-controller has not applied it yet",
                short(applied),
                short(&revision)
            )));
        }
        Current::Missing(source) => {
            format!(
                " ({}, so not compared)",
                not_found(&source, context.as_deref())
            )
        }
        Current::NoArtifact(source) => format!(" ({source} reports no artifact to compare with)"),
        Current::Untracked(why) => format!(" (source not compared: {why})"),
    };
    let at = if applied.is_empty() {
        String::new()
    } else {
        format!(" at revision {}", short(applied))
    };
    Ok(Verdict::Healthy(format!(
        "{} Ready{at}{from} (generation {generation} observed)",
        view.label
    )))
}

/// HelmReleases listed in a Kustomization's `status.inventory.entries`, as (namespace,
/// name), in inventory order without duplicates.
pub fn inventory_helmreleases(object: &Value) -> Vec<(String, String)> {
    inventory(object)
        .into_iter()
        .filter(|r| r.kind == Kind::HelmRelease)
        .map(|r| (r.namespace, r.name))
        .collect()
}

/// HelmReleases and Kustomizations in `status.inventory.entries`, in inventory order
/// without duplicates.
///
/// Ids are `<ns>_<name>_<group>_<kind>` (the version is a separate `v` field), or the same
/// followed by `_<version>`. Namespaces, names and API groups cannot contain `_`, so
/// splitting on `_` is exact for these kinds; other entries (cluster-scoped objects with an
/// empty namespace, RBAC names with `:` transcoded to `__`) are skipped.
pub(super) fn inventory(object: &Value) -> Vec<ObjectRef> {
    let entries = object
        .pointer("/status/inventory/entries")
        .and_then(Value::as_array);
    let mut found: Vec<ObjectRef> = Vec::new();
    for id in entries
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("id")?.as_str())
    {
        let parts: Vec<&str> = id.split('_').collect();
        let [namespace, name, group, kind, rest @ ..] = parts.as_slice() else {
            continue;
        };
        let version_ok = match rest {
            [] => true,
            [version] => !version.is_empty(),
            _ => false,
        };
        let kind = match (*group, *kind) {
            (HELM_GROUP, "HelmRelease") => Kind::HelmRelease,
            (KUSTOMIZE_GROUP, "Kustomization") => Kind::Kustomization,
            _ => continue,
        };
        if version_ok && !namespace.is_empty() && !name.is_empty() {
            let child = ObjectRef::new(kind, namespace, name);
            if !found.contains(&child) {
                found.push(child);
            }
        }
    }
    found
}
