//! What is particular to Kustomizations: the public [`assess_kustomization`], the
//! HelmReleases listed in `status.inventory`, and following that inventory in
//! [`evaluate`](super::evaluate).
//!
//! Must not judge a HelmRelease itself: each release found is read through
//! [`super::kubectl`] and judged by [`assess_helmrelease`] like a HelmRelease check.

use std::io;

use serde_json::Value;

use super::conditions::object_ref;
use super::kubectl::read;
use super::rules::assess;
use super::{HELM_GROUP, KubectlOutput, Verdict, assess_helmrelease};
use crate::runbook::model::FluxKind;

/// Decides a Kustomization object's own health (Ready=True and generation observed; Stalled
/// fails at once). Its inventory is not followed here; see [`evaluate`](super::evaluate).
pub fn assess_kustomization(object: &Value) -> Verdict {
    assess(object, FluxKind::Kustomization, None)
}

/// HelmReleases listed in a Kustomization's `status.inventory.entries`, as (namespace,
/// name), in inventory order without duplicates.
///
/// Ids are `<ns>_<name>_<group>_<kind>` (the version is a separate `v` field), or the same
/// followed by `_<version>`. Namespaces, names and API groups cannot contain `_`, so
/// splitting on `_` is exact for HelmReleases; other entries (cluster-scoped objects with an
/// empty namespace, RBAC names with `:` transcoded to `__`) are skipped.
pub fn inventory_helmreleases(object: &Value) -> Vec<(String, String)> {
    let entries = object
        .pointer("/status/inventory/entries")
        .and_then(Value::as_array);
    let mut releases: Vec<(String, String)> = Vec::new();
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
        if version_ok
            && *group == HELM_GROUP
            && *kind == "HelmRelease"
            && !namespace.is_empty()
            && !name.is_empty()
        {
            let pair = (namespace.to_string(), name.to_string());
            if !releases.contains(&pair) {
                releases.push(pair);
            }
        }
    }
    releases
}

pub(super) fn follow_inventory(
    own: Verdict,
    object: &Value,
    context: Option<&str>,
    kubectl: &mut dyn FnMut(&[String]) -> io::Result<KubectlOutput>,
) -> Verdict {
    let ks = format!("Kustomization {}", object_ref(object));
    let releases = inventory_helmreleases(object);
    let mut pending = Vec::new();
    let mut healthy = Vec::new();
    for (namespace, name) in &releases {
        let verdict = match read(FluxKind::Helmrelease, name, namespace, context, kubectl) {
            Ok(release) => assess_helmrelease(&release, None),
            Err(verdict) => verdict,
        };
        match verdict {
            Verdict::Failed(reason) => {
                return Verdict::Failed(format!("{reason} (listed in the inventory of {ks})"));
            }
            Verdict::Pending(reason) => pending.push(reason),
            Verdict::Healthy(_) => healthy.push(format!("{namespace}/{name}")),
        }
    }
    match own {
        Verdict::Pending(reason) => Verdict::Pending(reason),
        _ if !pending.is_empty() => Verdict::Pending(format!(
            "{} (listed in the inventory of {ks})",
            pending.join("; ")
        )),
        Verdict::Healthy(summary) if healthy.is_empty() => {
            Verdict::Healthy(format!("{summary}; its inventory lists no HelmRelease"))
        }
        Verdict::Healthy(summary) => Verdict::Healthy(format!(
            "{summary}; HelmReleases Ready: {}",
            healthy.join(", ")
        )),
        failed @ Verdict::Failed(_) => failed,
    }
}
