//! immutable-selector-remediation and reconcile-app on the fake cluster.

use std::fs;

use super::e2e::*;
use crate::support::repo_root;

// ---------------------------------------------------------------- immutable-selector-remediation

const REMEDIATION_STEPS: &[&str] = &[
    "inspect",
    "find-workload",
    "show-claims",
    "suspend",
    "delete-workload[deployment.apps/sonarr]",
    "resume",
    "reconcile",
    "verify-version",
    "refresh-kustomization",
];

/// Only the object named in `cannot patch "sonarr" with kind Deployment` is deleted: the
/// release's other workload (a CronJob with the same label) stays.
#[test]
fn immutable_selector_remediation_recovers_a_deployment() {
    let e2e = E2e::new(&["immutable-selector-remediation"], &["sonarr-immutable"]);
    e2e.seed(&["workload", "default", "cronjob", "sonarr-backup", "sonarr"]);
    let run = e2e.run(
        "immutable-selector-remediation",
        &[
            ("cluster", "edge"),
            ("release", "sonarr"),
            ("namespace", "default"),
            ("chart_version", "4.1.1"),
        ],
    );
    run.succeeded()
        .steps("succeeded", REMEDIATION_STEPS)
        .steps("skipped", &["verify-ready"])
        .shows("field is immutable")
        .calls_in_order(&[
            "kubectl config current-context",
            "flux --context edge suspend helmrelease sonarr -n default",
            "kubectl --context edge -n default delete deployment.apps/sonarr",
            "flux --context edge resume helmrelease sonarr -n default",
            "flux --context edge reconcile helmrelease sonarr -n default --with-source",
            "kubectl get helmrelease sonarr -n default -o json --context edge",
            "flux --context edge reconcile kustomization sonarr -n default --with-source",
        ])
        .no_call("delete cronjob")
        .no_call("sonarr-backup --wait");
    assert!(
        e2e.state("workloads/default/cronjob/sonarr-backup")
            .exists()
    );
    assert!(
        !e2e.state("recreated-by-controller").exists(),
        "helm-controller raced the delete"
    );
    assert!(
        !e2e.state("hr/default/sonarr/immutable").exists(),
        "the conflict is still there"
    );
}

#[test]
fn immutable_selector_remediation_recovers_a_rolled_back_statefulset() {
    let e2e = E2e::new(&["immutable-selector-remediation"], &["plex-rolled-back"]);
    let run = e2e.run(
        "immutable-selector-remediation",
        &[
            ("release", "plex"),
            ("namespace", "default"),
            ("chart_version", "4.1.1"),
        ],
    );
    run.succeeded()
        .steps(
            "succeeded",
            &[
                "suspend",
                "delete-workload[statefulset.apps/plex]",
                "resume",
                "verify-version",
            ],
        )
        .shows("Helm rollback to previous release default/plex")
        .calls_in_order(&[
            "flux --context edge suspend helmrelease plex -n default",
            "kubectl --context edge -n default delete statefulset.apps/plex",
            "flux --context edge resume helmrelease plex -n default",
        ]);
    assert_eq!(
        fs::read_to_string(e2e.state("hr/default/plex/version")).unwrap(),
        "4.1.1"
    );
}

#[test]
fn immutable_selector_remediation_without_chart_version_only_requires_ready() {
    let e2e = E2e::new(&["immutable-selector-remediation"], &["sonarr-immutable"]);
    e2e.run(
        "immutable-selector-remediation",
        &[("release", "sonarr"), ("namespace", "default")],
    )
    .succeeded()
    .steps("succeeded", &["resume", "verify-ready"])
    .steps("skipped", &["verify-version"]);
}

/// A StatefulSet whose claims go with it (`whenDeleted: Delete`) is not deleted: the run
/// stops before it suspends anything.
#[test]
fn immutable_selector_remediation_stops_on_a_statefulset_that_deletes_its_claims() {
    let e2e = E2e::new(&["immutable-selector-remediation"], &["plex-rolled-back"]);
    write(&e2e.state("workload_policy/default/plex"), "Delete");
    let run = e2e.run(
        "immutable-selector-remediation",
        &[
            ("release", "plex"),
            ("namespace", "default"),
            ("chart_version", "4.1.1"),
        ],
    );
    run.failed()
        .steps("succeeded", &["find-workload"])
        .steps("failed", &["claim-policy"])
        .not_journaled("suspend")
        .shows("statefulset.apps/plex whenDeleted=Delete")
        .no_call("suspend")
        .no_call("delete");
}

/// Without a named object in the message or the events the run stops and asks for
/// `workload`, instead of deleting whatever carries the release label.
#[test]
fn immutable_selector_remediation_without_a_named_object_deletes_nothing() {
    let e2e = E2e::new(&["immutable-selector-remediation"], &["sonarr-immutable"]);
    write(
        &e2e.state("hr/default/sonarr/message"),
        "Helm upgrade failed: timed out waiting for the condition",
    );
    fs::remove_file(e2e.state("hr/default/sonarr/last_error")).unwrap();
    let run = e2e.run(
        "immutable-selector-remediation",
        &[("release", "sonarr"), ("namespace", "default")],
    );
    run.failed()
        .steps("failed", &["find-workload"])
        .shows("Set workload=kind.group/name")
        .no_call("suspend")
        .no_call("delete");
}

/// The fakes keep state: a runbook that deletes the workload before suspending the
/// release (and has no precondition guarding it) loses the race with helm-controller,
/// which puts the old Deployment back, so the upgrade still hits the immutable selector.
#[test]
fn immutable_selector_remediation_with_suspend_and_delete_swapped_fails() {
    let shipped =
        fs::read_to_string(repo_root().join("runbooks/immutable-selector-remediation.toml"))
            .unwrap();
    let blocks: Vec<&str> = shipped.split("\n[[step]]\n").collect();
    let find = |id: &str| {
        blocks
            .iter()
            .position(|b| b.starts_with(&format!("id = \"{id}\"")))
            .unwrap_or_else(|| panic!("no step {id}"))
    };
    let (suspend, delete) = (find("suspend"), find("delete-workload"));
    assert_eq!(
        delete,
        suspend + 1,
        "the shipped runbook suspends right before deleting"
    );
    // the naive variant: no "still suspended" precondition, no "workload is gone" poll
    let naive_delete: String = blocks[delete]
        .split("\n[[step.")
        .enumerate()
        .filter(|(i, part)| *i == 0 || part.starts_with("rollback]]"))
        .map(|(i, part)| {
            if i == 0 {
                part.to_string()
            } else {
                format!("[[step.{part}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut swapped: Vec<String> = blocks.iter().map(|b| (*b).to_string()).collect();
    swapped[suspend] = naive_delete;
    swapped[delete] = blocks[suspend].to_string();
    let variant = swapped.join("\n[[step]]\n");

    let mut e2e = E2e::new(&[], &["sonarr-immutable"]);
    e2e.test = e2e.test.runbook("immutable-selector-remediation", &variant);
    let run = e2e.run(
        "immutable-selector-remediation",
        &[
            ("release", "sonarr"),
            ("namespace", "default"),
            ("chart_version", "4.1.1"),
        ],
    );
    run.failed()
        .steps(
            "succeeded",
            &["delete-workload[deployment.apps/sonarr]", "suspend"],
        )
        .steps("failed", &["resume"])
        .not_journaled("verify-version")
        .calls_in_order(&[
            "kubectl --context edge -n default delete deployment.apps/sonarr",
            "flux --context edge suspend helmrelease sonarr -n default",
            "flux --context edge resume helmrelease sonarr -n default",
        ]);
    assert_eq!(
        fs::read_to_string(e2e.state("recreated-by-controller")).unwrap(),
        "deployment default sonarr\n",
        "helm-controller put the old Deployment back"
    );
    assert!(e2e.state("hr/default/sonarr/immutable").exists());
}

// ---------------------------------------------------------------- reconcile-app

#[test]
fn reconcile_app_reconciles_kustomization_then_release() {
    let e2e = E2e::new(&["reconcile-app"], &["healthy"]);
    e2e.run(
        "reconcile-app",
        &[
            ("cluster", "edge"),
            ("app", "sonarr"),
            ("namespace", "default"),
            ("release", "sonarr"),
        ],
    )
    .succeeded()
    .steps(
        "succeeded",
        &["reconcile-kustomization", "reconcile-helmrelease"],
    )
    .calls_in_order(&[
        "kubectl config current-context",
        "flux --context edge reconcile kustomization sonarr -n default --with-source",
        // follow-inventory: the whole tree in one list call (calls.log quotes `,` as `\,`)
        r"kubectl get helmreleases\,kustomizations\,gitrepositories\,ocirepositories\,helmcharts.source.toolkit.fluxcd.io\,buckets -A -o json --context edge",
        "flux --context edge reconcile helmrelease sonarr -n default --with-source",
        "kubectl get helmrelease sonarr -n default -o json --context edge",
    ]);
}

/// A wait: false Kustomization is Ready while the release it applied was rolled back:
/// following the inventory catches it.
#[test]
fn reconcile_app_fails_on_a_silently_rolled_back_release() {
    let e2e = E2e::new(&["reconcile-app"], &["plex-rolled-back"]);
    let run = e2e.run(
        "reconcile-app",
        &[("app", "plex"), ("namespace", "default")],
    );
    run.failed()
        .steps("failed", &["reconcile-kustomization"])
        .not_journaled("reconcile-helmrelease")
        .shows("HelmRelease default/plex rolled back: chart 3.7.3 deployed, 4.1.1 attempted")
        .shows("Stalled=True (RetriesExceeded)");
}

/// `--yes` alone does not delete a workload: the run stops before the delete with exit 4,
/// naming the step and `--allow-destructive`; nothing is deleted and the release stays
/// suspended (resumable).
#[test]
fn immutable_selector_remediation_under_yes_alone_stops_before_the_delete() {
    let e2e = E2e::new(&["immutable-selector-remediation"], &["sonarr-immutable"]);
    let run = e2e.run_with(
        "immutable-selector-remediation",
        &["--yes"],
        &[
            ("release", "sonarr"),
            ("namespace", "default"),
            ("chart_version", "4.1.1"),
        ],
    );
    assert_eq!(run.output.status, 4, "{}", run.report());
    run.steps("succeeded", &["suspend"])
        .not_journaled("delete-workload[deployment.apps/sonarr]")
        .shows("delete-workload[deployment.apps/sonarr]")
        .shows("--allow-destructive")
        .no_call("delete deployment");
    assert!(e2e.state("workloads/default/deployment/sonarr").exists());
    e2e.resume(&run, &["--allow-destructive"])
        .succeeded()
        .steps(
            "succeeded",
            &["delete-workload[deployment.apps/sonarr]", "verify-version"],
        );
}
