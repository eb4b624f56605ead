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

const PLEX_KS: &str = "kubernetes/main/apps/media/plex/ks.yaml";

/// The checkout has plex's Kustomization in flux-system, and the operator's protection
/// commit (`prune: false`, the claim labelled) on top; the cluster gets it from the
/// parent `cluster-apps`.
fn protected_checkout(e2e: E2e, deletion_policy: Option<&str>) -> E2e {
    let e2e = e2e.checkout(Layout::TwoCluster, |repo| {
        edit(
            &repo.join(PLEX_KS),
            "  namespace: media\n",
            "  namespace: flux-system\n",
        );
    });
    let mut protect = "  prune: false\n".to_string();
    if let Some(policy) = deletion_policy {
        protect.push_str(&format!("  deletionPolicy: {policy}\n"));
    }
    edit(&e2e.repo().join(PLEX_KS), "  prune: true\n", &protect);
    e2e.git(&["commit", "-qam", "plex: stop pruning before the move"]);
    plex_in_flux_system(&e2e);
    e2e.seed(&[
        "object",
        "pvc",
        "media",
        "config-plex",
        "labels=kustomize.toolkit.fluxcd.io/prune=disabled",
    ]);
    e2e.seed(&["ks", "flux-system", "plex", "git_prune=false"]);
    if let Some(policy) = deletion_policy {
        e2e.seed(&[
            "ks",
            "flux-system",
            "plex",
            &format!("git_deletion_policy={policy}"),
        ]);
    }
    e2e
}

/// The operator's move: a commit of ks.yaml and, on the cluster, the pending namespace
/// change that `cluster-apps` applies; then pruning turned back on.
fn operator_moves(e2e: &E2e) {
    let seed = fakes().join("seed.sh");
    let repo = e2e.repo();
    e2e.hook(
        "^flux --context main reconcile kustomization plex -n flux-system",
        &format!(
            "sed -i 's/^  namespace: flux-system$/  namespace: media/' {ks} && git -C {repo} commit -qam 'plex: move to media' && {seed} ks flux-system plex git_namespace=media",
            ks = repo.join(PLEX_KS).display(),
            repo = repo.display(),
            seed = seed.display()
        ),
    )
    .hook(
        "^flux --context main reconcile kustomization plex -n media",
        &format!("{} ks media plex git_prune=true", seed.display()),
    );
}

#[test]
fn flux_kustomization_namespace_move_keeps_the_claims() {
    let e2e = E2e::new(
        &["flux-kustomization-namespace-moves"],
        &["healthy", "main"],
    );
    let e2e = protected_checkout(e2e, None);
    operator_moves(&e2e);
    let run = e2e.run("flux-kustomization-namespace-moves", MOVE_VARS);
    run.succeeded()
        .steps("succeeded", &["find-ks", "inventory", "claims-before", "protect", "reconcile-parent", "reconcile-old", "move", "record-move", "reconcile-new", "claims-kept", "restore-pruning", "reconcile-restored"])
        .shows("media_config-plex__PersistentVolumeClaim")
        .calls_in_order(&[
            "kubectl --context main -n media get pvc",
            "flux --context main reconcile kustomization cluster-apps -n flux-system --with-source",
            "kubectl --context main -n flux-system get kustomization plex -o jsonpath=",
            "flux --context main reconcile kustomization plex -n flux-system --with-source",
            "flux --context main reconcile kustomization cluster-apps -n flux-system --with-source",
            "flux --context main reconcile kustomization plex -n media --with-source",
            "kubectl --context main -n flux-system get kustomization plex --ignore-not-found -o name",
            "kubectl --context main -n media get pvc",
            "flux --context main reconcile kustomization cluster-apps -n flux-system --with-source",
        ]);
    assert!(!e2e.state("pruned").exists(), "a claim was pruned");
    assert_eq!(
        fs::read_to_string(e2e.state("hr/media/plex/ks")).unwrap(),
        "media/plex"
    );

    // a later, unrelated commit: rolling back reverts the move commit, not HEAD
    write(&e2e.repo().join("NOTES.md"), "later\n");
    e2e.git(&["add", "NOTES.md"]);
    e2e.git(&["commit", "-qm", "unrelated"]);
    let id = run.run_id();
    let rolled = e2e.invoke(&["rollback", &id, "--to", "move", "--yes"]);
    assert_eq!(rolled.output.status, 0, "{}", rolled.report());
    let log = e2e.git(&["log", "--format=%s"]);
    assert!(
        log.starts_with("Revert \"plex: move to media\"\nunrelated\n"),
        "{log}"
    );
}

/// The protection is in Git but its parent never applied it: the live object still
/// prunes, so the run stops before the move and nothing is garbage-collected. Checking
/// the live object before the parent reconciled (the old order) passed only on a hook.
#[test]
fn flux_kustomization_namespace_move_waits_for_the_parent_to_apply_the_protection() {
    let e2e = E2e::new(
        &["flux-kustomization-namespace-moves"],
        &["healthy", "main"],
    );
    let e2e = protected_checkout(e2e, None);
    e2e.remove_state("ks/flux-system/plex/git_prune");
    let run = e2e.run("flux-kustomization-namespace-moves", MOVE_VARS);
    run.failed()
        .steps("succeeded", &["protect"])
        .steps("failed", &["reconcile-parent"])
        .not_journaled("move")
        .shows("prune true, deletionPolicy MirrorPrune");
    assert!(!e2e.state("pruned").exists());
}

/// `prune: false` does not help when deletionPolicy is Delete: the run refuses it in Git.
#[test]
fn flux_kustomization_namespace_move_refuses_deletion_policy_delete() {
    let e2e = E2e::new(
        &["flux-kustomization-namespace-moves"],
        &["healthy", "main"],
    );
    let e2e = protected_checkout(e2e, Some("Delete"));
    let run = e2e.run("flux-kustomization-namespace-moves", MOVE_VARS);
    run.failed()
        .steps("failed", &["protect"])
        .shows("prune false, deletionPolicy Delete")
        .no_call("reconcile");
    assert!(!e2e.state("pruned").exists());
}

/// Moving while the old object still deletes its inventory garbage-collects the claim:
/// the fake recreates it with a new UID, and the claims-kept check catches it even when
/// the gate before the move is passed (the live view said Orphan, the object Flux
/// deleted did not).
#[test]
fn flux_kustomization_namespace_move_without_protection_loses_the_claim() {
    let e2e = E2e::new(
        &["flux-kustomization-namespace-moves"],
        &["healthy", "main"],
    );
    let e2e = protected_checkout(e2e, None);
    e2e.remove_state("objects/pvc/media/config-plex/labels");
    operator_moves(&e2e);
    let seed = fakes().join("seed.sh");
    e2e.hook(
        "^kubectl get kustomization plex -n flux-system -o json",
        &format!(
            "{} ks flux-system plex deletion_policy=WaitForTermination",
            seed.display()
        ),
    );
    let run = e2e.run("flux-kustomization-namespace-moves", MOVE_VARS);
    run.failed()
        .steps("succeeded", &["reconcile-parent", "reconcile-new"])
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

const OPERATOR_APP: &str = "kubernetes/edge/apps/flux-system/flux-operator/app/helmrelease.yaml";
const INSTANCE_APP: &str = "kubernetes/edge/apps/flux-system/flux-instance/app/fluxinstance.yaml";
const FLUX_YAML: &str = "kubernetes/edge/flux/config/flux.yaml";

/// The operator's commits made during the manual steps, prepared before the run (no
/// earlier step reads them): the operator app, the flux Kustomization orphaning the
/// controllers, the instance syncing edge's branch. The cluster applies them when the
/// parents reconcile.
fn operator_commits(e2e: &E2e) {
    let repo = e2e.repo();
    write(
        &repo.join(OPERATOR_APP),
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: flux-operator\n",
    );
    e2e.git(&["add", "-A"]);
    e2e.git(&["commit", "-qm", "flux-operator: add"]);
    write(
        &repo.join(INSTANCE_APP),
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\nspec:\n  sync:\n    kind: GitRepository\n    ref: refs/heads/edge\n    path: kubernetes/edge/flux\n",
    );
    e2e.git(&["add", "-A"]);
    e2e.git(&["commit", "-qm", "flux-instance: add"]);
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
    e2e.seed(&[
        "ks",
        "flux-system",
        "flux",
        "parent=flux-system/flux-system",
        "git_prune=false",
        "git_deletion_policy=Orphan",
    ]);
    // after the operator runs, the flux Kustomization is told to orphan the controllers
    e2e.hook(
        "^flux --context edge reconcile kustomization flux-operator",
        &format!(
            "sed -i 's/^  prune: true$/  prune: false\\n  deletionPolicy: Orphan/' {r}/{FLUX_YAML} && git -C {r} commit -qam 'flux: orphan the controllers'",
            r = repo.display()
        ),
    );
    // once the instance took over, the operator retires the old manager in its own commit;
    // the root then deletes the flux Kustomization (orphaning what it applied)
    e2e.hook(
        "^flux --context edge reconcile kustomization flux-instance",
        &format!(
            "git -C {r} rm -q -r kubernetes/edge/bootstrap/flux {FLUX_YAML} && sed -i '/flux.yaml/d' {r}/kubernetes/edge/flux/config/kustomization.yaml && git -C {r} commit -qam 'flux: retire the old manager'",
            r = repo.display()
        ),
    )
    .hook("^flux --context edge reconcile kustomization flux-system -n flux-system", "true")
    .hook(
        "^flux --context edge reconcile kustomization flux-system -n flux-system",
        &format!("rm -rf {}", e2e.state("ks/flux-system/flux").display()),
    );
}

/// `--yes` alone stops before the FluxInstance takes over (exit 4, naming the step and
/// the flag); resumed with `--allow-destructive`, the run hands Flux over: the flux
/// Kustomization orphans the controllers first, the instance syncs edge's own branch,
/// and the old manager goes last.
#[test]
fn flux_operator_migration_hands_flux_to_the_operator() {
    let e2e =
        E2e::new(&["flux-operator-migration"], &["healthy"]).checkout(Layout::TwoCluster, |_| {});
    operator_commits(&e2e);
    let vars = [("cluster", "edge"), ("repo", REPO)];
    let stopped = e2e.run_with("flux-operator-migration", &["--yes"], &vars);
    assert_eq!(stopped.output.status, 4, "{}", stopped.report());
    stopped
        .steps("succeeded", &["record-install", "sync-ref", "operator-running", "orphan-flux-kustomization", "orphan-applied"])
        .not_journaled("add-instance")
        .shows("add-instance")
        .shows("--allow-destructive")
        .shows("managed by: Kustomization flux-system/flux over flux-manifests v2.9.4 (kubernetes/edge/flux/config/flux.yaml, prune true)")
        .shows("bootstrap only (not what runs): manifests/install?ref=v2.6.4")
        .shows("refs/heads/edge")
        .no_call("flux-instance");
    assert_eq!(
        fs::read_to_string(e2e.state("ks/flux-system/flux/deletion_policy")).unwrap(),
        "Orphan"
    );

    e2e.resume(&stopped, &["--allow-destructive"])
        .succeeded()
        .steps("succeeded", &["add-instance", "instance-commit", "instance-ready", "retire-old-manager", "retire-applied", "soak"])
        .calls_in_order(&[
            "flux --context edge reconcile kustomization flux-instance -n flux-system --with-source",
            "kubectl --context edge -n flux-system get fluxinstance flux",
            "kubectl --context edge -n flux-system get kustomization flux --ignore-not-found -o jsonpath=",
            "flux --context edge reconcile kustomization flux-system -n flux-system --with-source",
            "kubectl --context edge -n flux-system get kustomization flux --ignore-not-found -o name",
        ]);
}

/// A FluxInstance that syncs main's ref on edge is refused before it is applied.
#[test]
fn flux_operator_migration_refuses_an_instance_on_the_wrong_ref() {
    let e2e =
        E2e::new(&["flux-operator-migration"], &["healthy"]).checkout(Layout::TwoCluster, |_| {});
    operator_commits(&e2e);
    edit(
        &e2e.repo().join(INSTANCE_APP),
        "refs/heads/edge",
        "refs/heads/main",
    );
    e2e.git(&["commit", "-qam", "flux-instance: main's ref"]);
    e2e.run(
        "flux-operator-migration",
        &[("cluster", "edge"), ("repo", REPO)],
    )
    .failed()
    .steps("failed", &["add-instance"])
    .shows("The FluxInstance must sync refs/heads/edge")
    .no_call("reconcile kustomization flux-instance");
}
