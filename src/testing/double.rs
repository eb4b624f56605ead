//! Command doubles. A scenario puts one shim per doubled (or observed) program first on
//! `PATH`: a symbolic link named after the program that points at this same binary. The
//! scenario's run carries `RUNBOOK_TEST_DOUBLES` (its directory), so when the binary
//! starts under a shim's name it answers as the double ([`intercept`], before any parsing
//! of the command line): it reads only `DIR/doubles/PROGRAM.json`, matches the call,
//! appends it to `DIR/calls.jsonl` and answers with the double's stdout, stderr, files
//! and exit code: one process per call, no shell in between. A program that is only
//! observed (named in `calls`/`never` but not doubled) is recorded and then run for real.
//! This is test harness code: it reads `PATH` and spawns the real program itself.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

use super::pattern::Pattern;
use super::spec::DoubleSpec;
use crate::config::env_vars::TEST_DOUBLES;

/// The scenario directory's parts: shims, doubles by program, the calls made.
pub const BIN: &str = "bin";
pub const DOUBLES: &str = "doubles";
pub const CALLS: &str = "calls.jsonl";
/// Exit code of a call that matched no double (the scenario fails anyway).
const UNMATCHED_EXIT: u8 = 97;

/// What a shim reads for its program: that program's doubles, and where files go.
#[derive(Debug, Serialize, Deserialize)]
pub struct Setup {
    /// `(index among all the scenario's doubles, double)`; empty for an observed program.
    pub doubles: Vec<(usize, DoubleSpec)>,
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
    /// The command line as patterns see it: words joined by single spaces.
    pub fn line(&self) -> String {
        super::pattern::joined(&self.program, &self.args)
    }

    /// The exact argv, shell-quoted where a word needs it (`kubectl annotate x 'a b'`):
    /// what a mismatch shows, so an argument with a space or an empty one is visible.
    pub fn argv(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|word| shell_word(word))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@%+^".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Writes the doubles of every program in `programs` to `dir/doubles/` and a shim per
/// program (a link to `exe`) into `dir/bin/`.
pub fn install(
    dir: &Path,
    exe: &Path,
    programs: &[String],
    doubles: &[DoubleSpec],
    files_root: Option<&Path>,
) -> std::io::Result<()> {
    let (bin, specs) = (dir.join(BIN), dir.join(DOUBLES));
    std::fs::create_dir_all(&bin)?;
    std::fs::create_dir_all(&specs)?;
    for program in programs {
        let setup = Setup {
            doubles: doubles
                .iter()
                .enumerate()
                .filter(|(_, d)| d.program == *program)
                .map(|(i, d)| (i, d.clone()))
                .collect(),
            files_root: files_root.map(Path::to_path_buf),
        };
        let json = serde_json::to_vec(&setup).map_err(std::io::Error::other)?;
        std::fs::write(specs.join(format!("{program}.json")), json)?;
        std::os::unix::fs::symlink(exe, bin.join(program))?;
    }
    Ok(())
}

/// When this process was started through a shim (the scenario's `RUNBOOK_TEST_DOUBLES`
/// is set and `argv[0]` names a link in its `bin/`), answers the call and returns the exit
/// code; otherwise `None` and the binary goes on as `runbook`. The scenario's own `runbook
/// run` starts by its absolute path, which is never in `bin/`.
pub fn intercept(args: &[OsString]) -> Option<ExitCode> {
    let dir = PathBuf::from(std::env::var_os(TEST_DOUBLES)?);
    let argv0 = Path::new(args.first()?);
    let program = argv0.file_name()?.to_string_lossy().into_owned();
    let bin = dir.join(BIN);
    let through_shim = match argv0.parent().filter(|p| !p.as_os_str().is_empty()) {
        None => bin.join(&program).is_symlink(),
        Some(parent) => parent.canonicalize().ok()? == bin.canonicalize().ok()?,
    };
    if !through_shim {
        return None;
    }
    Some(match answer(&dir, &program, &args[1..]) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "runbook test double `{program}`: {e}");
            ExitCode::from(UNMATCHED_EXIT)
        }
    })
}

fn answer(dir: &Path, program: &str, rest: &[OsString]) -> std::io::Result<ExitCode> {
    let argv: Vec<String> = rest
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let file = dir.join(DOUBLES).join(format!("{program}.json"));
    let setup: Setup =
        serde_json::from_slice(&std::fs::read(file)?).map_err(std::io::Error::other)?;
    let mine: Vec<(usize, &DoubleSpec)> = setup.doubles.iter().map(|(i, d)| (*i, d)).collect();
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
        program: program.to_string(),
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
            writeln!(err, "runbook test: no double matches `{}`", call.argv())?;
            if let Some(c) = &call.closest {
                writeln!(err, "runbook test: closest double: `{c}`")?;
            }
            Ok(ExitCode::from(UNMATCHED_EXIT))
        }
        None => run_real(dir, program, rest),
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
    let (_, double) = setup
        .doubles
        .iter()
        .find(|(i, _)| *i == index)
        .ok_or_else(|| std::io::Error::other("the matched double vanished"))?;
    let replies = &double.replies;
    let reply = &replies[previous.min(replies.len() - 1)];
    for (path, content) in &reply.files {
        // `check` refuses `files` without a repo fixture; the cwd is a last resort.
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

/// Runs the real program in this process: the first one on `PATH` that is not a shim of
/// this scenario.
fn run_real(dir: &Path, program: &str, args: &[OsString]) -> std::io::Result<ExitCode> {
    let shims = dir.join(BIN);
    let path = std::env::var_os("PATH").unwrap_or_default();
    let real = std::env::split_paths(&path)
        .filter(|p| *p != shims)
        .map(|p| p.join(program))
        .find(|p| p.is_file())
        .ok_or_else(|| std::io::Error::other(format!("`{program}` not found on PATH")))?;
    // Become the real program: its exit status and signals are the caller's to see.
    use std::os::unix::process::CommandExt;
    Err(std::process::Command::new(real)
        .arg0(program)
        .args(args)
        .exec())
}
