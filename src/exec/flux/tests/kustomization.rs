//! The Kustomization rules, the HelmReleases its inventory lists, and `evaluate` following
//! that inventory.

use serde_json::json;

use super::*;

#[test]
fn ready_kustomization_is_healthy() {
    assert_eq!(
        assess_kustomization(&parse(KS_READY)),
        Verdict::Healthy(
            "Kustomization default/sonarr Ready at revision \
             refs/heads/main@sha1:8d3f1c2a7b9e4d6f0a1b2c3d4e5f60718293a4b5 (generation 2 observed)"
                .into()
        )
    );
    // `wait: false`: its own verdict knows nothing about the Stalled release it applied.
    assert!(matches!(
        assess_kustomization(&parse(KS_FAILED_HR)),
        Verdict::Healthy(_)
    ));
}

#[test]
fn kustomization_stalled_fails_and_other_states_wait() {
    let mut ks = parse(KS_READY);
    let build = "kustomize build failed: accumulating resources: missing file";
    set_condition(&mut ks, "Ready", "False", "BuildFailed", build);
    assert_pending(
        &assess_kustomization(&ks),
        &[&format!(
            "Kustomization default/sonarr is not Ready; Ready=False: {build}"
        )],
    );
    set_condition(&mut ks, "Reconciling", "True", "ProgressingWithRetry", "");
    assert_pending(
        &assess_kustomization(&ks),
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
        assess_kustomization(&ks),
        Verdict::Failed(format!(
            "Kustomization default/sonarr is Stalled (InvalidCELExpression): invalid expression; \
             Ready=False: {build}"
        ))
    );
    let mut ks = parse(KS_READY);
    ks["metadata"]["generation"] = json!(3);
    assert_pending(
        &assess_kustomization(&ks),
        &[
            "has not observed generation 3 yet (status is for generation 2); Ready=True: Applied revision",
        ],
    );
}

// ---------------------------------------------------------------- inventory

#[test]
fn inventory_lists_helmreleases_only() {
    assert_eq!(
        inventory_helmreleases(&parse(KS_READY)),
        [("default".to_string(), "sonarr".to_string())]
    );
    let ks = json!({"status": {"inventory": {"entries": [
        {"id": "media_radarr_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
        {"id": "media_sonarr-4k_helm.toolkit.fluxcd.io_HelmRelease_v2"},
        {"id": "media_radarr_helm.toolkit.fluxcd.io_HelmRelease_v2beta2"},
        {"id": "media_app-template_source.toolkit.fluxcd.io_OCIRepository", "v": "v1"},
        {"id": "_system__controller__x_rbac.authorization.k8s.io_ClusterRole", "v": "v1"},
        {"id": "_cluster-wide_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
        {"id": "media__helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
        {"id": "media_a_b_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
        {"id": "media_a_helm.toolkit.fluxcd.io_HelmRelease_v2_extra"},
        {"id": "media_a_helm.toolkit.fluxcd.io_HelmRelease_"},
        {"id": "kube-system_cilium_helm.cattle.io_HelmChart", "v": "v1"},
        {"id": "media_plex_helm.toolkit.fluxcd.io_Helmrelease", "v": "v2"},
        {"id": 42},
        {"v": "v2"},
        "media_x_helm.toolkit.fluxcd.io_HelmRelease",
        {"id": ""},
        {"id": "ai_comfyui_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
    ]}}});
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        inventory_helmreleases(&ks),
        pairs(&[
            ("media", "radarr"),
            ("media", "sonarr-4k"),
            ("ai", "comfyui")
        ])
    );
    for empty in [
        json!({}),
        json!({"status": {}}),
        json!({"status": {"inventory": null}}),
        json!({"status": {"inventory": {"entries": {}}}}),
        json!(null),
    ] {
        assert!(inventory_helmreleases(&empty).is_empty(), "{empty}");
    }
}

// ---------------------------------------------------------------- follow-inventory

fn follow(namespace: &str, name: &str) -> FluxCheck {
    let mut ks = check(FluxKind::Kustomization, namespace, name);
    ks.follow_inventory = true;
    ks.chart_version = Some("9.9.9".into()); // not applied to inventory releases
    ks
}

#[test]
fn evaluate_follows_the_inventory_to_healthy_releases() {
    let mut cluster = Cluster::new(&[
        (("kustomization", "default", "sonarr"), KS_READY),
        (("helmrelease", "default", "sonarr"), HR_READY),
    ]);
    let verdict = cluster.run(&follow("default", "sonarr"));
    assert_eq!(
        verdict,
        Verdict::Healthy(
            "Kustomization default/sonarr Ready at revision \
             refs/heads/main@sha1:8d3f1c2a7b9e4d6f0a1b2c3d4e5f60718293a4b5 (generation 2 observed); \
             HelmReleases Ready: default/sonarr"
                .into()
        )
    );
    assert_eq!(cluster.calls.len(), 2);
    assert_eq!(
        cluster.calls[1],
        kubectl_args(FluxKind::Helmrelease, "sonarr", "default", None)
    );
    // Without follow-inventory only the Kustomization is read.
    let mut alone = follow("default", "sonarr");
    alone.follow_inventory = false;
    assert!(matches!(cluster.run(&alone), Verdict::Healthy(_)));
    assert_eq!(cluster.calls.len(), 3);
}

#[test]
fn evaluate_catches_a_stalled_release_behind_a_ready_kustomization() {
    let mut cluster = Cluster::new(&[
        (("kustomization", "default", "sonarr"), KS_FAILED_HR),
        (("helmrelease", "default", "sonarr"), HR_STALLED),
    ]);
    let mut ks = follow("default", "sonarr");
    ks.context = Some("home".into());
    let verdict = cluster.run(&ks);
    assert_failed(
        &verdict,
        &[
            "HelmRelease default/sonarr is Stalled (RetriesExceeded): Failed to upgrade after 1 attempt(s)",
        ],
    );
    assert!(
        reason(&verdict).ends_with(
            "chart 3.7.3 deployed (listed in the inventory of Kustomization default/sonarr)"
        ),
        "{verdict:?}"
    );
    assert!(
        cluster
            .calls
            .iter()
            .all(|args| args.ends_with(&["--context".into(), "home".into()]))
    );
}

#[test]
fn evaluate_inventory_first_failure_wins_and_pending_waits() {
    let mut ks = parse(KS_READY);
    ks["status"]["inventory"]["entries"] = json!([
        {"id": "default_sonarr_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
        {"id": "default_radarr_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
        {"id": "ai_comfyui_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
        {"id": "default_lidarr_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"},
    ]);
    let ks = ks.to_string();
    let mut cluster = Cluster::new(&[
        (("kustomization", "default", "sonarr"), &ks),
        (("helmrelease", "default", "sonarr"), HR_RECONCILING),
        (("helmrelease", "ai", "comfyui"), HR_REMEDIATED),
        (("helmrelease", "default", "lidarr"), HR_STALLED),
    ]);
    let verdict = cluster.run(&follow("default", "sonarr"));
    assert_failed(
        &verdict,
        &[
            "HelmRelease ai/comfyui was remediated",
            "inventory of Kustomization default/sonarr",
        ],
    );
    assert_eq!(cluster.calls.len(), 4, "stops at the first failed release");

    let mut cluster = Cluster::new(&[
        (("kustomization", "default", "sonarr"), &ks),
        (("helmrelease", "default", "sonarr"), HR_RECONCILING),
        (("helmrelease", "ai", "comfyui"), HR_READY),
        (("helmrelease", "default", "lidarr"), HR_READY),
    ]);
    let verdict = cluster.run(&follow("default", "sonarr"));
    assert_pending(
        &verdict,
        &[
            "HelmRelease default/sonarr is reconciling (Progressing)",
            "; HelmRelease default/radarr not found (listed in the inventory of Kustomization default/sonarr)",
        ],
    );
}

#[test]
fn evaluate_inventory_while_the_kustomization_itself_waits_or_fails() {
    let mut pending_ks = parse(KS_FAILED_HR);
    pending_ks["metadata"]["generation"] = json!(3);
    let pending_ks = pending_ks.to_string();
    // A Stalled release fails the check at once even while the Kustomization waits.
    let mut cluster = Cluster::new(&[
        (("kustomization", "default", "sonarr"), &pending_ks),
        (("helmrelease", "default", "sonarr"), HR_STALLED),
    ]);
    assert_failed(&cluster.run(&follow("default", "sonarr")), &["is Stalled"]);
    // Healthy releases do not hide the Kustomization's own reason.
    let mut cluster = Cluster::new(&[
        (("kustomization", "default", "sonarr"), &pending_ks),
        (("helmrelease", "default", "sonarr"), HR_READY),
    ]);
    assert_pending(
        &cluster.run(&follow("default", "sonarr")),
        &["Kustomization default/sonarr has not observed generation 3 yet"],
    );
    // A failed Kustomization is final without reading its releases.
    let mut stalled_ks = parse(KS_READY);
    set_condition(
        &mut stalled_ks,
        "Stalled",
        "True",
        "InvalidCELExpression",
        "bad",
    );
    let stalled_ks = stalled_ks.to_string();
    let mut cluster = Cluster::new(&[(("kustomization", "default", "sonarr"), &stalled_ks)]);
    assert_failed(
        &cluster.run(&follow("default", "sonarr")),
        &["Kustomization default/sonarr is Stalled"],
    );
    assert_eq!(cluster.calls.len(), 1);
}

#[test]
fn evaluate_inventory_without_releases_is_healthy() {
    let mut ks = parse(KS_READY);
    ks["status"]["inventory"]["entries"] =
        json!([{"id": "default_sonarr_external-secrets.io_ExternalSecret", "v": "v1"}]);
    let ks = ks.to_string();
    let mut cluster = Cluster::new(&[(("kustomization", "default", "sonarr"), &ks)]);
    let verdict = cluster.run(&follow("default", "sonarr"));
    assert!(
        matches!(&verdict, Verdict::Healthy(s) if s.ends_with("; its inventory lists no HelmRelease")),
        "{verdict:?}"
    );
}
