//! End to end: every shipped runbook walked with `--yes` against the stateful fake cluster
//! (`tests/fakes`: `flux` and `kubectl` keep their state in `$FAKE_CLUSTER`) and, for the
//! repo-level steps, a real git checkout of the haynes-ops fixture with the real
//! `kubectl kustomize`. Each test asserts the exit code, the journal (`runbook log
//! --json`) and the order of the calls the fakes received (`calls.log`).
//!
//! The operator's part of a manual step (a Git edit, a controller catching up) is played
//! either before the run, when no earlier step reads it, or by a fake-cluster hook that
//! fires on a given call (see `tests/fakes/README.md`, "Hooks").

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{Output, Test, repo_root};

/// The checkout's name inside the test's temporary project (`--var repo=…`).
const REPO: &str = "haynes-ops";

fn fakes() -> PathBuf {
    repo_root().join("tests/fakes")
}

/// The read-only haynes-ops snapshot; CI has it next to the repository.
fn fixture() -> PathBuf {
    let path = repo_root().join("../shared/fixtures/haynes-ops");
    assert!(
        path.join("kubernetes").is_dir(),
        "the haynes-ops fixture is missing: expected {} (CI provides ../shared/fixtures/haynes-ops next to the repository)",
        path.display()
    );
    path
}

/// A python without shim overhead for the fakes' JSON helpers (pyenv shims cost ~100ms a call).
fn python() -> String {
    ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("python3")
        .to_string()
}

#[track_caller]
fn sh(cwd: &Path, program: &str, args: &[&str], env: &[(&str, &Path)]) -> String {
    let mut command = Command::new(program);
    command.args(args).current_dir(cwd);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A temporary project with shipped runbooks, a seeded fake cluster and optionally a git
/// checkout of the fixture.
struct E2e {
    test: Test,
}

impl E2e {
    /// Copies `runbooks/<name>.toml` of the repository for each name and seeds the fake
    /// cluster with `seed.sh SCENARIO [CONTEXT]`.
    fn new(runbooks: &[&str], scenario: &[&str]) -> Self {
        let mut test = Test::new();
        for name in runbooks {
            let source = repo_root().join("runbooks").join(format!("{name}.toml"));
            let text = fs::read_to_string(&source)
                .unwrap_or_else(|e| panic!("read {}: {e}", source.display()));
            test = test.runbook(name, &text);
        }
        let root = test.path().to_path_buf();
        let path = std::env::join_paths([root.join("bin"), fakes().join("bin")].into_iter().chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .expect("PATH entries have no separators");
        let test = test
            .dir("bin")
            .dir("tmp")
            .env("PATH", path)
            .env("FAKE_CLUSTER", root.join("cluster"))
            .env("FAKE_PYTHON", python())
            .env("TMPDIR", root.join("tmp"));
        let e2e = Self { test };
        e2e.seed(scenario);
        e2e
    }

    fn root(&self) -> &Path {
        self.test.path()
    }

    fn repo(&self) -> PathBuf {
        self.root().join(REPO)
    }

    /// Runs `tests/fakes/seed.sh ARGS…` on this test's cluster.
    fn seed(&self, args: &[&str]) -> &Self {
        let mut all = vec![fakes().join("seed.sh").to_string_lossy().into_owned()];
        all.extend(args.iter().map(|a| (*a).to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let cluster = self.root().join("cluster");
        let python = PathBuf::from(python());
        sh(
            self.root(),
            "bash",
            &all,
            &[("FAKE_CLUSTER", &cluster), ("FAKE_PYTHON", &python)],
        );
        self
    }

    /// A file of the cluster state, e.g. `hr/media/sonarr/immutable`.
    fn state(&self, path: &str) -> PathBuf {
        self.root().join("cluster").join(path)
    }

    fn remove_state(&self, path: &str) -> &Self {
        fs::remove_file(self.state(path)).unwrap_or_else(|e| panic!("remove {path}: {e}"));
        self
    }

    /// A hook: the first fake call matching `pattern` (ERE on its calls.log line) runs
    /// `command` in the project root before it is answered.
    fn hook(&self, pattern: &str, command: &str) -> &Self {
        assert!(!pattern.contains('\t') && !command.contains('\n'));
        let path = self.state("hooks");
        let mut hooks = fs::read_to_string(&path).unwrap_or_default();
        hooks.push_str(&format!("{pattern}\t{command}\n"));
        fs::write(path, hooks).expect("write hooks");
        self
    }

    /// An executable `bin/NAME` (before the fakes on PATH) that logs its call to calls.log.
    fn fake_tool(&self, name: &str, body: &str) -> &Self {
        let path = self.root().join("bin").join(name);
        let script = format!(
            "#!/usr/bin/env bash\n{{ printf '%s' {name}; printf ' %q' \"$@\"; printf '\\n'; }} >>\"$FAKE_CLUSTER/calls.log\"\n{body}\n"
        );
        fs::write(&path, script).expect("write fake tool");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod fake tool");
        self
    }

    /// Copies the fixture's tree of `cluster` (with `kubernetes/shared`) to
    /// `<tmp>/haynes-ops`, lets `edit` change it, and commits it as the initial state of a
    /// real git repository. (The other cluster's tree is left out: copying 800 files costs
    /// seconds on a slow disk and no runbook looks across clusters.)
    fn checkout(self, cluster: &str, edit: impl FnOnce(&Path)) -> Self {
        let repo = self.repo();
        let fixture = fixture();
        fs::create_dir_all(repo.join("kubernetes")).expect("create the checkout");
        for part in [
            "README.md",
            &format!("kubernetes/{cluster}"),
            "kubernetes/shared",
        ] {
            let target = repo.join(part);
            sh(
                self.root(),
                "cp",
                &[
                    "-R",
                    &fixture.join(part).to_string_lossy(),
                    &target.to_string_lossy(),
                ],
                &[],
            );
        }
        sh(
            self.root(),
            "chmod",
            &["-R", "u+w", &repo.to_string_lossy()],
            &[],
        );
        edit(&repo);
        self.git(&["-c", "init.defaultBranch=main", "init", "-q"]);
        self.git(&["config", "user.name", "Runbook Test"]);
        self.git(&["config", "user.email", "runbook-test@example.invalid"]);
        self.git(&["config", "commit.gpgsign", "false"]);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", "haynes-ops fixture"]);
        self
    }

    fn git(&self, args: &[&str]) -> String {
        let repo = self.repo();
        let mut all = vec!["-C", repo.to_str().expect("utf-8 temp path")];
        all.extend(args);
        sh(self.root(), "git", &all, &[])
    }

    /// `runbook run NAME --yes --var k=v…`, then `runbook log --json` and calls.log.
    fn run(&self, name: &str, vars: &[(&str, &str)]) -> Run {
        let vars: Vec<String> = vars.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut args = vec!["run", name, "--yes", "--allow-destructive"];
        for var in &vars {
            args.extend(["--var", var]);
        }
        let output = self.test.invoke(&args);
        let log = self.test.invoke(&["log", "--json"]);
        let journal: Vec<Value> = if log.status == 0 {
            serde_json::from_str(&log.stdout)
                .unwrap_or_else(|e| panic!("runbook log --json is not JSON: {e}\n{}", log.stdout))
        } else {
            Vec::new()
        };
        let calls = fs::read_to_string(self.state("calls.log")).unwrap_or_default();
        Run {
            output,
            journal,
            calls: calls.lines().map(str::to_string).collect(),
        }
    }
}

/// What a run did: exit code, output, journal records and the fakes' calls.
struct Run {
    output: Output,
    journal: Vec<Value>,
    calls: Vec<String>,
}

impl Run {
    fn report(&self) -> String {
        format!(
            "{}\n--- calls.log:\n{}",
            self.output.report(),
            self.calls.join("\n")
        )
    }

    /// The last outcome of every journaled step.
    fn outcomes(&self) -> BTreeMap<String, String> {
        self.journal
            .iter()
            .filter(|r| r["type"] == "step-finished")
            .filter_map(|r| {
                Some((
                    r["step"].as_str()?.to_string(),
                    r["outcome"].as_str()?.to_string(),
                ))
            })
            .collect()
    }

    fn run_state(&self) -> Option<String> {
        self.journal
            .iter()
            .rev()
            .find(|r| r["type"] == "run-finished")
            .and_then(|r| r["state"].as_str().map(str::to_string))
    }

    /// Exit 0, a journal that ends `succeeded`, and no check that had to poll: the fakes
    /// converge at once, so a second attempt (an interval of 5-10s) means a wrong state.
    #[track_caller]
    fn succeeded(&self) -> &Self {
        assert_eq!(self.output.status, 0, "the run failed\n{}", self.report());
        assert_eq!(
            self.run_state().as_deref(),
            Some("succeeded"),
            "the journal does not end succeeded\n{}",
            self.report()
        );
        let polled: Vec<&Value> = self
            .journal
            .iter()
            .filter(|r| r["type"] == "check" && r["attempt"].as_u64().unwrap_or(1) > 1)
            .collect();
        assert!(
            polled.is_empty(),
            "checks polled: {polled:#?}\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    fn failed(&self) -> &Self {
        assert_eq!(
            self.output.status,
            1,
            "the run did not stop on a failure\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    fn steps(&self, outcome: &str, steps: &[&str]) -> &Self {
        let outcomes = self.outcomes();
        for step in steps {
            assert_eq!(
                outcomes.get(*step).map(String::as_str),
                Some(outcome),
                "step {step} is not {outcome}: journal outcomes {outcomes:#?}\n{}",
                self.report()
            );
        }
        self
    }

    #[track_caller]
    fn not_journaled(&self, step: &str) -> &Self {
        assert!(
            !self.outcomes().contains_key(step),
            "step {step} has an outcome\n{}",
            self.report()
        );
        self
    }

    /// Each needle is found in a later calls.log line than the one before.
    #[track_caller]
    fn calls_in_order(&self, needles: &[&str]) -> &Self {
        let mut from = 0;
        for needle in needles {
            match self.calls[from..].iter().position(|c| c.contains(needle)) {
                Some(i) => from += i + 1,
                None => panic!(
                    "no call {needle:?} after line {from} of calls.log (in order: {needles:#?})\n{}",
                    self.report()
                ),
            }
        }
        self
    }

    #[track_caller]
    fn no_call(&self, needle: &str) -> &Self {
        assert!(
            !self.calls.iter().any(|c| c.contains(needle)),
            "unexpected call {needle:?}\n{}",
            self.report()
        );
        self
    }

    /// The walk's report (stdout and stderr: step output is shown there) contains it.
    #[track_caller]
    fn shows(&self, needle: &str) -> &Self {
        assert!(
            self.output.stdout.contains(needle) || self.output.stderr.contains(needle),
            "the output lacks {needle:?}\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    fn hides(&self, needle: &str) -> &Self {
        assert!(
            !self.output.stdout.contains(needle) && !self.output.stderr.contains(needle),
            "the output has {needle:?}\n{}",
            self.report()
        );
        self
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).expect("write fixture file");
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("a parent")).expect("create directories");
    fs::write(path, text).expect("write fixture file");
}

// ---------------------------------------------------------------- immutable-selector-remediation

const REMEDIATION_STEPS: &[&str] = &[
    "inspect",
    "find-workload",
    "show-claims",
    "suspend",
    "delete-workload[deployment.apps/sonarr]",
    "resume",
    "reconcile",
    "verify-version",
];

#[test]
fn immutable_selector_remediation_recovers_a_deployment() {
    let e2e = E2e::new(&["immutable-selector-remediation"], &["sonarr-immutable"]);
    let run = e2e.run(
        "immutable-selector-remediation",
        &[
            ("cluster", "edge"),
            ("release", "sonarr"),
            ("namespace", "default"),
            ("chart_version", "4.1.1"),
        ],
    );
    run.succeeded()
        .steps("succeeded", REMEDIATION_STEPS)
        .steps("skipped", &["verify-ready"])
        .shows("field is immutable")
        .calls_in_order(&[
            "kubectl config current-context",
            "flux --context edge suspend helmrelease sonarr -n default",
            "kubectl --context edge -n default delete deployment.apps/sonarr",
            "flux --context edge resume helmrelease sonarr -n default",
            "flux --context edge reconcile helmrelease sonarr -n default --with-source",
            "kubectl get helmrelease sonarr -n default -o json --context edge",
        ]);
    assert!(
        !e2e.state("recreated-by-controller").exists(),
        "helm-controller raced the delete"
    );
    assert!(
        !e2e.state("hr/default/sonarr/immutable").exists(),
        "the conflict is still there"
    );
}

#[test]
fn immutable_selector_remediation_recovers_a_rolled_back_statefulset() {
    let e2e = E2e::new(&["immutable-selector-remediation"], &["plex-rolled-back"]);
    let run = e2e.run(
        "immutable-selector-remediation",
        &[
            ("release", "plex"),
            ("namespace", "default"),
            ("chart_version", "4.1.1"),
        ],
    );
    run.succeeded()
        .steps(
            "succeeded",
            &[
                "suspend",
                "delete-workload[statefulset.apps/plex]",
                "resume",
                "verify-version",
            ],
        )
        .shows("Helm rollback to previous release default/plex")
        .calls_in_order(&[
            "flux --context edge suspend helmrelease plex -n default",
            "kubectl --context edge -n default delete statefulset.apps/plex",
            "flux --context edge resume helmrelease plex -n default",
        ]);
    assert_eq!(
        fs::read_to_string(e2e.state("hr/default/plex/version")).unwrap(),
        "4.1.1"
    );
}

#[test]
fn immutable_selector_remediation_without_chart_version_only_requires_ready() {
    let e2e = E2e::new(&["immutable-selector-remediation"], &["sonarr-immutable"]);
    e2e.run(
        "immutable-selector-remediation",
        &[("release", "sonarr"), ("namespace", "default")],
    )
    .succeeded()
    .steps("succeeded", &["resume", "verify-ready"])
    .steps("skipped", &["verify-version"]);
}

/// The fakes keep state: a runbook that deletes the workload before suspending the
/// release (and has no precondition guarding it) loses the race with helm-controller,
/// which puts the old Deployment back, so the upgrade still hits the immutable selector.
#[test]
fn immutable_selector_remediation_with_suspend_and_delete_swapped_fails() {
    let shipped =
        fs::read_to_string(repo_root().join("runbooks/immutable-selector-remediation.toml"))
            .unwrap();
    let blocks: Vec<&str> = shipped.split("\n[[step]]\n").collect();
    let find = |id: &str| {
        blocks
            .iter()
            .position(|b| b.starts_with(&format!("id = \"{id}\"")))
            .unwrap_or_else(|| panic!("no step {id}"))
    };
    let (suspend, delete) = (find("suspend"), find("delete-workload"));
    assert_eq!(
        delete,
        suspend + 1,
        "the shipped runbook suspends right before deleting"
    );
    // the naive variant: no "still suspended" precondition, no "workload is gone" poll
    let naive_delete: String = blocks[delete]
        .split("\n[[step.")
        .enumerate()
        .filter(|(i, part)| *i == 0 || part.starts_with("rollback]]"))
        .map(|(i, part)| {
            if i == 0 {
                part.to_string()
            } else {
                format!("[[step.{part}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut swapped: Vec<String> = blocks.iter().map(|b| (*b).to_string()).collect();
    swapped[suspend] = naive_delete;
    swapped[delete] = blocks[suspend].to_string();
    let variant = swapped.join("\n[[step]]\n");

    let mut e2e = E2e::new(&[], &["sonarr-immutable"]);
    e2e.test = e2e.test.runbook("immutable-selector-remediation", &variant);
    let run = e2e.run(
        "immutable-selector-remediation",
        &[
            ("release", "sonarr"),
            ("namespace", "default"),
            ("chart_version", "4.1.1"),
        ],
    );
    run.failed()
        .steps(
            "succeeded",
            &["delete-workload[deployment.apps/sonarr]", "suspend"],
        )
        .steps("failed", &["resume"])
        .not_journaled("verify-version")
        .calls_in_order(&[
            "kubectl --context edge -n default delete deployment.apps/sonarr",
            "flux --context edge suspend helmrelease sonarr -n default",
            "flux --context edge resume helmrelease sonarr -n default",
        ]);
    assert_eq!(
        fs::read_to_string(e2e.state("recreated-by-controller")).unwrap(),
        "deployment default sonarr\n",
        "helm-controller put the old Deployment back"
    );
    assert!(e2e.state("hr/default/sonarr/immutable").exists());
}

// ---------------------------------------------------------------- reconcile-app

#[test]
fn reconcile_app_reconciles_kustomization_then_release() {
    let e2e = E2e::new(&["reconcile-app"], &["healthy"]);
    e2e.run(
        "reconcile-app",
        &[
            ("cluster", "edge"),
            ("app", "sonarr"),
            ("namespace", "default"),
            ("release", "sonarr"),
        ],
    )
    .succeeded()
    .steps(
        "succeeded",
        &["reconcile-kustomization", "reconcile-helmrelease"],
    )
    .calls_in_order(&[
        "kubectl config current-context",
        "flux --context edge reconcile kustomization sonarr -n default --with-source",
        // follow-inventory: the whole tree in one list call (calls.log quotes `,` as `\,`)
        r"kubectl get helmreleases\,kustomizations\,gitrepositories\,ocirepositories\,helmcharts.source.toolkit.fluxcd.io\,buckets -A -o json --context edge",
        "flux --context edge reconcile helmrelease sonarr -n default --with-source",
        "kubectl get helmrelease sonarr -n default -o json --context edge",
    ]);
}

/// A wait: false Kustomization is Ready while the release it applied was rolled back:
/// following the inventory catches it.
#[test]
fn reconcile_app_fails_on_a_silently_rolled_back_release() {
    let e2e = E2e::new(&["reconcile-app"], &["plex-rolled-back"]);
    let run = e2e.run(
        "reconcile-app",
        &[("app", "plex"), ("namespace", "default")],
    );
    run.failed()
        .steps("failed", &["reconcile-kustomization"])
        .not_journaled("reconcile-helmrelease")
        .shows("HelmRelease default/plex rolled back: chart 3.7.3 deployed, 4.1.1 attempted")
        .shows("Stalled=True (RetriesExceeded)");
}

// ---------------------------------------------------------------- helmrelease-chartref-migration

/// The releases of the `chartref` seed, in the checkout: back on the legacy `spec.chart`
/// (the fixture is already migrated), so the inventory finds them.
const LEGACY_RELEASES: &[&str] = &[
    "kubernetes/main/apps/downloads/ytdl-sub/youtube/helmrelease.yaml",
    "kubernetes/main/apps/media/sonarr/app/helmrelease.yaml",
    "kubernetes/main/apps/ai/stable-diffusion/comfyui/helmrelease.yaml",
];

fn legacy_chart(repo: &Path) {
    for file in LEGACY_RELEASES {
        edit(
            &repo.join(file),
            "  chartRef:\n    kind: OCIRepository\n    name: app-template\n",
            "  chart:\n    spec:\n      chart: app-template\n      version: 3.7.3\n      sourceRef:\n        kind: HelmRepository\n        name: bjw-s\n        namespace: flux-system\n",
        );
    }
}

fn chartref_run(e2e: &E2e) -> Run {
    e2e.run(
        "helmrelease-chartref-migration",
        &[("cluster", "main"), ("repo", REPO)],
    )
}

const CHARTREF_BATCH_STEPS: &[&str] = &[
    "inventory",
    "review",
    "cronjobs-edit",
    "cronjobs-commit",
    "cronjobs-reconcile[downloads/ytdl-sub-youtube]",
    "cronjobs-triage",
    "cronjobs-verify[downloads/ytdl-sub-youtube]",
    "deployments-edit",
    "deployments-reconcile[media/sonarr]",
    "deployments-triage",
    "deployments-verify[media/sonarr]",
    "statefulsets-edit",
    "statefulsets-reconcile[ai/comfyui]",
    "statefulsets-triage",
    "statefulsets-verify[ai/comfyui]",
    "converge",
];

#[track_caller]
fn assert_migrated(e2e: &E2e) {
    let log = e2e.git(&["log", "--format=%s"]);
    assert_eq!(
        log,
        "app-template: move batch 3 (StatefulSet) releases to chartRef\n\
         app-template: move batch 2 (Deployment or DaemonSet) releases to chartRef\n\
         app-template: move batch 1 (CronJob) releases to chartRef\n\
         haynes-ops fixture\n"
    );
    assert_eq!(e2e.git(&["status", "--porcelain"]), "");
    for file in LEGACY_RELEASES {
        let text = fs::read_to_string(e2e.repo().join(file)).unwrap();
        assert!(
            text.contains("  chartRef:\n    kind: OCIRepository\n    name: app-template\n    namespace: flux-system\n  interval: 30m\n")
                || text.contains("  chartRef:\n    kind: OCIRepository\n    name: app-template\n    namespace: flux-system\n  install:\n"),
            "{file} was not rewritten to chartRef:\n{text}"
        );
        assert!(
            !text.contains("HelmRepository"),
            "{file} still names the HelmRepository"
        );
    }
    for release in ["downloads/ytdl-sub-youtube", "media/sonarr", "ai/comfyui"] {
        let dir = format!("hr/{release}");
        assert_eq!(
            fs::read_to_string(e2e.state(&format!("{dir}/source"))).unwrap(),
            "OCIRepository/flux-system/app-template"
        );
        assert_eq!(
            fs::read_to_string(e2e.state(&format!("{dir}/version"))).unwrap(),
            "3.7.3"
        );
        assert_eq!(
            fs::read_to_string(e2e.state(&format!("{dir}/ready"))).unwrap(),
            "True"
        );
    }
}

#[test]
fn chartref_migration_moves_three_batches_without_conflicts() {
    let e2e = E2e::new(
        &[
            "helmrelease-chartref-migration",
            "immutable-selector-remediation",
        ],
        &["chartref"],
    );
    e2e.remove_state("hr/media/sonarr/immutable")
        .remove_state("hr/ai/comfyui/immutable");
    let e2e = e2e.checkout("main", legacy_chart);
    let run = chartref_run(&e2e);
    run.succeeded()
        .steps("succeeded", CHARTREF_BATCH_STEPS)
        .steps("skipped", &["cronjobs-remediate", "deployments-remediate", "statefulsets-remediate"])
        .no_call("suspend")
        .calls_in_order(&[
            "flux --context main check",
            "flux --context main get helmreleases -A --status-selector ready=false",
            "kubectl --context main -n flux-system get ocirepository app-template",
            "flux --context main reconcile kustomization ytdl-sub-youtube -n downloads --with-source",
            "flux --context main reconcile helmrelease ytdl-sub-youtube -n downloads --with-source",
            "kubectl get helmrelease ytdl-sub-youtube -n downloads -o json --context main",
            "kubectl --context main -n flux-system get helmchart downloads-ytdl-sub-youtube --ignore-not-found -o name",
            "flux --context main reconcile kustomization sonarr -n media --with-source",
            "flux --context main reconcile kustomization comfyui -n ai --with-source",
            "flux --context main get helmreleases -A --no-header --status-selector ready=false",
        ]);
    assert_migrated(&e2e);
}

/// sonarr (Deployment) and comfyui (StatefulSet, upgrade remediation: silently rolled
/// back) hit `field is immutable` when their chart source switches; the triage finds
/// them, the remediation runbook recreates their workloads, and the run ends green.
#[test]
fn chartref_migration_recovers_immutable_selectors() {
    let e2e = E2e::new(
        &[
            "helmrelease-chartref-migration",
            "immutable-selector-remediation",
        ],
        &["chartref"],
    )
    .checkout("main", legacy_chart);
    let run = chartref_run(&e2e);
    run.succeeded()
        .steps("succeeded", CHARTREF_BATCH_STEPS)
        .steps("skipped", &["cronjobs-remediate"])
        .steps(
            "succeeded",
            &[
                "deployments-remediate[media/sonarr]/suspend",
                "deployments-remediate[media/sonarr]/delete-workload[deployment.apps/sonarr]",
                "deployments-remediate[media/sonarr]/resume",
                "deployments-remediate[media/sonarr]/verify-version",
                "deployments-remediate[media/sonarr]",
                "statefulsets-remediate[ai/comfyui]/suspend",
                "statefulsets-remediate[ai/comfyui]/delete-workload[statefulset.apps/comfyui]",
                "statefulsets-remediate[ai/comfyui]/resume",
                "statefulsets-remediate[ai/comfyui]/verify-version",
            ],
        )
        .shows("field is immutable")
        .shows("spec: Forbidden")
        .calls_in_order(&[
            "flux --context main reconcile kustomization sonarr -n media --with-source",
            "flux --context main events -n media --for HelmRelease/sonarr --types Warning",
            "flux --context main suspend helmrelease sonarr -n media",
            "kubectl --context main -n media delete deployment.apps/sonarr",
            "flux --context main resume helmrelease sonarr -n media",
            "kubectl get helmrelease sonarr -n media -o json --context main",
            "flux --context main reconcile kustomization comfyui -n ai --with-source",
            "flux --context main events -n ai --for HelmRelease/comfyui --types Warning",
            "flux --context main suspend helmrelease comfyui -n ai",
            "kubectl --context main -n ai delete statefulset.apps/comfyui",
            "flux --context main resume helmrelease comfyui -n ai",
        ]);
    assert_migrated(&e2e);
    assert!(!e2e.state("recreated-by-controller").exists());
}

// ---------------------------------------------------------------- edge-stabilization

fn canary(e2e: &E2e) {
    e2e.seed(&[
        "ks",
        "kube-system",
        "cilium",
        "source=GitRepository/flux-system/haynes-ops",
        "wait=true",
    ]);
    e2e.seed(&[
        "hr",
        "kube-system",
        "cilium",
        "version=1.18.4",
        "ks=kube-system/cilium",
        "chart=cilium",
    ]);
}

#[test]
fn edge_stabilization_on_a_healthy_edge() {
    let e2e = E2e::new(
        &[
            "edge-stabilization",
            "immutable-selector-remediation",
            "reconcile-app",
        ],
        &["healthy"],
    );
    canary(&e2e);
    e2e.run("edge-stabilization", &[("cluster", "edge")])
        .succeeded()
        .steps(
            "succeeded",
            &[
                "flux-check",
                "failing-helmreleases",
                "triage",
                "reconcile-root",
                "find-immutable",
                "pods-settled",
                "all-green",
                "canary-reconcile/reconcile-kustomization",
            ],
        )
        .steps(
            "skipped",
            &[
                "remediate-immutable",
                "park",
                "unpark",
                "canary-reconcile/reconcile-helmrelease",
            ],
        )
        .no_call("suspend")
        .calls_in_order(&[
            "flux --context edge check",
            "flux --context edge reconcile kustomization cluster -n flux-system --with-source",
            "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
            "flux --context edge get helmreleases -A --no-header",
            "kubectl --context edge get pods -A",
            "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
        ]);
}

/// edge-broken: sonarr is stuck on an immutable selector and tautulli is parked; the
/// runbook recovers sonarr, keeps tautulli parked while verifying, and resumes it.
#[test]
fn edge_stabilization_recovers_immutable_releases_and_unparks() {
    let e2e = E2e::new(
        &[
            "edge-stabilization",
            "immutable-selector-remediation",
            "reconcile-app",
        ],
        &["edge-broken"],
    );
    canary(&e2e);
    e2e.run(
        "edge-stabilization",
        &[("parked", "helmrelease/default/tautulli")],
    )
    .succeeded()
    .steps(
        "succeeded",
        &[
            "find-immutable",
            "remediate-immutable[default/sonarr]/suspend",
            "remediate-immutable[default/sonarr]/delete-workload[deployment.apps/sonarr]",
            "remediate-immutable[default/sonarr]/resume",
            "remediate-immutable[default/sonarr]/verify-ready",
            "park[helmrelease/default/tautulli]",
            "all-green",
            "unpark[helmrelease/default/tautulli]",
        ],
    )
    .calls_in_order(&[
        "flux --context edge suspend helmrelease sonarr -n default",
        "kubectl --context edge -n default delete deployment.apps/sonarr",
        "flux --context edge resume helmrelease sonarr -n default",
        "flux --context edge suspend helmrelease tautulli -n default",
        "flux --context edge get helmreleases -A --no-header",
        "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
        "flux --context edge resume helmrelease tautulli -n default --wait=false",
    ]);
    assert!(
        !e2e.state("hr/default/tautulli/suspended").exists(),
        "tautulli is still parked"
    );
    assert_eq!(
        fs::read_to_string(e2e.state("hr/default/sonarr/ready")).unwrap(),
        "True"
    );
}

// ---------------------------------------------------------------- components-over-templates

#[test]
fn components_over_templates_renders_before_and_after() {
    let e2e = E2e::new(
        &["components-over-templates", "reconcile-app"],
        &["healthy"],
    )
    .checkout("edge", |_| {});
    let run = e2e.run("components-over-templates", &[("repo", REPO)]);
    run.succeeded()
        .steps(
            "succeeded",
            &[
                "template-consumers",
                "component-usage",
                "duplicate-components",
                "render-before",
                "migrate-consumer",
                "render-after",
                "commit",
                "record-commit",
                "reconcile/reconcile-kustomization",
                "no-failures",
                "remove-templates",
            ],
        )
        .shows("no reference to shared/templates")
        .shows("near-duplicate: common/gatus/guarded gatus/gaurded")
        .shows("near-duplicate: common/gatus/external gatus/external")
        .shows("rendered output unchanged")
        .calls_in_order(&[
            "kubectl kustomize kubernetes/edge/apps",
            "kubectl kustomize kubernetes/edge/apps",
            "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
            "flux --context edge get kustomizations -A --no-header --status-selector ready=false",
        ]);
    let renders = run
        .calls
        .iter()
        .filter(|c| c.starts_with("kubectl kustomize "))
        .count();
    assert!(
        renders >= 10 && renders % 2 == 0,
        "{renders} renders:\n{}",
        run.report()
    );
}

/// A refactor that changes the rendered output is caught by the diff.
#[test]
fn components_over_templates_catches_a_render_change() {
    let e2e = E2e::new(
        &["components-over-templates", "reconcile-app"],
        &["healthy"],
    )
    .checkout("edge", |_| {});
    // the first render of cilium/app is the "before"; the operator's edit lands before the second
    let cilium = "^kubectl kustomize kubernetes/edge/apps/kube-system/cilium/app$";
    let helmrelease = e2e
        .repo()
        .join("kubernetes/edge/apps/kube-system/cilium/app/helmrelease.yaml");
    e2e.hook(cilium, "true").hook(
        cilium,
        &format!(
            "sed -i 's/^  interval: 30m$/  interval: 1h/' {}",
            helmrelease.display()
        ),
    );
    let run = e2e.run("components-over-templates", &[("repo", REPO)]);
    run.failed()
        .steps("failed", &["render-after"])
        .not_journaled("commit")
        .shows("interval: 1h");
}

// ---------------------------------------------------------------- flux-global-patches

/// The operator's stage A and B edits of `kubernetes/edge/flux/apps.yaml`.
fn global_patches(repo: &Path) {
    let apps = repo.join("kubernetes/edge/flux/apps.yaml");
    let mut text = fs::read_to_string(&apps).unwrap();
    text.push_str(
        "  patches:\n    - patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata:\n          name: _\n        spec:\n          deletionPolicy: WaitForTermination\n          patches:\n            - patch: |-\n                apiVersion: helm.toolkit.fluxcd.io/v2\n                kind: HelmRelease\n                metadata:\n                  name: _\n                spec:\n                  upgrade:\n                    remediation:\n                      retries: 2\n              target:\n                group: helm.toolkit.fluxcd.io\n                kind: HelmRelease\n      target:\n        group: kustomize.toolkit.fluxcd.io\n        kind: Kustomization\n",
    );
    fs::write(apps, text).unwrap();
}

#[test]
fn flux_global_patches_lands_the_defaults_on_edge() {
    let e2e = E2e::new(&["flux-global-patches"], &["healthy"]).checkout("edge", global_patches);
    canary(&e2e);
    // the nested patch reaches cilium's HelmRelease when its Kustomization is applied
    e2e.seed(&["hr", "kube-system", "cilium", "git_retries=2"]);
    e2e.run("flux-global-patches", &[("cluster", "edge"), ("repo", REPO)])
        .succeeded()
        .steps(
            "succeeded",
            &["baseline", "duplicated-blocks", "stage-a", "stage-a-commit", "stage-a-reconcile", "stage-b", "stage-b-commit", "stage-b-reconcile", "stage-c"],
        )
        .calls_in_order(&[
            "flux --context edge get kustomizations -A --status-selector ready=false",
            "flux --context edge reconcile kustomization cluster -n flux-system --with-source",
            "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
            "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
            "kubectl --context edge -n kube-system get helmrelease cilium -o jsonpath=\\{.spec.upgrade.remediation.retries\\}",
        ]);
    assert_eq!(
        fs::read_to_string(e2e.state("hr/kube-system/cilium/retries")).unwrap(),
        "2"
    );
}

// ---------------------------------------------------------------- flux-kustomization-namespace-moves

fn plex_in_flux_system(e2e: &E2e) {
    e2e.seed(&[
        "ks",
        "flux-system",
        "plex",
        "source=GitRepository/flux-system/haynes-ops",
        "path=./kubernetes/main/apps/media/plex/app",
    ]);
    fs::write(
        e2e.state("ks/flux-system/plex/inventory"),
        "media_config-plex__PersistentVolumeClaim\nmedia_plex_apps_StatefulSet\nmedia_plex_helm.toolkit.fluxcd.io_HelmRelease\n",
    )
    .unwrap();
    e2e.seed(&[
        "hr",
        "media",
        "plex",
        "version=3.7.3",
        "ks=flux-system/plex",
        "workload_kind=statefulset",
    ]);
    e2e.seed(&["workload", "media", "statefulset", "plex", "plex"]);
    e2e.seed(&[
        "object",
        "pvc",
        "media",
        "config-plex",
        "field.metadata.uid=4f1c-config-plex",
    ]);
}

const MOVE_VARS: &[(&str, &str)] = &[
    ("cluster", "main"),
    ("repo", REPO),
    ("app", "plex"),
    ("to_namespace", "media"),
    ("workload_namespace", "media"),
];

#[test]
fn flux_kustomization_namespace_move_keeps_the_claims() {
    let e2e = E2e::new(
        &["flux-kustomization-namespace-moves"],
        &["healthy", "main"],
    )
    .checkout("main", |_| {});
    plex_in_flux_system(&e2e);
    let seed = fakes().join("seed.sh");
    let seed = seed.display();
    // the operator protects the claim and turns pruning off (protect), moves the object in
    // Git (move), and turns pruning back on (restore-pruning)
    e2e.hook(
        r"^kubectl --context main -n flux-system get kustomization plex -o jsonpath=\\\{\.spec\.prune\\\}$",
        &format!("{seed} object pvc media config-plex labels=kustomize.toolkit.fluxcd.io/prune=disabled && {seed} ks flux-system plex prune=false"),
    )
    .hook(
        "^flux --context main reconcile kustomization cluster-apps",
        &format!("{seed} ks flux-system plex git_namespace=media"),
    )
    .hook(
        r"^kubectl --context main -n media get kustomization plex -o jsonpath=\\\{\.spec\.prune\\\}$",
        &format!("{seed} ks media plex prune=true"),
    );
    let run = e2e.run("flux-kustomization-namespace-moves", MOVE_VARS);
    run.succeeded()
        .steps("succeeded", &["inventory", "claims-before", "protect", "reconcile-old", "move", "reconcile-new", "claims-kept", "restore-pruning"])
        .shows("media_config-plex__PersistentVolumeClaim")
        .calls_in_order(&[
            "kubectl --context main -n media get pvc",
            "flux --context main reconcile kustomization plex -n flux-system --with-source",
            "flux --context main reconcile kustomization cluster-apps -n flux-system --with-source",
            "flux --context main reconcile kustomization plex -n media --with-source",
            "kubectl --context main -n flux-system get kustomization plex --ignore-not-found -o name",
            "kubectl --context main -n media get pvc",
        ]);
    assert!(!e2e.state("pruned").exists(), "a claim was pruned");
    assert_eq!(
        fs::read_to_string(e2e.state("hr/media/plex/ks")).unwrap(),
        "media/plex"
    );
}

/// Moving while the old object still prunes garbage-collects the claim: the fake
/// recreates it with a new UID and the claims-kept check stops the run.
#[test]
fn flux_kustomization_namespace_move_without_protection_loses_the_claim() {
    let e2e = E2e::new(
        &["flux-kustomization-namespace-moves"],
        &["healthy", "main"],
    )
    .checkout("main", |_| {});
    plex_in_flux_system(&e2e);
    let seed = fakes().join("seed.sh");
    let seed = seed.display();
    // the operator only flips .spec.prune on the cluster view the check reads, too late for
    // the object Flux deletes: the move lands with pruning still on
    e2e.hook(
        r"^kubectl --context main -n flux-system get kustomization plex -o jsonpath=\\\{\.spec\.prune\\\}$",
        &format!("{seed} ks flux-system plex prune=false"),
    )
    .hook(
        "^flux --context main reconcile kustomization cluster-apps",
        &format!("{seed} ks flux-system plex prune=true git_namespace=media"),
    );
    let run = e2e.run("flux-kustomization-namespace-moves", MOVE_VARS);
    run.failed()
        .steps("succeeded", &["protect", "reconcile-new"])
        .steps("failed", &["claims-kept"]);
    assert!(
        fs::read_to_string(e2e.state("objects/pvc/media/config-plex/field.metadata.uid"))
            .unwrap()
            .ends_with("-recreated")
    );
    assert_eq!(
        fs::read_to_string(e2e.state("pruned")).unwrap(),
        "pvc media config-plex\n"
    );
}

// ---------------------------------------------------------------- flux-operator-migration

#[test]
fn flux_operator_migration_hands_flux_to_the_operator() {
    let e2e = E2e::new(&["flux-operator-migration"], &["healthy"]).checkout("edge", |_| {});
    e2e.seed(&["ks", "flux-system", "flux-operator", "wait=true"]);
    e2e.seed(&[
        "hr",
        "flux-system",
        "flux-operator",
        "chart=flux-operator",
        "version=0.33.0",
        "ks=flux-system/flux-operator",
    ]);
    e2e.seed(&["ks", "flux-system", "flux-instance", "wait=true"]);
    e2e.seed(&[
        "object",
        "fluxinstance",
        "flux-system",
        "flux",
        "ready=True",
    ]);
    let repo = e2e.repo();
    // the operator retires the bootstrap manifests once the instance took over
    e2e.hook(
        "^flux --context edge reconcile kustomization flux-instance",
        &format!(
            "git -C {} rm -q -r kubernetes/edge/bootstrap/flux && git -C {} commit -q -m 'bootstrap: retire the flux2 install'",
            repo.display(),
            repo.display()
        ),
    );
    e2e.run(
        "flux-operator-migration",
        &[("cluster", "edge"), ("repo", REPO)],
    )
    .succeeded()
    .steps(
        "succeeded",
        &[
            "record-bootstrap",
            "baseline",
            "add-operator",
            "operator-commit",
            "operator-running",
            "add-instance",
            "instance-commit",
            "instance-ready",
            "retire-bootstrap",
            "soak",
        ],
    )
    .shows("flux2/manifests/install")
    .calls_in_order(&[
        "flux --context edge check",
        "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
        "flux --context edge reconcile kustomization flux-operator -n flux-system --with-source",
        "kubectl get helmrelease flux-operator -n flux-system -o json --context edge",
        "flux --context edge reconcile kustomization flux-instance -n flux-system --with-source",
        "kubectl --context edge -n flux-system get fluxinstance flux",
    ]);
}

// ---------------------------------------------------------------- gateway-api-migration

#[test]
fn gateway_api_migration_moves_a_batch_to_httproutes() {
    let e2e = E2e::new(&["gateway-api-migration"], &["healthy"]).checkout("edge", |_| {});
    for crd in [
        "gateways.gateway.networking.k8s.io",
        "httproutes.gateway.networking.k8s.io",
    ] {
        e2e.seed(&[
            "object",
            "crd",
            "_",
            crd,
            "field.spec.group=gateway.networking.k8s.io",
        ]);
    }
    e2e.seed(&[
        "object",
        "gateway",
        "network",
        "external",
        r#"field.status.addresses=[{"type":"IPAddress","value":"192.168.42.20"}]"#,
    ]);
    fs::write(
        e2e.state("objects/gateway/network/external/conditions"),
        "Accepted True\nProgrammed True\n",
    )
    .unwrap();
    for app in ["sonarr", "radarr"] {
        e2e.seed(&[
            "object",
            "httproute",
            "default",
            app,
            r#"field.status.parents=[{"parentRef":{"name":"external","namespace":"network"},"conditions":[{"type":"Accepted","status":"True"},{"type":"ResolvedRefs","status":"True"}]}]"#,
        ]);
    }
    e2e.fake_tool("curl", "printf 200");
    e2e.run(
        "gateway-api-migration",
        &[("cluster", "edge"), ("repo", REPO), ("apps", "default/sonarr\ndefault/radarr"), ("probe_host", "sonarr.haynesnetwork.com")],
    )
    .succeeded()
    .steps(
        "succeeded",
        &["crds", "ingress-inventory", "add-gateway", "gateway-commit", "gateway-programmed", "migrate-batch", "batch-reconcile[default/sonarr]", "batch-reconcile[default/radarr]", "probe", "cut-over"],
    )
    .calls_in_order(&[
        "kubectl --context edge get crd gateways.gateway.networking.k8s.io httproutes.gateway.networking.k8s.io -o name",
        "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
        "kubectl --context edge -n network get gateway external",
        "flux --context edge reconcile helmrelease sonarr -n default --with-source",
        "kubectl --context edge -n default get httproute sonarr",
        "flux --context edge reconcile helmrelease radarr -n default --with-source",
        "curl -ksS -o /dev/null",
        "kubectl --context edge get ingress -A -o name",
    ]);
}

// ---------------------------------------------------------------- gatus-deployment-alignment

/// The controller type changes from Deployment to StatefulSet: Helm cannot patch the old
/// object, the remediation runbook recreates it.
#[test]
fn gatus_alignment_recreates_the_workload_as_a_statefulset() {
    let e2e = E2e::new(
        &[
            "gatus-deployment-alignment",
            "immutable-selector-remediation",
        ],
        &["healthy", "main"],
    )
    .checkout("main", |repo| {
        edit(
            &repo.join("kubernetes/main/apps/observability/gatus/app/helmrelease.yaml"),
            "  chartRef:\n    kind: OCIRepository\n    name: app-template\n",
            "  chartRef:\n    kind: OCIRepository\n    name: gatus\n",
        );
    });
    e2e.seed(&[
        "ks",
        "flux-system",
        "gatus",
        "source=GitRepository/flux-system/haynes-ops",
    ]);
    e2e.seed(&[
        "hr",
        "observability",
        "gatus",
        "version=3.7.3",
        "deployed_version=3.7.3",
        "target=4.1.1",
        "ks=flux-system/gatus",
        "source=OCIRepository/observability/gatus",
        "workload_kind=statefulset",
        "immutable=Deployment",
        "revision=5",
    ]);
    e2e.seed(&["workload", "observability", "deployment", "gatus", "gatus"]);
    e2e.run("gatus-deployment-alignment", &[("cluster", "main"), ("repo", REPO)])
        .succeeded()
        .steps(
            "succeeded",
            &[
                "current-shape",
                "substitution-guard",
                "align",
                "reconcile-ks",
                "reconcile-hr",
                "recreate-workload/suspend",
                "recreate-workload/delete-workload[deployment.apps/gatus]",
                "recreate-workload/resume",
                "recreate-workload/verify-ready",
                "healthy",
                "compare-clusters",
            ],
        )
        .calls_in_order(&[
            "flux --context main reconcile kustomization gatus -n flux-system --with-source",
            "flux --context main reconcile helmrelease gatus -n observability --with-source",
            "flux --context main suspend helmrelease gatus -n observability",
            "kubectl --context main -n observability delete deployment.apps/gatus",
            "flux --context main resume helmrelease gatus -n observability",
            "kubectl --context main -n observability get statefulset -l helm.toolkit.fluxcd.io/name=gatus -o name",
        ]);
    assert!(
        e2e.state("workloads/observability/statefulset/gatus")
            .exists()
    );
    assert!(
        !e2e.state("workloads/observability/deployment/gatus")
            .exists()
    );
}

// ---------------------------------------------------------------- health-signals-with-wait-false

#[test]
fn health_signals_finds_hidden_failures_and_gates_a_kustomization() {
    let e2e = E2e::new(&["health-signals-with-wait-false"], &["plex-rolled-back"]).checkout("edge", |repo| {
        edit(
            &repo.join("kubernetes/edge/apps/kube-system/cilium/ks.yaml"),
            "  wait: true\n  interval: 30m\n  timeout: 5m\n---\n",
            "  wait: true\n  interval: 30m\n  timeout: 5m\n  healthChecks:\n    - apiVersion: helm.toolkit.fluxcd.io/v2\n      kind: HelmRelease\n      name: cilium\n      namespace: kube-system\n---\n",
        );
    });
    canary(&e2e);
    e2e.seed(&[
        "object",
        "alerts.notification.toolkit.fluxcd.io",
        "flux-system",
        "alertmanager",
    ]);
    e2e.run(
        "health-signals-with-wait-false",
        &[
            ("cluster", "edge"),
            ("repo", REPO),
            ("gated", "kube-system/cilium"),
        ],
    )
    .succeeded()
    .steps(
        "succeeded",
        &[
            "hidden-failures",
            "wait-settings",
            "add-health-checks",
            "record-commit",
            "reconcile-gated",
            "alerts",
        ],
    )
    .shows("default/plex looks Ready but HelmRelease default/plex is Ready=False")
    .calls_in_order(&[
        "kubectl --context edge get kustomizations -A -o jsonpath=",
        "kubectl --context edge -n default get helmrelease plex",
        "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
        r"kubectl get helmreleases\,kustomizations\,gitrepositories\,ocirepositories\,helmcharts.source.toolkit.fluxcd.io\,buckets -A -o json --context edge",
        "kubectl --context edge get alerts.notification.toolkit.fluxcd.io -A -o name",
    ]);
}

// ---------------------------------------------------------------- repository-source-strategy

#[test]
fn repository_source_strategy_records_the_default_decision() {
    let e2e = E2e::new(&["repository-source-strategy"], &["healthy"]).checkout("edge", |_| {});
    e2e.run(
        "repository-source-strategy",
        &[("cluster", "edge"), ("repo", REPO)],
    )
    .succeeded()
    .steps(
        "succeeded",
        &[
            "current-usage",
            "fleet-upgrades",
            "decision",
            "record",
            "shared-source-ready",
            "per-app-pick",
            "converge",
        ],
    )
    .steps("skipped", &["per-app-convert", "per-app-reconcile"])
    .shows("releases still on spec.chart:")
    .calls_in_order(&[
        "kubectl --context edge -n flux-system get ocirepository app-template",
        "flux --context edge get helmreleases -A --no-header --status-selector ready=false",
    ]);
}

// ---------------------------------------------------------------- seed-secrets-and-removing-sops

#[test]
fn seed_secrets_moves_one_app_to_an_externalsecret() {
    let e2e = E2e::new(&["seed-secrets-and-removing-sops", "reconcile-app"], &["healthy"]).checkout("edge", |repo| {
        let app = repo.join("kubernetes/edge/apps/kube-system/cilium/app");
        write(&app.join("secret.sops.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cilium-secret\nstringData:\n  token: ENC[AES256_GCM,data:abc=,type:str]\nsops:\n  version: 3.9.0\n");
        edit(&app.join("kustomization.yaml"), "resources:\n", "resources:\n  - ./secret.sops.yaml\n");
    });
    canary(&e2e);
    e2e.seed(&[
        "object",
        "clustersecretstore",
        "_",
        "onepassword-connect",
        "ready=True",
    ]);
    e2e.seed(&[
        "object",
        "externalsecret",
        "kube-system",
        "cilium-secret",
        "ready=True",
    ]);
    e2e.seed(&[
        "object",
        "secret",
        "kube-system",
        "cilium-secret",
        "data.token=s3cr3t",
    ]);
    let app = e2e
        .repo()
        .join("kubernetes/edge/apps/kube-system/cilium/app");
    // once the Secret synced, the operator removes the SOPS file and commits
    e2e.hook(
        "^kubectl --context edge -n kube-system get secret cilium-secret",
        &format!(
            "git -C {app} rm -q secret.sops.yaml && sed -i '/secret.sops.yaml/d' {app}/kustomization.yaml && git -C {app} commit -q -am 'cilium: drop the SOPS secret'",
            app = app.display()
        ),
    );
    let run = e2e.run(
        "seed-secrets-and-removing-sops",
        &[
            ("cluster", "edge"),
            ("repo", REPO),
            ("app", "cilium"),
            ("namespace", "kube-system"),
            ("ks_namespace", "kube-system"),
            ("target", "cilium-secret"),
        ],
    );
    run.succeeded()
        .steps(
            "succeeded",
            &[
                "inventory",
                "store-ready",
                "no-plaintext",
                "copy-to-backend",
                "add-externalsecret",
                "reconcile-add/reconcile-kustomization",
                "secret-synced",
                "remove-sops",
                "reconcile-remove/reconcile-kustomization",
                "still-synced",
            ],
        )
        .shows("kube-system/cilium/app/secret.sops.yaml")
        .calls_in_order(&[
            "kubectl --context edge get clustersecretstore onepassword-connect",
            "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
            "kubectl --context edge -n kube-system get externalsecret cilium-secret",
            "kubectl --context edge -n kube-system get secret cilium-secret",
            "flux --context edge reconcile kustomization cilium -n kube-system --with-source",
            "flux --context edge events -A --types Warning",
        ]);
    assert!(!app.join("secret.sops.yaml").exists());
}

// ---------------------------------------------------------------- sops-scope-and-kustomization-namespacing

#[test]
fn sops_scope_lists_sops_files_outside_flux_vars() {
    let e2e = E2e::new(&["sops-scope-and-kustomization-namespacing"], &["healthy"]).checkout(
        "edge",
        |repo| {
            let sops =
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nsops:\n  version: 3.9.0\n";
            write(
                &repo.join("kubernetes/edge/flux/vars/cluster-secrets.sops.yaml"),
                sops,
            );
            write(
                &repo.join("kubernetes/edge/apps/kube-system/cilium/app/secret.sops.yaml"),
                sops,
            );
        },
    );
    let run = e2e.run(
        "sops-scope-and-kustomization-namespacing",
        &[
            ("cluster", "edge"),
            ("repo", REPO),
            ("namespace", "kube-system"),
        ],
    );
    run.succeeded()
        .steps(
            "succeeded",
            &[
                "sops-outside-vars",
                "namespaces-with-sops-component",
                "ks-needing-decryption",
                "edit",
                "record-commit",
                "reconcile",
            ],
        )
        .shows("kubernetes/edge/apps/kube-system/cilium/app/secret.sops.yaml")
        .hides("kubernetes/edge/flux/vars/cluster-secrets.sops.yaml")
        .shows("./cilium/ks.yaml path=./kubernetes/edge/apps/kube-system/cilium/app sops_files=1")
        .calls_in_order(&[
            "flux --context edge reconcile kustomization cluster -n flux-system --with-source",
            "flux --context edge reconcile kustomization cluster-apps -n flux-system --with-source",
            "flux --context edge events -A --types Warning",
        ]);
}

// ---------------------------------------------------------------- cloudflare-tunnel

#[test]
fn cloudflare_tunnel_deploys_and_validates() {
    let e2e = E2e::new(
        &["cloudflare-tunnel", "reconcile-app"],
        &["healthy", "main"],
    )
    .checkout("main", |_| {});
    e2e.seed(&[
        "ks",
        "network",
        "cloudflare-tunnel",
        "source=GitRepository/flux-system/haynes-ops",
        "wait=true",
    ]);
    e2e.seed(&[
        "hr",
        "network",
        "cloudflare-tunnel",
        "chart=app-template",
        "version=4.1.1",
        "ks=network/cloudflare-tunnel",
    ]);
    e2e.seed(&[
        "workload",
        "network",
        "deployment",
        "cloudflare-tunnel",
        "cloudflare-tunnel",
    ]);
    e2e.seed(&[
        "object",
        "externalsecret",
        "network",
        "cloudflare-tunnel",
        "ready=True",
    ]);
    e2e.fake_tool("getent", "printf '%s %s\\n' 2606:4700::6810:84e5 \"$2\"");
    e2e.fake_tool("curl", "printf 'HTTP/2 302\\r\\ndate: Thu, 26 Nov 2026 10:00:00 GMT\\r\\nserver: cloudflare\\r\\n\\r\\n'");
    e2e.run("cloudflare-tunnel", &[("cluster", "main"), ("repo", REPO)])
        .succeeded()
        .steps(
            "succeeded",
            &["dns01", "create-tunnel", "add-app", "app-commit", "deploy/reconcile-kustomization", "deploy/reconcile-helmrelease", "connected", "dns-target", "repoint-routes", "validate", "wan-check"],
        )
        .calls_in_order(&[
            "flux --context main reconcile kustomization cloudflare-tunnel -n network --with-source",
            "flux --context main reconcile helmrelease cloudflare-tunnel -n network --with-source",
            "kubectl --context main -n network rollout status deployment/cloudflare-tunnel --timeout=5m",
            "kubectl --context main -n network get externalsecret cloudflare-tunnel",
            "getent hosts ingress-ext.haynesnetwork.com",
            "curl -sSI --max-time 15 https://authentik.haynesnetwork.com/",
        ]);
}
