//! Usage errors from clap, made to teach: a "did you mean" for mistyped flags and
//! subcommands by edit distance (clap compares with Jaro similarity, which misses the
//! transposition in `--yse` and offers `runs` for `rnu`), and `run`/`show`/`graph`
//! without a name list the runbooks.
//! Only rewrites errors; parsing itself is clap's.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgMatches, Command, CommandFactory, FromArgMatches};

use crate::cli::{Cli, GlobalArgs};
use crate::runbook::diagnostic::suggest;

/// Subcommands whose positional is a runbook name.
const TAKES_A_RUNBOOK: &[&str] = &["run", "show", "graph"];

/// What to print for a failed parse.
pub enum Improved {
    /// clap's error, possibly rebuilt with a suggestion.
    Clap(clap::Error),
    /// A runbook name is missing: the subcommand and the global flags given, to list them.
    MissingRunbook {
        subcommand: String,
        global: Box<GlobalArgs>,
    },
}

/// Improves `error`, the result of parsing `args`.
pub fn improve(error: clap::Error, args: &[std::ffi::OsString]) -> Improved {
    let mut command = Cli::command();
    command.build();
    let partial = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(args)
        .ok();
    let used = partial
        .as_ref()
        .and_then(ArgMatches::subcommand_name)
        .and_then(|name| command.find_subcommand(name).cloned());
    match error.kind() {
        ErrorKind::UnknownArgument if error.get(ContextKind::SuggestedArg).is_none() => {
            let Some(sub) = used else {
                return Improved::Clap(error);
            };
            match flag_suggestion(&error, &sub) {
                Some(rebuilt) => Improved::Clap(rebuilt),
                None => Improved::Clap(error),
            }
        }
        ErrorKind::InvalidSubcommand => match subcommand_suggestion(&error, &command) {
            Some(rebuilt) => Improved::Clap(rebuilt),
            None => Improved::Clap(error),
        },
        ErrorKind::MissingRequiredArgument => {
            let name = used.as_ref().map(|s| s.get_name().to_string());
            let global = partial
                .as_ref()
                .and_then(|m| GlobalArgs::from_arg_matches(m).ok());
            match (name, global) {
                (Some(name), Some(global))
                    if TAKES_A_RUNBOOK.contains(&name.as_str()) && missing_name(&error) =>
                {
                    Improved::MissingRunbook {
                        subcommand: name,
                        global: Box::new(global),
                    }
                }
                _ => Improved::Clap(error),
            }
        }
        _ => Improved::Clap(error),
    }
}

/// Whether the missing argument is the `<NAME>` positional.
fn missing_name(error: &clap::Error) -> bool {
    matches!(
        error.get(ContextKind::InvalidArg),
        Some(ContextValue::Strings(missing)) if missing.iter().any(|m| m == "<NAME>")
    )
}

/// The same error with "a similar argument exists" when a long flag of `sub` (or a global
/// one) is close to the unknown one.
fn flag_suggestion(error: &clap::Error, sub: &Command) -> Option<clap::Error> {
    let Some(ContextValue::String(invalid)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let typed = invalid.strip_prefix("--")?;
    let typed = typed.split_once('=').map_or(typed, |(flag, _)| flag);
    let longs: Vec<&str> = sub.get_arguments().filter_map(|a| a.get_long()).collect();
    let similar = suggest(typed, longs.iter().copied())?;
    let mut rebuilt = clap::Error::new(ErrorKind::UnknownArgument).with_cmd(sub);
    rebuilt.insert(
        ContextKind::InvalidArg,
        ContextValue::String(invalid.clone()),
    );
    rebuilt.insert(
        ContextKind::SuggestedArg,
        ContextValue::String(format!("--{similar}")),
    );
    let mut sub = sub.clone();
    rebuilt.insert(
        ContextKind::Usage,
        ContextValue::StyledStr(sub.render_usage()),
    );
    Some(rebuilt)
}

/// The same error with the closest subcommand by edit distance, when there is one.
fn subcommand_suggestion(error: &clap::Error, command: &Command) -> Option<clap::Error> {
    let Some(ContextValue::String(invalid)) = error.get(ContextKind::InvalidSubcommand) else {
        return None;
    };
    let names: Vec<&str> = command.get_subcommands().map(Command::get_name).collect();
    let similar = suggest(invalid, names.iter().copied())?;
    let mut rebuilt = clap::Error::new(ErrorKind::InvalidSubcommand).with_cmd(command);
    rebuilt.insert(
        ContextKind::InvalidSubcommand,
        ContextValue::String(invalid.clone()),
    );
    rebuilt.insert(
        ContextKind::SuggestedSubcommand,
        ContextValue::String(similar.to_string()),
    );
    let mut command = command.clone();
    rebuilt.insert(
        ContextKind::Usage,
        ContextValue::StyledStr(command.render_usage()),
    );
    Some(rebuilt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_text(args: &[&str]) -> String {
        let args: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
        let error = Cli::try_parse_from(&args).expect_err("does not parse");
        match improve(error, &args) {
            Improved::Clap(e) => e.render().to_string(),
            Improved::MissingRunbook { subcommand, .. } => format!("missing runbook: {subcommand}"),
        }
    }

    use clap::Parser as _;

    #[test]
    fn a_transposed_flag_gets_a_suggestion() {
        let text = error_text(&["runbook", "run", "tour", "--yse"]);
        assert!(text.contains("unexpected argument '--yse' found"), "{text}");
        assert!(
            text.contains("a similar argument exists: '--yes'"),
            "{text}"
        );
        assert!(!text.contains("-- --yse"), "{text}");
        let text = error_text(&["runbook", "run", "tour", "--dry-rnu"]);
        assert!(text.contains("'--dry-run'"), "{text}");
    }

    #[test]
    fn a_transposed_subcommand_gets_the_right_suggestion() {
        let text = error_text(&["runbook", "rnu", "tour"]);
        assert!(text.contains("unrecognized subcommand 'rnu'"), "{text}");
        assert!(
            text.contains("a similar subcommand exists: 'run'"),
            "{text}"
        );
        let text = error_text(&["runbook", "lsit"]);
        assert!(text.contains("'list'"), "{text}");
        let text = error_text(&["runbook", "frobnicate"]);
        assert!(
            text.contains("unrecognized subcommand 'frobnicate'"),
            "{text}"
        );
    }

    #[test]
    fn an_unlike_flag_keeps_clap_s_message() {
        let text = error_text(&["runbook", "run", "tour", "--zzzzzz"]);
        assert!(
            text.contains("unexpected argument '--zzzzzz' found"),
            "{text}"
        );
        assert!(!text.contains("similar argument"), "{text}");
    }

    #[test]
    fn a_missing_runbook_name_is_recognised() {
        assert_eq!(error_text(&["runbook", "run"]), "missing runbook: run");
        assert_eq!(error_text(&["runbook", "graph"]), "missing runbook: graph");
        let text = error_text(&["runbook", "completions"]);
        assert!(text.contains("<SHELL>"), "{text}");
    }
}
