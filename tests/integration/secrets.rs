//! Secret taint: anything derived from a secret is secret. A `foreach` item taken from
//! one, a capture holding one and a `with` value built from one are masked everywhere,
//! reach commands by environment (never argv), are named by position where they would
//! name a file or a journal id, and are derived again on resume rather than replaced by
//! the mask. Errors name the variable and the rule, never the value. Short secrets mask
//! whole words only.

use std::path::Path;

use crate::support::{contains, files_below, journal, project, read};

const PW: &str = "p@ss w0rd";

/// Fails when `secret` is in a file below `.runbook/` or in a file's name.
fn assert_nowhere_on_disk(root: &Path, secret: &str) {
    for file in files_below(&root.join(".runbook")) {
        assert!(
            !file.to_string_lossy().contains(secret),
            "a file is named after the secret: {}",
            file.display()
        );
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !contains(&bytes, secret.as_bytes()),
            "{} holds the secret",
            file.display()
        );
    }
}

#[test]
fn a_foreach_item_from_a_secret_is_named_by_position_and_masked() {
    let t = project(
        r#"
[runbook]
title = "Loop"

[vars.pw]
secret = true
from-env = "TEST_PW"

[[step]]
id = "loop"
title = "Use {{ item }}"
foreach = { var = "item", in = ["{{ pw }}", "plain"] }
run = "echo using {{ item }}; printf %s {{ item }} >> got"
"#,
    );
    let ran = t.invoke_env(&["run", "rb", "--yes"], &[("TEST_PW", PW)]);
    ran.expect_exit(0);
    assert_eq!(read(t.path(), "got"), format!("{PW}plain"));
    assert!(
        !ran.stdout.contains(PW) && !ran.stderr.contains(PW),
        "{}",
        ran.report()
    );
    ran.expect_stderr_contains("loop[#1]")
        .expect_stderr_contains("loop[plain]");
    let steps: Vec<String> = journal(t.path())
        .iter()
        .filter_map(|r| r["step"].as_str().map(str::to_string))
        .collect();
    assert!(steps.iter().any(|s| s == "loop[#1]"), "{steps:?}");
    for args in [&["log"][..], &["log", "--json"]] {
        let log = t.invoke(args);
        log.expect_exit(0);
        assert!(
            !log.stdout.contains(PW) && !log.stderr.contains(PW),
            "{}",
            log.report()
        );
    }
    assert_nowhere_on_disk(t.path(), PW);
}

#[test]
fn validation_errors_name_the_rule_never_the_secret() {
    let t = project(
        r#"
[runbook]
title = "Rules"

[vars.pw]
secret = true
from-env = "TEST_PW"
pattern = '^[a-z]+$'

[vars.level]
secret = true
choices = ["low", "high"]
default = "low"

[[step]]
id = "a"
run = "true"
"#,
    );
    let given = t.invoke(&["run", "rb", "--yes", "--var", "pw=BAD-S3CRET-VALUE"]);
    given.expect_exit(2).expect_stderr_contains("must match");
    given.expect_stderr_lacks("BAD-S3CRET-VALUE");
    let from_env = t.invoke_env(&["run", "rb", "--yes"], &[("TEST_PW", "BAD-S3CRET-VALUE")]);
    from_env
        .expect_exit(2)
        .expect_stderr_contains("`pw`")
        .expect_stderr_lacks("BAD-S3CRET-VALUE");
    let choice = t.invoke_env(
        &["run", "rb", "--yes", "--var", "level=S3CRET-CHOICE"],
        &[("TEST_PW", "good")],
    );
    choice
        .expect_exit(2)
        .expect_stderr_contains("must be one of")
        .expect_stderr_lacks("S3CRET-CHOICE");
}

#[test]
fn a_with_value_built_from_a_secret_stays_out_of_argv() {
    const TOKEN: &str = "ARGV-SECRET-123";
    let t = project(
        r#"
[runbook]
title = "Caller"

[vars.token]
secret = true
from-env = "TEST_TOKEN"

[[step]]
id = "fix"
call = "child"
with = { v = "{{ token }}" }
"#,
    )
    .runbook(
        "child",
        r#"
[runbook]
title = "Child"

[vars.v]

[[step]]
id = "show"
run = "tr '\\0' ' ' < /proc/$$/cmdline > cmdline; echo child got {{ v }}; printf %s {{ v }} > got"
"#,
    );
    let ran = t.invoke_env(&["run", "rb", "--yes"], &[("TEST_TOKEN", TOKEN)]);
    ran.expect_exit(0);
    assert_eq!(read(t.path(), "got"), TOKEN, "{}", ran.report());
    let cmdline = read(t.path(), "cmdline");
    assert!(cmdline.contains("child got"), "{cmdline}");
    assert!(!cmdline.contains(TOKEN), "the secret is in argv: {cmdline}");
    assert!(!ran.stdout.contains(TOKEN) && !ran.stderr.contains(TOKEN));
    assert_nowhere_on_disk(t.path(), TOKEN);
}

const CAPTURE: &str = r#"
[runbook]
title = "Capture"

[vars.token]
secret = true
from-env = "TEST_TOKEN"

[[step]]
id = "derive"
run = "echo derived >> derive.calls; echo prefix-{{ token }}"
capture = "c"
IDEMPOTENT

[[step]]
id = "use"
run = "tr '\\0' ' ' < /proc/$$/cmdline > cmdline; printf %s {{ c }} > got; test -f go"
"#;

const TOKEN: &str = "C4PTURED-S3CRET";

#[test]
fn a_capture_holding_a_secret_is_secret_and_rederived_on_resume() {
    let t = project(&CAPTURE.replace("IDEMPOTENT", "idempotent = true"));
    let env = [("TEST_TOKEN", TOKEN)];
    t.invoke_env(&["run", "rb", "--yes"], &env).expect_exit(1);
    let want = format!("prefix-{TOKEN}");
    assert_eq!(read(t.path(), "got"), want);
    let cmdline = read(t.path(), "cmdline");
    assert!(
        !cmdline.contains(TOKEN),
        "the capture is in argv: {cmdline}"
    );
    assert_nowhere_on_disk(t.path(), TOKEN);

    std::fs::write(t.path().join("go"), "").unwrap();
    std::fs::remove_file(t.path().join("got")).unwrap();
    let resumed = t.invoke_env(&["resume", "--yes"], &env);
    resumed.expect_exit(0);
    assert_eq!(read(t.path(), "got"), want, "{}", resumed.report());
    assert_eq!(read(t.path(), "derive.calls"), "derived\nderived\n");
    assert_nowhere_on_disk(t.path(), TOKEN);
}

#[test]
fn a_secret_capture_of_a_step_that_cannot_rerun_is_asked_for() {
    let t = project(&CAPTURE.replace("IDEMPOTENT", ""));
    let env = [("TEST_TOKEN", TOKEN)];
    t.invoke_env(&["run", "rb", "--yes"], &env).expect_exit(1);
    std::fs::write(t.path().join("go"), "").unwrap();
    let resumed = t.invoke_env(&["resume", "--yes"], &env);
    resumed.expect_exit(4).expect_stderr_contains("`c`");
    assert_eq!(read(t.path(), "derive.calls"), "derived\n");
    assert_eq!(read(t.path(), "got"), format!("prefix-{TOKEN}"));
}

#[test]
fn a_one_character_secret_masks_whole_words_only() {
    let t = project(
        r#"
[runbook]
title = "Short"

[vars.pin]
secret = true
from-env = "TEST_PIN"

[[step]]
id = "talk"
run = "echo hello there; echo pin {{ pin }}"
"#,
    );
    let ran = t.invoke_env(&["run", "rb", "--yes"], &[("TEST_PIN", "e")]);
    ran.expect_exit(0)
        .expect_stderr_contains("hello there")
        .expect_stderr_contains("pin ********");
}

#[test]
fn a_secret_in_titles_and_descriptions_is_masked() {
    let t = project(
        r#"
[runbook]
title = "Deploy with {{ token }}"

[vars.token]
secret = true
from-env = "TEST_TOKEN"

[[step]]
id = "a"
title = "Step with {{ token }}"
description = "uses {{ token }} here"
run = "true"
"#,
    );
    let ran = t.invoke_env(&["run", "rb", "--yes"], &[("TEST_TOKEN", "T1TLE-S3CRET")]);
    ran.expect_exit(0)
        .expect_stderr_contains("Deploy with ********")
        .expect_stderr_contains("Step with ********")
        .expect_stderr_contains("uses ******** here")
        .expect_stderr_lacks("T1TLE-S3CRET");
}

#[test]
fn rollback_stops_when_an_undo_needs_a_secret_capture() {
    let t = project(
        r#"
[runbook]
title = "Undo"

[vars.token]
secret = true
from-env = "TEST_TOKEN"

[[step]]
id = "make"
run = "echo key-{{ token }}"
capture = "key"

[[step.rollback]]
run = "printf %s {{ key }} > undone"

[[step]]
id = "fail"
run = "exit 1"
"#,
    );
    let env = [("TEST_TOKEN", TOKEN)];
    t.invoke_env(&["run", "rb", "--yes"], &env).expect_exit(1);
    t.invoke_env(&["rollback", "--yes"], &env)
        .expect_exit(2)
        .expect_stderr_contains("needs `key`, a capture that held a secret");
    assert!(!t.path().join("undone").exists());
}

#[test]
fn a_secret_reaches_the_command_and_nothing_on_disk_or_screen() {
    const TOKEN: &str = "s3cr3t-T0ken-4242";
    let t = project(
        r#"
[runbook]
title = "Secret"

[vars.token]
secret = true
from-env = "TEST_TOKEN"

[vars.cluster]
default = "edge"

[[step]]
id = "login"
run = "test \"$RUNBOOK_VAR_TOKEN\" = s3cr3t-T0ken-4242 && echo ok > env-ok; test {{ token }} = s3cr3t-T0ken-4242 && echo ok > template-ok; printf %s {{ token }} | wc -c > length"
checkpoint = true

[[step.verify]]
run = "echo token is {{ token }}; echo {{ token }} >&2"
expect-stdout = "token is"

[[step.rollback]]
run = "echo undo {{ token }}"

[[step]]
id = "talk"
run = "echo the token is {{ token }}; echo {{ token }} >&2; echo $RUNBOOK_VAR_TOKEN"
capture = "echoed"

[[step]]
id = "fail"
run = "echo failing with {{ token }}; exit 1"
"#,
    );
    let ran = t.invoke_env(&["run", "rb", "--yes"], &[("TEST_TOKEN", TOKEN)]);
    ran.expect_exit(1);
    assert_eq!(read(t.path(), "env-ok"), "ok\n", "{}", ran.report());
    assert_eq!(read(t.path(), "template-ok"), "ok\n");
    assert_eq!(read(t.path(), "length").trim(), TOKEN.len().to_string());
    assert!(
        !ran.stdout.contains(TOKEN) && !ran.stderr.contains(TOKEN),
        "the secret was printed\n{}",
        ran.report()
    );
    let log = t.invoke(&["log"]);
    log.expect_exit(0);
    assert!(!log.stdout.contains(TOKEN) && !log.stderr.contains(TOKEN));
    let files = files_below(&t.path().join(".runbook"));
    assert!(files.iter().any(|f| f.ends_with("journal.jsonl")));
    assert!(
        files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "log"))
            .count()
            >= 2,
        "the steps that printed have logs (a silent success leaves none): {files:?}"
    );
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !contains(&bytes, TOKEN.as_bytes()),
            "{} holds the secret",
            file.display()
        );
    }
}
