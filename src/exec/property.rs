//! Property test of the one rule the engine rests on: at every point of a run, the live
//! state equals the replay of the journal written so far. Generated walks (random
//! outcomes, retries, skips, `foreach`, `needs`, interrupts, kills, resumes, rollbacks,
//! operator answers) drive the real engine against `sh`; `Recorder::append` asserts the
//! rule after every record (under `cfg(test)`), and each session's end is compared again.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use super::events::Recording;
use super::interrupt::Interrupt;
use super::prompter::{
    Answer, AskView, FailureChoice, FailureView, Prompter, ReverifyChoice, StepChoice, StepView,
    UnfinishedChoice, UnknownChoice,
};
use super::rollback::plan;
use super::scope::Scope;
use super::session::{FromStep, Mode, Options, Session, Setup};
use crate::journal::record::{Choice, Entry};
use crate::journal::recorder::Recorder;
use crate::journal::replay::{RunState, replay};
use crate::journal::store::Store;
use crate::runbook::load::Catalog;
use crate::runbook::model::{Project, Var};

/// xorshift64*: deterministic per seed, no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A step command that fails on the listed calls (counted in a file per step).
fn command(counter: &str, fails: &[u64]) -> String {
    let fails: String = fails.iter().map(|f| format!(" {f}")).collect();
    format!(
        "c=$(cat {counter} 2>/dev/null || echo 0); c=$((c+1)); echo $c > {counter}; case \"{fails} \" in *\" $c \"*) exit 1;; esac; echo v$c"
    )
}

fn generate(rng: &mut Rng) -> String {
    let mut toml = String::from("[runbook]\ntitle = \"Generated\"\n");
    let steps = 3 + rng.below(4);
    for i in 0..steps {
        let fails: Vec<u64> = (1..=4).filter(|_| rng.chance(30)).collect();
        let _ = write!(toml, "\n[[step]]\nid = \"s{i}\"\n");
        match rng.below(8) {
            0 => toml.push_str("manual = \"Do it by hand.\"\n"),
            1 => {
                toml.push_str("foreach = { var = \"x\", in = [\"a\", \"b\"] }\n");
                let run = command(&format!("c.s{i}.{{{{ x }}}}"), &fails);
                let _ = writeln!(toml, "run = '{run}'");
            }
            _ => {
                let _ = writeln!(toml, "run = '{}'", command(&format!("c.s{i}"), &fails));
                if rng.chance(30) {
                    let _ = writeln!(toml, "capture = \"v{i}\"");
                }
                if rng.chance(30) {
                    toml.push_str("retry = { attempts = 2, delay = \"1ms\" }\n");
                }
            }
        }
        if i > 0 && rng.chance(25) {
            let _ = writeln!(toml, "needs = [\"s{}\"]", rng.below(i));
        }
        for (key, value) in [
            ("checkpoint", "true"),
            ("idempotent", "true"),
            ("reverify", "false"),
        ] {
            if rng.chance(25) {
                let _ = writeln!(toml, "{key} = {value}");
            }
        }
        let on_failure = ["ask", "halt", "continue", "rollback"][rng.below(4) as usize];
        let _ = writeln!(toml, "on-failure = \"{on_failure}\"");
        if rng.chance(40) {
            let _ = write!(
                toml,
                "\n[[step.verify]]\nrun = \"test -f c.s{i} || test -f c.s{i}.a\"\n"
            );
        }
        if rng.chance(60) {
            let undo = if rng.chance(20) { "false" } else { "true" };
            let _ = write!(toml, "\n[[step.rollback]]\nrun = \"{undo}\"\n");
        }
    }
    toml
}

/// Answers every question at random; sometimes Ctrl-C arrives as it answers.
struct Scripted<'r> {
    rng: &'r mut Rng,
    interrupt: Interrupt,
}

impl Scripted<'_> {
    fn maybe_interrupt(&mut self) {
        if self.rng.chance(8) {
            self.interrupt.raise();
        }
    }
}

impl Prompter for Scripted<'_> {
    fn offer_step(&mut self, _: &StepView) -> Answer<StepChoice> {
        self.maybe_interrupt();
        Ok([
            StepChoice::Run,
            StepChoice::Run,
            StepChoice::Run,
            StepChoice::Skip,
        ][self.rng.below(4) as usize])
    }
    fn confirm(&mut self, _: &StepView) -> Answer<bool> {
        Ok(true)
    }
    fn manual(&mut self, _: &StepView, _: &str) -> Answer<StepChoice> {
        Ok([StepChoice::Run, StepChoice::Skip, StepChoice::Abort][self.rng.below(3) as usize])
    }
    fn ask(&mut self, ask: &AskView) -> Answer<String> {
        Ok(ask.default.clone().unwrap_or_default())
    }
    fn failure(&mut self, _: &FailureView) -> Answer<FailureChoice> {
        Ok([
            FailureChoice::Retry,
            FailureChoice::Skip,
            FailureChoice::Rollback,
            FailureChoice::Abort,
        ][self.rng.below(4) as usize])
    }
    fn unknown_outcome(&mut self, _: &StepView) -> Answer<UnknownChoice> {
        Ok([
            UnknownChoice::Rerun,
            UnknownChoice::MarkDone,
            UnknownChoice::Skip,
            UnknownChoice::Abort,
        ][self.rng.below(4) as usize])
    }
    fn reverify_failed(&mut self, _: &FailureView) -> Answer<ReverifyChoice> {
        Ok([
            ReverifyChoice::Rerun,
            ReverifyChoice::Keep,
            ReverifyChoice::Abort,
        ][self.rng.below(3) as usize])
    }
    fn unfinished_run(&mut self, _: &str, _: &str) -> Answer<UnfinishedChoice> {
        Ok(UnfinishedChoice::Resume)
    }
    fn variable(&mut self, _: &Var) -> Answer<String> {
        Ok(String::new())
    }
    fn approve_rollback(&mut self, _: &str) -> Answer<bool> {
        Ok(true)
    }
    fn shell(&mut self, _: &Path, _: &BTreeMap<String, String>) -> Answer<()> {
        Ok(())
    }
}

/// Everything one generated walk needs.
struct World {
    dir: tempfile::TempDir,
    catalog: Catalog,
    store: Store,
    run_id: String,
}

impl World {
    fn new(toml: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let runbooks = dir.path().join("runbooks");
        std::fs::create_dir_all(&runbooks).expect("runbooks/");
        std::fs::write(runbooks.join("gen.toml"), toml).expect("write runbook");
        let project = Project {
            root: dir.path().to_path_buf(),
            runbooks_dir: runbooks,
        };
        let catalog = Catalog::load(project, dir.path()).expect("generated runbook is valid");
        let store = Store::new(dir.path().join(".runbook"));
        let run_id = store.new_run_id("gen");
        Self {
            dir,
            catalog,
            store,
            run_id,
        }
    }

    fn replayed(&self) -> RunState {
        replay(
            &self
                .store
                .load(&self.run_id)
                .expect("journal reads")
                .records,
        )
    }

    /// One process's session: a walk (new or resumed) or a rollback. Returns the live
    /// state at its end.
    fn session(&self, rng: &mut Rng, state: RunState, rollback: bool) -> RunState {
        let runbook = self.catalog.get("gen").expect("runbook");
        let path = self.store.journal_path(&self.run_id);
        let mut recorder = Recorder::open(&path, state).expect("open journal");
        let fresh = recorder.state().records == 0;
        let entry = if fresh {
            Entry::RunStarted {
                run_id: self.run_id.clone(),
                runbook: "gen".into(),
                digest: runbook.digest.clone(),
                step_digests: BTreeMap::new(),
                vars: BTreeMap::new(),
                mode: Mode::Interactive,
                pid: 1,
                host: "test".into(),
                user: String::new(),
            }
        } else {
            Entry::RunResumed {
                digest: runbook.digest.clone(),
                mode: Mode::Interactive,
                pid: 1,
                host: "test".into(),
                user: String::new(),
            }
        };
        let mut from = None;
        if !rollback {
            recorder.append(entry).expect("append");
            if !fresh && rng.chance(20) {
                let step = format!("s{}", rng.below(runbook.steps.len() as u64));
                recorder
                    .append(Entry::Decision {
                        step: Some(step.clone()),
                        choice: Choice::ResumeFrom,
                        steps: Vec::new(),
                    })
                    .expect("append");
                from = Some(FromStep::Again(step));
            }
        }
        let interrupt = Interrupt::default();
        let mut prompter = Scripted {
            rng,
            interrupt: interrupt.clone(),
        };
        let mut reporter = Recording::default();
        let scope = Scope::new(Arc::clone(&runbook), String::new(), BTreeMap::new());
        let setup = Setup {
            catalog: &self.catalog,
            store: self.store.clone(),
            run_id: self.run_id.clone(),
            recorder,
            interrupt,
            options: Options {
                mode: Mode::Interactive,
                dry_run: false,
                no_reverify: false,
                operator: true,
                from,
                poll_interval: None,
            },
            cwd: self.dir.path().to_path_buf(),
            scope: scope.clone(),
            environment: BTreeMap::new(),
        };
        let mut session = Session::new(setup, &mut reporter, &mut prompter);
        if rollback {
            if let Ok(plan) = plan(session.state(), None)
                && !plan.steps.is_empty()
            {
                session.execute_rollback(&plan).expect("rollback runs");
            }
        } else {
            let mut scope = scope;
            session.execute(&mut scope, None).expect("walk runs");
        }
        session.state().clone()
    }

    /// A process killed at a random record: the journal ends there.
    fn kill(&self, rng: &mut Rng) {
        let path = self.store.journal_path(&self.run_id);
        let text = std::fs::read_to_string(&path).expect("journal");
        let lines: Vec<&str> = text.lines().collect();
        let keep = 1 + rng.below(lines.len() as u64) as usize;
        std::fs::write(&path, lines[..keep].join("\n") + "\n").expect("truncate");
    }
}

/// What a journal exercised: record types, outcomes and decisions.
fn exercised(world: &World, seen: &mut std::collections::BTreeSet<String>) {
    for record in world.store.load(&world.run_id).expect("journal").records {
        let entry = &record.entry;
        seen.insert(entry.type_name().to_string());
        match entry {
            Entry::StepFinished { outcome, .. } => seen.insert(format!("outcome {outcome}")),
            Entry::Decision { choice, .. } => seen.insert(format!("decision {choice}")),
            Entry::RollbackStep { outcome, .. } => seen.insert(format!("undo {outcome}")),
            _ => false,
        };
    }
}

#[test]
fn live_state_equals_the_replay_of_the_journal_for_generated_walks() {
    let mut seen = std::collections::BTreeSet::new();
    for seed in 1..=40_u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let toml = generate(&mut rng);
        let world = World::new(&toml);
        let mut state = RunState::default();
        for round in 0..5 {
            let rollback = round > 0 && rng.chance(30);
            let live = world.session(&mut rng, state, rollback);
            let replayed = world.replayed();
            assert_eq!(live, replayed, "seed {seed}, round {round}:\n{toml}");
            if !replayed.resumable() {
                break;
            }
            if rng.chance(25) {
                world.kill(&mut rng);
            }
            state = world.replayed();
        }
        exercised(&world, &mut seen);
    }
    // The generator must keep reaching the paths the property is about.
    for wanted in [
        "run-resumed",
        "interrupted",
        "rollback-finished",
        "outcome failed",
        "outcome skipped",
        "decision failure-retry",
        "decision unknown-rerun",
        "undo failed",
        "decision resume-from",
    ] {
        assert!(
            seen.contains(wanted),
            "no walk reached `{wanted}`: {seen:?}"
        );
    }
}
