//! End to end: every shipped runbook walked with `--yes` against the stateful fake cluster
//! (`tests/fakes`: `flux` and `kubectl` keep their state in `$FAKE_CLUSTER`) and, for the
//! repo-level steps, a real git checkout of the haynes-ops fixture with the real
//! `kubectl kustomize`. Each test asserts the exit code, the journal (`runbook log
//! --json`) and the order of the calls the fakes received (`calls.log`).
//!
//! The operator's part of a manual step (a Git edit, a controller catching up) is played
//! either before the run, when no earlier step reads it, or by a fake-cluster hook that
//! fires on a given call (see `tests/fakes/README.md`, "Hooks").

//!
//! The repositories are built from `tests/fixtures/repos/<layout>/` (synthetic trees
//! modelled on public home-ops layouts: `two-cluster` with shared sources, `single-cluster`
//! with per-app sources and Flux `spec.components`, `per-namespace` with an app-template
//! source stamped into each namespace by a kustomize Component), so these tests need
//! nothing beside the repository. `snapshot.rs` runs a few runbooks on the real haynes-ops
//! snapshot in `../shared/fixtures/haynes-ops` when it is there and skips with a notice
//! when it is not.

mod apps;
mod chartref;
mod e2e;
mod flux_moves;
mod major_upgrade;
mod remediation;
mod run;
mod secrets;
mod snapshot;
mod stabilization;

/// Every runbook that reads the checkout detects its layout with the same script: a
/// fix to one copy must reach them all (runbooks cannot include files).
#[test]
fn every_runbook_uses_the_same_layout_script() {
    use std::fs;
    let dir = crate::support::repo_root().join("runbooks");
    let mut copies = Vec::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue; // runbooks/fixtures/ and the like
        }
        let text = fs::read_to_string(&path).unwrap();
        if let Some(start) = text.find("LAYOUT_SH = '''\n") {
            let body = &text[start..];
            let end = body[16..].find("'''").unwrap() + 16;
            copies.push((
                path.file_name().unwrap().to_string_lossy().into_owned(),
                body[..end].to_string(),
            ));
        }
        if text.contains("{{ repo }}") {
            assert!(
                text.contains("LAYOUT_SH"),
                "{} reads the checkout without detecting the layout",
                path.display()
            );
        }
    }
    assert!(copies.len() >= 12, "{copies:?}");
    let (first, script) = &copies[0];
    for (name, other) in &copies[1..] {
        assert_eq!(other, script, "LAYOUT_SH of {name} differs from {first}");
    }
}
