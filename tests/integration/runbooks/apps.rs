//! gateway-api-migration, gatus-deployment-alignment, health-signals-with-wait-false, repository-source-strategy.

use std::fs;

use super::e2e::*;

// ---------------------------------------------------------------- gateway-api-migration

#[test]
fn gateway_api_migration_moves_a_batch_to_httproutes() {
    let e2e =
        E2e::new(&["gateway-api-migration"], &["healthy"]).checkout(Layout::TwoCluster, |_| {});
    for crd in [
        "gateways.gateway.networking.k8s.io",
        "httproutes.gateway.networking.k8s.io",
    ] {
        e2e.seed(&[
            "object",
            "crd",
            "_",
            crd,
            "field.spec.group=gateway.networking.k8s.io",
        ]);
    }
    e2e.seed(&[
        "object",
        "gateway",
        "network",
        "external",
        r#"field.status.addresses=[{"type":"IPAddress","value":"192.168.42.20"}]"#,
    ]);
    fs::write(
        e2e.state("objects/gateway/network/external/conditions"),
        "Accepted True\nProgrammed True\n",
    )
    .unwrap();
    for app in ["sonarr", "radarr"] {
        e2e.seed(&[
            "object",
            "httproute",
            "default",
            app,
            r#"field.status.parents=[{"parentRef":{"name":"external","namespace":"network"},"conditions":[{"type":"Accepted","status":"True"},{"type":"ResolvedRefs","status":"True"}]}]"#,
        ]);
    }
    e2e.fake_tool("curl", "printf 200");
    e2e.run(
        "gateway-api-migration",
        &[("cluster", "edge"), ("repo", REPO), ("apps", "default/sonarr\ndefault/radarr"), ("probe_host", "sonarr.haynesnetwork.com")],
    )
    .succeeded()
    .steps(
        "succeeded",
        &["crds", "ingress-inventory", "add-gateway", "gateway-commit", "gateway-programmed", "migrate-batch", "batch-reconcile[default/sonarr]", "batch-reconcile[default/radarr]", "probe", "cut-over"],
    )
    .calls_in_order(&[
        "kubectl --context edge get crd gateways.gateway.networking.k8s.io httproutes.gateway.networking.k8s.io -o name",
        "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
        "kubectl --context edge -n network get gateway external",
        "flux --context edge reconcile kustomization sonarr -n default --with-source",
        "flux --context edge reconcile helmrelease sonarr -n default --with-source",
        "kubectl --context edge -n default get httproute sonarr",
        "flux --context edge reconcile helmrelease radarr -n default --with-source",
        "curl -ksS -o /dev/null",
        "kubectl --context edge get ingress -A -o name",
    ]);
}

// ---------------------------------------------------------------- gatus-deployment-alignment

/// The controller type changes from Deployment to StatefulSet: Helm cannot patch the old
/// object, the remediation runbook recreates it.
#[test]
fn gatus_alignment_recreates_the_workload_as_a_statefulset() {
    let e2e = E2e::new(
        &[
            "gatus-deployment-alignment",
            "immutable-selector-remediation",
        ],
        &["healthy", "main"],
    )
    .checkout(Layout::TwoCluster, |repo| {
        edit(
            &repo.join("kubernetes/main/apps/observability/gatus/app/helmrelease.yaml"),
            "  chartRef:\n    kind: OCIRepository\n    name: app-template\n",
            "  chartRef:\n    kind: OCIRepository\n    name: gatus\n",
        );
    });
    e2e.seed(&[
        "ks",
        "observability",
        "gatus",
        "source=GitRepository/flux-system/haynes-ops",
    ]);
    e2e.seed(&[
        "hr",
        "observability",
        "gatus",
        "version=3.7.3",
        "deployed_version=3.7.3",
        "target=4.1.1",
        "ks=observability/gatus",
        "source=OCIRepository/observability/gatus",
        "workload_kind=statefulset",
        "immutable=Deployment",
        "revision=5",
    ]);
    e2e.seed(&["workload", "observability", "deployment", "gatus", "gatus"]);
    e2e.run("gatus-deployment-alignment", &[("cluster", "main"), ("repo", REPO)])
        .succeeded()
        .steps(
            "succeeded",
            &[
                "current-shape",
                "substitution-guard",
                "align",
                "find-ks",
                "reconcile-ks",
                "reconcile-hr",
                "recreate-workload/suspend",
                "recreate-workload/delete-workload[deployment.apps/gatus]",
                "recreate-workload/resume",
                "recreate-workload/verify-ready",
                "healthy",
                "compare-clusters",
            ],
        )
        .calls_in_order(&[
            "flux --context main reconcile kustomization gatus -n observability --with-source",
            "flux --context main reconcile helmrelease gatus -n observability --with-source",
            "flux --context main suspend helmrelease gatus -n observability",
            "kubectl --context main -n observability delete deployment.apps/gatus",
            "flux --context main resume helmrelease gatus -n observability",
            "kubectl --context main -n observability get statefulset -l helm.toolkit.fluxcd.io/name=gatus -o name",
        ]);
    assert!(
        e2e.state("workloads/observability/statefulset/gatus")
            .exists()
    );
    assert!(
        !e2e.state("workloads/observability/deployment/gatus")
            .exists()
    );
}

// ---------------------------------------------------------------- health-signals-with-wait-false

#[test]
fn health_signals_finds_hidden_failures_and_gates_a_kustomization() {
    let e2e = E2e::new(&["health-signals-with-wait-false"], &["plex-rolled-back"]).checkout(Layout::TwoCluster, |repo| {
        edit(
            &repo.join("kubernetes/edge/apps/kube-system/cilium/ks.yaml"),
            "  wait: true\n  interval: 30m\n  timeout: 5m\n",
            "  wait: true\n  interval: 30m\n  timeout: 5m\n  healthChecks:\n    - apiVersion: helm.toolkit.fluxcd.io/v2\n      kind: HelmRelease\n      name: cilium\n      namespace: kube-system\n",
        );
    });
    canary(&e2e);
    e2e.seed(&[
        "object",
        "alerts.notification.toolkit.fluxcd.io",
        "flux-system",
        "alertmanager",
    ]);
    e2e.run(
        "health-signals-with-wait-false",
        &[
            ("cluster", "edge"),
            ("repo", REPO),
            ("gated", "kube-system/cilium"),
        ],
    )
    .succeeded()
    .steps(
        "succeeded",
        &[
            "hidden-failures",
            "wait-settings",
            "add-health-checks",
            "record-commit",
            "reconcile-gated",
            "alerts",
        ],
    )
    .shows("default/plex looks Ready but HelmRelease default/plex is Ready=False")
    .calls_in_order(&[
        "kubectl --context edge get kustomizations -A -o jsonpath=",
        "kubectl --context edge -n default get helmrelease plex",
        "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
        r"kubectl get helmreleases\,kustomizations\,gitrepositories\,ocirepositories\,helmcharts.source.toolkit.fluxcd.io\,buckets -A -o json --context edge",
        "kubectl --context edge get alerts.notification.toolkit.fluxcd.io -A -o name",
    ]);
}

// ---------------------------------------------------------------- repository-source-strategy

#[test]
fn repository_source_strategy_records_the_default_decision() {
    let e2e = E2e::new(&["repository-source-strategy"], &["healthy"])
        .checkout(Layout::TwoCluster, |_| {});
    e2e.run(
        "repository-source-strategy",
        &[("cluster", "edge"), ("repo", REPO)],
    )
    .succeeded()
    .steps(
        "succeeded",
        &[
            "current-usage",
            "fleet-upgrades",
            "decision",
            "record",
            "shared-source-ready",
            "per-app-pick",
            "converge",
        ],
    )
    .steps("skipped", &["per-app-convert", "per-app-reconcile"])
    .shows("releases still on spec.chart:")
    .calls_in_order(&[
        "kubectl --context edge -n flux-system get ocirepository app-template",
        "kubectl --context edge get helmreleases -A -o jsonpath=",
    ]);
}

/// A per-app pilot is reconciled through the Kustomization that owns it (its new
/// OCIRepository and chartRef are a Git change) before the release itself.
#[test]
fn repository_source_strategy_reconciles_a_per_app_pilot_through_its_kustomization() {
    let e2e = E2e::new(&["repository-source-strategy"], &["healthy"])
        .checkout(Layout::TwoCluster, |_| {});
    e2e.run(
        "repository-source-strategy",
        &[
            ("cluster", "edge"),
            ("repo", REPO),
            ("strategy", "per-app"),
            ("pilot", "default/sonarr"),
        ],
    )
    .succeeded()
    .steps(
        "succeeded",
        &["per-app-convert", "per-app-reconcile", "converge"],
    )
    .calls_in_order(&[
        "flux --context edge reconcile kustomization sonarr -n default --with-source",
        "flux --context edge reconcile helmrelease sonarr -n default --with-source",
    ]);
}

/// Gatus' Kustomization is not where the labels say: the run stops instead of
/// reconciling nothing behind `|| true`.
#[test]
fn gatus_alignment_stops_when_its_kustomization_is_missing() {
    let e2e = E2e::new(
        &[
            "gatus-deployment-alignment",
            "immutable-selector-remediation",
        ],
        &["healthy", "main"],
    )
    .checkout(Layout::TwoCluster, |repo| {
        edit(
            &repo.join("kubernetes/main/apps/observability/gatus/app/helmrelease.yaml"),
            "    name: app-template\n    namespace: flux-system\n",
            "    name: gatus\n",
        );
    });
    e2e.seed(&[
        "hr",
        "observability",
        "gatus",
        "version=3.7.3",
        "ks=observability/gatus",
        "source=OCIRepository/observability/gatus",
    ]);
    e2e.run(
        "gatus-deployment-alignment",
        &[("cluster", "main"), ("repo", REPO)],
    )
    .failed()
    .steps("failed", &["find-ks"])
    .shows("No Flux Kustomization observability/gatus")
    .no_call("reconcile kustomization gatus");
}

/// On a layout whose app-template source is stamped into each namespace by a component
/// (no `flux-system/app-template`), the shared-source check looks at every stamped copy
/// on the cluster and names the one that is not Ready, instead of asking for a
/// flux-system source the repository does not have.
#[test]
fn repository_source_strategy_checks_every_stamped_source_on_a_per_namespace_layout() {
    let e2e = E2e::new(&["repository-source-strategy"], &["healthy"])
        .checkout(Layout::PerNamespace, |_| {});
    for ns in ["downloads", "media", "ai"] {
        e2e.seed(&["object", "ocirepository", ns, "app-template", "ready=True"]);
    }
    e2e.run(
        "repository-source-strategy",
        &[("cluster", "edge"), ("repo", REPO)],
    )
    .succeeded()
    .steps("succeeded", &["layout", "shared-source-ready", "converge"])
    .shows("app-template sources: per-namespace")
    .calls_in_order(&["kubectl --context edge get ocirepositories -A -o jsonpath="])
    .no_call("-n flux-system get ocirepository app-template");

    e2e.seed(&[
        "object",
        "ocirepository",
        "media",
        "app-template",
        "ready=False",
    ]);
    e2e.run(
        "repository-source-strategy",
        &[("cluster", "edge"), ("repo", REPO)],
    )
    .failed()
    .steps("failed", &["shared-source-ready"])
    .shows("media/app-template=False");
}

/// A shared source under another name and namespace is checked where the overrides say.
#[test]
fn repository_source_strategy_takes_the_shared_source_from_the_overrides() {
    let e2e = E2e::new(&["repository-source-strategy"], &["healthy"])
        .checkout(Layout::TwoCluster, |_| {});
    e2e.seed(&["object", "ocirepository", "charts", "bjw-s", "ready=True"]);
    e2e.run(
        "repository-source-strategy",
        &[
            ("cluster", "edge"),
            ("repo", REPO),
            ("source_name", "bjw-s"),
            ("source_namespace", "charts"),
            ("source_scope", "shared"),
        ],
    )
    .succeeded()
    .steps("succeeded", &["shared-source-ready"])
    .calls_in_order(&["kubectl --context edge -n charts get ocirepository bjw-s"])
    .no_call("-n flux-system get ocirepository app-template");
}
