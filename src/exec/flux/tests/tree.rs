//! `follow-inventory`: the whole tree from one list call, recursion through child
//! Kustomizations, cycles, the depth bound, and how failing and pending leaves are named.

use serde_json::json;

use super::*;
use crate::exec::flux::tree::MAX_DEPTH;

fn follow(namespace: &str, name: &str) -> FluxCheck {
    let mut ks = check(FluxKind::Kustomization, namespace, name);
    ks.follow_inventory = true;
    ks
}

/// A Kustomization `ns/name` (Ready on the flux-system GitRepository) listing `entries`.
fn ks(namespace: &str, name: &str, entries: &[(&str, &str, &str)]) -> Value {
    let mut ks = parse(KS_READY);
    ks["metadata"]["name"] = json!(name);
    ks["metadata"]["namespace"] = json!(namespace);
    let ids: Vec<Value> = entries
        .iter()
        .map(|(kind, ns, n)| {
            let group = if *kind == "HelmRelease" {
                HELM_GROUP
            } else {
                KUSTOMIZE_GROUP
            };
            json!({"id": format!("{ns}_{n}_{group}_{kind}"), "v": "v1"})
        })
        .collect();
    ks["status"]["inventory"]["entries"] = json!(ids);
    ks
}

/// A copy of `fixture` named `ns/name`, with the OCIRepository `ns/app-template` at 4.1.1.
fn hr(fixture: &str, namespace: &str, name: &str) -> [Value; 2] {
    let mut hr = parse(fixture);
    hr["metadata"]["name"] = json!(name);
    hr["metadata"]["namespace"] = json!(namespace);
    [hr, oci(namespace, &format!("4.1.1@{DIGEST_411}"))]
}

fn cluster(objects: impl IntoIterator<Item = Value>) -> Cluster {
    let mut all: Vec<Value> = objects.into_iter().collect();
    all.push(parse(GIT_FLUX_SYSTEM));
    Cluster::new(all)
}

#[test]
fn a_healthy_tree_counts_what_it_followed() {
    let mut objects = vec![
        ks(
            "flux-system",
            "cluster-apps",
            &[
                ("Kustomization", "default", "sonarr"),
                ("Kustomization", "default", "radarr"),
            ],
        ),
        ks("default", "sonarr", &[("HelmRelease", "default", "sonarr")]),
        ks("default", "radarr", &[("HelmRelease", "default", "radarr")]),
    ];
    objects.extend(hr(HR_READY, "default", "sonarr"));
    objects.extend(hr(HR_READY, "default", "radarr"));
    let mut cluster = cluster(objects);
    let verdict = cluster.run(&follow("flux-system", "cluster-apps"));
    assert_healthy(
        &verdict,
        &[
            "Kustomization flux-system/cluster-apps Ready at revision",
            "; below it 2 HelmReleases and 2 Kustomizations healthy",
        ],
    );
    assert_eq!(cluster.calls, [kubectl_list_args(None)]);
    let mut empty = cluster_of_one(ks("flux-system", "cluster-apps", &[]));
    assert_healthy(
        &empty.run(&follow("flux-system", "cluster-apps")),
        &["; its inventory lists no HelmRelease or Kustomization"],
    );
}

fn cluster_of_one(ks: Value) -> Cluster {
    cluster([ks])
}

#[test]
fn failures_name_the_first_three_leaves_then_a_count() {
    let names = ["a", "b", "c", "d", "e"];
    let entries: Vec<(&str, &str, &str)> =
        names.iter().map(|n| ("HelmRelease", "media", *n)).collect();
    let mut objects = vec![ks("flux-system", "cluster-apps", &entries)];
    for name in names {
        objects.extend(hr(HR_FAILED_WAITING, "media", name));
    }
    let verdict = cluster(objects).run(&follow("flux-system", "cluster-apps"));
    assert_failed(
        &verdict,
        &[
            "5 of 5 objects under Kustomization flux-system/cluster-apps failed: HelmRelease media/a failed (UpgradeFailed)",
            "(listed in the inventory of Kustomization flux-system/cluster-apps) | HelmRelease media/b failed",
            " | HelmRelease media/c failed",
            " | and 2 more",
        ],
    );
    assert!(!reason(&verdict).contains("media/d"), "{verdict:?}");
}

#[test]
fn a_failure_wins_over_pending_and_over_the_root_waiting() {
    let mut root = ks(
        "flux-system",
        "cluster-apps",
        &[
            ("HelmRelease", "default", "sonarr"),
            ("HelmRelease", "default", "radarr"),
        ],
    );
    root["metadata"]["generation"] = json!(3);
    let mut objects = vec![root];
    objects.extend(hr(HR_RECONCILING, "default", "sonarr"));
    objects.extend(hr(HR_STALLED, "default", "radarr"));
    assert_failed(
        &cluster(objects).run(&follow("flux-system", "cluster-apps")),
        &["HelmRelease default/radarr rolled back"],
    );
}

#[test]
fn pending_leaves_and_missing_objects_wait() {
    let root = ks(
        "flux-system",
        "cluster-apps",
        &[
            ("HelmRelease", "default", "sonarr"),
            ("HelmRelease", "default", "radarr"),
        ],
    );
    let verdict = cluster(
        hr(HR_RECONCILING, "default", "sonarr")
            .into_iter()
            .chain([root]),
    )
    .run(&follow("flux-system", "cluster-apps"));
    assert_pending(
        &verdict,
        &[
            "2 of 2 objects under Kustomization flux-system/cluster-apps not ready yet: HelmRelease default/sonarr is reconciling",
            " | HelmRelease default/radarr not found (listed in the inventory of Kustomization flux-system/cluster-apps)",
        ],
    );
    // The root itself missing.
    assert_eq!(
        cluster([]).run(&follow("flux-system", "cluster-apps")),
        Verdict::Pending("Kustomization flux-system/cluster-apps not found".into())
    );
}

#[test]
fn cycles_are_followed_once() {
    // flux-system applies itself (bootstrap) and cluster, which lists flux-system again.
    let objects = vec![
        ks(
            "flux-system",
            "flux-system",
            &[
                ("Kustomization", "flux-system", "flux-system"),
                ("Kustomization", "flux-system", "cluster"),
            ],
        ),
        ks(
            "flux-system",
            "cluster",
            &[("Kustomization", "flux-system", "flux-system")],
        ),
    ];
    assert_healthy(
        &cluster(objects).run(&follow("flux-system", "flux-system")),
        &["below it 0 HelmReleases and 1 Kustomization healthy"],
    );
}

#[test]
fn depth_is_bounded() {
    let depth = MAX_DEPTH + 2;
    let objects: Vec<Value> = (0..depth)
        .map(|i| {
            let child = format!("k{}", i + 1);
            ks(
                "flux-system",
                &format!("k{i}"),
                &[("Kustomization", "flux-system", &child)],
            )
        })
        .collect();
    let verdict = cluster(objects).run(&follow("flux-system", "k0"));
    assert_failed(
        &verdict,
        &[&format!(
            "Kustomization flux-system/k{MAX_DEPTH} nests Kustomizations deeper than {MAX_DEPTH} levels"
        )],
    );
}

#[test]
fn a_failed_root_is_final_and_a_failed_list_is_the_verdict() {
    let mut root = ks(
        "flux-system",
        "cluster-apps",
        &[("HelmRelease", "default", "sonarr")],
    );
    set_condition(&mut root, "Stalled", "True", "InvalidCELExpression", "bad");
    assert_failed(
        &cluster([root]).run(&follow("flux-system", "cluster-apps")),
        &["Kustomization flux-system/cluster-apps is Stalled"],
    );
    let mut forbidden = |_: &[String]| {
        exit(
            1,
            "Error from server (Forbidden): helmreleases.helm.toolkit.fluxcd.io is forbidden: User \"ci\" cannot list resource \"helmreleases\" in API group \"helm.toolkit.fluxcd.io\" at the cluster scope\n",
        )
    };
    assert_failed(
        &evaluate(&follow("flux-system", "cluster-apps"), &mut forbidden),
        &["failed (exit 1): Error from server (Forbidden)"],
    );
    let mut empty = |_: &[String]| ok("");
    assert_pending(
        &evaluate(&follow("flux-system", "cluster-apps"), &mut empty),
        &["not found"],
    );
}

#[test]
fn a_list_that_is_not_a_list_is_an_empty_snapshot() {
    for stdout in [
        "[1, 2]",
        "\"List\"",
        "{\"items\": {\"a\": 1}}",
        "{\"items\": [null, 7, {\"kind\": 3}]}",
    ] {
        let mut kubectl = |_: &[String]| ok(stdout);
        assert_pending(
            &evaluate(&follow("flux-system", "cluster-apps"), &mut kubectl),
            &["not found"],
        );
    }
}
