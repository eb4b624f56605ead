//! Command doubles. A scenario puts one shim per doubled (or observed) program first on
//! `PATH`; the shim runs this same binary as `runbook __double DIR PROGRAM ARGS…`, which
//! matches the call against the scenario's doubles, records it in `DIR/calls.jsonl` and
//! answers with the double's stdout, stderr, files and exit code. A program that is only
//! observed (named in `calls`/`never` but not doubled) is recorded and then run for real.
//! This is test harness code: it reads `PATH` and spawns the real program itself.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

use super::pattern::Pattern;
use super::spec::DoubleSpec;

/// The hidden first argument that turns the binary into a double.
pub const ARG: &str = "__double";
pub const DOUBLES: &str = "doubles.json";
pub const CALLS: &str = "calls.jsonl";
/// Exit code of a call that matched no double (the scenario fails anyway).
const UNMATCHED_EXIT: u8 = 97;

/// What the shim callback reads: the doubles, and where doubled files go.
#[derive(Debug, Serialize, Deserialize)]
pub struct Setup {
    pub doubles: Vec<DoubleSpec>,
    /// Relative paths of `files` land here (the repo fixture), else in the command's cwd.
    pub files_root: Option<PathBuf>,
}

/// One recorded call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    pub program: String,
    pub args: Vec<String>,
    /// The index of the double that answered; `None` for an unmatched or observed call.
    pub double: Option<usize>,
    /// The program has doubles, and none matched.
    pub unmatched: bool,
    /// The double nearest to an unmatched call.
    pub closest: Option<String>,
}

impl Call {
    pub fn line(&self) -> String {
        super::pattern::joined(&self.program, &self.args)
    }
}

/// Writes an executable shim per program into `bin`.
pub fn write_shims(bin: &Path, exe: &Path, dir: &Path, programs: &[String]) -> std::io::Result<()> {
    std::fs::create_dir_all(bin)?;
    for program in programs {
        let path = bin.join(program);
        let script = format!(
            "#!/bin/sh\nexec {} {ARG} {} {} \"$@\"\n",
            quote(&exe.to_string_lossy()),
            quote(&dir.to_string_lossy()),
            quote(program)
        );
        std::fs::write(&path, script)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The shim callback: `args` are `[DIR, PROGRAM, ARGS…]`.
pub fn main(args: &[OsString]) -> ExitCode {
    match answer(args) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "runbook test double: {e}");
            ExitCode::from(UNMATCHED_EXIT)
        }
    }
}

fn answer(args: &[OsString]) -> std::io::Result<ExitCode> {
    let [dir, program, rest @ ..] = args else {
        return Err(std::io::Error::other(
            "usage: runbook __double DIR PROGRAM [ARGS…]",
        ));
    };
    let dir = PathBuf::from(dir);
    let program = program.to_string_lossy().into_owned();
    let argv: Vec<String> = rest
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let setup: Setup = serde_json::from_slice(&std::fs::read(dir.join(DOUBLES))?)
        .map_err(std::io::Error::other)?;
    let mine: Vec<(usize, &DoubleSpec)> = setup
        .doubles
        .iter()
        .enumerate()
        .filter(|(_, d)| d.program == program)
        .collect();
    let joined = argv.join(" ");
    let matched = mine
        .iter()
        .find(|(_, d)| {
            d.args
                .as_deref()
                .is_none_or(|p| Pattern::parse(p).is_ok_and(|p| p.matches(&joined)))
        })
        .map(|(i, _)| *i);
    let mut call = Call {
        program: program.clone(),
        args: argv.clone(),
        double: matched,
        unmatched: matched.is_none() && !mine.is_empty(),
        closest: None,
    };
    if call.unmatched {
        call.closest = closest(&joined, mine.iter().map(|(_, d)| *d));
    }
    let previous = record(&dir.join(CALLS), &call)?;
    match matched {
        Some(index) => reply(&setup, index, previous),
        None if call.unmatched => {
            let mut err = std::io::stderr();
            writeln!(err, "runbook test: no double matches `{}`", call.line())?;
            if let Some(c) = &call.closest {
                writeln!(err, "runbook test: closest double: `{c}`")?;
            }
            Ok(ExitCode::from(UNMATCHED_EXIT))
        }
        None => run_real(&dir, &program, rest),
    }
}

/// Appends `call` under a lock; returns how often its double answered before.
fn record(path: &Path, call: &Call) -> std::io::Result<usize> {
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)?;
    file.lock()?;
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    let previous = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Call>(l).ok())
        .filter(|c| c.double.is_some() && c.double == call.double)
        .count();
    let line = serde_json::to_string(call).map_err(std::io::Error::other)?;
    file.write_all(format!("{line}\n").as_bytes())?;
    file.unlock()?;
    Ok(previous)
}

fn reply(setup: &Setup, index: usize, previous: usize) -> std::io::Result<ExitCode> {
    let replies = &setup.doubles[index].replies;
    let reply = &replies[previous.min(replies.len() - 1)];
    for (path, content) in &reply.files {
        let root = match &setup.files_root {
            Some(root) => root.clone(),
            None => std::env::current_dir()?,
        };
        let target = root.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, content)?;
    }
    std::io::stdout().write_all(reply.stdout.as_bytes())?;
    std::io::stderr().write_all(reply.stderr.as_bytes())?;
    Ok(ExitCode::from(reply.exit.clamp(0, 255) as u8))
}

/// The double whose written form is nearest to the call's arguments.
fn closest<'a>(joined: &str, doubles: impl Iterator<Item = &'a DoubleSpec>) -> Option<String> {
    doubles
        .map(|d| {
            let pattern = d.args.clone().unwrap_or_default();
            let score = strsim::normalized_levenshtein(joined, &pattern.replace('*', ""));
            (score, d.describe())
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, text)| text)
}

/// Runs the real program: the first one on `PATH` that is not a shim of this scenario.
fn run_real(dir: &Path, program: &str, args: &[OsString]) -> std::io::Result<ExitCode> {
    let shims = dir.join("bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let real = std::env::split_paths(&path)
        .filter(|p| *p != shims)
        .map(|p| p.join(program))
        .find(|p| p.is_file())
        .ok_or_else(|| std::io::Error::other(format!("`{program}` not found on PATH")))?;
    let status = std::process::Command::new(real).args(args).status()?;
    Ok(ExitCode::from(
        status.code().unwrap_or(1).clamp(0, 255) as u8
    ))
}
