//! Resolved settings: the parsed command line plus the environment. The only place that
//! reads environment variables or asks whether a stream is a terminal.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::GlobalArgs;
use crate::ui::color::{self, ColorEnv};
use crate::ui::printer::Printer;
use crate::ui::tty::PromptTerminal;

/// Environment variables the tool itself reads (besides `RUNBOOK_DIR`/`RUNBOOK_STATE_DIR`,
/// which clap reads for `--dir`/`--state-dir`).
pub mod env_vars {
    pub const NO_COLOR: &str = "NO_COLOR";
    pub const CLICOLOR_FORCE: &str = "CLICOLOR_FORCE";
    pub const FORCE_COLOR: &str = "FORCE_COLOR";
    pub const CI: &str = "CI";
    /// Set by `runbook test` for a scenario's run: a JSON file of scripted answers.
    pub const TEST_ANSWERS: &str = "RUNBOOK_TEST_ANSWERS";
    /// Set by `runbook test` for a scenario with `poll-interval`: the wait between a
    /// check's attempts in place of its `interval` (doubles answer at once).
    pub const TEST_POLL_INTERVAL: &str = "RUNBOOK_TEST_POLL_INTERVAL";
    /// Set by the completion scripts of `runbook completions SHELL` to the shell's name:
    /// the binary prints completion candidates instead of running (read by clap_complete).
    pub const RUNBOOK_COMPLETE: &str = "RUNBOOK_COMPLETE";
}

#[derive(Debug, Clone)]
pub struct Config {
    pub cwd: PathBuf,
    pub dir: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
    /// An operator can be asked (on stdin/stderr or on `/dev/tty`) and `CI` is not set:
    /// the interactive walk is possible.
    pub interactive_terminal: bool,
    /// Where prompts go (see [`PromptTerminal`]); `None` under `CI`.
    pub prompt_terminal: PromptTerminal,
    /// stderr is a terminal and `CI` is not set: spinners and live output are possible.
    pub stderr_terminal: bool,
    pub ci: bool,
    /// A snapshot of the process environment (for `from-env` and child processes).
    pub environment: BTreeMap<String, String>,
    /// Scripted answers of a `runbook test` scenario (env `RUNBOOK_TEST_ANSWERS`).
    pub test_answers: Option<PathBuf>,
    /// A `runbook test` scenario's `poll-interval` (env `RUNBOOK_TEST_POLL_INTERVAL`).
    pub test_poll_interval: Option<Duration>,
}

impl Config {
    pub fn from_cli(global: &GlobalArgs) -> std::io::Result<(Self, Printer)> {
        let environment: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let set = |name: &str| environment.get(name).is_some_and(|v| !v.is_empty());
        let color_env = ColorEnv {
            no_color: set(env_vars::NO_COLOR),
            force: set(env_vars::CLICOLOR_FORCE) || set(env_vars::FORCE_COLOR),
        };
        let ci = set(env_vars::CI)
            && environment
                .get(env_vars::CI)
                .is_some_and(|v| v != "false" && v != "0");
        let stderr_tty = std::io::stderr().is_terminal();
        let printer = Printer::new(
            color::resolve(global.color, color_env, stderr_tty && !ci),
            color::resolve(
                global.color,
                color_env,
                std::io::stdout().is_terminal() && !ci,
            ),
        );
        console::set_colors_enabled(printer.color);
        console::set_colors_enabled_stderr(printer.color);
        let prompt_terminal = if ci {
            PromptTerminal::None
        } else {
            PromptTerminal::detect(std::io::stdin().is_terminal(), stderr_tty)
        };
        let config = Self {
            cwd: std::env::current_dir()?,
            dir: global.dir.clone(),
            state_dir: global.state_dir.clone(),
            interactive_terminal: prompt_terminal.is_some(),
            prompt_terminal,
            stderr_terminal: stderr_tty && !ci,
            ci,
            test_answers: environment
                .get(env_vars::TEST_ANSWERS)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            test_poll_interval: environment
                .get(env_vars::TEST_POLL_INTERVAL)
                .and_then(|v| crate::runbook::duration::parse(v).ok()),
            environment,
        };
        Ok((config, printer))
    }
}
