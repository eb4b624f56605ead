//! Judges what a scenario's run did against its expectations. Pure: every mismatch says
//! what was expected and what happened; nothing runs or prints here.

use std::path::Path;

use super::double::Call;
use super::raw::{State, StepStatus};
use super::scenario::Observed;
use super::spec::Expectations;
use crate::journal::replay::{RunState, Status};
use crate::journal::standing::Standing;
use crate::regexes::LazyRegex;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mismatch {
    pub what: String,
    pub expected: String,
    pub actual: String,
}

fn mismatch(
    what: impl Into<String>,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Mismatch {
    Mismatch {
        what: what.into(),
        expected: expected.into(),
        actual: actual.into(),
    }
}

/// Every way `observed` differs from `expect`. Without `state`, `exit` and `stopped-at`
/// the run is expected to succeed.
pub fn judge(expect: &Expectations, observed: &Observed) -> Vec<Mismatch> {
    let mut out = Vec::new();
    unmatched_calls(&observed.calls, &mut out);
    let stop_given = expect.stopped_at.is_some() || expect.message.is_some();
    let state = expect
        .state
        .or((!stop_given && expect.exit.is_none()).then_some(State::Succeeded));
    let actual_state = observed.state.as_ref().map(|s| s.standing());
    if let Some(state) = state {
        let actual = actual_state.map_or("no journal (the run did not start)", Standing::as_str);
        if actual != state.as_str() {
            out.push(mismatch("run state", state.as_str(), actual));
        }
    }
    if let Some(code) = expect.exit.or_else(|| state.and_then(State::exit_code)) {
        let actual = observed
            .exit
            .map_or("killed at the scenario's timeout".into(), |c| c.to_string());
        if observed.exit != Some(code) {
            out.push(mismatch("exit code", code.to_string(), actual));
        }
    }
    stop(expect, observed, &mut out);
    if let Some(re) = &expect.output
        && !re.is_match(&observed.transcript)
    {
        out.push(mismatch(
            "output",
            format!("matching /{re}/"),
            "no match (see the transcript)",
        ));
    }
    if !expect.never_output.is_empty() {
        let written = files_under(&observed.state_dir);
        out.extend(leaks(&expect.never_output, &observed.transcript, &written));
    }
    if let Some(run) = &observed.state {
        steps(expect, run, &mut out);
    }
    calls(expect, &observed.calls, &mut out);
    if let Some(repo) = &observed.repo {
        files(expect, repo, &mut out);
    } else if !(expect.exists.is_empty() && expect.absent.is_empty() && expect.contains.is_empty())
    {
        out.push(mismatch(
            "repo files",
            "a `repo` fixture",
            "the scenario has no `repo`",
        ));
    }
    out
}

fn unmatched_calls(calls: &[Call], out: &mut Vec<Mismatch>) {
    for call in calls.iter().filter(|c| c.unmatched) {
        let closest = call
            .closest
            .as_deref()
            .map_or(String::new(), |c| format!("; closest double: `{c}`"));
        out.push(mismatch(
            "a call matched no double",
            format!("a double for `{}`{closest}", call.argv()),
            format!("`{}` was called", call.argv()),
        ));
    }
}

/// The step the run stopped at: the one it waits at, else the last one it started,
/// unless it succeeded.
fn stopped_step(observed: &Observed) -> Option<&str> {
    let run = observed.state.as_ref()?;
    match run.standing() {
        Standing::Ended(crate::journal::words::RunEnd::Succeeded) => None,
        Standing::Waiting => observed.waiting_step.as_deref().or(run.current.as_deref()),
        _ => run.current.as_deref(),
    }
}

fn stop(expect: &Expectations, observed: &Observed, out: &mut Vec<Mismatch>) {
    let stopped = stopped_step(observed);
    if let Some(step) = &expect.stopped_at
        && stopped != Some(step.as_str())
    {
        out.push(mismatch(
            "stopped at",
            format!("step `{step}`"),
            stopped.map_or("no step".into(), |s| format!("step `{s}`")),
        ));
    }
    if let Some(re) = &expect.message {
        let reason = stopped
            .and_then(|s| observed.state.as_ref()?.step(s)?.reason.clone())
            .unwrap_or_default();
        if !re.is_match(&reason) && !re.is_match(&observed.transcript) {
            let actual = if reason.is_empty() {
                "no match in the output".to_string()
            } else {
                format!("reason: {reason}")
            };
            out.push(mismatch("stop message", format!("matching /{re}/"), actual));
        }
    }
}

fn status_of(run: &RunState, id: &str) -> StepStatus {
    match run.step(id).map(|s| s.status) {
        None => StepStatus::NotRun,
        Some(Status::Pending) => StepStatus::Pending,
        Some(Status::Unknown) => StepStatus::Unknown,
        Some(Status::Succeeded) => StepStatus::Succeeded,
        Some(Status::Failed) => StepStatus::Failed,
        Some(Status::Skipped) => StepStatus::Skipped,
        Some(Status::RolledBack) => StepStatus::RolledBack,
    }
}

fn steps(expect: &Expectations, run: &RunState, out: &mut Vec<Mismatch>) {
    for (id, status) in &expect.steps {
        let actual = status_of(run, id);
        if actual != *status {
            out.push(mismatch(
                format!("step `{id}`"),
                status.as_str(),
                actual.as_str(),
            ));
        }
    }
    for (id, n) in &expect.attempts {
        let actual = run.step(id).map_or(0, |s| s.attempts);
        if actual != *n {
            out.push(mismatch(
                format!("attempts of `{id}`"),
                n.to_string(),
                actual.to_string(),
            ));
        }
    }
}

/// `calls` is an ordered subsequence of the calls made; `never` matches none of them.
fn calls(expect: &Expectations, calls: &[Call], out: &mut Vec<Mismatch>) {
    let lines: Vec<String> = calls.iter().map(Call::line).collect();
    let mut rest = lines.iter();
    for pattern in &expect.calls {
        if !rest.any(|line| pattern.matches(line)) {
            let made = if lines.is_empty() {
                "no calls".to_string()
            } else {
                lines.join("\n")
            };
            out.push(mismatch(
                "calls, in order",
                format!("a call `{}` (after the ones before it)", pattern.source),
                made,
            ));
            break;
        }
    }
    for pattern in &expect.never {
        for line in lines.iter().filter(|l| pattern.matches(l)) {
            out.push(mismatch(
                "a call that must never happen",
                format!("no call `{}`", pattern.source),
                format!("`{line}` was called"),
            ));
        }
    }
}

fn files(expect: &Expectations, repo: &Path, out: &mut Vec<Mismatch>) {
    for path in &expect.exists {
        if !repo.join(path).exists() {
            out.push(mismatch(format!("file `{path}`"), "exists", "absent"));
        }
    }
    for path in &expect.absent {
        if repo.join(path).exists() {
            out.push(mismatch(format!("file `{path}`"), "absent", "exists"));
        }
    }
    for (path, re) in &expect.contains {
        match std::fs::read_to_string(repo.join(path)) {
            Ok(text) if re.is_match(&text) => {}
            Ok(_) => out.push(mismatch(
                format!("file `{path}`"),
                format!("content matching /{re}/"),
                "no match",
            )),
            Err(_) => out.push(mismatch(
                format!("file `{path}`"),
                format!("content matching /{re}/"),
                "absent",
            )),
        }
    }
}

/// Every `never-output` regex found in the run's output or in a file it wrote, each
/// named by where it was found (the match itself is not repeated: it may be a secret).
fn leaks(never: &[LazyRegex], transcript: &str, written: &[(String, String)]) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for re in never {
        let places: Vec<&str> = std::iter::once(("the run's output", transcript))
            .chain(
                written
                    .iter()
                    .map(|(path, text)| (path.as_str(), text.as_str())),
            )
            .filter(|(_, text)| re.is_match(text))
            .map(|(place, _)| place)
            .collect();
        if !places.is_empty() {
            out.push(mismatch(
                "never output",
                format!("no match for /{re}/ in the output or the state directory"),
                format!("found in {}", places.join(", ")),
            ));
        }
    }
    out
}

/// The text of every file under `dir` (lossy: a journal is UTF-8, a log may not be),
/// named relative to it.
fn files_under(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                let name = path.strip_prefix(dir).unwrap_or(&path);
                let name = format!("state/{}", name.display());
                out.push((name, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written() -> Vec<(String, String)> {
        vec![
            (
                "state/runs/r1/journal.jsonl".into(),
                r#"{"step":"secret-synced"}"#.into(),
            ),
            ("state/runs/r1/log".into(), "token aHVudGVyMg==\n".into()),
        ]
    }

    #[test]
    fn a_value_in_a_written_file_is_a_leak_named_by_the_file_only() {
        let never = [LazyRegex::new("aHVudGVyMg").unwrap()];
        let found = leaks(&never, "✓ secret-synced", &written());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].actual, "found in state/runs/r1/log");
        assert!(!found[0].actual.contains("aHVudGVyMg=="));
    }

    #[test]
    fn a_value_in_the_output_is_a_leak_and_an_absent_one_is_not() {
        let never = [
            LazyRegex::new("czNjcjN0").unwrap(),
            LazyRegex::new("nowhere").unwrap(),
        ];
        let found = leaks(&never, "data: czNjcjN0", &written());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].actual, "found in the run's output");
    }

    #[test]
    fn files_under_reads_nested_files_relative_to_the_state_dir() {
        let dir = std::env::temp_dir().join(format!("runbook-files-under-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("runs/r1")).unwrap();
        std::fs::write(dir.join("runs/r1/journal.jsonl"), "x").unwrap();
        let files = files_under(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            files,
            vec![("state/runs/r1/journal.jsonl".to_string(), "x".to_string())]
        );
    }
}
