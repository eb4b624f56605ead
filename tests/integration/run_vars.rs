//! Variables of `runbook run`: `ask` defaults under `--yes`, missing variables listed at
//! once, `choices` and `pattern` on `--var`, and values that reach the shell as data, never
//! as syntax (hostile strings round-trip through the binary).

use crate::support::{journal, project, read, records, run_ids};

#[test]
fn ask_takes_its_default_under_yes() {
    let t = project(
        r#"
[runbook]
title = "Ask"

[[step]]
id = "which"
ask = "Which strategy?"
into = "strategy"
choices = ["recreate", "rolling"]
default = "rolling"

[[step]]
id = "use"
run = "printf %s {{ strategy }} > strategy"
"#,
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(read(t.path(), "strategy"), "rolling");
    let j = journal(t.path());
    assert_eq!(
        records(&j, "step-finished", "which")[0]["value"],
        serde_json::json!(["strategy", "rolling"])
    );
}

#[test]
fn missing_variables_are_listed_at_once_before_anything_runs() {
    let t = project(
        r#"
[runbook]
title = "Vars"

[vars.release]
[vars.namespace]
from-env = "NS_FOR_TEST"
[vars.cluster]
default = "edge"

[[step]]
id = "one"
run = "touch one"
"#,
    );
    t.invoke(&["run", "rb", "--yes"])
        .expect_exit(2)
        .expect_stderr_contains("`release`")
        .expect_stderr_contains("`namespace`")
        .expect_stderr_contains("NS_FOR_TEST");
    assert!(!t.path().join("one").exists());
    assert!(run_ids(t.path()).is_empty());
}

#[test]
fn choices_and_pattern_are_enforced_on_var() {
    let t = project(
        r#"
[runbook]
title = "Vars"

[vars.cluster]
choices = ["edge", "main"]

[vars.name]
pattern = "^[a-z0-9-]+$"
default = "ok"

[[step]]
id = "one"
run = "touch one"
"#,
    );
    t.invoke(&["run", "rb", "--yes", "--var", "cluster=prod"])
        .expect_exit(2)
        .expect_stderr_contains("cluster");
    t.invoke(&[
        "run",
        "rb",
        "--yes",
        "--var",
        "cluster=edge",
        "--var",
        "name=Bad_Name",
    ])
    .expect_exit(2)
    .expect_stderr_contains("name");
    assert!(!t.path().join("one").exists());
    assert!(run_ids(t.path()).is_empty());
    t.invoke(&[
        "run",
        "rb",
        "--yes",
        "--var",
        "cluster=main",
        "--var",
        "name=good-1",
    ])
    .expect_exit(0);
    assert!(t.path().join("one").exists());
}

/// Values that try to break out of the shell word they are substituted into.
pub(crate) const NASTY: &[&str] = &[
    "x; touch pwned",
    "$(touch pwned)",
    "`touch pwned`",
    "'; touch pwned; '",
    "\"; touch pwned; \"",
    "a\ntouch pwned",
    "x && touch pwned",
    "x | touch pwned",
    "> pwned",
    "$RUNBOOK_VAR_NAME ${HOME} *",
    "\\'\\\"\\\\",
    "",
    " leading and trailing ",
    "ünïcödé ✓ 🚀",
    "-n",
    "~",
];

#[test]
fn var_values_cannot_inject_shell_syntax() {
    let t = project(
        r#"
[runbook]
title = "Injection"

[vars.name]

[[step]]
id = "echo"
run = "printf %s {{ name }} > got; set -- {{ name }}; echo $# > words"

[[step.verify]]
run = "printf %s {{ name }}"
expect-stdout = '^{{ name }}$'
"#,
    );
    for (i, value) in NASTY.iter().enumerate() {
        let ran = t.invoke(&["run", "rb", "--yes", "--var", &format!("name={value}")]);
        ran.expect_exit(0);
        assert!(
            !t.path().join("pwned").exists(),
            "value {value:?} created a file\n{}",
            ran.report()
        );
        assert_eq!(
            std::fs::read(t.path().join("got")).unwrap(),
            value.as_bytes(),
            "value {i}: {value:?}"
        );
        assert_eq!(
            read(t.path(), "words").trim(),
            "1",
            "value {value:?} arrived as more than one argument"
        );
    }
}

/// A small deterministic generator (xorshift) over an alphabet of shell metacharacters.
pub(crate) fn nasty_strings(count: usize) -> Vec<String> {
    const ALPHABET: &[&str] = &[
        "'", "\"", "$", "`", ";", "&", "|", "\n", " ", "\t", "*", "?", "~", "\\", "(", ")", "{",
        "}", "[", "]", "<", ">", "#", "!", "=", "-", "%", "a", "Z", "0", "é", "ß", "→", "🚀", "{{",
        "}}", "$(", "${", "\r", "^",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = (next() % 24) as usize;
            (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect()
        })
        .collect()
}

/// Property: for any value, `printf %s {{ x }}` rendered for the shell and run by
/// `sh -c` prints exactly the value (one argument, nothing expanded or executed).
#[test]
fn shell_rendering_round_trips_any_string() {
    use runbook::render::template::{Escape, Renderer};
    let mut renderer = Renderer::new();
    let dir = tempfile::tempdir().unwrap();
    let values = nasty_strings(300);
    // One shell per batch keeps this fast: each value is printed between NUL separators.
    let mut script = String::new();
    for value in &values {
        let mut context = tera::Context::new();
        context.insert("x", value);
        let command = renderer
            .render("printf %s {{ x }}", Escape::Shell, &context)
            .unwrap();
        script.push_str(&command);
        script.push_str("; printf '\\0'\n");
    }
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Vec<&[u8]> = output.stdout.split(|&b| b == 0).collect();
    assert_eq!(printed.len(), values.len() + 1);
    for (value, got) in values.iter().zip(&printed) {
        assert_eq!(String::from_utf8_lossy(got), *value);
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "a value created a file"
    );
}

#[test]
fn generated_var_values_round_trip_through_the_binary() {
    let t = project(
        r#"
[runbook]
title = "Property"

[vars.x]

[[step]]
id = "print"
run = "printf %s {{ x }} > got"
"#,
    );
    for value in nasty_strings(25) {
        if value.contains('\r') {
            continue;
        }
        t.invoke(&["run", "rb", "--yes", "--var", &format!("x={value}")])
            .expect_exit(0);
        assert_eq!(read(t.path(), "got"), value);
    }
    let mut entries: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        [".runbook", "got", "runbooks"],
        "a value created a file"
    );
}
