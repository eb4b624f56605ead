//! What the `runbook report` tests share: the report of the newest run, and the rewrites
//! that make a report the same on every run (for snapshots) or the book's example (fixed
//! stamp, operator and pid; a steady clock in the journal). Text and journal files only.

use std::fs;

use super::Test;

/// The report of the newest run (exit 0, nothing on stderr).
#[track_caller]
pub fn report(t: &Test, args: &[&str]) -> String {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let ran = t.invoke(&all);
    ran.expect_exit(0);
    assert!(ran.stderr.is_empty(), "{}", ran.report());
    ran.stdout
}

/// What changes from one run to the next: times, run-id stamps, durations, user@host, pid.
pub fn normalize(text: &str) -> String {
    let rules: &[(&str, &str)] = &[
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[TIME]"),
        (r"\d{8}-\d{6}", "[STAMP]"),
        (
            r"\b\d+h \d{2}m\b|\b\d+m \d{2}s\b|\b\d+\.\ds\b|\b\d+ms\b",
            "[DUR]",
        ),
        (r"\(pid \d+\)", "(pid [PID])"),
        // The operator is `user@host`: a report without the user fails its snapshot.
        (r"\| [^|\n@]+@[^|\n@]+ \(pid", "| [USER]@[HOST] (pid"),
        (
            r"(?m)^(\| Operator \| )[^|\n@]+@[^|\n@]+ \|",
            "${1}[USER]@[HOST] |",
        ),
        (
            r#""(operator|ended|started|at|ended_at)": "[^"]*""#,
            r#""$1": "[X]""#,
        ),
        (r#""(pid)": \d+"#, r#""$1": 0"#),
        (r#""duration": "[^"]*""#, r#""duration": "[DUR]""#),
    ];
    rewrite(text, rules)
}

/// Rewrites a journal as if each record (but a check's) came one second after the one
/// before (from 10:15:01), and each step took from its last start to its end: the book's
/// example then reads the same on every regeneration.
pub fn steady_clock(path: &std::path::Path) {
    let text = fs::read_to_string(path).unwrap();
    let mut started: std::collections::BTreeMap<String, u64> = Default::default();
    let mut out = String::new();
    let mut second = 0u64;
    for line in text.lines() {
        let mut record: serde_json::Value = serde_json::from_str(line).unwrap();
        // A polled check writes one record per try, and how many tries it takes depends on
        // the machine's load: check records share the time of the record before them.
        if record["type"] != "check" {
            second += 1;
        }
        record["ts"] = format!("2026-12-01T10:{:02}:{:02}Z", 15 + second / 60, second % 60).into();
        let step = record["step"].as_str().unwrap_or_default().to_string();
        match record["type"].as_str() {
            Some("step-started") => {
                started.insert(step, second);
            }
            Some("step-finished") => {
                let from = started.get(&step).copied().unwrap_or(second);
                record["duration-ms"] = ((second - from) * 1000).into();
            }
            _ => {}
        }
        out.push_str(&record.to_string());
        out.push('\n');
    }
    fs::write(path, out).unwrap();
}

/// The book's example: the run id's stamp, the operator and the pid fixed.
pub fn book_example(text: &str) -> String {
    let rules: &[(&str, &str)] = &[
        (r"\d{8}-\d{6}", "20261201-101500"),
        (r"\(pid \d+\)", "(pid 4242)"),
        (r"\| [^|\n]+ \(pid", "| ops@ops-laptop (pid"),
        (r"(?m)^(\| Operator \| )[^|\n]+ \|", "${1}ops@ops-laptop |"),
        // A rollback session names no pid: its operator cell is the fifth.
        (
            r"(?m)^(\| \d+ \| rollback \| [^|\n]+ \| [^|\n]+ \| )[^|\n]+ \|",
            "${1}ops@ops-laptop |",
        ),
    ];
    rewrite(text, rules)
}

/// `text` with every match of each rule's pattern replaced, rule after rule.
fn rewrite(text: &str, rules: &[(&str, &str)]) -> String {
    let mut text = text.to_string();
    for (pattern, with) in rules {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, *with)
            .into_owned();
    }
    text
}

/// Snapshots a report [`normalize`]d, named after the calling module and `$name`.
macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({ prepend_module_to_snapshot => true }, {
            insta::assert_snapshot!($name, $crate::support::report::normalize(&$text));
        })
    };
}

pub(crate) use snapshot;
