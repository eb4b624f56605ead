//! Unit tests of the Flux checks: the fixtures of `tests/fixtures/flux-json/`, helpers that
//! edit them, and a fake cluster that answers kubectl reads. The tests themselves live in
//! one file per part of `flux` they exercise.
//!
//! Must not test through a real kubectl or cluster: everything goes through the injected
//! runner.

mod helmrelease;
mod kubectl;
mod kustomization;
mod malformed;

use serde_json::{Value, json};

use super::*;

const HR_READY: &str = include_str!("../../../../tests/fixtures/flux-json/helmrelease-ready.json");
const HR_RECONCILING: &str =
    include_str!("../../../../tests/fixtures/flux-json/helmrelease-reconciling.json");
const HR_STALLED: &str =
    include_str!("../../../../tests/fixtures/flux-json/helmrelease-stalled-retries-exceeded.json");
const HR_REMEDIATED: &str =
    include_str!("../../../../tests/fixtures/flux-json/helmrelease-remediated-rollback.json");
const HR_GENERATION_BEHIND: &str =
    include_str!("../../../../tests/fixtures/flux-json/helmrelease-generation-behind.json");
const KS_READY: &str =
    include_str!("../../../../tests/fixtures/flux-json/kustomization-ready.json");
const KS_FAILED_HR: &str = include_str!(
    "../../../../tests/fixtures/flux-json/kustomization-ready-inventory-failed-hr.json"
);
const NOT_FLUX: &str = include_str!("../../../../tests/fixtures/flux-json/not-a-flux-object.json");

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

fn reason(verdict: &Verdict) -> &str {
    match verdict {
        Verdict::Healthy(s) | Verdict::Pending(s) | Verdict::Failed(s) => s,
    }
}

#[track_caller]
fn assert_pending(verdict: &Verdict, needles: &[&str]) {
    assert!(matches!(verdict, Verdict::Pending(_)), "{verdict:?}");
    for needle in needles {
        assert!(
            reason(verdict).contains(needle),
            "{needle:?} in {verdict:?}"
        );
    }
}

#[track_caller]
fn assert_failed(verdict: &Verdict, needles: &[&str]) {
    assert!(matches!(verdict, Verdict::Failed(_)), "{verdict:?}");
    for needle in needles {
        assert!(
            reason(verdict).contains(needle),
            "{needle:?} in {verdict:?}"
        );
    }
}

/// Sets the condition `kind` (replacing one of that type).
fn set_condition(object: &mut Value, kind: &str, status: &str, reason: &str, message: &str) {
    let conditions = object["status"]["conditions"].as_array_mut().unwrap();
    conditions.retain(|c| c["type"] != kind);
    conditions.push(json!({"type": kind, "status": status, "reason": reason, "message": message}));
}

fn remove_condition(object: &mut Value, kind: &str) {
    let conditions = object["status"]["conditions"].as_array_mut().unwrap();
    conditions.retain(|c| c["type"] != kind);
}

fn check(kind: FluxKind, namespace: &str, name: &str) -> FluxCheck {
    FluxCheck {
        kind,
        name: name.to_string(),
        namespace: namespace.to_string(),
        chart_version: None,
        follow_inventory: false,
        context: None,
    }
}

fn ok(stdout: &str) -> io::Result<KubectlOutput> {
    Ok(KubectlOutput {
        exit_code: Some(0),
        stdout: stdout.to_string(),
        stderr: String::new(),
    })
}

fn exit(code: i32, stderr: &str) -> io::Result<KubectlOutput> {
    Ok(KubectlOutput {
        exit_code: Some(code),
        stdout: String::new(),
        stderr: stderr.to_string(),
    })
}

/// A fake cluster: (resource, namespace, name) → JSON; anything else is NotFound like
/// the real API server. Records every argument list.
struct Cluster {
    objects: Vec<((&'static str, &'static str, &'static str), String)>,
    calls: Vec<Vec<String>>,
}

impl Cluster {
    fn new(objects: &[((&'static str, &'static str, &'static str), &str)]) -> Self {
        let objects = objects.iter().map(|(k, v)| (*k, v.to_string())).collect();
        Cluster {
            objects,
            calls: Vec::new(),
        }
    }

    fn run(&mut self, check: &FluxCheck) -> Verdict {
        let mut kubectl = |args: &[String]| {
            self.calls.push(args.to_vec());
            let key = (args[1].as_str(), args[4].as_str(), args[2].as_str());
            match self.objects.iter().find(|(k, _)| *k == key) {
                Some((_, json)) => ok(json),
                None => exit(
                    1,
                    &format!(
                        "Error from server (NotFound): {}s.{} \"{}\" not found\n",
                        key.0,
                        if key.0 == "helmrelease" {
                            HELM_GROUP
                        } else {
                            KUSTOMIZE_GROUP
                        },
                        key.2
                    ),
                ),
            }
        };
        evaluate(check, &mut kubectl)
    }
}

#[test]
fn fixtures_describe_what_their_names_say() {
    let hr = |text| assess_helmrelease(&parse(text), Some("4.1.1"));
    assert!(matches!(hr(HR_READY), Verdict::Healthy(_)));
    assert_pending(&hr(HR_RECONCILING), &["is reconciling"]);
    assert_failed(&hr(HR_STALLED), &["is Stalled (RetriesExceeded)"]);
    assert_failed(&hr(HR_REMEDIATED), &["was remediated (RollbackSucceeded)"]);
    assert_pending(&hr(HR_GENERATION_BEHIND), &["has not observed generation"]);
    assert!(matches!(
        assess_kustomization(&parse(KS_READY)),
        Verdict::Healthy(_)
    ));
    let ks = parse(KS_FAILED_HR);
    assert_eq!(ks["spec"]["wait"], json!(false));
    assert_eq!(
        inventory_helmreleases(&ks),
        [("default".into(), "sonarr".into())]
    );
    assert_failed(
        &assess_helmrelease(&parse(NOT_FLUX), None),
        &["`Deployment`"],
    );
}
