//! Benchmark of a `follow-inventory` poll (run with `cargo bench --bench flux`): a tree of
//! 100 Flux objects (cluster-apps → 9 app Kustomizations → 90 HelmReleases, plus their
//! sources), judged through `flux::evaluate` with an in-process kubectl that serves the
//! tree and counts its calls. Prints kubectl calls and median time per poll, and the calls
//! a reader of one object per call would need, for the ratio. Budget: 1 call, 50 ms.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::io;
use std::time::{Duration, Instant};

use runbook::exec::flux::{KubectlOutput, Verdict, evaluate};
use runbook::runbook::model::{FluxCheck, FluxKind};
use serde_json::{Value, json};

const APPS: usize = 9;
const RELEASES_PER_APP: usize = 10;
const RUNS: usize = 30;
const DIGEST: &str = "sha256:295010664666c4cb2a6218e7d86dc6de187c53e2f0d538bdcf9a0f65e8b729e8";

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not: skip there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("flux benchmark: skipped (run `cargo bench --bench flux`)");
        return;
    }
    let (list, objects) = tree();
    let check = FluxCheck {
        kind: FluxKind::Kustomization,
        name: "cluster-apps".into(),
        namespace: "flux-system".into(),
        chart_version: None,
        follow_inventory: true,
        context: Some("main".into()),
    };
    let mut calls = 0;
    let mut poll = || {
        let mut kubectl = |_: &[String]| -> io::Result<KubectlOutput> {
            calls += 1;
            Ok(KubectlOutput {
                exit_code: Some(0),
                stdout: list.clone(),
                stderr: String::new(),
            })
        };
        let start = Instant::now();
        let verdict = evaluate(&check, &mut kubectl);
        let elapsed = start.elapsed();
        assert!(matches!(verdict, Verdict::Healthy(_)), "{verdict:?}");
        elapsed
    };
    poll();
    let mut times: Vec<Duration> = (0..RUNS).map(|_| poll()).collect();
    times.sort();
    let median = times[times.len() / 2];
    let per_poll = calls / (RUNS + 1);
    println!(
        "flux follow-inventory poll of {objects} objects ({} bytes of JSON)",
        list.len()
    );
    println!(
        "  kubectl calls per poll   {per_poll:>6}   (one object per call: {objects}, {}× more)",
        objects / per_poll.max(1)
    );
    println!(
        "  time per poll            {:>6.2} ms (median of {RUNS}; budget 50 ms)",
        median.as_secs_f64() * 1000.0
    );
}

/// The kubectl List of the whole tree, and how many HelmReleases and Kustomizations it has.
fn tree() -> (String, usize) {
    let ks_fixture = fixture(include_str!(
        "../tests/fixtures/flux-json/kustomization-ready.json"
    ));
    let hr_fixture = fixture(include_str!(
        "../tests/fixtures/flux-json/helmrelease-ready.json"
    ));
    let oci_fixture = fixture(include_str!(
        "../tests/fixtures/flux-json/ocirepository-app-template.json"
    ));
    let git = fixture(include_str!(
        "../tests/fixtures/flux-json/gitrepository-flux-system.json"
    ));
    let kustomization = |namespace: &str, name: &str, entries: Vec<Value>| {
        let mut ks = ks_fixture.clone();
        ks["metadata"]["namespace"] = json!(namespace);
        ks["metadata"]["name"] = json!(name);
        ks["status"]["inventory"]["entries"] = json!(entries);
        ks
    };
    let mut items = vec![git];
    let mut apps = Vec::new();
    for app in 0..APPS {
        let namespace = format!("apps-{app}");
        apps.push(json!({"id": format!("{namespace}_app-{app}_kustomize.toolkit.fluxcd.io_Kustomization"), "v": "v1"}));
        let mut releases = Vec::new();
        for release in 0..RELEASES_PER_APP {
            let name = format!("release-{release}");
            releases.push(json!({"id": format!("{namespace}_{name}_helm.toolkit.fluxcd.io_HelmRelease"), "v": "v2"}));
            let mut hr = hr_fixture.clone();
            hr["metadata"]["namespace"] = json!(namespace);
            hr["metadata"]["name"] = json!(name);
            hr["spec"]["chartRef"]["name"] = json!(name);
            items.push(hr);
            let mut oci = oci_fixture.clone();
            oci["metadata"]["namespace"] = json!(namespace);
            oci["metadata"]["name"] = json!(name);
            oci["status"]["artifact"]["revision"] = json!(format!("4.1.1@{DIGEST}"));
            items.push(oci);
        }
        items.push(kustomization(&namespace, &format!("app-{app}"), releases));
    }
    items.push(kustomization("flux-system", "cluster-apps", apps));
    let objects = 1 + APPS + APPS * RELEASES_PER_APP;
    let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
    (list.to_string(), objects)
}
