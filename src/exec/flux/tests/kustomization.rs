//! The Kustomization rules and the objects its inventory lists.

use serde_json::json;

use super::*;
use crate::exec::flux::kustomization::inventory;

#[test]
fn ready_on_the_sources_artifact_is_healthy() {
    assert_eq!(
        assess_kustomization(&parse(KS_READY), Some(&parse(GIT_FLUX_SYSTEM))),
        Verdict::Healthy(
            "Kustomization default/sonarr Ready at revision refs/heads/main@sha1:8d3f1c2a7b9e…, \
             the current artifact of GitRepository flux-system/flux-system (generation 2 observed)"
                .into()
        )
    );
    // `wait: false`: its own verdict knows nothing about the Stalled release it applied.
    assert_healthy(
        &assess_kustomization(&parse(KS_FAILED_HR), Some(&parse(GIT_FLUX_SYSTEM))),
        &[],
    );
    assert_healthy(
        &assess_kustomization(&parse(KS_READY), None),
        &["(GitRepository flux-system/flux-system not found, so not compared)"],
    );
    // OCIRepository and Bucket sources compare the same way.
    let mut ks = parse(KS_READY);
    ks["spec"]["sourceRef"] = json!({"kind": "OCIRepository", "name": "app-template"});
    ks["status"]["lastAppliedRevision"] = json!(format!("4.1.1@{DIGEST_411}"));
    let source = oci("default", &format!("4.1.1@{DIGEST_411}"));
    assert_healthy(
        &assess_kustomization(&ks, Some(&source)),
        &["OCIRepository default/app-template"],
    );
}

#[test]
fn stalled_fails_reconciling_waits() {
    let mut ks = parse(KS_READY);
    let build = "kustomize build failed: accumulating resources: missing file";
    set_condition(&mut ks, "Ready", "False", "BuildFailed", build);
    set_condition(&mut ks, "Reconciling", "True", "ProgressingWithRetry", "");
    assert_pending(
        &assess_kustomization(&ks, None),
        &["is reconciling (ProgressingWithRetry)"],
    );
    set_condition(
        &mut ks,
        "Stalled",
        "True",
        "InvalidCELExpression",
        "invalid expression",
    );
    assert_eq!(
        assess_kustomization(&ks, None),
        Verdict::Failed(format!(
            "Kustomization default/sonarr is Stalled (InvalidCELExpression): invalid expression; \
             Ready=False: {build}"
        ))
    );
}

#[test]
fn ready_false_without_a_retry_fails_unless_waiting_for_a_dependency() {
    let source = parse(GIT_FLUX_SYSTEM);
    let mut ks = parse(KS_READY);
    let health = "health check failed after 4.021913374s: failed early due to stalled resources: [HelmRelease/default/sonarr status: 'Failed']";
    set_condition(&mut ks, "Ready", "False", "HealthCheckFailed", health);
    assert_eq!(
        assess_kustomization(&ks, Some(&source)),
        Verdict::Failed(format!(
            "Kustomization default/sonarr failed (HealthCheckFailed) and kustomize-controller is \
             not retrying before its next interval; Ready=False: {health}"
        ))
    );
    // A failure of the current generation: the Ready condition records it while
    // status.observedGeneration stays on the last success.
    ks["metadata"]["generation"] = json!(3);
    ks["status"]["conditions"][0]["observedGeneration"] = json!(3);
    assert_failed(
        &assess_kustomization(&ks, Some(&source)),
        &["failed (HealthCheckFailed)"],
    );
    // The failure is about an older commit than the source has now.
    let pushed = git("refs/heads/main@sha1:3ac32d40e1f2a3b4c5d6e7f8091a2b3c4d5e6f70");
    assert_pending(
        &assess_kustomization(&ks, Some(&pushed)),
        &[
            "last attempted refs/heads/main@sha1:8d3f1c2a7b9e…, but GitRepository flux-system/flux-system now has refs/heads/main@sha1:3ac32d40e1f2…",
        ],
    );
    let dependency = "dependency 'network/envoy-gateway' is not ready";
    set_condition(&mut ks, "Ready", "False", "DependencyNotReady", dependency);
    ks["status"]["conditions"][0]["observedGeneration"] = json!(3);
    assert_pending(
        &assess_kustomization(&ks, Some(&source)),
        &["is waiting for a dependency"],
    );
}

#[test]
fn generation_not_observed_waits() {
    let mut ks = parse(KS_READY);
    ks["metadata"]["generation"] = json!(3);
    assert_pending(
        &assess_kustomization(&ks, None),
        &[
            "has not observed generation 3 yet (status is for generation 2); Ready=True: Applied revision",
        ],
    );
    let mut ks = parse(KS_READY);
    set_condition(
        &mut ks,
        "Ready",
        "Unknown",
        "Progressing",
        "Reconciliation in progress",
    );
    assert_pending(
        &assess_kustomization(&ks, None),
        &["is not Ready; Ready=Unknown"],
    );
}

#[test]
fn inventory_lists_helmreleases_and_kustomizations() {
    assert_eq!(
        inventory_helmreleases(&parse(KS_READY)),
        [("default".to_string(), "sonarr".to_string())]
    );
    let ks = json!({"status": {"inventory": {"entries": [
        {"id": "media_radarr_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
        {"id": "media_sonarr-4k_helm.toolkit.fluxcd.io_HelmRelease_v2"},
        {"id": "media_radarr_helm.toolkit.fluxcd.io_HelmRelease_v2beta2"},
        {"id": "media_radarr_kustomize.toolkit.fluxcd.io_Kustomization", "v": "v1"},
        {"id": "media_app-template_source.toolkit.fluxcd.io_OCIRepository", "v": "v1"},
        {"id": "_system__controller__x_rbac.authorization.k8s.io_ClusterRole", "v": "v1"},
        {"id": "_cluster-wide_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
        {"id": "media__helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
        {"id": "media_x_helm.toolkit.fluxcd.io_HelmRelease_v2_extra"},
        {"id": "media_x_kustomize.config.k8s.io_Kustomization", "v": "v1beta1"},
        {"id": 7},
        {"v": "v2"}
    ]}}});
    let listed: Vec<String> = inventory(&ks).iter().map(ToString::to_string).collect();
    assert_eq!(
        listed,
        [
            "HelmRelease media/radarr",
            "HelmRelease media/sonarr-4k",
            "Kustomization media/radarr"
        ]
    );
    assert_eq!(
        inventory(&parse(KS_CLUSTER_APPS))
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["Kustomization ai/comfyui", "Kustomization default/sonarr"]
    );
}
