//! Extras on the real haynes-ops snapshot (`../shared/fixtures/haynes-ops`): each test
//! prints a notice and passes without running when the snapshot is not there (a fresh
//! clone), and runs in CI, which has it. The synthetic repositories of
//! `tests/fixtures/repos` cover the same runbooks without it.

use std::fs;
use std::path::Path;

use super::e2e::*;

const STAMPED_REF: &str = "  chartRef:\n    kind: OCIRepository\n    name: app-template\n";

/// The snapshot's releases are already on chartRef: put three back on spec.chart.
fn legacy(repo: &Path) {
    for file in [
        "kubernetes/main/apps/downloads/ytdl-sub/youtube/helmrelease.yaml",
        "kubernetes/main/apps/media/sonarr/app/helmrelease.yaml",
        "kubernetes/main/apps/ai/stable-diffusion/comfyui/helmrelease.yaml",
    ] {
        edit(
            &repo.join(file),
            STAMPED_REF,
            "  chart:\n    spec:\n      chart: app-template\n      version: 5.1.0\n      sourceRef:\n        kind: HelmRepository\n        name: bjw-s\n        namespace: flux-system\n",
        );
    }
}

/// On the real tree the app-template source is stamped into each namespace by a
/// kustomize Component: the migration detects it and writes chartRef without a
/// namespace, as the other 73 files of the snapshot are written.
#[test]
fn chartref_migration_on_the_haynes_ops_snapshot() {
    let e2e = E2e::new(
        &[
            "helmrelease-chartref-migration",
            "immutable-selector-remediation",
        ],
        &["chartref"],
    );
    for release in ["downloads/ytdl-sub-youtube", "media/sonarr", "ai/comfyui"] {
        let (ns, name) = release.split_once('/').unwrap();
        e2e.seed(&[
            "hr",
            ns,
            name,
            "version=5.1.0",
            "deployed_version=5.1.0",
            &format!("git_source=OCIRepository/{ns}/app-template"),
        ]);
    }
    e2e.remove_state("hr/media/sonarr/immutable")
        .remove_state("hr/ai/comfyui/immutable");
    let Some(e2e) = e2e.snapshot("main", legacy) else {
        return;
    };
    e2e.run(
        "helmrelease-chartref-migration",
        &[("cluster", "main"), ("repo", REPO), ("chart_version", "5.1.0")],
    )
    .succeeded()
    .shows("app-template sources: per-namespace")
    .shows("kubernetes/shared/components/common/repos/app-template/ocirepository.yaml app-template tag 5.1.0 (per-namespace)");
    let comfyui = fs::read_to_string(
        e2e.repo()
            .join("kubernetes/main/apps/ai/stable-diffusion/comfyui/helmrelease.yaml"),
    )
    .unwrap();
    assert!(
        comfyui.contains(&format!("{STAMPED_REF}  install:\n")),
        "{comfyui}"
    );
}

/// The layout step reads the real tree: two clusters, shared components, no templates.
#[test]
fn components_over_templates_renders_the_haynes_ops_snapshot() {
    let e2e = E2e::new(
        &["components-over-templates", "reconcile-app"],
        &["healthy"],
    );
    let Some(e2e) = e2e.snapshot("edge", |_| {}) else {
        return;
    };
    let run = e2e.run("components-over-templates", &[("repo", REPO)]);
    run.succeeded()
        .shows("layout: multi-cluster")
        .shows("components: kubernetes/shared/components")
        .shows("near-duplicate: common/gatus/guarded gatus/gaurded")
        .shows("rendered output unchanged");
}
