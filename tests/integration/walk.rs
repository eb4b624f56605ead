//! Walk semantics that span steps and sessions: a called runbook's own preconditions, and
//! secret answers that are never written down (so a resume asks again).

use crate::support::Test;

#[test]
fn a_called_runbook_checks_its_own_preconditions_first() {
    let output = Test::new()
        .runbook(
            "inner",
            r#"[runbook]
title = "Inner"

[[precondition]]
name = "the gate file exists"
run = "test -f gate"
message = "create `gate` first"

[[step]]
id = "work"
run = "echo inner-work >> trail"
"#,
        )
        .runbook(
            "outer",
            r#"[runbook]
title = "Outer"

[[step]]
id = "fix"
call = "inner"
"#,
        )
        .args(["run", "outer", "--yes"])
        .run();
    output
        .expect_exit(1)
        .expect_stderr_contains("precondition `the gate file exists` of runbook `inner` failed")
        .expect_stderr_contains("create `gate` first");
    assert!(!output.path().join("trail").exists(), "the inner step did not run");
}

#[test]
fn a_secret_answer_is_not_journaled_and_is_asked_again_on_resume() {
    let toml = r#"[runbook]
title = "Secret answer"

[[step]]
id = "token"
ask = "API token?"
into = "token"
secret = true

[[step]]
id = "use"
run = "test -f ready && test \"$RUNBOOK_VAR_TOKEN\" = s3cr3t-value && echo used >> trail"
"#;
    let first = Test::new()
        .runbook("secret", toml)
        .args(["run", "secret", "--yes", "--var", "token=s3cr3t-value"])
        .run();
    first.expect_exit(1);
    for entry in walk(&first.path().join(".runbook")) {
        let bytes = std::fs::read(&entry).expect("read state file");
        assert!(
            !String::from_utf8_lossy(&bytes).contains("s3cr3t-value"),
            "secret found in {}",
            entry.display()
        );
    }
    std::fs::write(first.path().join("ready"), "").expect("write ready");
    let mut resume = Test::new();
    resume = resume.current_dir(first.path()).args(["resume", "--yes"]);
    let second = resume.run();
    second
        .expect_exit(4)
        .expect_stderr_contains("step `token` asks \"API token?\" and has no default");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
