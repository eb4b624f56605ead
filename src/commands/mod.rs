//! One file per subcommand, each with a small `execute`; this file only dispatches and
//! holds the loading step they share.

mod assignments;
mod check;
pub mod completions;
mod docs;
mod graph;
mod init;
mod list;
mod log;
mod new;
mod report;
mod resume;
mod rollback;
mod run;
mod runs;
mod schema;
mod session;
mod show;
mod test;

use crate::cli::Command;
use crate::config::Config;
use crate::error::Result;
use crate::runbook::discover::find_project;
use crate::runbook::load::Catalog;
use crate::runbook::model::Project;
use crate::testing::PreparedTest;
use crate::ui::printer::Printer;

pub fn execute(command: Command, config: &Config, printer: &Printer) -> Result<()> {
    match command {
        Command::List { json } => list::execute(config, printer, json),
        Command::Run(args) => run::execute(config, printer, &args),
        Command::Resume(args) => resume::execute(config, printer, &args),
        Command::Rollback(args) => rollback::execute(config, printer, &args),
        Command::Runs { json } => runs::execute(config, printer, json),
        Command::Log { run_id, json } => log::execute(config, printer, run_id.as_deref(), json),
        Command::Report(args) => report::execute(config, printer, &args),
        Command::Show(args) => show::execute(config, printer, &args),
        Command::Check { names } => check::execute(config, printer, &names),
        Command::Graph { name, format } => graph::execute(config, printer, &name, format),
        Command::Docs(args) => docs::execute(config, printer, &args),
        Command::Test(args) => test::execute(config, printer, &args),
        Command::New { name } => new::execute(config, printer, &name),
        Command::Init => init::execute(config, printer),
        Command::Schema => {
            schema::execute(printer);
            Ok(())
        }
        Command::Completions { shell } => {
            completions::execute(config, printer, shell);
            Ok(())
        }
    }
}

/// The usage error for `runbook SUBCOMMAND` without a runbook name: it lists the runbooks
/// of the project (or says why it cannot).
pub fn name_needed(config: &Config, subcommand: &str) -> crate::error::Error {
    match load_catalog(config) {
        Ok(catalog) => list::name_needed(&catalog, subcommand),
        Err(error) => error,
    }
}

/// Finds the project and loads every runbook in it.
pub fn load_catalog(config: &Config) -> Result<Catalog> {
    Catalog::load(project(config)?, &config.cwd)
}

/// The project of `config` (`--dir`, or found by walking up).
pub fn project(config: &Config) -> Result<Project> {
    find_project(&config.cwd, config.dir.as_deref())
}

/// Loads the runbooks `names` and those they call, not the rest of the project (`run`,
/// `resume`, `rollback`, `show` and `graph` need one runbook).
pub fn load_runbooks(project: Project, config: &Config, names: &[String]) -> Result<Catalog> {
    Catalog::load_closure(project, &config.cwd, names)
}

/// [`load_catalog`], with the project's test files prepared on a second thread meanwhile
/// (`check` and `test` need both; a test file needs the runbooks only for its last
/// checks). The test files are finished with [`crate::testing::finish_tests`].
pub fn load_catalog_and_tests(config: &Config) -> Result<(Catalog, Vec<PreparedTest>)> {
    let project = project(config)?;
    let cwd = &config.cwd;
    std::thread::scope(|scope| {
        // The main thread's stack size: a test file's nesting must not overflow here
        // when it would not on the main thread.
        let preparing = std::thread::Builder::new()
            .name("tests".into())
            .stack_size(8 << 20)
            .spawn_scoped(scope, || crate::testing::prepare_tests(&project, cwd));
        let catalog = Catalog::load(project.clone(), cwd)?;
        let tests = match preparing {
            Ok(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: prepare them here, as before.
            Err(_) => crate::testing::prepare_tests(&project, cwd),
        }?;
        Ok((catalog, tests))
    })
}

/// Prints the warnings among `diagnostics` (errors are reported by the caller).
pub fn print_warnings(printer: &Printer, diagnostics: &[crate::runbook::diagnostic::Diagnostic]) {
    for d in diagnostics.iter().filter(|d| !d.is_error()) {
        printer.line(crate::ui::diagnostic::render(d, &printer.styles).trim_end());
    }
}
