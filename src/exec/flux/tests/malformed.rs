//! JSON that is not a Flux object of the expected kind fails; a Flux object with missing or
//! mistyped fields never panics.

use serde_json::json;

use super::*;

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
        assert_eq!(
            assess_helmrelease(&object, None, None),
            Verdict::Failed(expected)
        );
    }
    let kustomize_config =
        json!({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"});
    assert_eq!(
        assess_kustomization(&kustomize_config, None),
        Verdict::Failed(format!(
            "{ks} `Kustomization` (kustomize.config.k8s.io/v1beta1)"
        ))
    );
    assert_failed(
        &assess_kustomization(&parse(HR_READY), None),
        &[ks, "`HelmRelease`"],
    );
}

#[test]
fn flux_objects_without_name_or_generation_fail() {
    let mut hr = parse(HR_READY);
    hr["metadata"].as_object_mut().unwrap().remove("generation");
    assert_failed(
        &assess_helmrelease(&hr, None, None),
        &["HelmRelease default/sonarr has no `metadata.generation`"],
    );
    hr["metadata"] = json!({"namespace": "default", "generation": 1});
    assert_failed(
        &assess_helmrelease(&hr, None, None),
        &["has no `metadata.name`"],
    );
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
            let verdict = assess_helmrelease(&hr, chart, None);
            assert!(
                !matches!(verdict, Verdict::Failed(_)),
                "{status} → {verdict:?}"
            );
        }
        let mut ks = hr.clone();
        ks["apiVersion"] = json!("kustomize.toolkit.fluxcd.io/v1");
        ks["kind"] = json!("Kustomization");
        let _ = assess_kustomization(&ks, None);
        assert!(inventory_helmreleases(&ks).is_empty());
    }
    // A Ready release whose history has no status: shown as "recorded", not deployed.
    let mut hr = base.clone();
    hr["status"] = json!({"conditions": [{"type": "Ready", "status": "True"}],
                          "history": [{"chartVersion": "4.1.1"}], "observedGeneration": 1});
    for chart in [None, Some("4.1.1")] {
        assert_pending(
            &assess_helmrelease(&hr, chart, None),
            &["its newest release (chart 4.1.1) is recorded"],
        );
    }
}
