//! `ask` steps as the operator sees them: the question once and the answer once, at a
//! terminal and under `--yes` (masked when secret), and a way out of the prompt itself
//! (skip the step or abort the run) without Ctrl-C. Terminal cases run in a pseudo-terminal.

use rexpect::session::PtySession;

use crate::support::{DOWN, ENTER, Test, log_json, project, pty_exit_code, pty_send, read};

/// Everything the terminal showed, gathered while waiting for the texts expected.
struct Screen {
    session: PtySession,
    seen: String,
}

impl Screen {
    fn start(test: &Test, args: &[&str]) -> Self {
        Self {
            session: test.pty(args),
            seen: String::new(),
        }
    }

    #[track_caller]
    fn expect(&mut self, text: &str) {
        match self.session.exp_string(text) {
            Ok(before) => {
                self.seen.push_str(&before);
                self.seen.push_str(text);
            }
            Err(e) => panic!(
                "expected {text:?} on the terminal: {e}\nseen:\n{}",
                self.seen
            ),
        }
    }

    fn send(&mut self, keys: &str) {
        pty_send(&mut self.session, keys);
    }

    /// The exit code, with the rest of the output added to what was seen. A process that
    /// does not end (it waits for a key the test did not send) is killed, and the test fails.
    fn finish(mut self) -> (i32, String) {
        match self.session.exp_eof() {
            Ok(rest) => self.seen.push_str(&rest),
            Err(e) => {
                let _ = self.session.process_mut().exit();
                panic!("runbook did not end: {e}\nseen:\n{}", self.seen);
            }
        }
        (pty_exit_code(self.session), self.seen)
    }
}

const ASKS: &str = r#"
[runbook]
title = "Asks"

[[step]]
id = "pick"
ask = "Which colour do you want?"
into = "colour"
choices = ["blue", "green"]
default = "green"

[[step]]
id = "where"
ask = "Which region runs it?"
into = "region"

[[step]]
id = "use"
run = "echo {{ colour }}-{{ region }} >> trail"
"#;

#[test]
fn at_a_terminal_the_question_and_the_answer_are_shown_once() {
    let test = Test::new().runbook("asks", ASKS);
    let mut s = Screen::start(&test, &["run", "asks", "--auto"]);
    s.expect("Which colour do you want?");
    s.send(ENTER);
    s.expect("colour = green");
    s.expect("Which region runs it?");
    s.send(&format!("eu-west{ENTER}"));
    s.expect("region = eu-west");
    s.expect("asks: succeeded");
    let (code, seen) = s.finish();
    assert_eq!(code, 0, "{seen}");
    assert_eq!(read(test.path(), "trail"), "green-eu-west\n");
    for once in [
        "Which colour do you want?",
        "Which region runs it?",
        "= green",
        "= eu-west",
    ] {
        assert_eq!(seen.matches(once).count(), 1, "{once:?} once:\n{seen}");
    }
}

#[test]
fn under_yes_the_question_and_the_answer_are_shown_once_and_a_secret_is_masked() {
    let toml = r#"
[runbook]
title = "Asks"

[[step]]
id = "pick"
ask = "Which colour do you want?"
into = "colour"
choices = ["blue", "green"]
default = "green"

[[step]]
id = "token"
ask = "Which token?"
into = "token"
secret = true
default = "hunter2-secret"
"#;
    let output = Test::new()
        .runbook("asks", toml)
        .args(["run", "asks", "--yes"])
        .run();
    output.expect_exit(0);
    let all = format!("{}{}", output.stdout, output.stderr);
    for once in [
        "Which colour do you want?",
        "colour = green",
        "Which token?",
        "token = ",
    ] {
        assert_eq!(all.matches(once).count(), 1, "{once:?} once:\n{all}");
    }
    assert!(
        !all.contains("hunter2-secret"),
        "the secret is masked:\n{all}"
    );
}

#[test]
fn an_empty_answer_opens_the_step_menu_and_skip_goes_on() {
    let toml = r#"
[runbook]
title = "Skip"

[[step]]
id = "where"
ask = "Which region runs it?"
into = "region"

[[step]]
id = "after"
run = "echo after >> trail"
"#;
    let test = Test::new().runbook("skip", toml);
    let mut s = Screen::start(&test, &["run", "skip", "--auto"]);
    s.expect("Which region runs it?");
    s.expect("empty: skip or abort");
    s.send(ENTER);
    s.expect("`where`: no answer. what now?");
    // "answer the question" asks again.
    s.send(ENTER);
    s.expect("empty: skip or abort");
    s.send(ENTER);
    s.expect("`where`: no answer. what now?");
    s.send(&format!("{DOWN}{ENTER}"));
    s.expect("where skipped: skipped by the operator");
    s.expect("skip: succeeded");
    let (code, seen) = s.finish();
    assert_eq!(code, 0, "{seen}");
    assert_eq!(read(test.path(), "trail"), "after\n");
    assert!(
        log_json(&test)
            .iter()
            .any(|r| r["type"] == "decision" && r["step"] == "where" && r["choice"] == "skip")
    );
}

#[test]
fn a_choice_ask_offers_abort_and_resume_asks_again() {
    let test = Test::new().runbook("asks", ASKS);
    let mut s = Screen::start(&test, &["run", "asks", "--auto"]);
    s.expect("abort (resumable)");
    // From the default `green`: past "skip this step" to "abort (resumable)".
    s.send(&format!("{DOWN}{DOWN}{ENTER}"));
    s.expect("runbook resume");
    let (code, seen) = s.finish();
    assert_eq!(code, 1, "{seen}");
    assert!(!seen.contains("colour ="), "no answer was given:\n{seen}");

    let mut s = Screen::start(&test, &["resume", "--auto"]);
    s.expect("Which colour do you want?");
    s.send(ENTER);
    s.expect("colour = green");
    s.expect("Which region runs it?");
    s.send(&format!("north{ENTER}"));
    let (code, seen) = s.finish();
    assert_eq!(code, 0, "{seen}");
    assert_eq!(read(test.path(), "trail"), "green-north\n");
}

/// Under `--yes` the transcript keeps every `ask` answer, a secret one masked (issue #15:
/// `? Which environment…` was followed by `✓ choose-target` with no answer).
#[test]
fn ask_answers_are_shown_under_yes_and_secrets_masked() {
    let t = project(
        r#"
[runbook]
title = "Answers"

[[step]]
id = "pick"
ask = "Which colour?"
into = "colour"
choices = ["blue", "green"]
default = "green"

[[step]]
id = "token"
ask = "Which token?"
into = "token"
secret = true
"#,
    );
    let ran = t.invoke(&["run", "rb", "--yes", "--var", "token=s3cr3t-value-123"]);
    ran.expect_exit(0)
        .expect_stderr_contains("→ colour = green")
        .expect_stderr_contains("→ token = ")
        .expect_stderr_lacks("s3cr3t-value-123");
}
