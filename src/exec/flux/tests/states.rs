//! The five states of issue #13, each judged the way helm-controller and
//! kustomize-controller mean it, with the exact one-line verdicts the book quotes.

use serde_json::json;

use super::*;

/// 1. Stale Ready after the source moved on: the shared OCIRepository's tag was bumped,
///    the HelmRelease's generation did not change, its Ready=True is about the old chart.
#[test]
fn stale_ready_after_the_source_moved_on_waits() {
    let mut hr = parse(HR_GENERATION_BEHIND);
    hr["metadata"]["generation"] = json!(2);
    let source = oci("default", &format!("4.1.1@{DIGEST_411}"));
    assert_eq!(
        assess_helmrelease(&hr, None, Some(&source)),
        Verdict::Pending(
            "HelmRelease default/sonarr is Ready on chart 3.7.3, but OCIRepository \
             default/app-template now has 4.1.1@sha256:295010664666…; helm-controller has not \
             released it yet; Ready=True: Helm upgrade succeeded for release \
             default/sonarr.v2 with chart app-template@3.7.3; chart 3.7.3 deployed"
                .into()
        )
    );
    // With `chart-version` the old chart is not the one asked for either.
    assert_pending(
        &assess_helmrelease(&hr, Some("4.1.1"), Some(&source)),
        &[
            "is Ready but not on chart 4.1.1",
            "chart 3.7.3 deployed, expected 4.1.1",
        ],
    );
    // Once helm-controller has released the new artifact, it passes.
    assert_healthy(
        &assess_helmrelease(&parse(HR_READY), None, Some(&source)),
        &["the current artifact of OCIRepository default/app-template"],
    );
}

/// 2. Tried and rolled back: attempted 4.1.1, history[0] is 3.7.3, Remediated=True, and
///    helm-controller has given up (Stalled): fails at the first read.
#[test]
fn tried_and_rolled_back_fails_at_once_with_one_line() {
    let verdict = assess_helmrelease(&comfyui_stalled(), Some("4.1.1"), None);
    let released = parse(HR_REMEDIATED)["status"]["conditions"][2]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        verdict,
        Verdict::Failed(format!(
            "HelmRelease ai/comfyui rolled back: chart 3.7.3 deployed, 4.1.1 attempted \
             ({ROLLBACK_COMFYUI}); Ready=False; Released=False (UpgradeFailed): {released}; \
             Stalled=True (RetriesExceeded): Failed to upgrade after 4 attempt(s)"
        ))
    );
}

/// 3. Remediated while helm-controller retries: Remediated=True with Reconciling=True is
///    pending and says so; it fails once Stalled (state 2).
#[test]
fn remediated_while_retrying_waits_and_says_so() {
    let verdict = assess_helmrelease(&parse(HR_REMEDIATED), Some("4.1.1"), None);
    assert_pending(
        &verdict,
        &[&format!(
            "HelmRelease ai/comfyui rolled back: chart 3.7.3 deployed, 4.1.1 attempted \
             ({ROLLBACK_COMFYUI}); helm-controller is retrying (ProgressingWithRetry); \
             Ready=False; Released=False (UpgradeFailed): Helm upgrade failed"
        )],
    );
    assert_eq!(reason(&verdict).matches("Helm rollback").count(), 1);
}

/// 4. Failed and waiting: Ready=False on the observed generation, neither Reconciling nor
///    Stalled.
#[test]
fn failed_and_waiting_fails() {
    let hr = parse(HR_FAILED_WAITING);
    let message = hr["status"]["conditions"][0]["message"].as_str().unwrap();
    assert_eq!(
        assess_helmrelease(&hr, Some("4.1.1"), None),
        Verdict::Failed(format!(
            "HelmRelease default/sonarr failed (UpgradeFailed) and helm-controller is not \
             retrying before its next interval; Ready=False: {message}; \
             Released=False (UpgradeFailed); chart 4.1.1 failed"
        ))
    );
    // The same without `chart-version`, against the source it was attempted from.
    let source = oci("default", &format!("4.1.1@{DIGEST_411}"));
    assert_failed(
        &assess_helmrelease(&hr, None, Some(&source)),
        &["failed (UpgradeFailed) and helm-controller is not retrying"],
    );
}

/// 5. Kustomizations: not yet applied the commit just pushed waits; and a tree of
///    Kustomizations is followed down to its HelmReleases.
#[test]
fn kustomization_behind_its_source_waits() {
    let pushed = "refs/heads/main@sha1:3ac32d40e1f2a3b4c5d6e7f8091a2b3c4d5e6f70";
    assert_eq!(
        assess_kustomization(&parse(KS_READY), Some(&git(pushed))),
        Verdict::Pending(
            "Kustomization default/sonarr is Ready at revision refs/heads/main@sha1:8d3f1c2a7b9e…, \
             but GitRepository flux-system/flux-system now has refs/heads/main@sha1:3ac32d40e1f2…; \
             kustomize-controller has not applied it yet; Ready=True: Applied revision: \
             refs/heads/main@sha1:8d3f1c2a7b9e4d6f0a1b2c3d4e5f60718293a4b5"
                .into()
        )
    );
}

#[test]
fn cluster_apps_is_followed_down_to_the_rolled_back_release() {
    let mut comfyui_ks = parse(KS_READY);
    comfyui_ks["metadata"]["name"] = json!("comfyui");
    comfyui_ks["metadata"]["namespace"] = json!("ai");
    comfyui_ks["status"]["inventory"]["entries"] =
        json!([{"id": "ai_comfyui_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"}]);
    let mut cluster = Cluster::new(vec![
        parse(KS_CLUSTER_APPS),
        parse(KS_READY),
        comfyui_ks,
        parse(HR_READY),
        comfyui_stalled(),
        parse(GIT_FLUX_SYSTEM),
        oci("default", &format!("4.1.1@{DIGEST_411}")),
        oci("ai", &format!("4.1.1@{DIGEST_411}")),
    ]);
    let mut ks = check(FluxKind::Kustomization, "flux-system", "cluster-apps");
    ks.follow_inventory = true;
    let verdict = cluster.run(&ks);
    assert_failed(
        &verdict,
        &[
            "HelmRelease ai/comfyui rolled back: chart 3.7.3 deployed, 4.1.1 attempted",
            "(listed in the inventory of Kustomization ai/comfyui)",
        ],
    );
    assert_eq!(
        cluster.calls,
        [kubectl_list_args(None)],
        "one call per poll"
    );
}

/// The book's decision table quotes what the code says: the head of each verdict (up to
/// its first `; `) appears in `book/src/flux-checks.md`.
#[test]
fn book_table_quotes_the_verdicts_the_code_gives() {
    let book = include_str!("../../../../book/src/flux-checks.md");
    let source = oci("default", &format!("4.1.1@{DIGEST_411}"));
    let mut stale = parse(HR_GENERATION_BEHIND);
    stale["metadata"]["generation"] = json!(2);
    let mut stalled = parse(HR_FAILED_WAITING);
    set_condition(
        &mut stalled,
        "Stalled",
        "True",
        "RetriesExceeded",
        "Failed to upgrade after 1 attempt(s)",
    );
    let mut uninstalled = parse(HR_READY);
    let message = "Helm uninstall remediation for release default/sonarr.v3 with chart app-template@4.1.1 succeeded";
    set_condition(
        &mut uninstalled,
        "Ready",
        "False",
        "UninstallSucceeded",
        message,
    );
    set_condition(
        &mut uninstalled,
        "Remediated",
        "True",
        "UninstallSucceeded",
        message,
    );
    let mut dependency = parse(HR_READY);
    set_condition(
        &mut dependency,
        "Ready",
        "False",
        "DependencyNotReady",
        "dependency 'network/envoy-gateway' is not ready",
    );
    let mut unknown = parse(HR_READY);
    set_condition(
        &mut unknown,
        "Ready",
        "Unknown",
        "Progressing",
        "reconciliation in progress",
    );
    let mut pending_upgrade = parse(HR_READY);
    pending_upgrade["status"]["history"][0]["status"] = json!("pending-upgrade");
    let verdicts = [
        assess_helmrelease(&parse(NOT_FLUX), None, None),
        assess_helmrelease(&parse(HR_GENERATION_BEHIND), Some("4.1.1"), None),
        assess_helmrelease(&comfyui_stalled(), Some("4.1.1"), None),
        assess_helmrelease(&parse(HR_REMEDIATED), Some("4.1.1"), None),
        assess_helmrelease(&uninstalled, None, None),
        assess_helmrelease(&stalled, Some("4.1.1"), None),
        assess_helmrelease(&parse(HR_RECONCILING), Some("4.1.1"), None),
        assess_helmrelease(&parse(HR_FAILED_WAITING), Some("4.1.1"), None),
        assess_helmrelease(&dependency, None, None),
        assess_helmrelease(&unknown, None, None),
        assess_helmrelease(&pending_upgrade, None, None),
        assess_helmrelease(&parse(HR_READY), Some("4.1.1"), None),
        assess_helmrelease(&stale, Some("4.1.1"), None),
        assess_helmrelease(&parse(HR_READY), None, Some(&source)),
        assess_helmrelease(&stale, None, Some(&source)),
        assess_helmrelease(&parse(HR_READY), None, None),
        assess_helmrelease(&comfyui_stalled(), Some("4.1.2"), None),
        assess_kustomization(&parse(HR_READY), None),
        assess_kustomization(&parse(KS_READY), Some(&parse(GIT_FLUX_SYSTEM))),
        assess_kustomization(
            &parse(KS_READY),
            Some(&git(
                "refs/heads/main@sha1:3ac32d40e1f2a3b4c5d6e7f8091a2b3c4d5e6f70",
            )),
        ),
    ];
    for verdict in &verdicts {
        let head = reason(verdict).split("; ").next().unwrap();
        let head = head.split(" (generation ").next().unwrap();
        assert!(book.contains(head), "the book does not quote {head:?}");
    }
}
