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
mod secrets;
mod snapshot;
mod stabilization;
