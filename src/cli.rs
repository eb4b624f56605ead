//! The command line, as clap derive types. Doc comments are the help text; no logic here
//! (completion candidates come from `commands::completions`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::ArgValueCandidates;

use crate::commands::completions as complete;

use crate::ui::color::ColorChoice;

/// Walk risky changes step by step: preconditions, actions, verification and rollback,
/// with a journal that lets you resume exactly where you stopped.
///
/// Runbooks are TOML files in `runbooks/`; the project is found by walking up from the
/// current directory.
#[derive(Debug, Parser)]
#[command(
    name = "runbook",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(after_help = "Examples:
  runbook list                  the runbooks of this project
  runbook run tour              walk the tour interactively
  runbook show tour             the plan, without running anything
  runbook resume                continue the newest stopped run
  runbook docs --check          is the book current?")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The runbooks directory (default: `runbooks/` found by walking up from here).
    #[arg(long, global = true, env = "RUNBOOK_DIR", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Where runs, journals, logs and locks live (default: `.runbook/` beside `runbooks/`).
    #[arg(long, global = true, env = "RUNBOOK_STATE_DIR", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// When to use colour: `auto` honours `NO_COLOR` and whether the output is a terminal.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the runbooks of the project: name, phase, risk, step count and summary.
    ///
    /// In book order: by phase (numbers by value), then by name.
    #[command(after_help = "Examples:
  runbook list
  runbook list --json | jq -r '.[].name'")]
    List {
        /// Print JSON (an array of objects) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show the plan of a runbook: steps in walk order with rendered commands, checks and
    /// rollback.
    ///
    /// Variables without a value are shown as `<name>`.
    #[command(after_help = "Examples:
  runbook show tour
  runbook show immutable-selector-remediation --var release=sonarr --var namespace=default")]
    Show(ShowArgs),
    /// Validate runbooks and report every problem with `file:line:col` (exit 3 if any).
    ///
    /// Without names, checks every runbook of the project.
    #[command(after_help = "Examples:
  runbook check
  runbook check tour reconcile-app")]
    Check {
        /// Runbooks to check (default: all).
        #[arg(add = ArgValueCandidates::new(complete::runbooks))]
        names: Vec<String>,
    },
    /// Print the step graph of a runbook as Mermaid or Graphviz dot.
    ///
    /// A double border marks a checkpoint, a hexagon a manual step or a decision, a
    /// parallelogram a gate.
    #[command(after_help = "Examples:
  runbook graph tour
  runbook graph tour --format dot | dot -Tsvg > tour.svg")]
    Graph {
        /// The runbook's name (its file stem; `runbook list` shows them).
        #[arg(add = ArgValueCandidates::new(complete::runbooks))]
        name: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// Render every runbook into the mdBook: one page per runbook, an index and the
    /// runbooks block of `SUMMARY.md`.
    ///
    /// Pages go to `runbooks/<name>.md` under the output directory (default: `book/src`
    /// beside `runbooks/`); only files whose content changed are written, and pages of
    /// runbooks that no longer exist are removed. In `SUMMARY.md` only the lines between
    /// `<!-- runbooks:begin -->` and `<!-- runbooks:end -->` change. The pages come from
    /// tera templates built into the binary; `--templates DIR` replaces any of them
    /// (`runbook.md.tera`, `index.md.tera`, `summary.md.tera`, `macros.tera`) by the file of
    /// the same name in DIR. The output is identical on every run, so CI can run
    /// `runbook docs --check`, which writes nothing and exits 1 naming every stale, missing
    /// or extra file.
    #[command(after_help = "Examples:
  runbook docs && mdbook build book
  runbook docs --check")]
    Docs(DocsArgs),
    /// Walk a runbook: preconditions, then each step with its checks, journaled as it goes.
    ///
    /// On a terminal every step is offered (run / skip / details / abort). `--auto` runs
    /// without asking except for `confirm` steps, manual steps and failures; `--yes` answers
    /// yes to everything (for CI). Without a terminal, pass `--yes` or `--auto`.
    #[command(after_help = "Examples:
  runbook run tour
  runbook run edge-stabilization --var cluster=edge
  runbook run reconcile-app --var app=sonarr --dry-run
  runbook run tour --yes")]
    Run(RunArgs),
    /// Continue a stopped run where it stopped (default: the newest unfinished run).
    ///
    /// Steps that succeeded are not run again (their verify checks run first, to catch
    /// drift, unless `--no-reverify`). A step that started but has no recorded outcome
    /// (the process was killed) is verified, re-run if `idempotent`, or decided by you.
    #[command(after_help = "Examples:
  runbook resume
  runbook resume 20261126-101500-edge-stabilization --yes")]
    Resume(ResumeArgs),
    /// Undo completed steps, newest first, back to the last checkpoint (or `--to STEP`).
    ///
    /// Shows the plan (which steps, in which order, with the commands) and asks before
    /// running anything. A rollback that stops at a failing command continues from there
    /// the next time. Default run: the newest run.
    #[command(after_help = "Examples:
  runbook rollback
  runbook rollback --to prepare --yes")]
    Rollback(RollbackArgs),
    /// List runs: id, runbook, state, start time and current step.
    #[command(after_help = "Examples:
  runbook runs
  runbook runs --json")]
    Runs {
        /// Print JSON (an array of objects).
        #[arg(long)]
        json: bool,
    },
    /// Show a run's journal, readable (default: the newest run).
    #[command(after_help = "Examples:
  runbook log
  runbook log 20261126-101500-tour --json")]
    Log {
        /// The run id (see `runbook runs`).
        #[arg(add = ArgValueCandidates::new(complete::runs))]
        run_id: Option<String>,
        /// Print the raw journal records as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Run the runbooks' test scenarios (`runbooks/<name>.test.toml`) against command
    /// doubles, without a cluster: exit 0 when all pass, 1 otherwise.
    ///
    /// Each scenario runs `runbook run NAME` in a private temporary state directory with
    /// shims for the doubled programs first on PATH.
    #[command(after_help = "Examples:
  runbook test
  runbook test reconcile-app --scenario '*Stalled*'
  runbook test --junit target/runbook-tests.xml")]
    Test(TestArgs),
    /// Write a commented starter runbook, `runbooks/NAME.toml`, that passes `runbook check`.
    ///
    /// It has a variable, a runbook precondition and one step with a verify check, a
    /// rollback command and a checkpoint, each explained in a comment. An existing file is
    /// never overwritten.
    #[command(after_help = "Examples:
  runbook new deploy-app
  runbook new deploy-app && runbook check deploy-app")]
    New {
        /// The new runbook's name: kebab-case, it becomes the file stem.
        name: String,
    },
    /// Make the current directory a project: `runbooks/` and a `.gitignore` entry for
    /// `.runbook/` (runs, journals, logs and locks).
    ///
    /// Running it again changes nothing.
    #[command(after_help = "Examples:
  runbook init
  runbook init && runbook new first-change")]
    Init,
    /// Write the change record of a run as Markdown (default: the newest run, to stdout).
    ///
    /// Header, variables (secrets masked), a step graph coloured by outcome, sessions,
    /// steps, failed checks, decisions and rollbacks, with links to the attempt logs. The
    /// same journal gives the same bytes.
    #[command(after_help = "Examples:
  runbook report
  runbook report --out docs/changes/tour.md
  runbook report --json > tour-run.json")]
    Report(ReportArgs),
    /// Print the JSON Schema of the runbook file format, for editors (taplo, VS Code).
    #[command(after_help = "Example:
  runbook schema > .runbook.schema.json")]
    Schema,
    /// Print the script that sets up shell completion.
    ///
    /// Completion is dynamic: on TAB the shell asks `runbook` itself, so it offers the
    /// runbooks of the project you are in, the step ids of the named runbook for `--from`
    /// and `--to`, run ids for `resume`, `rollback` and `log`, and the `--var` keys of the
    /// named runbook. Load the script in your shell's startup file (it stays current
    /// across upgrades that way).
    #[command(after_help = "Examples:
  runbook completions bash > ~/.local/share/bash-completion/completions/runbook
  echo 'source <(runbook completions zsh)' >> ~/.zshrc
  runbook completions fish > ~/.config/fish/completions/runbook.fish")]
    Completions {
        /// The shell to generate completions for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct DocsArgs {
    /// Write into DIR instead of `book/src` beside `runbooks/`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write nothing; exit 1 if any generated file is stale, missing or extra.
    #[arg(long)]
    pub check: bool,
    /// Use the templates in DIR in place of the built-in ones with the same file names.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run id (see `runbook runs`; default: the newest run).
    #[arg(add = ArgValueCandidates::new(complete::runs))]
    pub run_id: Option<String>,
    /// Write the report to FILE (its directory is made); log links are relative to it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print the report's model as JSON instead of Markdown.
    #[arg(long)]
    pub json: bool,
    /// Use `DIR/report.md.tera` in place of the built-in template.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The runbook's name (its file stem; `runbook list` shows them).
    #[arg(add = ArgValueCandidates::new(complete::runbooks))]
    pub name: String,
    /// Set a variable: `--var cluster=edge` (repeatable).
    #[arg(long = "var", value_name = "K=V", add = ArgValueCandidates::new(complete::var_keys))]
    pub vars: Vec<String>,
    #[command(flatten)]
    pub mode: ModeArgs,
    /// Print what would run, run nothing (no journal, no lock, no checks).
    #[arg(long)]
    pub dry_run: bool,
    /// Start at STEP: the steps before it are journaled as skipped.
    #[arg(long, value_name = "STEP", add = ArgValueCandidates::new(complete::steps))]
    pub from: Option<String>,
    /// Start a new run although an unfinished run of this runbook exists (that run is
    /// recorded as `abandoned`).
    #[arg(long)]
    pub new: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ModeArgs {
    /// Answer yes to everything: confirmations, manual steps, asks take their default.
    #[arg(long, short = 'y', conflicts_with = "auto")]
    pub yes: bool,
    /// Run without asking, except `confirm` steps, manual steps and failures.
    #[arg(long)]
    pub auto: bool,
    /// With `--yes`: also run `confirm = true` (destructive) steps; without it, `--yes`
    /// stops at the first such step (exit 4).
    #[arg(long)]
    pub allow_destructive: bool,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The run to continue (default: the newest unfinished run).
    #[arg(add = ArgValueCandidates::new(complete::runs))]
    pub run_id: Option<String>,
    #[command(flatten)]
    pub mode: ModeArgs,
    /// Resume even though steps that already ran changed in the runbook since.
    #[arg(long)]
    pub accept_changed: bool,
    /// Do not re-run the verify checks of steps that succeeded earlier.
    #[arg(long)]
    pub no_reverify: bool,
    /// Walk again from STEP: it and every step after it run again, whatever happened to
    /// them before (journaled as a decision); the steps before it resume as usual.
    #[arg(long, value_name = "STEP")]
    pub from: Option<String>,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The run to undo (default: the newest run).
    #[arg(add = ArgValueCandidates::new(complete::runs))]
    pub run_id: Option<String>,
    /// Undo the steps completed after STEP (STEP itself stays done).
    #[arg(long, value_name = "STEP", add = ArgValueCandidates::new(complete::steps))]
    pub to: Option<String>,
    /// Do not ask before running the plan.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Runbooks whose scenarios run (default: every runbook with a test file).
    pub names: Vec<String>,
    /// Only scenarios whose name matches this glob (`*` any text, `?` one character).
    #[arg(long, value_name = "GLOB")]
    pub scenario: Option<String>,
    /// Print the outcomes as a JSON array on stdout instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Also write a JUnit XML report to FILE (for CI).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The runbook's name (its file stem; `runbook list` shows them).
    #[arg(add = ArgValueCandidates::new(complete::runbooks))]
    pub name: String,
    /// Set a variable: `--var cluster=edge` (repeatable).
    #[arg(long = "var", value_name = "K=V", add = ArgValueCandidates::new(complete::var_keys))]
    pub vars: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}
