//! Typed Flux checks in `runbook run` against a fake kubectl serving
//! tests/fixtures/flux-json: a ready release, polling until ready, a stalled release, a
//! remediated rollback quoting the chart version, and no kubectl at all.

use std::path::Path;

use crate::support::{Test, journal, project, records};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/flux-json");

/// A fake `kubectl` that logs each call to `kubectl.calls` and answers `get KIND NAME -n NS
/// -o json` from `kube/KIND/NS/NAME/<n>.json` (n = the call count for that object; the
/// highest file once n passes it). A missing object prints the NotFound error.
fn flux_project(toml: &str, objects: &[(&str, &str, &str, &[&str])]) -> Test {
    let t = project(toml);
    let root = t.path().to_path_buf();
    let script = format!(
        r#"#!/bin/sh
echo "$*" >> '{root}/kubectl.calls'
dir='{root}/kube'/$2/$5/$3
if [ ! -d "$dir" ]; then
  echo "Error from server (NotFound): $2.helm.toolkit.fluxcd.io \"$3\" not found" >&2
  exit 1
fi
echo x >> "$dir/.calls"
n=$(wc -l < "$dir/.calls")
if [ -f "$dir/$n.json" ]; then cat "$dir/$n.json"; else cat "$dir/$(ls "$dir" | grep json | sort -n | tail -1)"; fi
"#,
        root = root.display()
    );
    let mut t = t.fake_bin("kubectl", &script);
    for (kind, namespace, name, files) in objects {
        for (i, file) in files.iter().enumerate() {
            let json = std::fs::read(Path::new(FIXTURES).join(file)).unwrap();
            t = t.file(
                format!("kube/{kind}/{namespace}/{name}/{}.json", i + 1),
                json,
            );
        }
    }
    t
}

fn flux_runbook(check: &str, attempts: u32, interval: &str) -> String {
    format!(
        r#"
[runbook]
title = "Flux"

[[step]]
id = "upgrade"
run = "true"

[[step.verify]]
flux = {check}
attempts = {attempts}
interval = "{interval}"
"#
    )
}

fn kubectl_calls(t: &Test) -> Vec<String> {
    std::fs::read_to_string(t.path().join("kubectl.calls"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

const SONARR: &str =
    r#"{ kind = "helmrelease", name = "sonarr", namespace = "default", chart-version = "4.1.1" }"#;

#[test]
fn flux_ready_helmrelease_passes() {
    let t = flux_project(
        &flux_runbook(
            r#"{ kind = "helmrelease", name = "sonarr", namespace = "default", chart-version = "4.1.1" }"#,
            3,
            "100ms",
        ),
        &[(
            "helmrelease",
            "default",
            "sonarr",
            &["helmrelease-ready.json"],
        )],
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(
        kubectl_calls(&t),
        ["get helmrelease sonarr -n default -o json"]
    );
}

#[test]
fn flux_reconciling_then_ready_polls_then_passes() {
    let t = flux_project(
        &flux_runbook(SONARR, 10, "100ms"),
        &[(
            "helmrelease",
            "default",
            "sonarr",
            &[
                "helmrelease-reconciling.json",
                "helmrelease-reconciling.json",
                "helmrelease-ready.json",
            ],
        )],
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(kubectl_calls(&t).len(), 3);
    let checks: Vec<bool> = records(&journal(t.path()), "check", "upgrade")
        .iter()
        .map(|c| c["passed"].as_bool().unwrap())
        .collect();
    assert_eq!(checks, [false, false, true]);
}

#[test]
fn flux_stalled_release_fails_after_one_read() {
    let t = flux_project(
        &flux_runbook(SONARR, 30, "10s"),
        &[(
            "helmrelease",
            "default",
            "sonarr",
            &["helmrelease-stalled-retries-exceeded.json"],
        )],
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(1)
        .expect_stderr_contains("Stalled")
        .expect_stderr_contains("Failed to upgrade after 1 attempt(s)");
    assert_eq!(
        kubectl_calls(&t).len(),
        1,
        "a Stalled release must not be polled again"
    );
    let checks = records(&journal(t.path()), "check", "upgrade").len();
    assert_eq!(checks, 1);
}

#[test]
fn flux_remediated_rollback_fails_quoting_the_chart_version() {
    // Remediated while helm-controller still retries (Reconciling): polled until the
    // attempts run out, then fails with the rolled-back line (tests/integration/flux.rs
    // has the other states).
    let t = flux_project(
        &flux_runbook(
            r#"{ kind = "helmrelease", name = "comfyui", namespace = "ai", chart-version = "4.1.1" }"#,
            2,
            "10ms",
        ),
        &[(
            "helmrelease",
            "ai",
            "comfyui",
            &["helmrelease-remediated-rollback.json"],
        )],
    );
    let ran = t.invoke(&["run", "rb", "--yes"]);
    ran.expect_exit(1).expect_stderr_contains("3.7.3");
    assert_eq!(kubectl_calls(&t).len(), 2);
    let j = journal(t.path());
    let reason = records(&j, "step-finished", "upgrade")[0]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.contains("rolled back: chart 3.7.3 deployed, 4.1.1 attempted"),
        "{reason}"
    );
}

#[test]
fn flux_check_without_kubectl_is_a_clear_error() {
    let toml = flux_runbook(SONARR, 30, "10s")
        .replace("title = \"Flux\"", "title = \"Flux\"\nshell = \"/bin/sh\"");
    let t = project(&toml).dir("empty-path");
    let empty = t.path().join("empty-path");
    let ran = t.invoke_env(
        &["run", "rb", "--yes"],
        &[("PATH", empty.to_str().unwrap())],
    );
    ran.expect_exit(1)
        .expect_stderr_contains("`kubectl` not found on PATH");
    assert_eq!(
        records(&journal(t.path()), "check", "upgrade").len(),
        1,
        "kubectl missing is not polled"
    );
}
