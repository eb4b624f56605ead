//! edge-stabilization, components-over-templates and flux-global-patches.

use std::fs;
use std::path::Path;

use super::e2e::*;

// ---------------------------------------------------------------- edge-stabilization

#[test]
fn edge_stabilization_on_a_healthy_edge() {
    let e2e = E2e::new(
        &[
            "edge-stabilization",
            "immutable-selector-remediation",
            "reconcile-app",
        ],
        &["healthy"],
    );
    canary(&e2e);
    e2e.run("edge-stabilization", &[("cluster", "edge")])
        .succeeded()
        .steps(
            "succeeded",
            &[
                "flux-check",
                "failing-helmreleases",
                "triage",
                "reconcile-root",
                "find-immutable",
                "pods-settled",
                "all-green",
                "canary-reconcile/reconcile-kustomization",
            ],
        )
        .steps(
            "skipped",
            &[
                "remediate-immutable",
                "park",
                "unpark",
                "canary-reconcile/reconcile-helmrelease",
            ],
        )
        .no_call("flux --context edge suspend")
        .calls_in_order(&[
            "flux --context edge check",
            "flux --context edge reconcile kustomization cluster -n flux-system --with-source",
            "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
            "kubectl --context edge get helmreleases -A -o jsonpath=",
            "kubectl --context edge get pods -A",
            r"kubectl --context edge get gitrepositories\,ocirepositories\,helmrepositories -A -o jsonpath=",
            "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
        ]);
}

/// edge-broken: sonarr is stuck on an immutable selector and tautulli is parked; the
/// runbook recovers sonarr, keeps tautulli parked while verifying, and resumes it.
#[test]
fn edge_stabilization_recovers_immutable_releases_and_unparks() {
    let e2e = E2e::new(
        &[
            "edge-stabilization",
            "immutable-selector-remediation",
            "reconcile-app",
        ],
        &["edge-broken"],
    );
    canary(&e2e);
    e2e.run(
        "edge-stabilization",
        &[("parked", "helmrelease/default/tautulli")],
    )
    .succeeded()
    .steps(
        "succeeded",
        &[
            "find-immutable",
            "remediate-immutable[default/sonarr]/suspend",
            "remediate-immutable[default/sonarr]/delete-workload[deployment.apps/sonarr]",
            "remediate-immutable[default/sonarr]/resume",
            "remediate-immutable[default/sonarr]/verify-ready",
            "park[helmrelease/default/tautulli]",
            "all-green",
            "unpark[helmrelease/default/tautulli]",
        ],
    )
    .calls_in_order(&[
        "flux --context edge suspend helmrelease sonarr -n default",
        "kubectl --context edge -n default delete deployment.apps/sonarr",
        "flux --context edge resume helmrelease sonarr -n default",
        "flux --context edge suspend helmrelease tautulli -n default",
        "flux --context edge get helmreleases -A --no-header",
        "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
        "flux --context edge resume helmrelease tautulli -n default --wait=false",
    ]);
    assert!(
        !e2e.state("hr/default/tautulli/suspended").exists(),
        "tautulli is still parked"
    );
    assert_eq!(
        fs::read_to_string(e2e.state("hr/default/sonarr/ready")).unwrap(),
        "True"
    );
}

/// plex was rolled back by upgrade remediation: its Ready message only says "Helm
/// rollback … succeeded", the immutable error is in the events. It is found and
/// recreated (the Ready message alone missed it).
#[test]
fn edge_stabilization_finds_a_rolled_back_release_by_its_events() {
    let e2e = E2e::new(
        &[
            "edge-stabilization",
            "immutable-selector-remediation",
            "reconcile-app",
        ],
        &["plex-rolled-back"],
    );
    canary(&e2e);
    e2e.run("edge-stabilization", &[])
        .succeeded()
        .steps(
            "succeeded",
            &[
                "find-immutable",
                "remediate-immutable[default/plex]/delete-workload[statefulset.apps/plex]",
                "all-green",
            ],
        )
        .calls_in_order(&[
            "flux --context edge events -n default --for HelmRelease/plex --types Warning",
            "kubectl --context edge -n default delete statefulset.apps/plex --wait=true",
        ]);
}

/// A crash-looping pod has phase Running: the READY and STATUS columns catch it. The pod
/// recovers before the second poll, so the check fails once (with the pod named) and then
/// passes.
#[test]
fn edge_stabilization_does_not_count_a_crash_looping_pod_as_settled() {
    let e2e = E2e::new(
        &[
            "edge-stabilization",
            "immutable-selector-remediation",
            "reconcile-app",
        ],
        &["healthy"],
    );
    canary(&e2e);
    let pods = e2e.state("pods");
    write(
        &pods,
        "NAMESPACE     NAME                      READY   STATUS             RESTARTS       AGE\n\
         default       sonarr-7d9c6f9b8-x2x9q    1/1     Running            0              41d\n\
         default       radarr-5f8d7c6b9-k8j2m    0/1     CrashLoopBackOff   12 (2m ago)    41d\n",
    );
    let pods_call = "^kubectl --context edge get pods -A$";
    e2e.hook(pods_call, "true").hook(pods_call, "true").hook(
        pods_call,
        &format!("sed -i '/CrashLoopBackOff/d' {}", pods.display()),
    );
    let run = e2e.run("edge-stabilization", &[]);
    assert_eq!(run.output.status, 0, "{}", run.report());
    let pod_checks: Vec<bool> = run
        .journal
        .iter()
        .filter(|r| r["type"] == "check" && r["step"] == "pods-settled" && r["phase"] == "verify")
        .map(|r| r["passed"].as_bool().unwrap_or(false))
        .collect();
    assert_eq!(pod_checks, [false, true], "{}", run.report());
}

// ---------------------------------------------------------------- components-over-templates

#[test]
fn components_over_templates_renders_before_and_after() {
    let e2e = E2e::new(
        &["components-over-templates", "reconcile-app"],
        &["healthy"],
    )
    .checkout(Layout::TwoCluster, |_| {});
    let run = e2e.run("components-over-templates", &[("repo", REPO)]);
    run.succeeded()
        .steps(
            "succeeded",
            &[
                "template-consumers",
                "component-usage",
                "duplicate-components",
                "render-before",
                "migrate-consumer",
                "render-after",
                "commit",
                "record-commit",
                "reconcile/reconcile-kustomization",
                "no-failures",
                "remove-templates",
            ],
        )
        .shows("no templates directory")
        .shows("near-duplicate: common/gatus/guarded gatus/gaurded")
        .shows("near-duplicate: common/gatus/external gatus/external")
        .shows("rendered output unchanged")
        .calls_in_order(&[
            "kubectl kustomize kubernetes/edge/apps",
            "kubectl kustomize kubernetes/edge/apps",
            "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
            "kubectl --context edge get kustomizations -A -o jsonpath=",
        ]);
    let renders = run
        .calls
        .iter()
        .filter(|c| c.starts_with("kubectl kustomize "))
        .count();
    assert!(
        renders >= 10 && renders % 2 == 0,
        "{renders} renders:\n{}",
        run.report()
    );
}

/// Single-cluster layout (kubernetes/apps, kubernetes/components, kubernetes/templates,
/// components attached by Flux `spec.components`): the template consumer is found, so
/// the run does not report a false "done"; the Flux Kustomization's spec.components are
/// rendered with its path, as kustomize-controller builds it.
#[test]
fn components_over_templates_on_a_single_cluster_layout() {
    let e2e = E2e::new(
        &["components-over-templates", "reconcile-app"],
        &["healthy", "home"],
    )
    .checkout(Layout::SingleCluster, |_| {});
    fs::write(e2e.state("contexts"), "home\n").unwrap();
    let run = e2e.run(
        "components-over-templates",
        &[("cluster", "home"), ("repo", REPO)],
    );
    run.failed()
        .steps(
            "succeeded",
            &[
                "layout",
                "template-consumers",
                "render-before",
                "render-after",
                "no-failures",
            ],
        )
        .steps("failed", &["remove-templates"])
        .shows("layout: single-cluster")
        .shows("templates: kubernetes/templates")
        .shows("kubernetes/apps/media/radarr/app/kustomization.yaml:")
        .shows("components/volsync/aws")
        .shows("rendered output unchanged");
    let before = fs::read_dir(e2e.root().join("tmp"))
        .unwrap()
        .map(|e| e.unwrap().path().join("before"))
        .find(|p| p.is_dir())
        .expect("a render directory");
    let sonarr =
        fs::read_to_string(before.join("flux-ks_kubernetes_apps_media_sonarr_app.yaml")).unwrap();
    assert!(
        sonarr.contains("kind: PersistentVolumeClaim") && sonarr.contains("kind: HelmRelease"),
        "spec.components were not rendered with the path:\n{sonarr}"
    );
    assert!(!e2e.repo().join(".runbook-render").exists());
    assert_eq!(
        e2e.git(&["status", "--porcelain"]),
        "",
        "the render left files behind"
    );
}

/// A refactor that changes the rendered output is caught by the diff.
#[test]
fn components_over_templates_catches_a_render_change() {
    let e2e = E2e::new(
        &["components-over-templates", "reconcile-app"],
        &["healthy"],
    )
    .checkout(Layout::TwoCluster, |_| {});
    // the first render of cilium/app is the "before"; the operator's edit lands before the second
    let cilium = "^kubectl kustomize kubernetes/edge/apps/kube-system/cilium/app$";
    let helmrelease = e2e
        .repo()
        .join("kubernetes/edge/apps/kube-system/cilium/app/helmrelease.yaml");
    e2e.hook(cilium, "true").hook(
        cilium,
        &format!(
            "sed -i 's/^  interval: 30m$/  interval: 1h/' {}",
            helmrelease.display()
        ),
    );
    let run = e2e.run("components-over-templates", &[("repo", REPO)]);
    run.failed()
        .steps("failed", &["render-after"])
        .not_journaled("commit")
        .shows("interval: 1h");
}

// ---------------------------------------------------------------- flux-global-patches

/// The operator's stage A and B edits of `kubernetes/edge/flux/apps.yaml`.
fn global_patches(repo: &Path) {
    add_global_patches(&repo.join("kubernetes/edge/flux/apps.yaml"));
}

/// The same edits of the file that declares `cluster-apps` (`apps`).
fn add_global_patches(apps: &Path) {
    let mut text = fs::read_to_string(apps).unwrap();
    text.push_str(
        "  patches:\n    - patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata:\n          name: _\n        spec:\n          deletionPolicy: WaitForTermination\n          patches:\n            - patch: |-\n                apiVersion: helm.toolkit.fluxcd.io/v2\n                kind: HelmRelease\n                metadata:\n                  name: _\n                spec:\n                  upgrade:\n                    remediation:\n                      retries: 2\n              target:\n                group: helm.toolkit.fluxcd.io\n                kind: HelmRelease\n      target:\n        group: kustomize.toolkit.fluxcd.io\n        kind: Kustomization\n",
    );
    fs::write(apps, text).unwrap();
}

#[test]
fn flux_global_patches_lands_the_defaults_on_edge() {
    let e2e = E2e::new(&["flux-global-patches"], &["healthy"])
        .checkout(Layout::TwoCluster, global_patches);
    canary(&e2e);
    // the nested patch reaches cilium's HelmRelease when its Kustomization is applied
    e2e.seed(&["hr", "kube-system", "cilium", "git_retries=2"]);
    e2e.run("flux-global-patches", &[("cluster", "edge"), ("repo", REPO)])
        .succeeded()
        .steps(
            "succeeded",
            &["baseline", "duplicated-blocks", "stage-a", "stage-a-commit", "stage-a-reconcile", "stage-b", "stage-b-commit", "stage-b-reconcile", "stage-c"],
        )
        .calls_in_order(&[
            "kubectl --context edge get kustomizations -A -o jsonpath=",
            "flux --context edge reconcile kustomization cluster -n flux-system --with-source",
            "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
            "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
            "kubectl --context edge -n kube-system get helmrelease cilium -o jsonpath=\\{.spec.upgrade.remediation.retries\\}",
        ]);
    assert_eq!(
        fs::read_to_string(e2e.state("hr/kube-system/cilium/retries")).unwrap(),
        "2"
    );
}

/// The onedr0p layout: `cluster-apps` is declared in `kubernetes/flux/cluster/ks.yaml`
/// and applied by the `flux-system` Kustomization of bootstrap (no file declares it), so
/// stage A reconciles `flux-system`, not the two-cluster `cluster`.
#[test]
fn flux_global_patches_lands_the_defaults_on_a_single_cluster_layout() {
    let e2e = E2e::new(&["flux-global-patches"], &["healthy"])
        .checkout(Layout::SingleCluster, |repo| {
            add_global_patches(&repo.join("kubernetes/flux/cluster/ks.yaml"))
        });
    canary(&e2e);
    e2e.seed(&["hr", "kube-system", "cilium", "git_retries=2"]);
    e2e.run(
        "flux-global-patches",
        &[("cluster", "edge"), ("repo", REPO)],
    )
    .succeeded()
    .steps(
        "succeeded",
        &[
            "layout",
            "root-file",
            "root-ks",
            "stage-a-reconcile",
            "stage-b-reconcile",
        ],
    )
    .shows("kubernetes/flux/cluster/ks.yaml")
    .calls_in_order(&[
        "flux --context edge reconcile kustomization flux-system -n flux-system --with-source",
        "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
        "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
    ])
    .no_call("reconcile kustomization cluster -n");
    assert_eq!(
        fs::read_to_string(e2e.state("hr/kube-system/cilium/retries")).unwrap(),
        "2"
    );
}
