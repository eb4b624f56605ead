//! The HelmRelease decision table, row by row: gates, rolled back, remediated, stalled,
//! reconciling, failed and waiting (Ready=True is in `ready.rs`); and chart patterns.

use serde_json::json;

use super::*;
use crate::exec::flux::chart::{chart_matches, glob};

pub(super) fn current_411() -> Value {
    oci("default", &format!("4.1.1@{DIGEST_411}"))
}

// ---------------------------------------------------------------- row 2: gates

#[test]
fn generation_not_seen_waits_even_when_ready() {
    assert_eq!(
        assess_helmrelease(&parse(HR_GENERATION_BEHIND), Some("4.1.1"), None),
        Verdict::Pending(
            "HelmRelease default/sonarr has not observed generation 3 yet (status is for generation 2); \
             Ready=True: Helm upgrade succeeded for release default/sonarr.v2 with chart app-template@3.7.3"
                .into()
        )
    );
    // Old Stalled or Remediated of an older generation is old news: Flux retries.
    for mut hr in [parse(HR_STALLED), comfyui_stalled()] {
        let generation = hr["metadata"]["generation"].as_i64().unwrap();
        hr["metadata"]["generation"] = json!(generation + 1);
        let verdict = assess_helmrelease(&hr, None, None);
        assert_pending(
            &verdict,
            &[
                &format!("has not observed generation {} yet", generation + 1),
                "Stalled=True",
            ],
        );
    }
}

#[test]
fn unhandled_reconcile_request_waits() {
    let requested = "2026-05-14T10:00:00.000000000Z";
    let mut hr = parse(HR_READY);
    hr["metadata"]["annotations"][REQUESTED_AT] = json!(requested);
    assert_pending(
        &assess_helmrelease(&hr, None, None),
        &[&format!(
            "has not handled the reconcile request of `{requested}` yet"
        )],
    );
    // `flux reconcile hr --reset` on a Stalled release: not final until handled.
    let mut hr = parse(HR_STALLED);
    hr["metadata"]["annotations"] = json!({ REQUESTED_AT: requested });
    assert_pending(&assess_helmrelease(&hr, None, None), &["reconcile request"]);
    hr["status"]["lastHandledReconcileAt"] = json!(requested);
    assert_failed(&assess_helmrelease(&hr, None, None), &["rolled back"]);
}

#[test]
fn suspended_release_waits() {
    let mut hr = parse(HR_READY);
    hr["spec"]["suspend"] = json!(true);
    assert_pending(
        &assess_helmrelease(&hr, None, None),
        &["HelmRelease default/sonarr is suspended (`spec.suspend: true`); Ready=True"],
    );
}

// ---------------------------------------------------------------- row 3: rolled back, remediated

#[test]
fn rolled_back_and_stalled_fails_quoting_each_message_once() {
    let verdict = assess_helmrelease(&parse(HR_STALLED), None, Some(&current_411()));
    assert_failed(
        &verdict,
        &[
            "HelmRelease default/sonarr rolled back: chart 3.7.3 deployed, 4.1.1 attempted \
             (Helm rollback to previous release default/sonarr.v2 with chart app-template@3.7.3 succeeded); \
             Ready=False; Released=False (UpgradeFailed): Helm upgrade failed",
            "field is immutable; Stalled=True (RetriesExceeded): Failed to upgrade after 1 attempt(s)",
        ],
    );
    assert_eq!(reason(&verdict).matches("Helm rollback").count(), 1);
}

#[test]
fn rolled_back_without_remediated_condition_is_seen_in_history() {
    // The attempted chart failed and history[0] is the old one: rolled back even when the
    // Remediated condition was cleared.
    let mut hr = comfyui_stalled();
    remove_condition(&mut hr, "Remediated");
    assert_failed(
        &assess_helmrelease(&hr, Some("4.1.1"), None),
        &["rolled back: chart 3.7.3 deployed, 4.1.1 attempted"],
    );
}

#[test]
fn rollback_of_an_older_attempt_waits_for_the_new_one() {
    // chart-version asks for 4.1.2; the rollback is about 4.1.1: helm-controller has not
    // tried 4.1.2 yet (the new tag is not in the source yet, or was just fetched).
    assert_pending(
        &assess_helmrelease(&comfyui_stalled(), Some("4.1.2"), None),
        &[
            "HelmRelease ai/comfyui last tried chart 4.1.1, not 4.1.2; waiting for helm-controller to try 4.1.2",
        ],
    );
    // Without chart-version: the source moved on past the failed attempt.
    let moved = oci("ai", &format!("4.1.2@{DIGEST_OTHER}"));
    assert_pending(
        &assess_helmrelease(&comfyui_stalled(), None, Some(&moved)),
        &[
            "last tried chart 4.1.1, but OCIRepository ai/app-template now has 4.1.2@sha256:8165db266690…",
        ],
    );
    let same = oci("ai", &format!("4.1.1@{DIGEST_411}"));
    assert_failed(
        &assess_helmrelease(&comfyui_stalled(), None, Some(&same)),
        &["rolled back"],
    );
}

#[test]
fn remediated_without_rollback_fails_unless_retrying() {
    // Uninstall remediation: the attempt and history agree, Remediated=True.
    let mut hr = parse(HR_READY);
    let uninstalled = "Helm uninstall remediation for release default/sonarr.v3 with chart app-template@4.1.1 succeeded";
    set_condition(&mut hr, "Ready", "False", "UninstallSucceeded", uninstalled);
    set_condition(
        &mut hr,
        "Remediated",
        "True",
        "UninstallSucceeded",
        uninstalled,
    );
    assert_failed(
        &assess_helmrelease(&hr, None, None),
        &[&format!(
            "HelmRelease default/sonarr was remediated (UninstallSucceeded): {uninstalled}; Ready=False; chart 4.1.1 deployed"
        )],
    );
    set_condition(
        &mut hr,
        "Reconciling",
        "True",
        "ProgressingWithRetry",
        uninstalled,
    );
    assert_pending(
        &assess_helmrelease(&hr, None, None),
        &[
            "was remediated",
            "helm-controller is retrying (ProgressingWithRetry)",
        ],
    );
}

// ---------------------------------------------------------------- row 4: Stalled

#[test]
fn stalled_on_the_attempted_chart_fails() {
    // retries 0: the failed upgrade is history[0] itself (flux-get-hr.sonarr.stdout).
    let mut hr = parse(HR_FAILED_WAITING);
    set_condition(
        &mut hr,
        "Stalled",
        "True",
        "RetriesExceeded",
        "Failed to upgrade after 1 attempt(s)",
    );
    set_condition(&mut hr, "Reconciling", "True", "Progressing", "stale");
    assert_failed(
        &assess_helmrelease(&hr, Some("4.1.1"), None),
        &[
            "HelmRelease default/sonarr is Stalled (RetriesExceeded): Failed to upgrade after 1 attempt(s); Ready=False: Helm upgrade failed",
            "chart 4.1.1 failed",
        ],
    );
}

// ---------------------------------------------------------------- row 5: Reconciling

#[test]
fn reconciling_release_waits() {
    assert_pending(
        &assess_helmrelease(&parse(HR_RECONCILING), Some("4.1.1"), None),
        &[
            "HelmRelease default/sonarr is reconciling (Progressing): Running 'upgrade' action \
           with timeout of 5m0s; has not observed generation 3 yet (status is for generation 2); \
           Ready=Unknown; chart 4.1.1 pending-upgrade",
        ],
    );
    // RetryOnFailure: no remediation, Reconciling=True, Ready=False: still retrying.
    let mut hr = parse(HR_FAILED_WAITING);
    set_condition(
        &mut hr,
        "Reconciling",
        "True",
        "ProgressingWithRetry",
        "retrying after 5m0s",
    );
    let verdict = assess_helmrelease(&hr, None, None);
    assert_pending(
        &verdict,
        &[
            "is reconciling (ProgressingWithRetry): retrying after 5m0s; Ready=False: Helm upgrade failed",
        ],
    );
}

// ---------------------------------------------------------------- row 6: Ready not True

#[test]
fn failed_and_waiting_for_a_dependency_or_an_older_chart_waits() {
    let mut hr = parse(HR_READY);
    let dependency = "dependency 'network/envoy-gateway' is not ready";
    set_condition(&mut hr, "Ready", "False", "DependencyNotReady", dependency);
    assert_pending(
        &assess_helmrelease(&hr, None, None),
        &[&format!(
            "is waiting for a dependency; Ready=False: {dependency}"
        )],
    );
    // The failure is about 4.1.1, but the source now has 4.1.2: not tried yet.
    let moved = oci("default", &format!("4.1.2@{DIGEST_OTHER}"));
    assert_pending(
        &assess_helmrelease(&parse(HR_FAILED_WAITING), None, Some(&moved)),
        &["last tried chart 4.1.1, but OCIRepository default/app-template now has 4.1.2"],
    );
}

#[test]
fn ready_missing_or_unknown_waits() {
    let mut hr = parse(HR_READY);
    hr["status"]["conditions"] = json!([]);
    assert_pending(
        &assess_helmrelease(&hr, None, None),
        &["is not Ready; no Ready condition yet"],
    );
    set_condition(
        &mut hr,
        "Ready",
        "Unknown",
        "Progressing",
        "reconciliation in progress",
    );
    assert_pending(
        &assess_helmrelease(&hr, None, None),
        &["is not Ready; Ready=Unknown: reconciliation in progress"],
    );
}

// ---------------------------------------------------------------- chart patterns

#[test]
fn chart_patterns() {
    assert!(chart_matches("4.1.1", "4.1.1"));
    assert!(chart_matches("4.*", "4.1.1"));
    assert!(chart_matches("*.1.1", "4.1.1"));
    assert!(chart_matches("4.*.1", "4.10.1"));
    assert!(!chart_matches("4.1", "4.1.1"));
    assert!(!chart_matches("4.2.*", "4.1.1"));
    assert!(!chart_matches("4.1.1", "14.1.1"));
    assert!(!chart_matches("4.1.*", "4.1"));
    assert!(
        chart_matches("4*", "40.0.0"),
        "`*` is not limited to one segment"
    );
    assert!(!chart_matches("4.1.1", "4.1.1-rc.1"));
    assert!(chart_matches("4.1.1", "4.1.1+8d3f1c2a7b9e"));
    assert!(chart_matches("4.1.1+8d3f1c2a7b9e", "4.1.1+8d3f1c2a7b9e"));
    assert!(!chart_matches("4.1.1+0000", "4.1.1+8d3f1c2a7b9e"));
    assert!(glob("", ""));
    assert!(!glob("", "4"));
    assert!(glob("**", ""));
}
