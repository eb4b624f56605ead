//! Typed Flux health checks (`flux = { kind = "helmrelease", … }` in a check table).
//!
//! Owns: the `kubectl` arguments that read one Flux object as JSON, the health rules for
//! `HelmRelease` and `Kustomization` objects, parsing of a Kustomization's
//! `status.inventory`, and [`evaluate`], which runs one try of a check through an injected
//! `kubectl` runner and turns what it sees into a [`Verdict`].
//!
//! This module never prints and never spawns: the executor passes the runner (the real one
//! spawns `kubectl` with the check's timeout; tests pass closures) and reports the verdict.
//! Malformed JSON never panics; it becomes [`Verdict::Failed`].
//!
//! Order of the rules for one object (first match wins):
//!
//! 1. not a Flux object of the expected kind (`kind`, `apiVersion` group, `metadata.name`,
//!    `metadata.generation`) → failed;
//! 2. `Stalled=True` or `Remediated=True` → failed, but only when that status is about the
//!    current spec: the generation was observed (`status.observedGeneration`, or for a
//!    HelmRelease `status.lastAttemptedGeneration`) and no `reconcile.fluxcd.io/requestedAt`
//!    request is still unhandled. A Stalled status left over from an older generation is
//!    old news (Flux retries after any spec change), so it only makes the check wait;
//! 3. suspended, reconciling, generation not observed, reconcile request not handled, or
//!    `Ready` not `True` → pending;
//! 4. HelmRelease with an expected chart version: `status.history[0]` must carry a
//!    matching `chartVersion` and status `deployed`, else pending;
//! 5. otherwise healthy.
//!
//! Reasons quote the `Ready`, `Released` (when `False`), `Remediated` and `Stalled`
//! messages and the chart version found, skipping messages already quoted.
//!
//! Layout: `rules` applies that order to one object, reading `status.conditions` through
//! `conditions`; `helmrelease` and `kustomization` hold what is particular to each kind
//! (chart versions; the inventory); `kubectl` turns one kubectl run into JSON or a verdict.
//! This file holds the public types and [`evaluate`], which ties them together.

mod conditions;
mod helmrelease;
mod kubectl;
mod kustomization;
mod rules;
#[cfg(test)]
mod tests;

use std::io;

use crate::runbook::model::{FluxCheck, FluxKind};

pub use helmrelease::assess_helmrelease;
pub use kustomization::{assess_kustomization, inventory_helmreleases};

const HELM_GROUP: &str = "helm.toolkit.fluxcd.io";
const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
const REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";

/// Output of one kubectl invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubectlOutput {
    /// `None` when the process was killed (for example by the executor's timeout).
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Healthy: the check passes. The string summarises what was seen (e.g. "HelmRelease
    /// default/sonarr Ready on chart 4.1.1 (generation 3 observed)").
    Healthy(String),
    /// Not yet: keep polling (Reconciling=True, Ready=Unknown/False without Stalled,
    /// generation not yet observed, object not found yet ...). The string is the reason
    /// shown to the operator.
    Pending(String),
    /// Failed for good: do not use the remaining attempts (Stalled=True, Remediated=True,
    /// kubectl missing, API error that is not NotFound, JSON that is not a Flux object).
    Failed(String),
}

/// The kubectl arguments to read one object as JSON: ["get", "helmrelease", NAME, "-n", NS,
/// "-o", "json"] plus ["--context", CTX] when a context is set.
pub fn kubectl_args(
    kind: FluxKind,
    name: &str,
    namespace: &str,
    context: Option<&str>,
) -> Vec<String> {
    let resource = match kind {
        FluxKind::Helmrelease => "helmrelease",
        FluxKind::Kustomization => "kustomization",
    };
    let mut args: Vec<String> = ["get", resource, name, "-n", namespace, "-o", "json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if let Some(context) = context {
        args.extend(["--context".to_string(), context.to_string()]);
    }
    args
}

/// Runs the whole check through an injected kubectl runner (the executor passes one that
/// spawns the real process with a timeout; tests pass closures). `Err(io::Error)` with kind
/// NotFound from the runner means kubectl is not installed.
///
/// `chart_version` applies to a HelmRelease check only. With `follow_inventory` (a
/// Kustomization check only), every HelmRelease in the Kustomization's inventory is read and
/// assessed too (without a chart expectation): the first failed release wins, even while
/// the Kustomization itself is still pending; any pending one makes the check pending.
pub fn evaluate(
    check: &FluxCheck,
    kubectl: &mut dyn FnMut(&[String]) -> io::Result<KubectlOutput>,
) -> Verdict {
    let context = check.context.as_deref();
    let object = match kubectl::read(check.kind, &check.name, &check.namespace, context, kubectl) {
        Ok(object) => object,
        Err(verdict) => return verdict,
    };
    match check.kind {
        FluxKind::Helmrelease => assess_helmrelease(&object, check.chart_version.as_deref()),
        FluxKind::Kustomization => {
            let own = assess_kustomization(&object);
            if !check.follow_inventory || matches!(own, Verdict::Failed(_)) {
                return own;
            }
            kustomization::follow_inventory(own, &object, context, kubectl)
        }
    }
}
