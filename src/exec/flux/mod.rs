//! Typed Flux health checks (`flux = { kind = "helmrelease", … }` in a check table).
//!
//! Owns: the kubectl reads of Flux objects as JSON, the health rules for `HelmRelease`
//! and `Kustomization` objects (judged like helm-controller and kustomize-controller
//! record them), following a HelmRelease or Kustomization to its source's current
//! artifact, following a Kustomization's inventory, and [`evaluate`], which runs one try
//! of a check through an injected `kubectl` runner and turns what it sees into a
//! [`Verdict`].
//!
//! This module never prints and never spawns: the executor passes the runner (the real one
//! spawns `kubectl` with the check's timeout; tests pass closures) and reports the verdict.
//! Malformed JSON never panics; it becomes [`Verdict::Failed`].
//!
//! HelmRelease rules, first match wins (book: "The verdict of one try"):
//!
//! 1. not a Flux HelmRelease → failed;
//! 2. suspended, a reconcile request not handled yet, or neither `observedGeneration` nor
//!    `lastAttemptedGeneration` is the current generation → pending;
//! 3. rolled back (`lastAttemptedRevision` is not `history[0]`'s chart, and Remediated=True
//!    or that attempt failed) or otherwise Remediated=True: pending while Reconciling
//!    (helm-controller is retrying) unless Stalled, else failed;
//! 4. Stalled=True → failed;
//! 5. Reconciling=True, or the generation not observed → pending;
//! 6. Ready=False (neither Reconciling nor Stalled): failed, unless it waits for a
//!    dependency; Ready missing or Unknown → pending;
//! 7. Ready=True: healthy when `history[0]` is `deployed` and on `chart-version` (when
//!    given) or made from the source's current artifact (chart version, OCI digest), else
//!    pending; a source that does not exist or has no artifact is not compared (the
//!    verdict says so).
//!
//! A failure in rules 3, 4 and 6 counts only when the last attempt is about what the check
//! waits for (`chart-version`, or the source's current artifact): a failure of an older
//! chart read just before helm-controller reacts to a new artifact is pending, which is
//! what makes one read enough (no confirming re-read).
//!
//! Kustomization rules: suspended, unhandled request, generation not seen → pending;
//! Stalled → failed; Reconciling → pending; Ready=False waiting for a dependency →
//! pending, else failed (unless the last attempt is an older revision than the source's);
//! Ready=True on the observed generation with `lastAppliedRevision` equal to the source's
//! artifact revision → healthy, else pending.
//!
//! Reads per try: a HelmRelease or Kustomization check reads its object, and its source
//! only when the rules need it (two calls at most); `follow-inventory` reads every Flux
//! object with one list call and judges the whole tree from it.
//!
//! Layout: `objects` (kinds, references, the two readers), `kubectl` (arguments and one
//! call), `source` (source references, artifacts, matching), `chart` (history and chart
//! patterns), `rules` (identity, gates, reasons), `helmrelease`, `kustomization`, `tree`.

mod chart;
mod conditions;
mod helmrelease;
mod kubectl;
mod kustomization;
mod objects;
mod rules;
mod source;
#[cfg(test)]
mod tests;
mod tree;

use std::io;

use crate::runbook::model::{FluxCheck, FluxKind};
use objects::{Cluster, Direct, Kind, ObjectRef, Snapshot, not_found};

pub use helmrelease::assess_helmrelease;
pub use kustomization::{assess_kustomization, inventory_helmreleases};

const HELM_GROUP: &str = "helm.toolkit.fluxcd.io";
const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";
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
    /// Not yet: keep polling (Reconciling=True, generation not yet observed, a chart not
    /// released yet, object not found yet ...). The string is the reason shown to the
    /// operator, and the failure when the attempts run out.
    Pending(String),
    /// Failed for good: do not use the remaining attempts (rolled back, Stalled, failed and
    /// waiting, kubectl missing, API error that is not NotFound, JSON that is not a Flux
    /// object).
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
    kubectl::get_args(&ObjectRef::new(kind_of(kind), namespace, name), context)
}

/// The kubectl arguments of the one call a `follow-inventory` try makes: every
/// HelmRelease, Kustomization and source of every namespace, as JSON.
pub fn kubectl_list_args(context: Option<&str>) -> Vec<String> {
    kubectl::list_args(context)
}

fn kind_of(kind: FluxKind) -> Kind {
    match kind {
        FluxKind::Helmrelease => Kind::HelmRelease,
        FluxKind::Kustomization => Kind::Kustomization,
    }
}

/// Runs one try of the check through an injected kubectl runner (the executor passes one
/// that spawns the real process with a timeout; tests pass closures). `Err(io::Error)` with
/// kind NotFound from the runner means kubectl is not installed.
///
/// `chart_version` applies to a HelmRelease check only; `follow_inventory` to a
/// Kustomization check only.
pub fn evaluate(
    check: &FluxCheck,
    kubectl: &mut dyn FnMut(&[String]) -> io::Result<KubectlOutput>,
) -> Verdict {
    let context = check.context.as_deref();
    let target = ObjectRef::new(kind_of(check.kind), &check.namespace, &check.name);
    if check.kind == FluxKind::Kustomization && check.follow_inventory {
        return match Snapshot::read(context, kubectl) {
            Ok(mut snapshot) => tree::follow(&target, &mut snapshot),
            Err(verdict) => verdict,
        };
    }
    let mut direct = Direct::new(context, kubectl);
    let object = match direct.get(&target) {
        Ok(Some(object)) => object,
        Ok(None) => return Verdict::Pending(not_found(&target, context)),
        Err(verdict) => return verdict,
    };
    match check.kind {
        FluxKind::Helmrelease => {
            helmrelease::judge(&object, check.chart_version.as_deref(), &mut direct)
        }
        FluxKind::Kustomization => kustomization::judge(&object, &mut direct),
    }
}
