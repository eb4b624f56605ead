use serde_json::{Value, json};

use super::*;
use crate::exec::flux::helmrelease::{chart_matches, glob};

const HR_READY: &str = include_str!("../../../../tests/fixtures/flux-json/helmrelease-ready.json");
const HR_RECONCILING: &str =
    include_str!("../../../../tests/fixtures/flux-json/helmrelease-reconciling.json");
const HR_STALLED: &str =
    include_str!("../../../../tests/fixtures/flux-json/helmrelease-stalled-retries-exceeded.json");
const HR_REMEDIATED: &str =
    include_str!("../../../../tests/fixtures/flux-json/helmrelease-remediated-rollback.json");
const HR_GENERATION_BEHIND: &str =
    include_str!("../../../../tests/fixtures/flux-json/helmrelease-generation-behind.json");
const KS_READY: &str =
    include_str!("../../../../tests/fixtures/flux-json/kustomization-ready.json");
const KS_FAILED_HR: &str = include_str!(
    "../../../../tests/fixtures/flux-json/kustomization-ready-inventory-failed-hr.json"
);
const NOT_FLUX: &str = include_str!("../../../../tests/fixtures/flux-json/not-a-flux-object.json");

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

fn reason(verdict: &Verdict) -> &str {
    match verdict {
        Verdict::Healthy(s) | Verdict::Pending(s) | Verdict::Failed(s) => s,
    }
}

#[track_caller]
fn assert_pending(verdict: &Verdict, needles: &[&str]) {
    assert!(matches!(verdict, Verdict::Pending(_)), "{verdict:?}");
    for needle in needles {
        assert!(
            reason(verdict).contains(needle),
            "{needle:?} in {verdict:?}"
        );
    }
}

#[track_caller]
fn assert_failed(verdict: &Verdict, needles: &[&str]) {
    assert!(matches!(verdict, Verdict::Failed(_)), "{verdict:?}");
    for needle in needles {
        assert!(
            reason(verdict).contains(needle),
            "{needle:?} in {verdict:?}"
        );
    }
}

/// Sets the condition `kind` (replacing one of that type).
fn set_condition(object: &mut Value, kind: &str, status: &str, reason: &str, message: &str) {
    let conditions = object["status"]["conditions"].as_array_mut().unwrap();
    conditions.retain(|c| c["type"] != kind);
    conditions.push(json!({"type": kind, "status": status, "reason": reason, "message": message}));
}

fn remove_condition(object: &mut Value, kind: &str) {
    let conditions = object["status"]["conditions"].as_array_mut().unwrap();
    conditions.retain(|c| c["type"] != kind);
}

fn check(kind: FluxKind, namespace: &str, name: &str) -> FluxCheck {
    FluxCheck {
        kind,
        name: name.to_string(),
        namespace: namespace.to_string(),
        chart_version: None,
        follow_inventory: false,
        context: None,
    }
}

fn ok(stdout: &str) -> io::Result<KubectlOutput> {
    Ok(KubectlOutput {
        exit_code: Some(0),
        stdout: stdout.to_string(),
        stderr: String::new(),
    })
}

fn exit(code: i32, stderr: &str) -> io::Result<KubectlOutput> {
    Ok(KubectlOutput {
        exit_code: Some(code),
        stdout: String::new(),
        stderr: stderr.to_string(),
    })
}

/// A fake cluster: (resource, namespace, name) → JSON; anything else is NotFound like
/// the real API server. Records every argument list.
struct Cluster {
    objects: Vec<((&'static str, &'static str, &'static str), String)>,
    calls: Vec<Vec<String>>,
}

impl Cluster {
    fn new(objects: &[((&'static str, &'static str, &'static str), &str)]) -> Self {
        let objects = objects.iter().map(|(k, v)| (*k, v.to_string())).collect();
        Cluster {
            objects,
            calls: Vec::new(),
        }
    }

    fn run(&mut self, check: &FluxCheck) -> Verdict {
        let mut kubectl = |args: &[String]| {
            self.calls.push(args.to_vec());
            let key = (args[1].as_str(), args[4].as_str(), args[2].as_str());
            match self.objects.iter().find(|(k, _)| *k == key) {
                Some((_, json)) => ok(json),
                None => exit(
                    1,
                    &format!(
                        "Error from server (NotFound): {}s.{} \"{}\" not found\n",
                        key.0,
                        if key.0 == "helmrelease" {
                            HELM_GROUP
                        } else {
                            KUSTOMIZE_GROUP
                        },
                        key.2
                    ),
                ),
            }
        };
        evaluate(check, &mut kubectl)
    }
}

// ---------------------------------------------------------------- kubectl_args

#[test]
fn kubectl_args_read_one_object_as_json() {
    assert_eq!(
        kubectl_args(FluxKind::Helmrelease, "sonarr", "default", None),
        [
            "get",
            "helmrelease",
            "sonarr",
            "-n",
            "default",
            "-o",
            "json"
        ]
    );
    assert_eq!(
        kubectl_args(FluxKind::Kustomization, "apps", "flux-system", Some("prod")),
        [
            "get",
            "kustomization",
            "apps",
            "-n",
            "flux-system",
            "-o",
            "json",
            "--context",
            "prod"
        ]
    );
}

// ---------------------------------------------------------------- HelmRelease rules

#[test]
fn ready_release_is_healthy_with_or_without_a_chart_expectation() {
    let hr = parse(HR_READY);
    let healthy = Verdict::Healthy(
        "HelmRelease default/sonarr Ready on chart 4.1.1 (generation 3 observed)".to_string(),
    );
    for expected in [None, Some("4.1.1"), Some("4.*"), Some("4.1.*"), Some("*")] {
        assert_eq!(assess_helmrelease(&hr, expected), healthy, "{expected:?}");
    }
}

#[test]
fn ready_release_without_history_is_healthy_only_without_a_chart_expectation() {
    let mut hr = parse(HR_READY);
    hr["status"].as_object_mut().unwrap().remove("history");
    assert_eq!(
        assess_helmrelease(&hr, None),
        Verdict::Healthy("HelmRelease default/sonarr Ready (generation 3 observed)".into())
    );
    assert_pending(
        &assess_helmrelease(&hr, Some("4.1.1")),
        &["no release in `status.history`, expected chart 4.1.1"],
    );
}

#[test]
fn chart_patterns() {
    assert!(chart_matches("4.1.1", "4.1.1"));
    assert!(chart_matches("4.*", "4.1.1"));
    assert!(chart_matches("4.1.*", "4.1.1"));
    assert!(chart_matches("*.1.1", "4.1.1"));
    assert!(chart_matches("4.*.1", "4.10.1"));
    assert!(chart_matches("*", "4.1.1"));
    assert!(!chart_matches("4.1", "4.1.1"));
    assert!(!chart_matches("4", "4.1.1"));
    assert!(!chart_matches("4.2.*", "4.1.1"));
    assert!(!chart_matches("3.*", "4.1.1"));
    assert!(!chart_matches("4.1.1", "14.1.1"));
    assert!(!chart_matches("4.1.*", "4.1"));
    assert!(
        chart_matches("4*", "40.0.0"),
        "`*` is not limited to one segment"
    );
    assert!(!chart_matches("4.1.1", "4.1.1-rc.1"));
    // Build metadata from `reconcileStrategy: Revision` is ignored unless asked for.
    assert!(chart_matches("4.1.1", "4.1.1+8d3f1c2a7b9e"));
    assert!(chart_matches("4.*", "4.1.1+8d3f1c2a7b9e"));
    assert!(chart_matches("4.1.1+8d3f1c2a7b9e", "4.1.1+8d3f1c2a7b9e"));
    assert!(!chart_matches("4.1.1+0000", "4.1.1+8d3f1c2a7b9e"));
    assert!(glob("", ""));
    assert!(!glob("", "4"));
    assert!(glob("**", ""));
}

#[test]
fn stalled_release_fails_at_once_quoting_stalled_ready_released_and_chart() {
    let verdict = assess_helmrelease(&parse(HR_STALLED), Some("4.1.1"));
    assert_failed(
        &verdict,
        &[
            "HelmRelease default/sonarr is Stalled (RetriesExceeded): \
             Failed to upgrade after 1 attempt(s); \
             Ready=False: Helm rollback to previous release default/sonarr.v2 \
             with chart app-template@3.7.3 succeeded; \
             Released=False (UpgradeFailed): Helm upgrade failed for release default/sonarr \
             with chart app-template@4.1.1: cannot patch \"sonarr\" with kind Deployment",
            "field is immutable; Remediated=True (RollbackSucceeded); \
             chart 3.7.3 deployed, expected 4.1.1",
        ],
    );
    // The Remediated message repeats the Ready message: quoted once.
    assert_eq!(reason(&verdict).matches("Helm rollback").count(), 1);
    assert!(reason(&verdict).ends_with("chart 3.7.3 deployed, expected 4.1.1"));
    let without = assess_helmrelease(&parse(HR_STALLED), None);
    assert_failed(&without, &["is Stalled (RetriesExceeded)"]);
    assert!(
        reason(&without).ends_with("; chart 3.7.3 deployed"),
        "{without:?}"
    );
}

#[test]
fn stalled_beats_reconciling_and_ready_true() {
    let mut hr = parse(HR_STALLED);
    set_condition(
        &mut hr,
        "Reconciling",
        "True",
        "ProgressingWithRetry",
        "retrying",
    );
    set_condition(&mut hr, "Ready", "True", "UpgradeSucceeded", "stale");
    assert_failed(
        &assess_helmrelease(&hr, None),
        &["is Stalled (RetriesExceeded)"],
    );
}

#[test]
fn remediated_rollback_fails_at_once_even_while_reconciling_for_a_retry() {
    // The comfyui incident: Remediated=True, Reconciling=True (retries remain), and the
    // failed generation is only in `lastAttemptedGeneration`.
    let verdict = assess_helmrelease(&parse(HR_REMEDIATED), Some("4.1.1"));
    assert_failed(
        &verdict,
        &[
            "HelmRelease ai/comfyui was remediated (RollbackSucceeded): Helm rollback to \
             previous release ai/comfyui.v4 with chart app-template@3.7.3 succeeded; Ready=False; ",
            "Released=False (UpgradeFailed): Helm upgrade failed for release ai/comfyui",
            "updates to statefulset spec for fields other than",
            "chart 3.7.3 deployed, expected 4.1.1",
        ],
    );
    assert_failed(
        &assess_helmrelease(&parse(HR_REMEDIATED), None),
        &["was remediated"],
    );
}

#[test]
fn ready_true_but_silently_rolled_back_fails_when_remediated_else_waits() {
    let mut hr = parse(HR_READY);
    hr["status"]["history"][0]["chartVersion"] = json!("3.7.3");
    let rollback = "Helm rollback to previous release default/sonarr.v2 with chart app-template@3.7.3 succeeded";
    set_condition(&mut hr, "Ready", "True", "RollbackSucceeded", rollback);
    assert_pending(
        &assess_helmrelease(&hr, Some("4.1.1")),
        &[
            "HelmRelease default/sonarr is Ready but not on chart 4.1.1; Ready=True: Helm rollback",
            "chart 3.7.3 deployed, expected 4.1.1",
        ],
    );
    set_condition(&mut hr, "Remediated", "True", "RollbackSucceeded", rollback);
    assert_failed(
        &assess_helmrelease(&hr, Some("4.1.1")),
        &[
            "was remediated (RollbackSucceeded)",
            "Ready=True; chart 3.7.3 deployed, expected 4.1.1",
        ],
    );
    // Remediated=False is not a remediation.
    set_condition(&mut hr, "Remediated", "False", "", "");
    assert_pending(&assess_helmrelease(&hr, Some("4.*")), &["expected 4.*"]);
}

#[test]
fn matching_version_that_is_not_deployed_waits() {
    let mut hr = parse(HR_READY);
    hr["status"]["history"][0]["status"] = json!("failed");
    assert_pending(
        &assess_helmrelease(&hr, Some("4.1.1")),
        &["is Ready but not on chart 4.1.1", "chart 4.1.1 failed"],
    );
    assert!(!reason(&assess_helmrelease(&hr, Some("4.1.1"))).contains("expected"));
    assert!(matches!(assess_helmrelease(&hr, None), Verdict::Healthy(_)));
}

#[test]
fn reconciling_release_waits() {
    let verdict = assess_helmrelease(&parse(HR_RECONCILING), Some("4.1.1"));
    assert_pending(
        &verdict,
        &[
            "HelmRelease default/sonarr is reconciling (Progressing): Running 'upgrade' action \
             with timeout of 5m0s; has not observed generation 3 yet (status is for generation 2); \
             Ready=Unknown; chart 4.1.1 pending-upgrade",
        ],
    );
    // Reconciling alone (generation observed) still waits.
    let mut hr = parse(HR_RECONCILING);
    hr["status"]["observedGeneration"] = json!(3);
    assert_pending(
        &assess_helmrelease(&hr, None),
        &["is reconciling (Progressing)"],
    );
    assert!(!reason(&assess_helmrelease(&hr, None)).contains("generation 3 yet"));
}

#[test]
fn retry_on_failure_without_stalled_waits_and_shows_the_error() {
    // `RetryOnFailure` strategy: no remediation, Reconciling=True, Ready=False.
    let mut hr = parse(HR_READY);
    let failed = "Helm upgrade failed for release default/sonarr with chart app-template@4.1.1: \
                  context deadline exceeded";
    set_condition(&mut hr, "Ready", "False", "UpgradeFailed", failed);
    set_condition(&mut hr, "Released", "False", "UpgradeFailed", failed);
    set_condition(&mut hr, "Reconciling", "True", "ProgressingWithRetry", "");
    let verdict = assess_helmrelease(&hr, None);
    assert_pending(
        &verdict,
        &[&format!(
            "is reconciling (ProgressingWithRetry); Ready=False: {failed}"
        )],
    );
    assert_eq!(reason(&verdict).matches("context deadline").count(), 1);
    // Ready=False without Reconciling or Stalled: still waits (the next retry may fix it).
    remove_condition(&mut hr, "Reconciling");
    assert_pending(
        &assess_helmrelease(&hr, None),
        &["HelmRelease default/sonarr is not Ready; Ready=False: Helm upgrade failed"],
    );
}

#[test]
fn missing_ready_condition_waits() {
    let mut hr = parse(HR_READY);
    hr["status"]["conditions"] = json!([]);
    assert_pending(
        &assess_helmrelease(&hr, None),
        &["is not Ready; no Ready condition yet"],
    );
}

#[test]
fn generation_not_observed_waits_even_when_ready() {
    let verdict = assess_helmrelease(&parse(HR_GENERATION_BEHIND), Some("4.1.1"));
    assert_pending(
        &verdict,
        &[
            "HelmRelease default/sonarr has not observed generation 3 yet (status is for generation 2); \
             Ready=True: Helm upgrade succeeded for release default/sonarr.v2 with chart app-template@3.7.3; \
             chart 3.7.3 deployed, expected 4.1.1",
        ],
    );
    let mut hr = parse(HR_READY);
    hr["status"]
        .as_object_mut()
        .unwrap()
        .remove("observedGeneration");
    assert_pending(
        &assess_helmrelease(&hr, None),
        &["has not observed generation 3 yet (no status yet)"],
    );
}

#[test]
fn stalled_or_remediated_status_of_an_older_generation_only_waits() {
    // The spec changed after the release stalled (a fix was pushed, or suspend/resume):
    // Flux will try again, so the old Stalled status is not a verdict.
    for fixture in [HR_STALLED, HR_REMEDIATED] {
        let mut hr = parse(fixture);
        let generation = hr["metadata"]["generation"].as_i64().unwrap();
        hr["metadata"]["generation"] = json!(generation + 1);
        let verdict = assess_helmrelease(&hr, None);
        assert_pending(
            &verdict,
            &[&format!(
                "has not observed generation {} yet",
                generation + 1
            )],
        );
        assert!(
            reason(&verdict).contains("Remediated=True")
                || reason(&verdict).contains("Stalled=True")
        );
    }
    let mut hr = parse(HR_STALLED);
    hr["metadata"]["generation"] = json!(4);
    assert_pending(
        &assess_helmrelease(&hr, None),
        &["Stalled=True (RetriesExceeded): Failed to upgrade after 1 attempt(s)"],
    );
}

#[test]
fn unhandled_reconcile_request_waits() {
    let requested = "2026-05-14T10:00:00.000000000Z";
    let mut hr = parse(HR_READY);
    hr["metadata"]["annotations"][REQUESTED_AT] = json!(requested);
    assert_pending(
        &assess_helmrelease(&hr, None),
        &[&format!(
            "has not handled the reconcile request of `{requested}` yet"
        )],
    );
    // `flux reconcile hr --reset` on a Stalled release: the stall is not final until the
    // request is handled.
    let mut hr = parse(HR_STALLED);
    hr["metadata"]["annotations"] = json!({ REQUESTED_AT: requested });
    assert_pending(&assess_helmrelease(&hr, None), &["reconcile request"]);
    hr["status"]["lastHandledReconcileAt"] = json!(requested);
    assert_failed(&assess_helmrelease(&hr, None), &["is Stalled"]);
}

#[test]
fn suspended_release_waits() {
    let mut hr = parse(HR_READY);
    hr["spec"]["suspend"] = json!(true);
    assert_pending(
        &assess_helmrelease(&hr, None),
        &["HelmRelease default/sonarr is suspended (`spec.suspend: true`); Ready=True"],
    );
    hr["spec"]["suspend"] = json!(false);
    assert!(matches!(assess_helmrelease(&hr, None), Verdict::Healthy(_)));
}

// ---------------------------------------------------------------- not a Flux object

#[test]
fn objects_that_are_not_flux_objects_fail() {
    let hr = "expected a Flux `HelmRelease` (helm.toolkit.fluxcd.io), got";
    let ks = "expected a Flux `Kustomization` (kustomize.toolkit.fluxcd.io), got";
    let cases = [
        (parse(NOT_FLUX), format!("{hr} `Deployment` (apps/v1)")),
        (
            parse(KS_READY),
            format!("{hr} `Kustomization` (kustomize.toolkit.fluxcd.io/v1)"),
        ),
        (
            json!({"apiVersion": "helm.cattle.io/v1", "kind": "HelmRelease"}),
            format!("{hr} `HelmRelease` (helm.cattle.io/v1)"),
        ),
        (
            json!({"apiVersion": "v1", "kind": "HelmRelease"}),
            format!("{hr} `HelmRelease` (v1)"),
        ),
        (
            json!({"kind": "HelmRelease"}),
            format!("{hr} `HelmRelease` without `apiVersion`"),
        ),
        (
            json!({"apiVersion": "helm.toolkit.fluxcd.io/v2"}),
            format!("{hr} an object without `kind`"),
        ),
        (
            json!({"apiVersion": "v1", "kind": "List", "items": []}),
            format!("{hr} `List` (v1)"),
        ),
        (json!([1, 2]), format!("{hr} JSON that is not an object")),
        (
            json!("HelmRelease"),
            format!("{hr} JSON that is not an object"),
        ),
    ];
    for (object, expected) in cases {
        assert_eq!(assess_helmrelease(&object, None), Verdict::Failed(expected));
    }
    let kustomize_config =
        json!({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"});
    assert_eq!(
        assess_kustomization(&kustomize_config),
        Verdict::Failed(format!(
            "{ks} `Kustomization` (kustomize.config.k8s.io/v1beta1)"
        ))
    );
    assert_failed(
        &assess_kustomization(&parse(HR_READY)),
        &[ks, "`HelmRelease`"],
    );
}

#[test]
fn flux_objects_without_name_or_generation_fail() {
    let mut hr = parse(HR_READY);
    hr["metadata"].as_object_mut().unwrap().remove("generation");
    assert_failed(
        &assess_helmrelease(&hr, None),
        &["HelmRelease default/sonarr has no `metadata.generation`"],
    );
    hr["metadata"] = json!({"namespace": "default", "generation": 1});
    assert_failed(&assess_helmrelease(&hr, None), &["has no `metadata.name`"]);
}

#[test]
fn malformed_status_never_panics() {
    let base = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                      "metadata": {"name": "x", "namespace": "y", "generation": 1}});
    let statuses = [
        json!(null),
        json!("ready"),
        json!({"conditions": "Ready", "history": {}, "observedGeneration": "1"}),
        json!({"conditions": [null, 1, {"type": 7}, {"type": "Ready"}], "history": [null], "observedGeneration": 1}),
        json!({"conditions": [{"type": "Ready", "status": true}], "history": [{"chartVersion": 4}], "observedGeneration": 1}),
        json!({"conditions": [{"type": "Ready", "status": "True"}], "history": [{"chartVersion": "4.1.1"}], "observedGeneration": 1,
               "lastHandledReconcileAt": 5}),
    ];
    for status in statuses {
        let mut hr = base.clone();
        hr["status"] = status.clone();
        hr["spec"] = json!("weird");
        for chart in [None, Some("4.*")] {
            let verdict = assess_helmrelease(&hr, chart);
            assert!(
                !matches!(verdict, Verdict::Failed(_)),
                "{status} → {verdict:?}"
            );
        }
        let mut ks = hr.clone();
        ks["apiVersion"] = json!("kustomize.toolkit.fluxcd.io/v1");
        ks["kind"] = json!("Kustomization");
        let _ = assess_kustomization(&ks);
        assert!(inventory_helmreleases(&ks).is_empty());
    }
    // A Ready release whose history has no status: shown as "recorded", not deployed.
    let mut hr = base.clone();
    hr["status"] = json!({"conditions": [{"type": "Ready", "status": "True"}],
                          "history": [{"chartVersion": "4.1.1"}], "observedGeneration": 1});
    assert!(matches!(assess_helmrelease(&hr, None), Verdict::Healthy(_)));
    assert_pending(
        &assess_helmrelease(&hr, Some("4.1.1")),
        &["chart 4.1.1 recorded"],
    );
}

// ---------------------------------------------------------------- Kustomization rules

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

// ---------------------------------------------------------------- evaluate

#[test]
fn evaluate_reads_the_release_once_with_the_checks_context() {
    let mut cluster = Cluster::new(&[(("helmrelease", "default", "sonarr"), HR_READY)]);
    let mut hr = check(FluxKind::Helmrelease, "default", "sonarr");
    hr.context = Some("prod".into());
    hr.chart_version = Some("4.1.*".into());
    hr.follow_inventory = true; // meaningless for a HelmRelease: ignored
    assert!(matches!(cluster.run(&hr), Verdict::Healthy(_)));
    assert_eq!(
        cluster.calls,
        [kubectl_args(
            FluxKind::Helmrelease,
            "sonarr",
            "default",
            Some("prod")
        )]
    );
    hr.chart_version = Some("5.*".into());
    assert_pending(&cluster.run(&hr), &["expected 5.*"]);
}

#[test]
fn evaluate_stalled_release_fails_after_one_read() {
    let mut cluster = Cluster::new(&[(("helmrelease", "default", "sonarr"), HR_STALLED)]);
    let mut hr = check(FluxKind::Helmrelease, "default", "sonarr");
    hr.chart_version = Some("4.1.1".into());
    assert_failed(
        &cluster.run(&hr),
        &["is Stalled (RetriesExceeded)", "expected 4.1.1"],
    );
    assert_eq!(cluster.calls.len(), 1);
}

#[test]
fn evaluate_object_not_found_waits() {
    let mut cluster = Cluster::new(&[]);
    assert_eq!(
        cluster.run(&check(FluxKind::Helmrelease, "default", "sonarr")),
        Verdict::Pending("HelmRelease default/sonarr not found".into())
    );
    let mut ks = check(FluxKind::Kustomization, "flux-system", "apps");
    ks.context = Some("prod".into());
    assert_eq!(
        cluster.run(&ks),
        Verdict::Pending("Kustomization flux-system/apps not found in context `prod`".into())
    );
}

#[test]
fn evaluate_kubectl_missing_or_unrunnable() {
    let hr = check(FluxKind::Helmrelease, "default", "sonarr");
    let mut missing = |_: &[String]| Err(io::Error::new(io::ErrorKind::NotFound, "No such file"));
    assert_eq!(
        evaluate(&hr, &mut missing),
        Verdict::Failed("`kubectl` not found on PATH".into())
    );
    let mut denied = |_: &[String]| {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "permission denied",
        ))
    };
    assert_eq!(
        evaluate(&hr, &mut denied),
        Verdict::Failed(
            "could not run `kubectl get helmrelease sonarr -n default -o json`: permission denied"
                .into()
        )
    );
    let mut slow = |_: &[String]| Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"));
    assert_eq!(
        evaluate(&hr, &mut slow),
        Verdict::Pending("`kubectl get helmrelease sonarr -n default -o json` timed out".into())
    );
    let mut killed = |_: &[String]| {
        Ok(KubectlOutput {
            exit_code: None,
            ..KubectlOutput::default()
        })
    };
    assert_pending(
        &evaluate(&hr, &mut killed),
        &["did not finish (timed out or was killed)"],
    );
}

#[test]
fn evaluate_api_errors_fail_with_the_telling_stderr_line() {
    let hr = check(FluxKind::Helmrelease, "default", "sonarr");
    let command = "`kubectl get helmrelease sonarr -n default -o json` failed (exit 1): ";
    let refused = "E0514 09:12:03.114520   48213 memcache.go:265] \"Unhandled Error\" err=\"couldn't get current server API group list: Get \\\"https://127.0.0.1:6443/api?timeout=32s\\\": dial tcp 127.0.0.1:6443: connect: connection refused\"\n\
                   E0514 09:12:03.115002   48213 memcache.go:265] \"Unhandled Error\" err=\"couldn't get current server API group list\"\n\
                   The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n";
    let forbidden = "Error from server (Forbidden): helmreleases.helm.toolkit.fluxcd.io \"sonarr\" is forbidden: User \"ci\" cannot get resource \"helmreleases\" in API group \"helm.toolkit.fluxcd.io\" in the namespace \"default\"\n";
    let cases = [
        (
            refused,
            "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?",
        ),
        (forbidden, forbidden.trim_end()),
        (
            "error: the server doesn't have a resource type \"helmrelease\"\n",
            "error: the server doesn't have a resource type \"helmrelease\" (are the Flux CRDs installed?)",
        ),
        (
            "error: context \"prod\" does not exist\n",
            "error: context \"prod\" does not exist",
        ),
        // Client-side "not found" is not the object missing: fail, do not poll.
        (
            "Warning: kubeconfig is world-readable\nerror: getting credentials: exec: executable aws not found\n",
            "error: getting credentials: exec: executable aws not found",
        ),
        ("Warning: only warnings\n", "Warning: only warnings"),
        ("\n  \n", "no error output"),
    ];
    for (stderr, line) in cases {
        let mut kubectl = |_: &[String]| exit(1, stderr);
        assert_eq!(
            evaluate(&hr, &mut kubectl),
            Verdict::Failed(format!("{command}{line}")),
            "{stderr}"
        );
    }
}

#[test]
fn evaluate_output_that_is_not_json_or_not_flux_fails() {
    let hr = check(FluxKind::Helmrelease, "default", "sonarr");
    let mut text = |_: &[String]| {
        ok("NAME     AGE   READY   STATUS\nsonarr   41d   True    Helm upgrade succeeded\n")
    };
    assert_failed(
        &evaluate(&hr, &mut text),
        &["`kubectl get helmrelease sonarr -n default -o json` did not print JSON: "],
    );
    let mut empty = |_: &[String]| ok("");
    assert_failed(&evaluate(&hr, &mut empty), &["did not print JSON"]);
    let mut deployment = |_: &[String]| ok(NOT_FLUX);
    assert_failed(
        &evaluate(&hr, &mut deployment),
        &["got `Deployment` (apps/v1)"],
    );
}

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

#[test]
fn fixtures_describe_what_their_names_say() {
    let hr = |text| assess_helmrelease(&parse(text), Some("4.1.1"));
    assert!(matches!(hr(HR_READY), Verdict::Healthy(_)));
    assert_pending(&hr(HR_RECONCILING), &["is reconciling"]);
    assert_failed(&hr(HR_STALLED), &["is Stalled (RetriesExceeded)"]);
    assert_failed(&hr(HR_REMEDIATED), &["was remediated (RollbackSucceeded)"]);
    assert_pending(&hr(HR_GENERATION_BEHIND), &["has not observed generation"]);
    assert!(matches!(
        assess_kustomization(&parse(KS_READY)),
        Verdict::Healthy(_)
    ));
    let ks = parse(KS_FAILED_HR);
    assert_eq!(ks["spec"]["wait"], json!(false));
    assert_eq!(
        inventory_helmreleases(&ks),
        [("default".into(), "sonarr".into())]
    );
    assert_failed(
        &assess_helmrelease(&parse(NOT_FLUX), None),
        &["`Deployment`"],
    );
}
