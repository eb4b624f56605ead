//! Which source an object names, and whether a chart was made from an artifact revision.

use serde_json::json;

use super::*;
use crate::exec::flux::objects::Kind;
use crate::exec::flux::source::{Made, made_from, source_of};

fn made<'a>(version: &'a str, oci_digest: Option<&'a str>) -> Made<'a> {
    Made {
        version,
        oci_digest,
    }
}

#[test]
fn oci_revisions_compare_tag_and_digest() {
    let revision = format!("4.1.1@{DIGEST_411}");
    let oci = Kind::OciRepository;
    assert!(made_from(oci, made("4.1.1", Some(DIGEST_411)), &revision));
    assert!(made_from(oci, made("4.1.1", None), &revision));
    assert!(made_from(oci, made("4.1.1+295010664666", None), &revision));
    assert!(!made_from(oci, made("4.1.1+8165db266690", None), &revision));
    assert!(!made_from(
        oci,
        made("4.1.1", Some(DIGEST_OTHER)),
        &revision
    ));
    // The digest names the artifact: a tag that is not the chart version does not matter.
    assert!(made_from(
        oci,
        made("3.7.3", Some(DIGEST_411)),
        &format!("2026.5.1@{DIGEST_411}")
    ));
    assert!(!made_from(oci, made("3.7.3", None), &revision));
    assert!(made_from(oci, made("4.1.1", None), "v4.1.1"));
    // A tag that is not a version (`latest`) or a digest-only ref: the digest decides.
    assert!(made_from(
        oci,
        made("4.1.1", Some(DIGEST_411)),
        &format!("latest@{DIGEST_411}")
    ));
    assert!(made_from(oci, made("4.1.1", Some(DIGEST_411)), DIGEST_411));
    assert!(!made_from(
        oci,
        made("4.1.1", Some(DIGEST_411)),
        DIGEST_OTHER
    ));
}

#[test]
fn helmchart_revisions_are_chart_versions() {
    let chart = Kind::HelmChart;
    assert!(made_from(chart, made("3.7.3", None), "3.7.3"));
    assert!(!made_from(chart, made("3.7.3", None), "4.1.1"));
    // `reconcileStrategy: Revision` appends the source revision to both.
    assert!(made_from(
        chart,
        made("3.7.3+8e1c6b0f2a9d", None),
        "3.7.3+8e1c6b0f2a9d"
    ));
    assert!(!made_from(
        chart,
        made("3.7.3+8e1c6b0f2a9d", None),
        "3.7.3+0000"
    ));
    assert!(made_from(chart, made("3.7.3", None), "3.7.3+8e1c6b0f2a9d"));
}

#[test]
fn sources_named_by_helmreleases_and_kustomizations() {
    let source = |o: &Value| source_of(o).map(|r| r.to_string());
    assert_eq!(
        source(&parse(HR_READY)),
        Ok("OCIRepository default/app-template".into())
    );
    let mut hr = parse(HR_READY);
    hr["spec"]["chartRef"]["namespace"] = json!("flux-system");
    assert_eq!(
        source(&hr),
        Ok("OCIRepository flux-system/app-template".into())
    );
    hr["spec"].as_object_mut().unwrap().remove("chartRef");
    assert_eq!(
        source(&hr),
        Err("neither `spec.chartRef` nor `spec.chart`".into())
    );
    hr["spec"]["chart"] = json!({"spec": {"chart": "app-template",
        "sourceRef": {"kind": "HelmRepository", "name": "bjw-s", "namespace": "flux-system"}}});
    assert_eq!(
        source(&hr),
        Ok("HelmChart flux-system/default-sonarr".into())
    );
    hr["status"]["helmChart"] = json!("flux-system/default-sonarr-v2");
    assert_eq!(
        source(&hr),
        Ok("HelmChart flux-system/default-sonarr-v2".into())
    );
    assert_eq!(
        source(&parse(KS_READY)),
        Ok("GitRepository flux-system/flux-system".into())
    );
    let mut ks = parse(KS_READY);
    ks["spec"]["sourceRef"] = json!({"kind": "Bucket", "name": "manifests"});
    assert_eq!(source(&ks), Ok("Bucket default/manifests".into()));
    ks["spec"]["sourceRef"]["kind"] = json!("HelmChart");
    assert!(source(&ks).is_err());
}
