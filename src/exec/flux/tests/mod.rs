//! Unit tests of the Flux checks: the fixtures of `tests/fixtures/flux-json/` (realistic
//! `kubectl get -o json` output of helm-controller, kustomize-controller and
//! source-controller objects), helpers that edit them, and a fake cluster that answers
//! kubectl reads by name and the one list call. The tests themselves live in one file per
//! part of `flux` they exercise.
//!
//! Must not test through a real kubectl or cluster: everything goes through the injected
//! runner.

mod helmrelease;
mod kubectl;
mod kustomization;
mod malformed;
mod ready;
mod source;
mod states;
mod tree;

use serde_json::{Value, json};

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../../tests/fixtures/flux-json/", $name))
    };
}

const HR_READY: &str = fixture!("helmrelease-ready.json");
const HR_RECONCILING: &str = fixture!("helmrelease-reconciling.json");
const HR_STALLED: &str = fixture!("helmrelease-stalled-retries-exceeded.json");
const HR_REMEDIATED: &str = fixture!("helmrelease-remediated-rollback.json");
const HR_GENERATION_BEHIND: &str = fixture!("helmrelease-generation-behind.json");
const HR_FAILED_WAITING: &str = fixture!("helmrelease-failed-waiting.json");
const KS_READY: &str = fixture!("kustomization-ready.json");
const KS_FAILED_HR: &str = fixture!("kustomization-ready-inventory-failed-hr.json");
const KS_CLUSTER_APPS: &str = fixture!("kustomization-cluster-apps.json");
const OCI_APP_TEMPLATE: &str = fixture!("ocirepository-app-template.json");
const GIT_FLUX_SYSTEM: &str = fixture!("gitrepository-flux-system.json");
const HELMCHART_SONARR: &str = fixture!("helmchart-flux-system-default-sonarr.json");
const NOT_FLUX: &str = fixture!("not-a-flux-object.json");

/// The OCI digest every 4.1.1 fixture was made from.
const DIGEST_411: &str = "sha256:295010664666c4cb2a6218e7d86dc6de187c53e2f0d538bdcf9a0f65e8b729e8";
const DIGEST_OTHER: &str =
    "sha256:8165db26669056b0814908b32949280ce5532ae6fc455301a81395ca97eed3a7";
const ROLLBACK_COMFYUI: &str =
    "Helm rollback to previous release ai/comfyui.v4 with chart app-template@3.7.3 succeeded";

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

/// The OCIRepository `ns/app-template` at artifact `revision`.
fn oci(namespace: &str, revision: &str) -> Value {
    let mut source = parse(OCI_APP_TEMPLATE);
    source["metadata"]["namespace"] = json!(namespace);
    source["status"]["artifact"]["revision"] = json!(revision);
    source
}

/// The GitRepository `flux-system/flux-system` at artifact `revision`.
fn git(revision: &str) -> Value {
    let mut source = parse(GIT_FLUX_SYSTEM);
    source["status"]["artifact"]["revision"] = json!(revision);
    source
}

/// The comfyui incident after helm-controller gave up: rolled back, retries exhausted.
fn comfyui_stalled() -> Value {
    let mut hr = parse(HR_REMEDIATED);
    remove_condition(&mut hr, "Reconciling");
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

fn reason(verdict: &Verdict) -> &str {
    match verdict {
        Verdict::Healthy(s) | Verdict::Pending(s) | Verdict::Failed(s) => s,
    }
}

#[track_caller]
fn assert_healthy(verdict: &Verdict, needles: &[&str]) {
    assert!(matches!(verdict, Verdict::Healthy(_)), "{verdict:?}");
    assert_contains(verdict, needles);
}

#[track_caller]
fn assert_pending(verdict: &Verdict, needles: &[&str]) {
    assert!(matches!(verdict, Verdict::Pending(_)), "{verdict:?}");
    assert_contains(verdict, needles);
}

#[track_caller]
fn assert_failed(verdict: &Verdict, needles: &[&str]) {
    assert!(matches!(verdict, Verdict::Failed(_)), "{verdict:?}");
    assert_contains(verdict, needles);
}

#[track_caller]
fn assert_contains(verdict: &Verdict, needles: &[&str]) {
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

/// A fake cluster of objects: answers `get RESOURCE NAME -n NS -o json` (NotFound like the
/// API server for anything else) and the list call of `kubectl_list_args`. Records every
/// argument list.
struct Cluster {
    objects: Vec<Value>,
    calls: Vec<Vec<String>>,
}

impl Cluster {
    fn new(objects: Vec<Value>) -> Self {
        Cluster {
            objects,
            calls: Vec::new(),
        }
    }

    fn answer(&self, args: &[String]) -> io::Result<KubectlOutput> {
        if args[1].contains(',') {
            return ok(
                &json!({"apiVersion": "v1", "kind": "List", "items": self.objects}).to_string(),
            );
        }
        let kind = objects::Kind::ALL
            .into_iter()
            .find(|k| k.resource() == args[1])
            .expect("a resource of the checks");
        let (name, namespace) = (&args[2], &args[4]);
        let found = self.objects.iter().find(|o| {
            o["kind"] == kind.name()
                && o["metadata"]["name"] == **name
                && o["metadata"]["namespace"] == **namespace
        });
        match found {
            Some(object) => ok(&object.to_string()),
            None => exit(
                1,
                &format!(
                    "Error from server (NotFound): {}.{} \"{name}\" not found\n",
                    kind.plural().split('.').next().unwrap(),
                    kind.group()
                ),
            ),
        }
    }

    fn run(&mut self, check: &FluxCheck) -> Verdict {
        let mut kubectl = |args: &[String]| {
            self.calls.push(args.to_vec());
            self.answer(args)
        };
        evaluate(check, &mut kubectl)
    }
}

#[test]
fn fixtures_describe_what_their_names_say() {
    let source = oci("default", &format!("4.1.1@{DIGEST_411}"));
    let hr = |text| assess_helmrelease(&parse(text), None, Some(&source));
    assert_healthy(&hr(HR_READY), &["Ready on chart 4.1.1"]);
    assert_pending(&hr(HR_RECONCILING), &["is reconciling"]);
    assert_failed(
        &hr(HR_STALLED),
        &["rolled back", "Stalled=True (RetriesExceeded)"],
    );
    assert_failed(&hr(HR_FAILED_WAITING), &["failed (UpgradeFailed)"]);
    let comfyui_source = oci("ai", &format!("4.1.1@{DIGEST_411}"));
    assert_pending(
        &assess_helmrelease(&parse(HR_REMEDIATED), None, Some(&comfyui_source)),
        &["rolled back", "helm-controller is retrying"],
    );
    assert_pending(&hr(HR_GENERATION_BEHIND), &["has not observed generation"]);
    let git = parse(GIT_FLUX_SYSTEM);
    assert_healthy(
        &assess_kustomization(&parse(KS_READY), Some(&git)),
        &["Ready at revision"],
    );
    let ks = parse(KS_FAILED_HR);
    assert_eq!(ks["spec"]["wait"], json!(false));
    assert_eq!(
        inventory_helmreleases(&ks),
        [("default".into(), "sonarr".into())]
    );
    assert_failed(
        &assess_helmrelease(&parse(NOT_FLUX), None, None),
        &["`Deployment`"],
    );
}
