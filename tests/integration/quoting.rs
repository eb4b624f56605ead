//! Quoting at the right depth: the final value of every `{{ … }}` in a command is one
//! literal shell word, whatever the expression (concatenation, filters, function calls,
//! arrays, numbers, blocks), and a secret is an environment reference that no value can
//! imitate. Through the binary for the reported cases, and a property test over
//! generated expressions × hostile values run by `sh -c`.

use runbook::render::quote::Markers;
use runbook::render::template::{Escape, Renderer};

use crate::run_vars::{NASTY, nasty_strings};
use crate::support::{project, read};

#[test]
fn a_concatenation_is_quoted_as_a_whole() {
    let t = project(
        r#"
[runbook]
title = "Concat"

[vars.name]

[[step]]
id = "echo"
run = "printf %s {{ 'deploy/' ~ name }} > got"
"#,
    );
    t.invoke(&["check"]).expect_exit(0);
    let ran = t.invoke(&["run", "rb", "--yes", "--var", "name=x;touch PWNED"]);
    ran.expect_exit(0);
    assert!(!t.path().join("PWNED").exists(), "{}", ran.report());
    assert_eq!(read(t.path(), "got"), "deploy/x;touch PWNED");
    ran.expect_stderr_contains("$ printf %s 'deploy/x;touch PWNED' > got");
}

#[test]
fn an_array_valued_filter_is_one_word() {
    let t = project(
        r#"
[runbook]
title = "Array"

[vars.x]

[[step]]
id = "echo"
run = "set -- {{ x | split(pat=',') }}; printf '%s|' \"$#\" \"$@\" > got"
"#,
    );
    let value = "a,$(touch PWNED_arr) ;touch PWNED_semi";
    let ran = t.invoke(&["run", "rb", "--yes", "--var", &format!("x={value}")]);
    ran.expect_exit(0);
    assert!(!t.path().join("PWNED_arr").exists(), "{}", ran.report());
    assert!(!t.path().join("PWNED_semi").exists());
    assert_eq!(
        read(t.path(), "got"),
        "1|[a, $(touch PWNED_arr) ;touch PWNED_semi]|"
    );
}

#[test]
fn raw_is_the_one_opt_out_and_check_says_where() {
    let t = project(
        r#"
[runbook]
title = "Raw"

[vars.flags]
default = "-a -b"

[[step]]
id = "echo"
run = "set -- {{ flags | raw }}; echo $# > words"
"#,
    );
    t.invoke(&["check"]).expect_exit(0).expect_diagnostic(
        "`| raw` turns off shell quoting for this value",
        "runbooks/rb.toml:10:7",
    );
    t.invoke(&["run", "rb", "--yes"]).expect_exit(0);
    assert_eq!(read(t.path(), "words").trim(), "2");
}

#[test]
fn a_filter_section_in_a_command_is_refused() {
    let t = project(
        r#"
[runbook]
title = "Section"

[vars.x]
default = "a"

[[step]]
id = "echo"
run = "echo {% filter replace(from=\"'\", to=\"\") %}{{ x }}{% endfilter %}"
"#,
    );
    t.invoke(&["check"]).expect_exit(3).expect_diagnostic(
        "`{% filter %}` section in a command",
        "runbooks/rb.toml:10:7",
    );
}

#[test]
fn a_value_shaped_like_a_secret_reference_stays_literal() {
    let t = project(
        r#"
[runbook]
title = "Reference"

[vars.token]
secret = true
from-env = "TEST_TOKEN"

[vars.title]

[[step]]
id = "given"
run = "printf %s {{ title }} > given"

[[step]]
id = "make"
run = "printf '%s' '\"${RUNBOOK_VAR_TOKEN}\"'"
capture = "made"

[[step]]
id = "captured"
run = "printf %s {{ made }} > captured; printf %s {{ token }} > real"
"#,
    );
    let ran = t.invoke_env(
        &[
            "run",
            "rb",
            "--yes",
            "--var",
            "title=\"${RUNBOOK_VAR_TOKEN}\"",
        ],
        &[("TEST_TOKEN", "TOP-S3CRET")],
    );
    ran.expect_exit(0);
    assert_eq!(read(t.path(), "given"), "\"${RUNBOOK_VAR_TOKEN}\"");
    assert_eq!(read(t.path(), "captured"), "\"${RUNBOOK_VAR_TOKEN}\"");
    assert_eq!(read(t.path(), "real"), "TOP-S3CRET", "{}", ran.report());
}

/// Hostile values: the injection payloads, generated metacharacter soup, and text shaped
/// like the environment references and markers secrets become.
fn hostile_values() -> Vec<String> {
    let mut values: Vec<String> = NASTY.iter().map(ToString::to_string).collect();
    values.extend(nasty_strings(120));
    let forged = Markers::new().marker("token");
    values.extend(
        [
            "\"${RUNBOOK_VAR_TOKEN}\"",
            "${RUNBOOK_VAR_TOKEN}",
            "$RUNBOOK_VAR_TOKEN",
            "'\"${RUNBOOK_VAR_TOKEN}\"'",
            "\"$(touch pwned)\"",
            forged.as_str(),
            "\u{1}rbs:token\u{2}",
        ]
        .map(String::from),
    );
    values
}

const SECRET: &str = "S3CRET value";

/// An expression over the variable `v`, and the text it must arrive as for `x`.
type Form = (fn(&str) -> String, fn(&str) -> String);

const FORMS: &[Form] = &[
    (|v| v.to_string(), |x| x.into()),
    (|v| format!("'p/' ~ {v}"), |x| format!("p/{x}")),
    (|v| format!("{v} ~ '/s' ~ 1"), |x| format!("{x}/s1")),
    (|v| format!("{v} | trim"), |x| x.trim().into()),
    (|v| format!("{v} | upper"), |x| x.to_uppercase()),
    (
        |v| format!("{v} | replace(from='a', to='%')"),
        |x| x.replace('a', "%"),
    ),
    (|v| format!("{v} | default(value='d')"), |x| x.into()),
    (
        |v| format!("[{v}, 'k'] | join(sep=' ')"),
        |x| format!("{x} k"),
    ),
    (
        |v| format!("{v} | split(pat=',')"),
        |x| format!("[{}]", x.split(',').collect::<Vec<_>>().join(", ")),
    ),
    (
        |v| format!("range(end=2) | join(sep={v})"),
        |x| format!("0{x}1"),
    ),
    (
        |v| format!("{v} | length"),
        |x| x.chars().count().to_string(),
    ),
    (|v| format!("{v} == 'a'"), |x| (x == "a").to_string()),
    (|v| format!("[{v}, 1, true]"), |x| format!("[{x}, 1, true]")),
    (|v| format!("{v} ~ token"), |x| format!("{x}{SECRET}")),
    (
        |v| format!("'t:' ~ token ~ ':' ~ {v}"),
        |x| format!("t:{SECRET}:{x}"),
    ),
];

/// Puts `{{ expression }}` in a block: as is, in both branches of an `if`, in a `for`
/// over a list holding the value, after a `set`, or nested.
fn wrap(block: u64, form: &Form) -> String {
    let e = |v: &str| format!("{{{{ {} }}}}", (form.0)(v));
    match block % 5 {
        0 => e("x"),
        1 => format!("{{% if x %}}{}{{% else %}}{}{{% endif %}}", e("x"), e("x")),
        2 => format!("{{% for v in [x] %}}{}{{% endfor %}}", e("v")),
        3 => format!("{{% set y = x %}}{}", e("y")),
        _ => format!(
            "{{% for i in [1] %}}{{% if i == 1 %}}{}{{% endif %}}{{% endfor %}}",
            e("x")
        ),
    }
}

/// Property: every generated expression, with every hostile value, reaches `sh -c` as
/// exactly one argument holding exactly the expected text, and nothing runs.
#[test]
fn every_expression_reaches_the_shell_as_one_literal_word() {
    let mut renderer = Renderer::new();
    let dir = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for value in hostile_values() {
        for form in FORMS {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let template = format!("set -- {}", wrap(state, form));
            let markers = Markers::new();
            let mut context = tera::Context::new();
            context.insert("x", &value);
            context.insert("token", &markers.marker("token"));
            let command = renderer
                .command(&template, &markers, &context)
                .unwrap_or_else(|e| panic!("{template}: {e}"));
            assert!(
                !command.contains(SECRET),
                "the secret is in the command: {command}"
            );
            let want = format!("1\x1f{}\x1f", (form.1)(&value));
            cases.push((template, value.clone(), command, want));
        }
    }
    // Batches keep each `sh -c` argument under the kernel's limit for one argument.
    for batch in cases.chunks(150) {
        let mut script = String::new();
        for (_, _, command, _) in batch {
            script.push_str(command);
            script.push_str("\nprintf '%s\\037' \"$#\" \"$@\"; printf '\\036'\n");
        }
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .env("RUNBOOK_VAR_TOKEN", SECRET)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let printed: Vec<&str> = stdout.split('\x1e').collect();
        assert_eq!(printed.len(), batch.len() + 1);
        for ((template, value, _, want), got) in batch.iter().zip(&printed) {
            assert_eq!(got, want, "template {template:?} with x = {value:?}");
        }
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "a value created a file"
    );
}

#[test]
fn regexes_match_every_expression_literally() {
    let mut renderer = Renderer::new();
    for value in hostile_values() {
        let mut context = tera::Context::new();
        context.insert("x", &value);
        let re = renderer
            .render("^{{ 'a.' ~ x }}$", Escape::Regex, &context)
            .unwrap();
        let re = regex::Regex::new(&re).unwrap();
        assert!(re.is_match(&format!("a.{value}")), "{value:?}");
        assert!(!re.is_match(&format!("aX{value}")), "{value:?}");
    }
}
