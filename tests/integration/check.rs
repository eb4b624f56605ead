//! `runbook check` on the shape of a file: TOML syntax, wrong values and types (in TOML's
//! words), missing and unknown keys (with a did-you-mean), step ids, variable names, step
//! kinds and the keys each kind takes; which runbooks are checked. Each error has its
//! `file:line:col` and exits 3.

use crate::runbook_snapshot;
use crate::support::{Test, check_runbook};

#[test]
fn valid_runbook_passes_with_ok_on_stderr() {
    check_runbook("[runbook]\ntitle = \"Fine\"\n\n[[step]]\nid = \"a\"\nrun = \"true\"\n")
        .expect_exit(0)
        .expect_stdout_empty()
        .expect_stderr("ok: 1 runbook valid\n");
}

#[test]
fn toml_syntax_error() {
    check_runbook("[runbook]\ntitle = \"unterminated\n")
        .expect_exit(3)
        .expect_diagnostic(
            "invalid basic string, expected `\"`",
            "runbooks/rb.toml:2:22",
        )
        .expect_stderr_contains("error: 1 problem found");
}

#[test]
fn toml_syntax_error_snapshot() {
    runbook_snapshot!(check_runbook(
        "[runbook]\ntitle = \"A\"\n[[step]\nid = \"a\"\n"
    ));
}

#[test]
fn a_wrong_value_on_its_own_line_does_not_hide_the_other_problems() {
    let toml = r#"[runbook]
title = "T"
risk = "extreme"

[vars.name]
default = "x"
choices = ["a", "b"]

[[step]]
id = "a"
run = "echo {{ nmae }}"
timeout = 5
"#;
    check_runbook(toml)
        .expect_exit(3)
        .expect_diagnostic("unknown value `extreme`", "runbooks/rb.toml:3:8")
        .expect_diagnostic(
            "default of `name` must be one of `a`, `b`",
            "runbooks/rb.toml:6:11",
        )
        .expect_diagnostic(
            "template uses unknown variable `nmae`",
            "runbooks/rb.toml:11:7",
        )
        .expect_diagnostic(
            "invalid type: integer `5`, expected a string",
            "runbooks/rb.toml:12:11",
        )
        .expect_stderr_contains("error: 4 problems found");
}

#[test]
fn a_wrong_required_value_is_reported_once() {
    check_runbook("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = 7\nrun = \"true\"\n")
        .expect_exit(3)
        .expect_diagnostic(
            "invalid type: integer `7`, expected a string",
            "runbooks/rb.toml:5:6",
        )
        .expect_stderr_lacks("missing required key")
        .expect_stderr_contains("error: 1 problem found");
}

#[test]
fn wrong_type_of_value() {
    check_runbook("[runbook]\ntitle = 5\n")
        .expect_exit(3)
        .expect_diagnostic(
            "invalid type: integer `5`, expected a string",
            "runbooks/rb.toml:2:9",
        );
    check_runbook("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nconfirm = \"yes\"\n")
        .expect_exit(3)
        .expect_diagnostic(
            "invalid type: string \"yes\", expected `true` or `false`",
            "runbooks/rb.toml:6:11",
        );
}

#[test]
fn wrong_type_speaks_toml() {
    check_runbook("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nneeds = \"b\"\n")
        .expect_exit(3)
        .expect_diagnostic(
            "invalid type: string \"b\", expected an array",
            "runbooks/rb.toml:6:9",
        );
}

#[test]
fn unknown_enum_value_lists_the_choices() {
    check_runbook("[runbook]\ntitle = \"T\"\nrisk = \"extreme\"\n")
        .expect_exit(3)
        .expect_diagnostic("unknown value `extreme`", "runbooks/rb.toml:3:8")
        .expect_stderr_contains("hint: expected one of `low`, `medium`, `high`, `critical`");
    check_runbook("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\non-failure = \"retry\"\n")
        .expect_exit(3)
        .expect_diagnostic("unknown value `retry`", "runbooks/rb.toml:6:14")
        .expect_stderr_contains("`ask`, `halt`, `rollback`, `continue`");
}

#[test]
fn missing_required_keys() {
    check_runbook("[runbook]\nsummary = \"no title\"\n")
        .expect_exit(3)
        .expect_diagnostic("missing required key `title`", "runbooks/rb.toml:1:1");
    check_runbook("[runbook]\ntitle = \"T\"\n\n[[step]]\nrun = \"true\"\n")
        .expect_exit(3)
        .expect_diagnostic("missing required key `id`", "runbooks/rb.toml:4:1");
    check_runbook("title = \"no header\"\n")
        .expect_exit(3)
        .expect_stderr_contains("error: unknown key `title`");
}

#[test]
fn step_id_must_match_the_pattern() {
    check_runbook(
        "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"Suspend_Release\"\nrun = \"true\"\n",
    )
    .expect_exit(3)
    .expect_diagnostic(
        "step id `Suspend_Release` is not valid",
        "runbooks/rb.toml:5:6",
    )
    .expect_stderr_contains(
        "hint: ids are kebab-case (`^[a-z0-9][a-z0-9-]*$`): try `suspend-release`",
    );
    check_runbook("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"-leading\"\n")
        .expect_exit(3)
        .expect_diagnostic("step id `-leading` is not valid", "runbooks/rb.toml:5:6");
}

#[test]
fn variable_names_must_be_identifiers() {
    check_runbook("[runbook]\ntitle = \"T\"\n\n[vars.chart-version]\ndefault = \"1\"\n")
        .expect_exit(3)
        .expect_diagnostic(
            "`chart-version` is not a valid variable name",
            "runbooks/rb.toml:4:1",
        )
        .expect_stderr_contains("try `chart_version`");
}

#[test]
fn duplicate_step_ids() {
    let toml = "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nrun = \"true\"\n\n[[step]]\nid = \"a\"\nrun = \"false\"\n";
    check_runbook(toml)
        .expect_exit(3)
        .expect_diagnostic("duplicate step id `a`", "runbooks/rb.toml:9:6")
        .expect_stderr_contains("hint: the first step with this id is on line 5");
}

#[test]
fn more_than_one_step_kind() {
    let toml = "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nrun = \"true\"\nmanual = \"do it\"\nask = \"sure?\"\ninto = \"sure\"\n";
    check_runbook(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "step `a` has more than one of `run`, `manual`, `ask`",
            "runbooks/rb.toml:7:10",
        )
        .expect_stderr_contains("hint: a step does one thing");
    check_runbook(
        "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nmanual = \"x\"\ncall = \"rb\"\n",
    )
    .expect_exit(3)
    .expect_stderr_contains("error: step `a` has more than one of `manual`, `call`");
}

#[test]
fn unknown_key_with_did_you_mean() {
    let toml = "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nrun = \"true\"\nnedds = [\"x\"]\n\n[[step.verify]]\nrun = \"true\"\nexpect_stdout = \"x\"\n";
    let output = check_runbook(toml);
    output
        .expect_exit(3)
        .expect_diagnostic("unknown key `nedds`", "runbooks/rb.toml:7:1")
        .expect_diagnostic("unknown key `expect_stdout`", "runbooks/rb.toml:11:1")
        .expect_stderr_contains("hint: did you mean `needs`?")
        .expect_stderr_contains("hint: did you mean `expect-stdout`?");
    runbook_snapshot!(output);
}

#[test]
fn unknown_key_without_a_close_match_lists_the_keys() {
    check_runbook("[runbook]\ntitle = \"T\"\nzzzzzz = 1\n")
        .expect_exit(3)
        .expect_diagnostic("unknown key `zzzzzz`", "runbooks/rb.toml:3:1")
        .expect_stderr_contains("hint: known keys here: `title`, `summary`");
}

#[test]
fn kind_specific_keys_and_checks() {
    let toml = r#"[runbook]
title = "T"

[[step]]
id = "a"
manual = "look"
capture = "out"
into = "x"

[[step]]
id = "b"
ask = "Which?"

[[step.verify]]
name = "nothing to run"

[[step.verify]]
run = "true"
flux = { kind = "helmrelease", name = "x", namespace = "y" }

[[step.verify]]
flux = { kind = "helmrelease", name = "x" }
attempts = 0
"#;
    check_runbook(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "`capture` only applies to `run` steps",
            "runbooks/rb.toml:7:11",
        )
        .expect_diagnostic("`into` only applies to `ask` steps", "runbooks/rb.toml:8:8")
        .expect_diagnostic("`ask` step `b` has no `into`", "runbooks/rb.toml:12:7")
        .expect_stderr_contains("error: a check needs `run` or `flux`")
        .expect_diagnostic("a check has both `run` and `flux`", "runbooks/rb.toml:18:7")
        .expect_stderr_contains("error: a `helmrelease` check needs `namespace`")
        .expect_stderr_contains("error: `attempts` must be at least 1");
}

#[test]
fn check_unknown_name_is_a_usage_error() {
    Test::new()
        .runbook("deploy", "[runbook]\ntitle = \"D\"\n")
        .args(["check", "deploi"])
        .run()
        .expect_exit(2)
        .expect_stderr_contains("error: no runbook named `deploi`")
        .expect_stderr_contains("hint: did you mean `deploy`?");
}

#[test]
fn only_named_runbooks_are_checked() {
    Test::new()
        .runbook("good", "[runbook]\ntitle = \"G\"\n")
        .runbook("bad", "[runbook]\n")
        .args(["check", "good"])
        .run()
        .expect_exit(0)
        .expect_stderr("ok: 1 runbook valid\n");
}

#[test]
fn shipped_runbooks_are_valid() {
    Test::bare()
        .args(["check"])
        .current_dir(crate::support::repo_root())
        .run()
        .expect_exit(0)
        .expect_stdout_empty()
        .expect_stderr_contains("runbooks valid");
}

#[test]
fn run_only_keys_on_other_steps_are_errors() {
    let toml = r#"[runbook]
title = "T"

[[step]]
id = "look"
manual = "Look at the dashboard."
timeout = "5m"
interactive = true
"#;
    check_runbook(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "`timeout` only applies to `run` steps",
            "runbooks/rb.toml:7:11",
        )
        .expect_diagnostic(
            "`interactive` only applies to `run` steps (step `look`)",
            "runbooks/rb.toml:5:6",
        );
}
