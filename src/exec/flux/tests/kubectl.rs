//! Reading one object: the kubectl arguments, and how `evaluate` turns a missing kubectl,
//! timeouts, NotFound, API errors and output that is not JSON into verdicts.

use serde_json::json;

use super::*;

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

#[test]
fn list_args_read_every_flux_kind_of_every_namespace() {
    assert_eq!(
        kubectl_list_args(Some("main")),
        [
            "get",
            "helmreleases,kustomizations,gitrepositories,ocirepositories,\
             helmcharts.source.toolkit.fluxcd.io,buckets",
            "-A",
            "-o",
            "json",
            "--context",
            "main"
        ]
    );
}

#[test]
fn evaluate_reads_the_release_then_its_source_only_when_needed() {
    let source = oci("default", &format!("4.1.1@{DIGEST_411}"));
    let mut cluster = Cluster::new(vec![parse(HR_READY), source.clone()]);
    let mut hr = check(FluxKind::Helmrelease, "default", "sonarr");
    hr.context = Some("prod".into());
    hr.follow_inventory = true; // meaningless for a HelmRelease: ignored
    assert_healthy(
        &cluster.run(&hr),
        &["the current artifact of OCIRepository default/app-template"],
    );
    assert_eq!(
        cluster.calls,
        [
            kubectl_args(FluxKind::Helmrelease, "sonarr", "default", Some("prod")),
            [
                "get",
                "ocirepository",
                "app-template",
                "-n",
                "default",
                "-o",
                "json",
                "--context",
                "prod"
            ]
            .map(String::from)
            .to_vec(),
        ]
    );
    // With `chart-version` the source is not read.
    cluster.calls.clear();
    hr.chart_version = Some("4.1.*".into());
    assert_healthy(&cluster.run(&hr), &["Ready on chart 4.1.1"]);
    assert_eq!(cluster.calls.len(), 1);
    // A legacy `spec.chart` reads the HelmChart by its group-qualified resource (k3s has a
    // HelmChart kind of its own).
    let mut legacy = parse(HR_READY);
    legacy["spec"].as_object_mut().unwrap().remove("chartRef");
    legacy["spec"]["chart"] = json!({"spec": {"chart": "app-template", "sourceRef": {"kind": "HelmRepository", "name": "bjw-s", "namespace": "flux-system"}}});
    let mut cluster = Cluster::new(vec![legacy]);
    assert_healthy(
        &cluster.run(&check(FluxKind::Helmrelease, "default", "sonarr")),
        &["(HelmChart flux-system/default-sonarr not found, so not compared)"],
    );
    assert_eq!(cluster.calls[1][1], "helmchart.source.toolkit.fluxcd.io");
}

#[test]
fn evaluate_fails_fast_on_one_read() {
    for fixture in [HR_STALLED, HR_FAILED_WAITING] {
        let mut cluster = Cluster::new(vec![parse(fixture)]);
        let mut hr = check(FluxKind::Helmrelease, "default", "sonarr");
        hr.chart_version = Some("4.1.1".into());
        assert_failed(&cluster.run(&hr), &["HelmRelease default/sonarr"]);
        assert_eq!(cluster.calls.len(), 1, "{fixture}");
    }
    // Reconciling and generation not observed need no source either.
    let mut cluster = Cluster::new(vec![parse(HR_RECONCILING)]);
    assert_pending(
        &cluster.run(&check(FluxKind::Helmrelease, "default", "sonarr")),
        &["is reconciling"],
    );
    assert_eq!(cluster.calls.len(), 1);
}

#[test]
fn evaluate_object_not_found_waits() {
    let mut cluster = Cluster::new(vec![]);
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
