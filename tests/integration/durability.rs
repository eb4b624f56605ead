//! What survives a power loss or repeated crashes: a new journal's directory entries are
//! synced (seen through strace, skipped with a notice where it is not installed), and
//! every torn tail set aside is kept in its own file.

use crate::support::*;

const ONE_STEP: &str = "[runbook]\ntitle = \"One\"\n\n[[step]]\nid = \"only\"\nrun = \"true\"\n";

fn strace_available() -> bool {
    std::process::Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
#[allow(clippy::print_stderr, reason = "the notice that the test is skipped")]
fn a_new_journal_syncs_the_directories_it_was_created_in() {
    if !strace_available() {
        eprintln!("notice: strace is not installed; skipping the directory fsync test");
        return;
    }
    let t = project(ONE_STEP);
    let trace = t.path().join("trace");
    let command = t.std_command();
    let program = command.get_program().to_os_string();
    let mut traced = std::process::Command::new("strace");
    traced
        .arg("-f")
        .arg("-y")
        .args(["-e", "trace=fsync,fdatasync", "-o"])
        .arg(&trace)
        .arg(program)
        .args(["run", "rb", "--yes"])
        .current_dir(t.path());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => traced.env(key, value),
            None => traced.env_remove(key),
        };
    }
    let status = traced.output().unwrap().status;
    assert!(status.success());
    let run_dir = journal_path(t.path()).parent().unwrap().to_path_buf();
    let synced: Vec<String> = std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .filter(|l| l.contains("fsync("))
        .map(str::to_string)
        .collect();
    let state = t.path().join(".runbook");
    for dir in [&run_dir, &state.join("runs"), &state] {
        let needle = format!("<{}>", dir.canonicalize().unwrap().display());
        assert!(
            synced.iter().any(|l| l.contains(&needle)),
            "no fsync of {needle} in {synced:#?}"
        );
    }
}

#[test]
fn every_torn_tail_is_kept() {
    let t = project(ONE_STEP);
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    let path = journal_path(t.path());
    let id = run_ids(t.path())[0].clone();
    for (n, torn) in [b"{\"ts\":\"first".as_slice(), b"{\"ts\":\"second"]
        .iter()
        .enumerate()
    {
        append(&path, torn);
        t.invoke(&["log", &id])
            .expect_exit(0)
            .expect_stderr_contains(&format!("journal.jsonl.torn.{}", n + 1));
    }
    assert_eq!(
        std::fs::read(path.with_extension("jsonl.torn.1")).unwrap(),
        b"{\"ts\":\"first"
    );
    assert_eq!(
        std::fs::read(path.with_extension("jsonl.torn.2")).unwrap(),
        b"{\"ts\":\"second"
    );
}
