//! app-template-major-upgrade on the three synthetic layouts, and the comfyui incident:
//! a forbidden StatefulSet update, Helm rolls back to 3.7.3 while the `wait: false`
//! Kustomization stays Ready; the run stops naming the remediation, and resumes to the
//! end after it.

use std::fs;

use super::e2e::*;

const RUNBOOKS: &[&str] = &[
    "app-template-major-upgrade",
    "immutable-selector-remediation",
];

/// Where the fake cluster's releases take their chart from, as each layout declares it.
#[derive(Clone, Copy)]
enum Sources {
    /// `OCIRepository/flux-system/app-template`, applied by the `cluster` Kustomization.
    Shared,
    /// `OCIRepository/<ns>/app-template`, stamped by the app's Kustomization.
    PerNamespace,
    /// `OCIRepository/<ns>/<app>`, beside the release.
    PerApp,
}

/// Seeds `releases` (namespace, name, controller type) on app-template 3.7.3, each with
/// its `wait: false` Kustomization; the Git change the run commits (tag 4.1.1) reaches a
/// release and its source when the Kustomization that applies them reconciles.
fn fleet(e2e: &E2e, sources: Sources, releases: &[(&str, &str, &str)]) {
    if let Sources::Shared = sources {
        e2e.seed(&[
            "object",
            "ocirepository",
            "flux-system",
            "app-template",
            "ready=True",
            "field.spec.ref.tag=3.7.3",
            "git_field.spec.ref.tag=4.1.1",
            "labels=kustomize.toolkit.fluxcd.io/name=cluster\nkustomize.toolkit.fluxcd.io/namespace=flux-system",
        ]);
    }
    for (ns, name, kind) in releases {
        let source = match sources {
            Sources::Shared => "flux-system/app-template".to_string(),
            Sources::PerNamespace => format!("{ns}/app-template"),
            Sources::PerApp => format!("{ns}/{name}"),
        };
        if !matches!(sources, Sources::Shared) {
            let (sns, sname) = source.split_once('/').unwrap();
            e2e.seed(&[
                "object",
                "ocirepository",
                sns,
                sname,
                "ready=True",
                "field.spec.ref.tag=3.7.3",
                "git_field.spec.ref.tag=4.1.1",
                &format!("labels=kustomize.toolkit.fluxcd.io/name={name}\nkustomize.toolkit.fluxcd.io/namespace={ns}"),
            ]);
        }
        e2e.seed(&[
            "app",
            ns,
            name,
            "3.7.3",
            kind,
            &format!("source=OCIRepository/{source}"),
            "git_target=4.1.1",
        ]);
    }
}

const TWO_CLUSTER_MAIN: &[(&str, &str, &str)] = &[
    ("ai", "comfyui", "statefulset"),
    ("downloads", "ytdl-sub-youtube", "cronjob"),
    ("media", "plex", "statefulset"),
    ("media", "sonarr", "deployment"),
    ("network", "cloudflare-tunnel", "deployment"),
    ("observability", "gatus", "deployment"),
];

fn upgrade(e2e: &E2e, cluster: &str, extra: &[(&str, &str)]) -> Run {
    let mut vars = vec![
        ("cluster", cluster),
        ("repo", REPO),
        ("to_version", "4.1.1"),
    ];
    vars.extend_from_slice(extra);
    e2e.run("app-template-major-upgrade", &vars)
}

#[track_caller]
fn assert_on(e2e: &E2e, releases: &[(&str, &str, &str)], version: &str) {
    for (ns, name, _) in releases {
        assert_eq!(
            fs::read_to_string(e2e.state(&format!("hr/{ns}/{name}/version"))).unwrap(),
            version,
            "{ns}/{name}"
        );
    }
}

const REMEDIATION_COMMAND: &str = "runbook run immutable-selector-remediation --var cluster=main --var release=comfyui --var namespace=ai --var chart_version=4.1.1";

/// The comfyui incident on the two-cluster layout with one shared source.
#[test]
fn major_upgrade_stops_at_comfyui_and_resumes_after_the_remediation() {
    let e2e = E2e::new(RUNBOOKS, &["healthy", "main"]).checkout(Layout::TwoCluster, |_| {});
    fleet(&e2e, Sources::Shared, TWO_CLUSTER_MAIN);
    e2e.seed(&["hr", "ai", "comfyui", "immutable=StatefulSet", "retries=3"]);

    let run = upgrade(&e2e, "main", &[]);
    run.failed()
        .steps(
            "succeeded",
            &[
                "layout",
                "inventory",
                "convertible",
                "statefulsets-edit",
                "statefulsets-sources",
                "statefulsets-triage",
            ],
        )
        .steps("skipped", &["cronjobs-edit", "deployments-edit"])
        .steps("failed", &["statefulsets-blocked[ai/comfyui]"])
        .not_journaled("converge")
        .shows("app-template sources: shared")
        .shows("kubernetes/shared/repositories/oci/app-template.yaml 3.7.3 (to upgrade)")
        .shows("Helm rollback to previous release ai/comfyui")
        .shows(REMEDIATION_COMMAND)
        .calls_in_order(&[
            "flux --context main reconcile kustomization cluster -n flux-system --with-source",
            "flux --context main reconcile source oci app-template -n flux-system",
            "flux --context main reconcile kustomization comfyui -n ai --with-source",
            "flux --context main events -n ai --for HelmRelease/comfyui --types Warning",
        ]);
    // the silent rollback: Helm went back to 3.7.3, the Kustomization looks fine
    assert_eq!(
        fs::read_to_string(e2e.state("hr/ai/comfyui/version")).unwrap(),
        "3.7.3"
    );
    assert!(e2e.state("hr/ai/comfyui/remediated").exists());
    assert_eq!(
        fs::read_to_string(e2e.state("ks/ai/comfyui/ready")).unwrap(),
        "True"
    );
    assert_on(&e2e, &TWO_CLUSTER_MAIN[1..], "4.1.1");
    let shared = fs::read_to_string(
        e2e.repo()
            .join("kubernetes/shared/repositories/oci/app-template.yaml"),
    )
    .unwrap();
    assert!(shared.contains("    tag: 4.1.1\n"), "{shared}");
    let sonarr = fs::read_to_string(
        e2e.repo()
            .join("kubernetes/main/apps/media/sonarr/app/helmrelease.yaml"),
    )
    .unwrap();
    assert!(
        sonarr.contains("              - identifier: app\n                port: 80\n"),
        "backendRefs not converted:\n{sonarr}"
    );
    let log = e2e.git(&["log", "--format=%s"]);
    assert_eq!(
        log,
        "app-template: 3.7.3 -> 4.1.1, batch 3 (StatefulSet releases)\ninitial state\n"
    );

    // the operator runs the command the stop named
    let remediation: Vec<&str> = REMEDIATION_COMMAND
        .split(' ')
        .skip(1)
        .chain(["--yes", "--allow-destructive"])
        .collect();
    let fixed = e2e.invoke(&remediation);
    fixed.succeeded().steps(
        "succeeded",
        &[
            "delete-workload[statefulset.apps/comfyui]",
            "verify-version",
            "refresh-kustomization",
        ],
    );

    let resumed = e2e.resume(&run, &[]);
    resumed
        .succeeded()
        .steps(
            "succeeded",
            &[
                "statefulsets-blocked[ai/comfyui]",
                "statefulsets-verify[ai/comfyui]",
                "converge",
            ],
        )
        .steps("skipped", &["statefulsets-remediate[ai/comfyui]"]);
    assert_on(&e2e, TWO_CLUSTER_MAIN, "4.1.1");
    assert_eq!(
        e2e.git(&["log", "--format=%s"]).lines().count(),
        2,
        "resume committed again"
    );
}

/// Per-app sources (single-cluster, onedr0p style): each source moves with its own
/// release, so the fleet upgrades in three batches, one commit each.
#[test]
fn major_upgrade_moves_per_app_sources_in_three_batches() {
    let releases: &[(&str, &str, &str)] = &[
        ("ai", "comfyui", "statefulset"),
        ("downloads", "ytdl-sub-youtube", "cronjob"),
        ("media", "radarr", "deployment"),
        ("media", "sonarr", "deployment"),
    ];
    let e2e = E2e::new(RUNBOOKS, &["healthy", "home"]).checkout(Layout::SingleCluster, |_| {});
    fs::write(e2e.state("contexts"), "home\n").unwrap();
    fleet(&e2e, Sources::PerApp, releases);
    upgrade(&e2e, "home", &[])
        .succeeded()
        .steps("succeeded", &["cronjobs-edit", "cronjobs-verify[downloads/ytdl-sub-youtube]", "deployments-edit", "deployments-verify[media/sonarr]", "statefulsets-edit", "statefulsets-verify[ai/comfyui]", "converge"])
        .shows("app-template sources: per-app")
        .calls_in_order(&[
            "flux --context home reconcile kustomization ytdl-sub-youtube -n downloads --with-source",
            "flux --context home reconcile kustomization radarr -n media --with-source",
            "flux --context home reconcile kustomization comfyui -n ai --with-source",
        ]);
    assert_on(&e2e, releases, "4.1.1");
    assert_eq!(
        e2e.git(&["log", "--format=%s"]),
        "app-template: 3.7.3 -> 4.1.1, batch 3 (StatefulSet releases)\n\
         app-template: 3.7.3 -> 4.1.1, batch 2 (Deployment and DaemonSet releases)\n\
         app-template: 3.7.3 -> 4.1.1, batch 1 (CronJob releases)\ninitial state\n"
    );
    let batch1 = e2e.git(&["show", "--stat", "--format=", "HEAD~2"]);
    assert!(
        batch1.contains("ytdl-sub/youtube/ocirepository.yaml") && !batch1.contains("sonarr"),
        "{batch1}"
    );
}

/// The source stamped into each namespace by a kustomize Component is one file: the
/// whole fleet moves with its riskiest release, in batch 3.
#[test]
fn major_upgrade_bumps_a_stamped_source_once() {
    let releases: &[(&str, &str, &str)] = &[
        ("ai", "comfyui", "statefulset"),
        ("downloads", "ytdl-sub-youtube", "cronjob"),
        ("media", "sonarr", "deployment"),
    ];
    let e2e = E2e::new(RUNBOOKS, &["healthy", "main"]).checkout(Layout::PerNamespace, |_| {});
    fleet(&e2e, Sources::PerNamespace, releases);
    upgrade(&e2e, "main", &[])
        .succeeded()
        .steps("skipped", &["cronjobs-edit", "deployments-edit"])
        .steps(
            "succeeded",
            &["statefulsets-edit", "statefulsets-sources", "converge"],
        )
        .shows("app-template sources: per-namespace")
        .calls_in_order(&[
            "flux --context main reconcile source oci app-template -n ai",
            "flux --context main reconcile source oci app-template -n downloads",
            "flux --context main reconcile source oci app-template -n media",
        ]);
    assert_on(&e2e, releases, "4.1.1");
    let stamped = fs::read_to_string(
        e2e.repo()
            .join("kubernetes/components/common/repos/app-template/ocirepository.yaml"),
    )
    .unwrap();
    assert!(stamped.contains("    tag: 4.1.1\n"));
}

/// Values the conversion cannot handle stop the run before anything is committed, and a
/// source pinned to another version is reported and left alone.
#[test]
fn major_upgrade_stops_on_values_it_cannot_convert() {
    let e2e = E2e::new(RUNBOOKS, &["healthy", "home"]).checkout(Layout::SingleCluster, |repo| {
        edit(
            &repo.join("kubernetes/apps/media/sonarr/app/helmrelease.yaml"),
            "    controllers:\n",
            "    serviceAccount:\n      create: true\n      name: sonarr\n      annotations:\n        a: b\n    controllers:\n",
        );
        edit(&repo.join("kubernetes/apps/media/radarr/app/ocirepository.yaml"), "tag: 3.7.3", "tag: 3.5.1");
    });
    fs::write(e2e.state("contexts"), "home\n").unwrap();
    fleet(&e2e, Sources::PerApp, &[("media", "sonarr", "deployment")]);
    upgrade(&e2e, "home", &[])
        .failed()
        .steps("failed", &["convertible"])
        .not_journaled("cronjobs-edit")
        .shows("serviceAccount has keys other than create and name (annotations)")
        .shows(
            "kubernetes/apps/media/radarr/app/ocirepository.yaml 3.5.1 (left alone: not on 3.7.3)",
        )
        .no_call("reconcile");
    assert_eq!(e2e.git(&["log", "--format=%s"]), "initial state\n");
}

/// With `remediate = call` the run recreates comfyui's StatefulSet itself, but only with
/// the operator's approval: `--yes` alone stops at the delete with exit 4, naming the
/// step and `--allow-destructive`; resumed with the flag, the run ends green.
#[test]
fn major_upgrade_calls_the_remediation_only_with_allow_destructive() {
    let e2e = E2e::new(RUNBOOKS, &["healthy", "main"]).checkout(Layout::TwoCluster, |_| {});
    fleet(&e2e, Sources::Shared, TWO_CLUSTER_MAIN);
    e2e.seed(&["hr", "ai", "comfyui", "immutable=StatefulSet", "retries=3"]);

    let vars = [
        ("cluster", "main"),
        ("repo", REPO),
        ("to_version", "4.1.1"),
        ("remediate", "call"),
    ];
    let stopped = e2e.run_with("app-template-major-upgrade", &["--yes"], &vars);
    assert_eq!(stopped.output.status, 4, "{}", stopped.report());
    stopped
        .steps("succeeded", &["statefulsets-remediate[ai/comfyui]/suspend"])
        .not_journaled(
            "statefulsets-remediate[ai/comfyui]/delete-workload[statefulset.apps/comfyui]",
        )
        .shows("statefulsets-remediate[ai/comfyui]/delete-workload[statefulset.apps/comfyui]")
        .shows("--allow-destructive")
        .no_call("delete statefulset");
    assert!(e2e.state("workloads/ai/statefulset/comfyui").exists());

    e2e.resume(&stopped, &["--allow-destructive"])
        .succeeded()
        .steps(
            "succeeded",
            &[
                "statefulsets-remediate[ai/comfyui]/delete-workload[statefulset.apps/comfyui]",
                "statefulsets-remediate[ai/comfyui]",
                "converge",
            ],
        )
        .calls_in_order(&[
            "kubectl --context main -n ai delete statefulset.apps/comfyui --wait=true",
            "flux --context main resume helmrelease comfyui -n ai",
            "flux --context main reconcile kustomization comfyui -n ai --with-source",
        ]);
    assert_on(&e2e, TWO_CLUSTER_MAIN, "4.1.1");
}

/// A plain resume right after the stop (nothing remediated) stops again at comfyui with
/// the same command, instead of wedging on the pre-flight baseline that comfyui now fails.
#[test]
fn major_upgrade_resume_without_remediation_stops_at_comfyui_again() {
    let e2e = E2e::new(RUNBOOKS, &["healthy", "main"]).checkout(Layout::TwoCluster, |_| {});
    fleet(&e2e, Sources::Shared, TWO_CLUSTER_MAIN);
    e2e.seed(&["hr", "ai", "comfyui", "immutable=StatefulSet", "retries=3"]);
    let run = upgrade(&e2e, "main", &[]);
    run.failed();
    e2e.resume(&run, &[])
        .failed()
        .steps("failed", &["statefulsets-blocked[ai/comfyui]"])
        .shows(REMEDIATION_COMMAND)
        .hides("Fix the failing releases first");
}
