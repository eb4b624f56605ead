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

/// The same on a layout whose releases name the stamped source without a namespace.
fn legacy_chart_per_namespace(repo: &Path) {
    for file in LEGACY_RELEASES {
        edit(
            &repo.join(file.replace("kubernetes/main/", "kubernetes/")),
            "  chartRef:\n    kind: OCIRepository\n    name: app-template\n",
            "  chart:\n    spec:\n      chart: app-template\n      version: 3.7.3\n      sourceRef:\n        kind: HelmRepository\n        name: bjw-s\n        namespace: flux-system\n",
        );
    }
}

fn legacy_chart(repo: &Path) {
    for file in LEGACY_RELEASES {
        edit(
            &repo.join(file),
            "  chartRef:\n    kind: OCIRepository\n    name: app-template\n    namespace: flux-system\n",
            "  chart:\n    spec:\n      chart: app-template\n      version: 3.7.3\n      sourceRef:\n        kind: HelmRepository\n        name: bjw-s\n        namespace: flux-system\n",
        );
    }
}

/// The migration on context `main` with `repo`, and `extra` variables (which win).
fn chartref_run(e2e: &E2e, extra: &[(&str, &str)]) -> Run {
    let mut vars: Vec<(&str, &str)> = [("cluster", "main"), ("repo", REPO)]
        .into_iter()
        .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
        .collect();
    vars.extend_from_slice(extra);
    e2e.run("helmrelease-chartref-migration", &vars)
}

const RUNBOOKS: &[&str] = &[
    "helmrelease-chartref-migration",
    "immutable-selector-remediation",
];

const CHARTREF_BATCH_STEPS: &[&str] = &[
    "layout",
    "chart-source",
    "inventory",
    "candidates",
    "review",
    "cronjobs-edit",
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

const MIGRATED: &[&str] = &["downloads/ytdl-sub-youtube", "media/sonarr", "ai/comfyui"];

#[track_caller]
fn assert_migrated(e2e: &E2e, files: &[String], chart_ref: &str, source: &str) {
    let log = e2e.git(&["log", "--format=%s"]);
    assert_eq!(
        log,
        "app-template: move batch 3 (StatefulSet releases) to chartRef\n\
         app-template: move batch 2 (Deployment and DaemonSet releases) to chartRef\n\
         app-template: move batch 1 (CronJob releases) to chartRef\n\
         initial state\n"
    );
    assert_eq!(e2e.git(&["status", "--porcelain"]), "");
    for file in files {
        let text = fs::read_to_string(e2e.repo().join(file)).unwrap();
        assert!(
            text.contains(&format!("{chart_ref}  install:\n")),
            "{file} was not rewritten to chartRef:\n{text}"
        );
        assert!(
            !text.contains("HelmRepository"),
            "{file} still names the HelmRepository"
        );
    }
    for release in MIGRATED {
        let (ns, _) = release.split_once('/').unwrap();
        let dir = format!("hr/{release}");
        assert_eq!(
            fs::read_to_string(e2e.state(&format!("{dir}/source"))).unwrap(),
            source.replace("<ns>", ns)
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

const SHARED_REF: &str =
    "  chartRef:\n    kind: OCIRepository\n    name: app-template\n    namespace: flux-system\n";

fn two_cluster_files() -> Vec<String> {
    LEGACY_RELEASES.iter().map(|f| (*f).to_string()).collect()
}

#[test]
fn chartref_migration_moves_three_batches_without_conflicts() {
    let e2e = E2e::new(RUNBOOKS, &["chartref"]);
    e2e.remove_state("hr/media/sonarr/immutable")
        .remove_state("hr/ai/comfyui/immutable");
    let e2e = e2e.checkout(Layout::TwoCluster, legacy_chart);
    let run = chartref_run(&e2e, &[]);
    run.succeeded()
        .steps("succeeded", CHARTREF_BATCH_STEPS)
        .steps("skipped", &["cronjobs-remediate", "deployments-remediate", "statefulsets-remediate", "cronjobs-blocked"])
        .shows("app-template sources: shared")
        .shows("every release pins 3.7.3")
        .no_call("suspend")
        .calls_in_order(&[
            "flux --context main check",
            "kubectl --context main get helmreleases -A -o jsonpath=",
            "kubectl --context main -n flux-system get ocirepository app-template",
            "flux --context main reconcile kustomization ytdl-sub-youtube -n downloads --with-source",
            "flux --context main reconcile helmrelease ytdl-sub-youtube -n downloads --with-source",
            "kubectl get helmrelease ytdl-sub-youtube -n downloads -o json --context main",
            "kubectl --context main -n flux-system get helmchart downloads-ytdl-sub-youtube --ignore-not-found -o name",
            "flux --context main reconcile kustomization sonarr -n media --with-source",
            "flux --context main reconcile kustomization comfyui -n ai --with-source",
            "kubectl --context main get helmreleases -A -o jsonpath=",
        ]);
    assert_migrated(
        &e2e,
        &two_cluster_files(),
        SHARED_REF,
        "OCIRepository/flux-system/app-template",
    );
}

/// sonarr (Deployment) and comfyui (StatefulSet, upgrade remediation: silently rolled
/// back) hit `field is immutable` when their chart source switches; with remediate=call
/// the triage finds them, the remediation runbook recreates their workloads (the run
/// approves the deletes with --allow-destructive), and the run ends green.
#[test]
fn chartref_migration_recovers_immutable_selectors() {
    let e2e = E2e::new(RUNBOOKS, &["chartref"]).checkout(Layout::TwoCluster, legacy_chart);
    let run = chartref_run(&e2e, &[("remediate", "call")]);
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
    assert_migrated(
        &e2e,
        &two_cluster_files(),
        SHARED_REF,
        "OCIRepository/flux-system/app-template",
    );
    assert!(!e2e.state("recreated-by-controller").exists());
}

/// comfyui is rolled back to its HelmChart release and is Ready again there, on the same
/// 3.7.3: Ready and the chart version both look right, only the missing OCI digest tells.
/// The run stops at comfyui naming the remediation; a plain resume stops there again
/// instead of failing the pre-flight baseline.
#[test]
fn chartref_migration_stops_on_a_release_rolled_back_and_ready_again() {
    let e2e = E2e::new(RUNBOOKS, &["chartref"]).checkout(Layout::TwoCluster, legacy_chart);
    e2e.remove_state("hr/media/sonarr/immutable");
    let comfyui = e2e.state("hr/ai/comfyui");
    e2e.hook(
        r"^kubectl --context main -n ai get helmrelease comfyui -o jsonpath=\\\{\.status\.history",
        &format!(
            "printf True >{0}/ready && rm -f {0}/remediated {0}/message {0}/stalled",
            comfyui.display()
        ),
    );
    let run = chartref_run(&e2e, &[]);
    run.failed()
        .steps("succeeded", &["cronjobs-verify[downloads/ytdl-sub-youtube]", "deployments-verify[media/sonarr]", "statefulsets-triage"])
        .steps("failed", &["statefulsets-blocked[ai/comfyui]"])
        .not_journaled("converge")
        .shows("ai/comfyui did not move: deployed True")
        .shows("runbook run immutable-selector-remediation --var cluster=main --var release=comfyui --var namespace=ai --var chart_version=3.7.3");
    assert_eq!(fs::read_to_string(comfyui.join("ready")).unwrap(), "True");
    e2e.resume(&run, &[])
        .failed()
        .steps("failed", &["statefulsets-blocked[ai/comfyui]"])
        .hides("Fix the failing releases first");
}

/// On a layout that stamps the source into each namespace, the new chartRef names no
/// namespace (73 files of the haynes-ops snapshot are written that way).
#[test]
fn chartref_migration_leaves_the_namespace_out_for_a_stamped_source() {
    let e2e = E2e::new(RUNBOOKS, &["chartref"]);
    for release in MIGRATED {
        let (ns, name) = release.split_once('/').unwrap();
        e2e.remove_state(&format!("hr/{release}/git_source"));
        e2e.seed(&[
            "hr",
            ns,
            name,
            &format!("git_source=OCIRepository/{ns}/app-template"),
        ]);
    }
    e2e.remove_state("hr/media/sonarr/immutable")
        .remove_state("hr/ai/comfyui/immutable");
    let e2e = e2e.checkout(Layout::PerNamespace, legacy_chart_per_namespace);
    chartref_run(&e2e, &[])
        .succeeded()
        .shows("app-template sources: per-namespace")
        .no_call("get ocirepository app-template");
    let files: Vec<String> = LEGACY_RELEASES
        .iter()
        .map(|f| f.replace("kubernetes/main/", "kubernetes/"))
        .collect();
    assert_migrated(
        &e2e,
        &files,
        "  chartRef:\n    kind: OCIRepository\n    name: app-template\n",
        "OCIRepository/<ns>/app-template",
    );
}

/// A release pinned to another version is reported before anything is rewritten and
/// left on spec.chart. The kube context is `admin@main` (any context name; the
/// two-cluster tree `kubernetes/main` is found from the part after `@`).
#[test]
fn chartref_migration_reports_and_leaves_out_a_release_on_another_version() {
    let e2e = E2e::new(RUNBOOKS, &["chartref"]);
    e2e.remove_state("hr/media/sonarr/immutable")
        .remove_state("hr/ai/comfyui/immutable");
    let e2e = e2e.checkout(Layout::TwoCluster, |repo| {
        legacy_chart(repo);
        edit(
            &repo.join(LEGACY_RELEASES[1]),
            "      version: 3.7.3\n",
            "      version: 3.5.2\n",
        );
    });
    e2e.remove_state("hr/media/sonarr/git_source");
    fs::write(e2e.state("context"), "admin@main").unwrap();
    fs::write(e2e.state("contexts"), "admin@main\n").unwrap();
    chartref_run(&e2e, &[("cluster", "admin@main")])
        .succeeded()
        .shows("apps: kubernetes/main/apps")
        .calls_in_order(&["flux --context admin@main reconcile kustomization ytdl-sub-youtube -n downloads --with-source"])
        .shows("left out: media/sonarr pins 3.5.2, not 3.7.3 (kubernetes/main/apps/media/sonarr/app/helmrelease.yaml)")
        .steps("skipped", &["deployments-edit"])
        .no_call("reconcile kustomization sonarr");
    let sonarr = fs::read_to_string(e2e.repo().join(LEGACY_RELEASES[1])).unwrap();
    assert!(sonarr.contains("  chart:\n"), "{sonarr}");
}

/// Per-app sources are not this runbook's job: on the single-cluster layout it stops
/// before any change, naming the runbook that is.
#[test]
fn chartref_migration_stops_on_per_app_sources() {
    let e2e = E2e::new(RUNBOOKS, &["healthy", "home"]).checkout(Layout::SingleCluster, |_| {});
    fs::write(e2e.state("contexts"), "home\n").unwrap();
    chartref_run(&e2e, &[("cluster", "home")])
        .failed()
        .steps("failed", &["chart-source"])
        .shows("sources: per-app")
        .shows("repository-source-strategy")
        .not_journaled("cronjobs-edit");
    assert_eq!(e2e.git(&["log", "--format=%s"]), "initial state\n");
}
