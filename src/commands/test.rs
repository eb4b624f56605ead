//! `runbook test [NAME…] [--scenario GLOB] [--json] [--junit FILE]`: runs the scenarios
//! of the runbooks' test files in parallel and reports like `cargo test`: one line per
//! scenario, then each failure with expected against actual and its transcript.

use std::sync::Arc;

use super::load_catalog_and_tests;
use crate::cli::TestArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::testing::pattern::Pattern;
use crate::testing::spec::TestFile;
use crate::testing::{self, Outcome, report};
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, args: &TestArgs) -> Result<()> {
    let (catalog, prepared) = load_catalog_and_tests(config)?;
    for name in &args.names {
        catalog.require_known(name)?;
    }
    let (tests, problems) = testing::finish_tests(prepared, &catalog, &args.names);
    let mut invalid =
        catalog.problems_of(&tests.iter().map(|t| t.runbook.clone()).collect::<Vec<_>>());
    invalid.extend(problems);
    if invalid.iter().any(|d| d.is_error()) {
        return Err(Error::invalid(invalid));
    }
    let filter = match &args.scenario {
        Some(glob) => {
            Some(Pattern::parse(glob).map_err(|e| Error::usage(format!("--scenario: {e}")))?)
        }
        None => None,
    };
    let jobs = jobs(&tests, filter.as_ref());
    if jobs.is_empty() {
        return Err(Error::usage_hint(
            "no test scenarios to run",
            "a runbook's scenarios live in `runbooks/<name>.test.toml` (see the book's \"Testing runbooks\" chapter)",
        ));
    }
    let exe =
        std::env::current_exe().map_err(|e| Error::io("find the running binary", "runbook", e))?;
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    if !args.json {
        say(
            printer,
            &format!("running {} scenario{}", jobs.len(), plural(jobs.len())),
        );
    }
    let started = std::time::Instant::now();
    let outcomes = testing::run_all(&exe, &catalog.project, &jobs, workers, |o| {
        if !args.json {
            say(printer, &line(printer, o));
        }
    });
    if let Some(path) = &args.junit {
        let path = config.cwd.join(path);
        std::fs::write(&path, report::junit(&outcomes))
            .map_err(|e| Error::io("write", &path, e))?;
    }
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    if args.json {
        printer.data(&format!("{}\n", report::json(&outcomes)));
    } else {
        failures(printer, &outcomes);
        let word = if failed == 0 {
            printer.stdout_styles.success.apply_to("ok")
        } else {
            printer.stdout_styles.error.apply_to("FAILED")
        };
        say(
            printer,
            &format!(
                "\ntest result: {word}. {} passed; {failed} failed; finished in {:.2}s",
                outcomes.len() - failed,
                started.elapsed().as_secs_f64()
            ),
        );
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(Error::Failed {
            message: format!(
                "{failed} of {} scenario{} failed",
                outcomes.len(),
                plural(outcomes.len())
            ),
            hint: None,
        })
    }
}

fn jobs(tests: &[Arc<TestFile>], filter: Option<&Pattern>) -> Vec<(Arc<TestFile>, usize)> {
    let mut jobs = Vec::new();
    for test in tests {
        for (i, s) in test.scenarios.iter().enumerate() {
            if filter.is_none_or(|f| f.matches(&s.name)) {
                jobs.push((Arc::clone(test), i));
            }
        }
    }
    jobs
}

/// The report goes to stdout, like `cargo test`'s: it is what the command produces.
fn say(printer: &Printer, text: &str) {
    printer.data(&format!("{text}\n"));
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn line(printer: &Printer, o: &Outcome) -> String {
    let verdict = if o.passed {
        printer.stdout_styles.success.apply_to("ok").to_string()
    } else {
        printer.stdout_styles.error.apply_to("FAILED").to_string()
    };
    format!("test {} :: {} ... {verdict}", o.runbook, o.scenario)
}

fn failures(printer: &Printer, outcomes: &[Outcome]) {
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.passed).collect();
    if failed.is_empty() {
        return;
    }
    say(printer, "\nfailures:");
    for o in &failed {
        say(
            printer,
            &format!("\n---- {} :: {} ({}) ----", o.runbook, o.scenario, o.file),
        );
        say(printer, report::failure_text(o).trim_end());
        say(printer, "transcript:");
        for l in o.transcript.lines() {
            say(printer, &format!("  | {l}"));
        }
        if !o.calls.is_empty() {
            say(printer, "calls made:");
            for c in &o.calls {
                say(printer, &format!("  {c}"));
            }
        }
    }
    say(printer, "\nfailures:");
    for o in failed {
        say(printer, &format!("    {} :: {}", o.runbook, o.scenario));
    }
}
