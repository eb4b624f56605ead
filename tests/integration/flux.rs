//! The typed Flux checks through the binary, one test per state of issue #13, against the
//! fake kubectl of `fixtures/flux/kubectl`, which serves Flux objects (the JSON fixtures of
//! `tests/fixtures/flux-json`, edited per test) and counts its calls.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::*;

const FAKE_KUBECTL: &str = include_str!("fixtures/flux/kubectl");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/flux-json");
const DIGEST_411: &str = "sha256:295010664666c4cb2a6218e7d86dc6de187c53e2f0d538bdcf9a0f65e8b729e8";
const MESSAGE: &str = "see the rollback section of the runbook";

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join(name)).expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A project with one runbook whose step's verify is `check` (polled `attempts` times,
/// 10ms apart, with the check message [`MESSAGE`]), and the fake kubectl on PATH.
fn flux_project(check: &str, attempts: u32) -> Test {
    let toml = format!(
        r#"
[runbook]
title = "Flux"

[[step]]
id = "upgrade"
run = "true"

[[step.verify]]
flux = {check}
attempts = {attempts}
interval = "10ms"
message = "{MESSAGE}"
"#
    );
    project(&toml)
        .fake_bin("kubectl", FAKE_KUBECTL)
        .dir("cluster")
}

/// Serves `object` from its `read`-th read on (1: from the start).
fn serve(t: &Test, object: &Value, read: usize) {
    let path = format!(
        "cluster/{}/{}/{}.json",
        object["kind"].as_str().unwrap(),
        object["metadata"]["namespace"].as_str().unwrap(),
        object["metadata"]["name"].as_str().unwrap()
    );
    let path = if read > 1 {
        format!("{path}.{read}")
    } else {
        path
    };
    let file = t.path().join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, object.to_string()).unwrap();
}

fn calls(t: &Test) -> Vec<String> {
    read(t.path(), "cluster/calls.log")
        .lines()
        .map(str::to_string)
        .collect()
}

fn oci(namespace: &str, revision: &str) -> Value {
    let mut source = fixture("ocirepository-app-template.json");
    source["metadata"]["namespace"] = json!(namespace);
    source["status"]["artifact"]["revision"] = json!(revision);
    source
}

fn set_condition(object: &mut Value, kind: &str, status: &str, reason: &str, message: &str) {
    let conditions = object["status"]["conditions"].as_array_mut().unwrap();
    conditions.retain(|c| c["type"] != kind);
    conditions.push(json!({"type": kind, "status": status, "reason": reason, "message": message}));
}

fn comfyui_stalled() -> Value {
    let mut hr = fixture("helmrelease-remediated-rollback.json");
    hr["status"]["conditions"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["type"] != "Reconciling");
    set_condition(
        &mut hr,
        "Stalled",
        "True",
        "RetriesExceeded",
        "Failed to upgrade after 4 attempt(s)",
    );
    hr["status"]["observedGeneration"] = json!(7);
    hr
}

const COMFYUI: &str =
    r#"{ kind = "helmrelease", name = "comfyui", namespace = "ai", chart-version = "4.1.1" }"#;
const ROLLED_BACK: &str = "HelmRelease ai/comfyui rolled back: chart 3.7.3 deployed, 4.1.1 attempted (Helm rollback to previous release ai/comfyui.v4 with chart app-template@3.7.3 succeeded)";

/// 1. The OCIRepository moved on; the release's old Ready=True does not pass until
///    helm-controller has released the new artifact.
#[test]
fn stale_ready_waits_for_the_new_artifact_then_passes() {
    let t = flux_project(
        r#"{ kind = "helmrelease", name = "sonarr", namespace = "default" }"#,
        5,
    );
    let mut stale = fixture("helmrelease-generation-behind.json");
    stale["metadata"]["generation"] = json!(2);
    serve(&t, &stale, 1);
    serve(&t, &fixture("helmrelease-ready.json"), 2);
    serve(&t, &oci("default", &format!("4.1.1@{DIGEST_411}")), 1);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(
        calls(&t),
        [
            "get helmrelease sonarr -n default -o json",
            "get ocirepository app-template -n default -o json",
            "get helmrelease sonarr -n default -o json",
            "get ocirepository app-template -n default -o json",
        ]
    );
    let journal = journal(t.path());
    let checks = records(&journal, "check", "upgrade");
    assert_eq!(checks.len(), 2);
    let detail = checks[0]["detail"].as_str().unwrap();
    assert!(detail.contains("is Ready on chart 3.7.3, but OCIRepository default/app-template now has 4.1.1@sha256:295010664666…"), "{detail}");
}

/// 2. Tried and rolled back, helm-controller gave up: fails at the first read, one kubectl
///    call, with the one line and the check's message.
#[test]
fn rolled_back_fails_on_the_first_read() {
    let t = flux_project(COMFYUI, 30);
    serve(&t, &comfyui_stalled(), 1);
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains(ROLLED_BACK)
        .expect_stderr_contains(
            "Stalled=True (RetriesExceeded): Failed to upgrade after 4 attempt(s)",
        )
        .expect_stderr_contains(MESSAGE);
    assert_eq!(calls(&t), ["get helmrelease comfyui -n ai -o json"]);
}

/// 3. Remediated while helm-controller retries: pending, then fails once Stalled.
#[test]
fn remediated_and_retrying_waits_then_fails_once_stalled() {
    let t = flux_project(COMFYUI, 30);
    serve(&t, &fixture("helmrelease-remediated-rollback.json"), 1);
    serve(&t, &comfyui_stalled(), 3);
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains(ROLLED_BACK)
        .expect_stderr_contains("Failed to upgrade after 4 attempt(s)");
    assert_eq!(
        calls(&t).len(),
        3,
        "two retrying reads, then the stalled one"
    );
    let journal = journal(t.path());
    let checks = records(&journal, "check", "upgrade");
    let detail = checks[0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!(
            "{ROLLED_BACK}; helm-controller is retrying (ProgressingWithRetry)"
        )),
        "{detail}"
    );
    // Attempts running out while it still retries fail with the same rolled-back line.
    let t = flux_project(COMFYUI, 2);
    serve(&t, &fixture("helmrelease-remediated-rollback.json"), 1);
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains(ROLLED_BACK);
    assert_eq!(calls(&t).len(), 2);
}

/// 4. Failed and waiting for the next interval: fails at once.
#[test]
fn failed_and_waiting_fails_at_once() {
    let t = flux_project(
        r#"{ kind = "helmrelease", name = "sonarr", namespace = "default" }"#,
        30,
    );
    serve(&t, &fixture("helmrelease-failed-waiting.json"), 1);
    serve(&t, &oci("default", &format!("4.1.1@{DIGEST_411}")), 1);
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("HelmRelease default/sonarr failed (UpgradeFailed) and helm-controller is not retrying before its next interval")
        .expect_stderr_contains("field is immutable");
    // Without chart-version the source confirms the failure is about its current artifact.
    assert_eq!(
        calls(&t),
        [
            "get helmrelease sonarr -n default -o json",
            "get ocirepository app-template -n default -o json"
        ]
    );
}

/// 5a. A Kustomization that has not applied the commit just pushed does not pass.
#[test]
fn kustomization_waits_for_the_pushed_commit() {
    let t = flux_project(
        r#"{ kind = "kustomization", name = "sonarr", namespace = "default" }"#,
        3,
    );
    let mut git = fixture("gitrepository-flux-system.json");
    git["status"]["artifact"]["revision"] =
        json!("refs/heads/main@sha1:3ac32d40e1f2a3b4c5d6e7f8091a2b3c4d5e6f70");
    serve(&t, &fixture("kustomization-ready.json"), 1);
    serve(&t, &git, 1);
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("but GitRepository flux-system/flux-system now has refs/heads/main@sha1:3ac32d40e1f2…; kustomize-controller has not applied it yet");
    assert_eq!(calls(&t).len(), 6, "three polls of two reads");
}

/// 5b. cluster-apps lists Kustomizations, not HelmReleases: followed down to the rolled
///     back release, with one kubectl call for the whole tree.
#[test]
fn cluster_apps_is_followed_down_to_a_rolled_back_release_in_one_call() {
    let check = r#"{ kind = "kustomization", name = "cluster-apps", namespace = "flux-system", follow-inventory = true, context = "main" }"#;
    let t = flux_project(check, 30);
    std::fs::write(t.path().join("cluster/context"), "main").unwrap();
    let mut comfyui = fixture("kustomization-ready.json");
    comfyui["metadata"]["name"] = json!("comfyui");
    comfyui["metadata"]["namespace"] = json!("ai");
    comfyui["status"]["inventory"]["entries"] =
        json!([{"id": "ai_comfyui_helm.toolkit.fluxcd.io_HelmRelease", "v": "v2"}]);
    for object in [
        fixture("kustomization-cluster-apps.json"),
        fixture("kustomization-ready.json"),
        comfyui,
        fixture("helmrelease-ready.json"),
        comfyui_stalled(),
        fixture("gitrepository-flux-system.json"),
        oci("default", &format!("4.1.1@{DIGEST_411}")),
        oci("ai", &format!("4.1.1@{DIGEST_411}")),
    ] {
        serve(&t, &object, 1);
    }
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains(ROLLED_BACK)
        .expect_stderr_contains("(listed in the inventory of Kustomization ai/comfyui)");
    assert_eq!(
        calls(&t),
        [
            "get helmreleases,kustomizations,gitrepositories,ocirepositories,helmcharts.source.toolkit.fluxcd.io,buckets -A -o json --context main"
        ]
    );
}

/// `wait: false`: the Kustomization's own Ready hides the Stalled release it applied;
/// `follow-inventory` finds it.
#[test]
fn follow_inventory_catches_what_a_wait_false_kustomization_hides() {
    let objects = [
        fixture("kustomization-ready-inventory-failed-hr.json"),
        fixture("helmrelease-stalled-retries-exceeded.json"),
        fixture("gitrepository-flux-system.json"),
        oci("default", &format!("4.1.1@{DIGEST_411}")),
    ];
    let plain = r#"{ kind = "kustomization", name = "sonarr", namespace = "default" }"#;
    let t = flux_project(plain, 30);
    for object in &objects {
        serve(&t, object, 1);
    }
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(
        calls(&t),
        [
            "get kustomization sonarr -n default -o json",
            "get gitrepository flux-system -n flux-system -o json"
        ]
    );
    let t = flux_project(&plain.replace(" }", ", follow-inventory = true }"), 30);
    for object in &objects {
        serve(&t, object, 1);
    }
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains(
            "HelmRelease default/sonarr rolled back: chart 3.7.3 deployed, 4.1.1 attempted",
        )
        .expect_stderr_contains("(listed in the inventory of Kustomization default/sonarr)");
    assert_eq!(calls(&t).len(), 1);
}
