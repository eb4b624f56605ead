//! flux-kustomization-namespace-moves and flux-operator-migration.

use std::fs;

use super::e2e::*;

// ---------------------------------------------------------------- flux-kustomization-namespace-moves

fn plex_in_flux_system(e2e: &E2e) {
    e2e.seed(&[
        "ks",
        "flux-system",
        "plex",
        "source=GitRepository/flux-system/haynes-ops",
        "path=./kubernetes/main/apps/media/plex/app",
    ]);
    fs::write(
        e2e.state("ks/flux-system/plex/inventory"),
        "media_config-plex__PersistentVolumeClaim\nmedia_plex_apps_StatefulSet\nmedia_plex_helm.toolkit.fluxcd.io_HelmRelease\n",
    )
    .unwrap();
    e2e.seed(&[
        "hr",
        "media",
        "plex",
        "version=3.7.3",
        "ks=flux-system/plex",
        "workload_kind=statefulset",
    ]);
    e2e.seed(&["workload", "media", "statefulset", "plex", "plex"]);
    e2e.seed(&[
        "object",
        "pvc",
        "media",
        "config-plex",
        "field.metadata.uid=4f1c-config-plex",
    ]);
}

const MOVE_VARS: &[(&str, &str)] = &[
    ("cluster", "main"),
    ("repo", REPO),
    ("app", "plex"),
    ("to_namespace", "media"),
    ("workload_namespace", "media"),
];

#[test]
fn flux_kustomization_namespace_move_keeps_the_claims() {
    let e2e = E2e::new(
        &["flux-kustomization-namespace-moves"],
        &["healthy", "main"],
    )
    .checkout(Layout::TwoCluster, |_| {});
    plex_in_flux_system(&e2e);
    let seed = fakes().join("seed.sh");
    let seed = seed.display();
    // the operator protects the claim and turns pruning off (protect), moves the object in
    // Git (move), and turns pruning back on (restore-pruning)
    e2e.hook(
        r"^kubectl --context main -n flux-system get kustomization plex -o jsonpath=\\\{\.spec\.prune\\\}$",
        &format!("{seed} object pvc media config-plex labels=kustomize.toolkit.fluxcd.io/prune=disabled && {seed} ks flux-system plex prune=false"),
    )
    .hook(
        "^flux --context main reconcile kustomization cluster-apps",
        &format!("{seed} ks flux-system plex git_namespace=media"),
    )
    .hook(
        r"^kubectl --context main -n media get kustomization plex -o jsonpath=\\\{\.spec\.prune\\\}$",
        &format!("{seed} ks media plex prune=true"),
    );
    let run = e2e.run("flux-kustomization-namespace-moves", MOVE_VARS);
    run.succeeded()
        .steps("succeeded", &["inventory", "claims-before", "protect", "reconcile-old", "move", "reconcile-new", "claims-kept", "restore-pruning"])
        .shows("media_config-plex__PersistentVolumeClaim")
        .calls_in_order(&[
            "kubectl --context main -n media get pvc",
            "flux --context main reconcile kustomization plex -n flux-system --with-source",
            "flux --context main reconcile kustomization cluster-apps -n flux-system --with-source",
            "flux --context main reconcile kustomization plex -n media --with-source",
            "kubectl --context main -n flux-system get kustomization plex --ignore-not-found -o name",
            "kubectl --context main -n media get pvc",
        ]);
    assert!(!e2e.state("pruned").exists(), "a claim was pruned");
    assert_eq!(
        fs::read_to_string(e2e.state("hr/media/plex/ks")).unwrap(),
        "media/plex"
    );
}

/// Moving while the old object still prunes garbage-collects the claim: the fake
/// recreates it with a new UID and the claims-kept check stops the run.
#[test]
fn flux_kustomization_namespace_move_without_protection_loses_the_claim() {
    let e2e = E2e::new(
        &["flux-kustomization-namespace-moves"],
        &["healthy", "main"],
    )
    .checkout(Layout::TwoCluster, |_| {});
    plex_in_flux_system(&e2e);
    let seed = fakes().join("seed.sh");
    let seed = seed.display();
    // the operator only flips .spec.prune on the cluster view the check reads, too late for
    // the object Flux deletes: the move lands with pruning still on
    e2e.hook(
        r"^kubectl --context main -n flux-system get kustomization plex -o jsonpath=\\\{\.spec\.prune\\\}$",
        &format!("{seed} ks flux-system plex prune=false"),
    )
    .hook(
        "^flux --context main reconcile kustomization cluster-apps",
        &format!("{seed} ks flux-system plex prune=true git_namespace=media"),
    );
    let run = e2e.run("flux-kustomization-namespace-moves", MOVE_VARS);
    run.failed()
        .steps("succeeded", &["protect", "reconcile-new"])
        .steps("failed", &["claims-kept"]);
    assert!(
        fs::read_to_string(e2e.state("objects/pvc/media/config-plex/field.metadata.uid"))
            .unwrap()
            .ends_with("-recreated")
    );
    assert_eq!(
        fs::read_to_string(e2e.state("pruned")).unwrap(),
        "pvc media config-plex\n"
    );
}

// ---------------------------------------------------------------- flux-operator-migration

#[test]
fn flux_operator_migration_hands_flux_to_the_operator() {
    let e2e =
        E2e::new(&["flux-operator-migration"], &["healthy"]).checkout(Layout::TwoCluster, |_| {});
    e2e.seed(&["ks", "flux-system", "flux-operator", "wait=true"]);
    e2e.seed(&[
        "hr",
        "flux-system",
        "flux-operator",
        "chart=flux-operator",
        "version=0.33.0",
        "ks=flux-system/flux-operator",
    ]);
    e2e.seed(&["ks", "flux-system", "flux-instance", "wait=true"]);
    e2e.seed(&[
        "object",
        "fluxinstance",
        "flux-system",
        "flux",
        "ready=True",
    ]);
    let repo = e2e.repo();
    // the operator retires the bootstrap manifests once the instance took over
    e2e.hook(
        "^flux --context edge reconcile kustomization flux-instance",
        &format!(
            "git -C {} rm -q -r kubernetes/edge/bootstrap/flux && git -C {} commit -q -m 'bootstrap: retire the flux2 install'",
            repo.display(),
            repo.display()
        ),
    );
    e2e.run(
        "flux-operator-migration",
        &[("cluster", "edge"), ("repo", REPO)],
    )
    .succeeded()
    .steps(
        "succeeded",
        &[
            "record-bootstrap",
            "baseline",
            "add-operator",
            "operator-commit",
            "operator-running",
            "add-instance",
            "instance-commit",
            "instance-ready",
            "retire-bootstrap",
            "soak",
        ],
    )
    .shows("flux2/manifests/install")
    .calls_in_order(&[
        "flux --context edge check",
        "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
        "flux --context edge reconcile kustomization flux-operator -n flux-system --with-source",
        "kubectl get helmrelease flux-operator -n flux-system -o json --context edge",
        "flux --context edge reconcile kustomization flux-instance -n flux-system --with-source",
        "kubectl --context edge -n flux-system get fluxinstance flux",
    ]);
}
