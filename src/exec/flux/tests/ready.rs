//! The Ready=True rows of the HelmRelease table: healthy only when the newest release is
//! deployed and on `chart-version`, or made from the source's current artifact.

use serde_json::json;

use super::helmrelease::current_411;
use super::*;

#[test]
fn ready_on_the_sources_current_artifact_is_healthy() {
    assert_eq!(
        assess_helmrelease(&parse(HR_READY), None, Some(&current_411())),
        Verdict::Healthy(
            "HelmRelease default/sonarr Ready on chart 4.1.1, the current artifact of \
             OCIRepository default/app-template (4.1.1@sha256:295010664666…) (generation 3 observed)"
                .into()
        )
    );
}

#[test]
fn ready_on_the_expected_chart_is_healthy_without_the_source() {
    let hr = parse(HR_READY);
    let healthy = Verdict::Healthy(
        "HelmRelease default/sonarr Ready on chart 4.1.1 (generation 3 observed)".to_string(),
    );
    for expected in ["4.1.1", "4.*", "4.1.*", "*"] {
        assert_eq!(
            assess_helmrelease(&hr, Some(expected), None),
            healthy,
            "{expected}"
        );
    }
    assert_pending(
        &assess_helmrelease(&hr, Some("5.*"), None),
        &[
            "is Ready but not on chart 5.*",
            "chart 4.1.1 deployed, expected 5.*",
        ],
    );
}

#[test]
fn same_tag_pushed_again_with_another_digest_waits() {
    let moved = oci("default", &format!("4.1.1@{DIGEST_OTHER}"));
    assert_pending(
        &assess_helmrelease(&parse(HR_READY), None, Some(&moved)),
        &[
            "is Ready on chart 4.1.1, but OCIRepository default/app-template now has 4.1.1@sha256:8165db266690…",
        ],
    );
}

#[test]
fn digest_tracked_chart_versions_compare_with_the_digest() {
    let mut hr = parse(HR_READY);
    hr["status"]["history"][0]["chartVersion"] = json!("4.1.1+295010664666");
    hr["status"]["history"][0]
        .as_object_mut()
        .unwrap()
        .remove("ociDigest");
    assert_healthy(
        &assess_helmrelease(&hr, None, Some(&current_411())),
        &["4.1.1+295010664666"],
    );
    hr["status"]["history"][0]["chartVersion"] = json!("4.1.1+8165db266690");
    assert_pending(
        &assess_helmrelease(&hr, None, Some(&current_411())),
        &["now has"],
    );
}

#[test]
fn legacy_chart_and_helmchart_refs_follow_the_helmchart() {
    let mut hr = parse(HR_GENERATION_BEHIND);
    hr["metadata"]["generation"] = json!(2);
    hr["spec"].as_object_mut().unwrap().remove("chartRef");
    hr["spec"]["chart"] = json!({"spec": {"chart": "app-template", "version": "3.7.3",
        "sourceRef": {"kind": "HelmRepository", "name": "bjw-s", "namespace": "flux-system"}}});
    let chart = parse(HELMCHART_SONARR);
    assert_healthy(
        &assess_helmrelease(&hr, None, Some(&chart)),
        &["the current artifact of HelmChart flux-system/default-sonarr (3.7.3)"],
    );
    let mut newer = chart.clone();
    newer["status"]["artifact"]["revision"] = json!("4.1.1");
    assert_pending(
        &assess_helmrelease(&hr, None, Some(&newer)),
        &["HelmChart flux-system/default-sonarr now has 4.1.1"],
    );
    // `spec.chartRef` of kind HelmChart, in the release's namespace unless it says.
    hr["spec"].as_object_mut().unwrap().remove("chart");
    hr["spec"]["chartRef"] =
        json!({"kind": "HelmChart", "name": "default-sonarr", "namespace": "flux-system"});
    assert_healthy(
        &assess_helmrelease(&hr, None, Some(&chart)),
        &["HelmChart flux-system/default-sonarr"],
    );
}

#[test]
fn ready_but_source_missing_or_unreadable() {
    let hr = parse(HR_READY);
    assert_healthy(
        &assess_helmrelease(&hr, None, None),
        &["Ready on chart 4.1.1 (OCIRepository default/app-template not found, so not compared)"],
    );
    let mut fresh = current_411();
    fresh["status"].as_object_mut().unwrap().remove("artifact");
    assert_healthy(
        &assess_helmrelease(&hr, None, Some(&fresh)),
        &["(OCIRepository default/app-template reports no artifact to compare with)"],
    );
    let mut external = hr.clone();
    external["spec"]["chartRef"]["kind"] = json!("ExternalArtifact");
    assert_healthy(
        &assess_helmrelease(&external, None, None),
        &["(source not compared: its source kind `ExternalArtifact` is not one this check reads)"],
    );
}

#[test]
fn ready_but_newest_release_not_deployed_or_missing_waits() {
    let mut hr = parse(HR_READY);
    hr["status"]["history"][0]["status"] = json!("pending-upgrade");
    for expected in [None, Some("4.1.1")] {
        assert_pending(
            &assess_helmrelease(&hr, expected, Some(&current_411())),
            &["is Ready but its newest release (chart 4.1.1) is pending-upgrade"],
        );
    }
    hr["status"].as_object_mut().unwrap().remove("history");
    assert_pending(
        &assess_helmrelease(&hr, Some("4.1.1"), None),
        &[
            "has no release in `status.history`",
            "no release in `status.history`, expected chart 4.1.1",
        ],
    );
}
