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
mod validator;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use expect::Mismatch;
use spec::TestFile;

use crate::runbook::diagnostic::Diagnostic;
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

/// A test file read and checked as far as it can be without the runbooks.
pub struct PreparedTest {
    /// Where the text stops being UTF-8, if it does.
    invalid_at: Option<usize>,
    prepared: spec::Prepared,
}

/// Every test file of `project`, read and prepared ([`spec::prepare`]): this needs no
/// runbook, so it can run while the catalog loads.
pub fn prepare_tests(project: &Project, cwd: &Path) -> crate::error::Result<Vec<PreparedTest>> {
    use crate::runbook::discover::{display_path, test_files};
    use crate::runbook::source::SourceFile;
    let mut prepared = Vec::new();
    for path in test_files(project)? {
        let (source, invalid_at) = SourceFile::read(&path, display_path(&path, cwd))
            .map_err(|e| crate::error::Error::io("read", &path, e))?;
        prepared.push(PreparedTest {
            prepared: spec::prepare(&source),
            invalid_at,
        });
    }
    Ok(prepared)
}

/// Completes `prepared` against `catalog`'s runbooks and keeps the files that test
/// `names` (all when empty), with their problems.
pub fn finish_tests(
    prepared: Vec<PreparedTest>,
    catalog: &crate::runbook::load::Catalog,
    names: &[String],
) -> (Vec<Arc<TestFile>>, Vec<Diagnostic>) {
    let mut tests = Vec::new();
    let mut problems = Vec::new();
    for PreparedTest {
        invalid_at,
        prepared,
    } in prepared
    {
        let source = prepared.source().clone();
        let (test, mut found) = prepared.finish(&catalog.runbooks);
        if let Some(at) = invalid_at {
            found.push(Diagnostic::error("the file is not valid UTF-8").at(&source, at..at));
        }
        let test = test.filter(|_| invalid_at.is_none());
        let runbook = test
            .as_ref()
            .map_or_else(|| spec::runbook_of(source.path()), |t| t.runbook.clone());
        if !names.is_empty() && !names.contains(&runbook) {
            continue;
        }
        problems.extend(found);
        tests.extend(test.map(|mut t| {
            t.closure = catalog.closure(&t.runbook);
            Arc::new(t)
        }));
    }
    (tests, problems)
}
