//! `runbook test`: scenarios beside each runbook (`runbooks/<name>.test.toml`) that run
//! the real binary against command doubles and judge the journal, the calls and the repo
//! fixture. `spec` reads test files, `double` is the shim callback, `scenario` runs one
//! scenario, `expect` judges it, `report` renders JSON and JUnit. Never touches the
//! operator's `.runbook/`; only `commands::test` prints.

pub mod double;
pub mod expect;
pub mod fixture;
pub mod pattern;
pub mod raw;
pub mod report;
pub mod scenario;
pub mod scripted;
pub mod spec;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use expect::Mismatch;
use spec::TestFile;

use crate::runbook::model::Project;

/// How one scenario went.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub file: String,
    pub runbook: String,
    pub scenario: String,
    pub passed: bool,
    pub mismatches: Vec<Mismatch>,
    /// The harness itself failed (a fixture could not be copied, the binary not started).
    pub error: Option<String>,
    pub exit: Option<i32>,
    pub calls: Vec<String>,
    pub transcript: String,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// Runs one scenario and judges it; repo fixtures come from `fixtures`.
pub fn run_one(
    exe: &Path,
    project: &Project,
    fixtures: &fixture::Fixtures,
    test: &TestFile,
    index: usize,
) -> Outcome {
    let scenario = &test.scenarios[index];
    let started = Instant::now();
    let mut outcome = Outcome {
        file: test.display.clone(),
        runbook: test.runbook.clone(),
        scenario: scenario.name.clone(),
        passed: false,
        mismatches: Vec::new(),
        error: None,
        exit: None,
        calls: Vec::new(),
        transcript: String::new(),
        duration: Duration::ZERO,
    };
    match scenario::run(exe, project, fixtures, test, scenario) {
        Ok((observed, _workspace)) => {
            outcome.mismatches = expect::judge(&scenario.expect, &observed);
            outcome.exit = observed.exit;
            outcome.calls = observed.calls.iter().map(double::Call::line).collect();
            outcome.transcript = observed.transcript;
            outcome.passed = outcome.mismatches.is_empty();
        }
        Err(e) => outcome.error = Some(e.to_string()),
    }
    outcome.duration = started.elapsed();
    outcome
}

/// Runs every `(file, scenario index)` on up to `workers` threads, calling `done` as each
/// finishes; returns the outcomes in the order given.
pub fn run_all(
    exe: &Path,
    project: &Project,
    jobs: &[(Arc<TestFile>, usize)],
    workers: usize,
    mut done: impl FnMut(&Outcome),
) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; jobs.len()]);
    let (tx, rx) = mpsc::channel::<Outcome>();
    let fixtures = fixture::Fixtures::new();
    std::thread::scope(|s| {
        for _ in 0..workers.clamp(1, jobs.len().max(1)) {
            let tx = tx.clone();
            let (next, results, fixtures) = (&next, &results, &fixtures);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((test, index)) = jobs.get(i) else {
                        break;
                    };
                    let outcome = run_one(exe, project, fixtures, test, *index);
                    let _ = tx.send(outcome.clone());
                    results.lock().expect("no worker panics")[i] = Some(outcome);
                }
            });
        }
        drop(tx);
        for outcome in rx {
            done(&outcome);
        }
    });
    results
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .flatten()
        .collect()
}

/// The project's test files for the runbooks `names` (all when empty), validated; the
/// problems of every file that failed validation come back located.
pub fn load_tests(
    catalog: &crate::runbook::load::Catalog,
    cwd: &Path,
    names: &[String],
) -> crate::error::Result<(
    Vec<Arc<TestFile>>,
    Vec<crate::runbook::diagnostic::Diagnostic>,
)> {
    use crate::runbook::discover::{display_path, test_files};
    use crate::runbook::source::SourceFile;
    let mut tests = Vec::new();
    let mut problems = Vec::new();
    for path in test_files(&catalog.project)? {
        let (source, invalid_at) = SourceFile::read(&path, display_path(&path, cwd))
            .map_err(|e| crate::error::Error::io("read", &path, e))?;
        let (test, mut found) = spec::load(&source, &catalog.runbooks);
        if let Some(at) = invalid_at {
            found.push(
                crate::runbook::diagnostic::Diagnostic::error("the file is not valid UTF-8")
                    .at(&source, at..at),
            );
        }
        let test = test.filter(|_| invalid_at.is_none());
        let runbook = test
            .as_ref()
            .map_or_else(|| spec::runbook_of(&path), |t| t.runbook.clone());
        if !names.is_empty() && !names.contains(&runbook) {
            continue;
        }
        problems.extend(found);
        tests.extend(test.map(|mut t| {
            t.closure = catalog.closure(&t.runbook);
            Arc::new(t)
        }));
    }
    Ok((tests, problems))
}
