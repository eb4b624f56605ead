//! `runbook check` on templates and values: template and `when` syntax, unknown template
//! variables (and every kind that is known), regexes, durations, defaults that break their
//! `choices` or `pattern`; warnings (a raw filter, a gate without checks) that exit 0; and
//! several problems of one file reported at once.

use crate::runbook_snapshot;
use crate::support::check_runbook;

#[test]
fn template_syntax_error() {
    let output = check_runbook(
        "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nrun = \"echo {{ name }\"\n",
    );
    output
        .expect_exit(3)
        .expect_stderr_contains("error: invalid template: ")
        .expect_stderr_contains(" --> runbooks/rb.toml:6:7")
        .expect_stderr_contains("hint: a literal `{{` is written inside `{% raw %}…{% endraw %}`");
    runbook_snapshot!(output);
}

/// tera reads a name that starts with `true` or `false` as a boolean and fails on the
/// rest: `check` must say so, not pass a template that cannot render.
#[test]
fn a_variable_named_like_a_boolean_is_a_template_error() {
    for (field, text) in [("run", "echo {{ trueish }}"), ("when", "trueish != ''")] {
        let toml = format!(
            "[runbook]\ntitle = \"T\"\n\n[vars.trueish]\ndefault = \"x\"\n\n[[step]]\nid = \"a\"\nrun = \"true\"\n{field} = \"{text}\"\n"
        )
        .replace("run = \"true\"\nrun", "run");
        let message = if field == "run" {
            "error: invalid template: "
        } else {
            "error: invalid condition: "
        };
        check_runbook(&toml)
            .expect_exit(3)
            .expect_stderr_contains(message);
    }
}

#[test]
fn when_syntax_error_does_not_show_the_wrapper() {
    check_runbook("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nwhen = \"x ==\"\n")
        .expect_exit(3)
        .expect_stderr_contains("error: invalid condition: ")
        .expect_stderr_contains(" --> runbooks/rb.toml:6:8")
        .expect_stderr_lacks("{% if");
}

#[test]
fn unknown_template_variable() {
    let toml = r#"[runbook]
title = "T"

[vars.release]
default = "x"

[[step]]
id = "a"
run = "flux reconcile helmrelease {{ relase }}"
"#;
    check_runbook(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "template uses unknown variable `relase`",
            "runbooks/rb.toml:9:7",
        )
        .expect_stderr_contains("hint: did you mean `release`?");
    check_runbook(
        "[runbook]\ntitle = \"{{ who }}\"\n\n[[step]]\nid = \"a\"\ntitle = \"Hello {{ zzz }}\"\n",
    )
    .expect_exit(3)
    .expect_diagnostic(
        "template uses unknown variable `zzz`",
        "runbooks/rb.toml:6:9",
    )
    .expect_stderr_contains("hint: declare it as `[vars.zzz]`");
}

#[test]
fn every_kind_of_variable_is_known() {
    let toml = r#"[runbook]
title = "T"
env = { WHO = "{{ who }}" }

[vars.who]
default = "me"

[[step]]
id = "read"
run = "echo 1"
capture = "captured"

[[step]]
id = "decide"
ask = "Go on?"
into = "answer"

[[step]]
id = "loop"
foreach = { var = "item", in = ["a", "b"] }
when = "answer == 'yes' and item != 'b'"
run = "echo {{ who }} {{ captured }} {{ answer }} {{ item }} {{ runbook.name }} {{ run.id }}"

[[step.verify]]
run = "echo {{ item }}"
expect-stdout = "^{{ item }}$"
"#;
    check_runbook(toml)
        .expect_exit(0)
        .expect_stderr("ok: 1 runbook valid\n");
}

#[test]
fn foreach_item_is_local_to_its_step() {
    let toml = "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nforeach = { var = \"item\", in = [\"x\"] }\nrun = \"echo {{ item }}\"\n\n[[step]]\nid = \"b\"\nrun = \"echo {{ item }}\"\n";
    check_runbook(toml).expect_exit(3).expect_diagnostic(
        "template uses unknown variable `item`",
        "runbooks/rb.toml:11:7",
    );
}

#[test]
fn bad_regexes() {
    let toml = r#"[runbook]
title = "T"

[vars.app]
pattern = "^[a-z"

[[step]]
id = "a"
run = "true"

[[step.verify]]
run = "true"
expect-stdout = "(unclosed"
reject-stdout = "a{2,1}"
"#;
    check_runbook(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "invalid regex: unclosed character class",
            "runbooks/rb.toml:5:11",
        )
        .expect_diagnostic("invalid regex: unclosed group", "runbooks/rb.toml:13:17")
        .expect_stderr_contains("runbooks/rb.toml:14:17")
        .expect_stderr_contains("error: 3 problems found");
}

#[test]
fn bad_durations() {
    let toml = r#"[runbook]
title = "T"

[[step]]
id = "a"
run = "true"
timeout = "5 minutes"
retry = { attempts = 2, delay = "soon" }

[[step.verify]]
run = "true"
interval = "10"
timeout = "1x"
"#;
    check_runbook(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "invalid duration: missing unit after `5` (use ms, s, m or h)",
            "runbooks/rb.toml:7:11",
        )
        .expect_stderr_contains(" --> runbooks/rb.toml:8:33")
        .expect_stderr_contains(" --> runbooks/rb.toml:12:12")
        .expect_stderr_contains(" --> runbooks/rb.toml:13:11")
        .expect_stderr_contains("hint: write durations like `500ms`, `10s`, `5m` or `1h30m`")
        .expect_stderr_contains("error: 4 problems found");
}

#[test]
fn var_defaults_that_violate_choices_or_pattern() {
    let toml = r#"[runbook]
title = "T"

[vars.cluster]
default = "prod"
choices = ["edge", "main"]

[vars.ns]
default = "Bad NS"
pattern = "^[a-z]+$"
"#;
    check_runbook(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "default of `cluster` must be one of `edge`, `main`",
            "runbooks/rb.toml:5:11",
        )
        .expect_diagnostic(
            "default of `ns` must match `^[a-z]+$`",
            "runbooks/rb.toml:9:11",
        );
}

#[test]
fn ask_defaults_that_violate_choices_or_pattern() {
    let toml = r#"[runbook]
title = "T"

[[step]]
id = "pick"
ask = "Which?"
into = "choice"
choices = ["a", "b"]
default = "c"

[[step]]
id = "count"
ask = "How many?"
into = "count"
pattern = "^[0-9]+$"
default = "many"
"#;
    check_runbook(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "default `c` is not one of the choices",
            "runbooks/rb.toml:9:11",
        )
        .expect_diagnostic(
            "default `many` does not match `pattern`",
            "runbooks/rb.toml:16:11",
        );
}

#[test]
fn raw_filter_is_a_warning_only() {
    let toml = "[runbook]\ntitle = \"T\"\n\n[vars.args]\ndefault = \"-n x\"\n\n[[step]]\nid = \"a\"\nrun = \"kubectl get pods {{ args | raw }}\"\n";
    let output = check_runbook(toml);
    output
        .expect_exit(0)
        .expect_stdout_empty()
        .expect_diagnostic(
            "`| raw` turns off shell quoting for this value",
            "runbooks/rb.toml:9:7",
        )
        .expect_stderr_contains("ok: 1 runbook valid (1 warning)");
    runbook_snapshot!(output);
}

#[test]
fn several_problems_in_one_file_are_reported_at_once() {
    let toml = r#"[runbook]
title = "Several"
titel = "typo"

[vars.cluster]
default = "zzz"
choices = ["edge", "main"]

[[step]]
id = "One"
run = "echo {{ cluster }} {{ nope }}"
timeout = "5 minutes"

[[step]]
id = "two"
run = "echo"
manual = "do it"
needs = ["one-"]

[[step]]
id = "two"
call = "missing"
"#;
    let output = check_runbook(toml);
    output
        .expect_exit(3)
        .expect_stderr_contains("error: 9 problems found");
    runbook_snapshot!(output);
}

#[test]
fn a_gate_without_checks_is_a_warning_but_a_join_is_not() {
    let toml = r#"[runbook]
title = "T"

[[step]]
id = "a"
run = "true"

[[step]]
id = "b"
needs = []
run = "true"

[[step]]
id = "join"
needs = ["a", "b"]

[[step]]
id = "idle"
"#;
    check_runbook(toml)
        .expect_exit(0)
        .expect_stderr_contains("warning: step `idle` does nothing")
        .expect_stderr_lacks("step `join` does nothing");
}
