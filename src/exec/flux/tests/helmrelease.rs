//! The HelmRelease rules: Stalled and Remediated fail, unsettled states wait, the expected
//! chart must be the one deployed; and chart version patterns.

use serde_json::json;

use super::*;
use crate::exec::flux::helmrelease::{chart_matches, glob};

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
