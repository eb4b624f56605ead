//! helmrelease-chartref-migration: three batches, immutable selectors recovered.

use std::fs;
use std::path::Path;

use super::e2e::*;

// ---------------------------------------------------------------- helmrelease-chartref-migration

/// The releases of the `chartref` seed, in the checkout: back on the legacy `spec.chart`
/// (the fixture is already migrated), so the inventory finds them.
const LEGACY_RELEASES: &[&str] = &[
    "kubernetes/main/apps/downloads/ytdl-sub/youtube/helmrelease.yaml",
    "kubernetes/main/apps/media/sonarr/app/helmrelease.yaml",
    "kubernetes/main/apps/ai/stable-diffusion/comfyui/helmrelease.yaml",
];

fn legacy_chart(repo: &Path) {
    for file in LEGACY_RELEASES {
        edit(
            &repo.join(file),
            "  chartRef:\n    kind: OCIRepository\n    name: app-template\n    namespace: flux-system\n",
            "  chart:\n    spec:\n      chart: app-template\n      version: 3.7.3\n      sourceRef:\n        kind: HelmRepository\n        name: bjw-s\n        namespace: flux-system\n",
        );
    }
}

fn chartref_run(e2e: &E2e) -> Run {
    e2e.run(
        "helmrelease-chartref-migration",
        &[("cluster", "main"), ("repo", REPO)],
    )
}

const CHARTREF_BATCH_STEPS: &[&str] = &[
    "inventory",
    "review",
    "cronjobs-edit",
    "cronjobs-commit",
    "cronjobs-reconcile[downloads/ytdl-sub-youtube]",
    "cronjobs-triage",
    "cronjobs-verify[downloads/ytdl-sub-youtube]",
    "deployments-edit",
    "deployments-reconcile[media/sonarr]",
    "deployments-triage",
    "deployments-verify[media/sonarr]",
    "statefulsets-edit",
    "statefulsets-reconcile[ai/comfyui]",
    "statefulsets-triage",
    "statefulsets-verify[ai/comfyui]",
    "converge",
];

#[track_caller]
fn assert_migrated(e2e: &E2e) {
    let log = e2e.git(&["log", "--format=%s"]);
    assert_eq!(
        log,
        "app-template: move batch 3 (StatefulSet) releases to chartRef\n\
         app-template: move batch 2 (Deployment or DaemonSet) releases to chartRef\n\
         app-template: move batch 1 (CronJob) releases to chartRef\n\
         initial state\n"
    );
    assert_eq!(e2e.git(&["status", "--porcelain"]), "");
    for file in LEGACY_RELEASES {
        let text = fs::read_to_string(e2e.repo().join(file)).unwrap();
        assert!(
            text.contains("  chartRef:\n    kind: OCIRepository\n    name: app-template\n    namespace: flux-system\n  interval: 30m\n")
                || text.contains("  chartRef:\n    kind: OCIRepository\n    name: app-template\n    namespace: flux-system\n  install:\n"),
            "{file} was not rewritten to chartRef:\n{text}"
        );
        assert!(
            !text.contains("HelmRepository"),
            "{file} still names the HelmRepository"
        );
    }
    for release in ["downloads/ytdl-sub-youtube", "media/sonarr", "ai/comfyui"] {
        let dir = format!("hr/{release}");
        assert_eq!(
            fs::read_to_string(e2e.state(&format!("{dir}/source"))).unwrap(),
            "OCIRepository/flux-system/app-template"
        );
        assert_eq!(
            fs::read_to_string(e2e.state(&format!("{dir}/version"))).unwrap(),
            "3.7.3"
        );
        assert_eq!(
            fs::read_to_string(e2e.state(&format!("{dir}/ready"))).unwrap(),
            "True"
        );
    }
}

#[test]
fn chartref_migration_moves_three_batches_without_conflicts() {
    let e2e = E2e::new(
        &[
            "helmrelease-chartref-migration",
            "immutable-selector-remediation",
        ],
        &["chartref"],
    );
    e2e.remove_state("hr/media/sonarr/immutable")
        .remove_state("hr/ai/comfyui/immutable");
    let e2e = e2e.checkout(Layout::TwoCluster, legacy_chart);
    let run = chartref_run(&e2e);
    run.succeeded()
        .steps("succeeded", CHARTREF_BATCH_STEPS)
        .steps("skipped", &["cronjobs-remediate", "deployments-remediate", "statefulsets-remediate"])
        .no_call("suspend")
        .calls_in_order(&[
            "flux --context main check",
            "flux --context main get helmreleases -A --status-selector ready=false",
            "kubectl --context main -n flux-system get ocirepository app-template",
            "flux --context main reconcile kustomization ytdl-sub-youtube -n downloads --with-source",
            "flux --context main reconcile helmrelease ytdl-sub-youtube -n downloads --with-source",
            "kubectl get helmrelease ytdl-sub-youtube -n downloads -o json --context main",
            "kubectl --context main -n flux-system get helmchart downloads-ytdl-sub-youtube --ignore-not-found -o name",
            "flux --context main reconcile kustomization sonarr -n media --with-source",
            "flux --context main reconcile kustomization comfyui -n ai --with-source",
            "flux --context main get helmreleases -A --no-header --status-selector ready=false",
        ]);
    assert_migrated(&e2e);
}

/// sonarr (Deployment) and comfyui (StatefulSet, upgrade remediation: silently rolled
/// back) hit `field is immutable` when their chart source switches; the triage finds
/// them, the remediation runbook recreates their workloads, and the run ends green.
#[test]
fn chartref_migration_recovers_immutable_selectors() {
    let e2e = E2e::new(
        &[
            "helmrelease-chartref-migration",
            "immutable-selector-remediation",
        ],
        &["chartref"],
    )
    .checkout(Layout::TwoCluster, legacy_chart);
    let run = chartref_run(&e2e);
    run.succeeded()
        .steps("succeeded", CHARTREF_BATCH_STEPS)
        .steps("skipped", &["cronjobs-remediate"])
        .steps(
            "succeeded",
            &[
                "deployments-remediate[media/sonarr]/suspend",
                "deployments-remediate[media/sonarr]/delete-workload[deployment.apps/sonarr]",
                "deployments-remediate[media/sonarr]/resume",
                "deployments-remediate[media/sonarr]/verify-version",
                "deployments-remediate[media/sonarr]",
                "statefulsets-remediate[ai/comfyui]/suspend",
                "statefulsets-remediate[ai/comfyui]/delete-workload[statefulset.apps/comfyui]",
                "statefulsets-remediate[ai/comfyui]/resume",
                "statefulsets-remediate[ai/comfyui]/verify-version",
            ],
        )
        .shows("field is immutable")
        .shows("spec: Forbidden")
        .calls_in_order(&[
            "flux --context main reconcile kustomization sonarr -n media --with-source",
            "flux --context main events -n media --for HelmRelease/sonarr --types Warning",
            "flux --context main suspend helmrelease sonarr -n media",
            "kubectl --context main -n media delete deployment.apps/sonarr",
            "flux --context main resume helmrelease sonarr -n media",
            "kubectl get helmrelease sonarr -n media -o json --context main",
            "flux --context main reconcile kustomization comfyui -n ai --with-source",
            "flux --context main events -n ai --for HelmRelease/comfyui --types Warning",
            "flux --context main suspend helmrelease comfyui -n ai",
            "kubectl --context main -n ai delete statefulset.apps/comfyui",
            "flux --context main resume helmrelease comfyui -n ai",
        ]);
    assert_migrated(&e2e);
    assert!(!e2e.state("recreated-by-controller").exists());
}
