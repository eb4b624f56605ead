//! `runbook check`: every validation error of the format, each with its `file:line:col`,
//! exit 3; warnings alone exit 0.

use crate::runbook_snapshot;
use crate::support::{Output, Test};

/// Runs `runbook check` on a project holding one runbook `rb`.
fn check(toml: &str) -> Output {
    Test::new().runbook("rb", toml).args(["check"]).run()
}

#[test]
fn valid_runbook_passes_with_ok_on_stderr() {
    check("[runbook]\ntitle = \"Fine\"\n\n[[step]]\nid = \"a\"\nrun = \"true\"\n")
        .expect_exit(0)
        .expect_stdout_empty()
        .expect_stderr("ok: 1 runbook valid\n");
}

#[test]
fn toml_syntax_error() {
    check("[runbook]\ntitle = \"unterminated\n")
        .expect_exit(3)
        .expect_diagnostic(
            "invalid basic string, expected `\"`",
            "runbooks/rb.toml:2:22",
        )
        .expect_stderr_contains("error: 1 problem found");
}

#[test]
fn toml_syntax_error_snapshot() {
    runbook_snapshot!(check("[runbook]\ntitle = \"A\"\n[[step]\nid = \"a\"\n"));
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
    check(toml)
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
    check("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = 7\nrun = \"true\"\n")
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
    check("[runbook]\ntitle = 5\n")
        .expect_exit(3)
        .expect_diagnostic(
            "invalid type: integer `5`, expected a string",
            "runbooks/rb.toml:2:9",
        );
    check("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nconfirm = \"yes\"\n")
        .expect_exit(3)
        .expect_diagnostic(
            "invalid type: string \"yes\", expected `true` or `false`",
            "runbooks/rb.toml:6:11",
        );
}

#[test]
fn wrong_type_speaks_toml() {
    check("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nneeds = \"b\"\n")
        .expect_exit(3)
        .expect_diagnostic(
            "invalid type: string \"b\", expected an array",
            "runbooks/rb.toml:6:9",
        );
}

#[test]
fn unknown_enum_value_lists_the_choices() {
    check("[runbook]\ntitle = \"T\"\nrisk = \"extreme\"\n")
        .expect_exit(3)
        .expect_diagnostic("unknown value `extreme`", "runbooks/rb.toml:3:8")
        .expect_stderr_contains("hint: expected one of `low`, `medium`, `high`, `critical`");
    check("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\non-failure = \"retry\"\n")
        .expect_exit(3)
        .expect_diagnostic("unknown value `retry`", "runbooks/rb.toml:6:14")
        .expect_stderr_contains("`ask`, `halt`, `rollback`, `continue`");
}

#[test]
fn missing_required_keys() {
    check("[runbook]\nsummary = \"no title\"\n")
        .expect_exit(3)
        .expect_diagnostic("missing required key `title`", "runbooks/rb.toml:1:1");
    check("[runbook]\ntitle = \"T\"\n\n[[step]]\nrun = \"true\"\n")
        .expect_exit(3)
        .expect_diagnostic("missing required key `id`", "runbooks/rb.toml:4:1");
    check("title = \"no header\"\n")
        .expect_exit(3)
        .expect_stderr_contains("error: unknown key `title`");
}

#[test]
fn step_id_must_match_the_pattern() {
    check("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"Suspend_Release\"\nrun = \"true\"\n")
        .expect_exit(3)
        .expect_diagnostic(
            "step id `Suspend_Release` is not valid",
            "runbooks/rb.toml:5:6",
        )
        .expect_stderr_contains(
            "hint: ids are kebab-case (`^[a-z0-9][a-z0-9-]*$`): try `suspend-release`",
        );
    check("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"-leading\"\n")
        .expect_exit(3)
        .expect_diagnostic("step id `-leading` is not valid", "runbooks/rb.toml:5:6");
}

#[test]
fn variable_names_must_be_identifiers() {
    check("[runbook]\ntitle = \"T\"\n\n[vars.chart-version]\ndefault = \"1\"\n")
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
    check(toml)
        .expect_exit(3)
        .expect_diagnostic("duplicate step id `a`", "runbooks/rb.toml:9:6")
        .expect_stderr_contains("hint: the first step with this id is on line 5");
}

#[test]
fn more_than_one_step_kind() {
    let toml = "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nrun = \"true\"\nmanual = \"do it\"\nask = \"sure?\"\ninto = \"sure\"\n";
    check(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "step `a` has more than one of `run`, `manual`, `ask`",
            "runbooks/rb.toml:7:10",
        )
        .expect_stderr_contains("hint: a step does one thing");
    check("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nmanual = \"x\"\ncall = \"rb\"\n")
        .expect_exit(3)
        .expect_stderr_contains("error: step `a` has more than one of `manual`, `call`");
}

#[test]
fn needs_unknown_step_suggests_a_name() {
    let toml = "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"prepare\"\n\n[[step]]\nid = \"deploy\"\nneeds = [\"prepar\"]\n";
    check(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "step `deploy` needs unknown step `prepar`",
            "runbooks/rb.toml:9:10",
        )
        .expect_stderr_contains("hint: did you mean `prepare`?");
}

#[test]
fn needs_itself() {
    check("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nneeds = [\"a\"]\n")
        .expect_exit(3)
        .expect_diagnostic("step `a` needs itself", "runbooks/rb.toml:6:10");
}

#[test]
fn dependency_cycle_prints_the_path() {
    let toml = r#"[runbook]
title = "T"

[[step]]
id = "a"
needs = ["c"]

[[step]]
id = "b"

[[step]]
id = "c"
"#;
    let output = check(toml);
    output
        .expect_exit(3)
        .expect_diagnostic("dependency cycle: b → c → a → b", "runbooks/rb.toml:9:6");
    runbook_snapshot!(output);
}

#[test]
fn call_of_unknown_runbook_suggests_a_name() {
    Test::new()
        .runbook("reconcile", "[runbook]\ntitle = \"R\"\n")
        .runbook(
            "main",
            "[runbook]\ntitle = \"M\"\n\n[[step]]\nid = \"go\"\ncall = \"reconcil\"\n",
        )
        .args(["check"])
        .run()
        .expect_exit(3)
        .expect_diagnostic(
            "`call` names unknown runbook `reconcil`",
            "runbooks/main.toml:6:8",
        )
        .expect_stderr_contains("hint: did you mean `reconcile`?");
}

#[test]
fn recursive_call_chain() {
    let output = Test::new()
        .runbook(
            "one",
            "[runbook]\ntitle = \"1\"\n\n[[step]]\nid = \"go\"\ncall = \"two\"\n",
        )
        .runbook(
            "two",
            "[runbook]\ntitle = \"2\"\n\n[[step]]\nid = \"back\"\ncall = \"one\"\n",
        )
        .runbook(
            "self",
            "[runbook]\ntitle = \"S\"\n\n[[step]]\nid = \"again\"\ncall = \"self\"\n",
        )
        .args(["check"])
        .run();
    output
        .expect_exit(3)
        .expect_diagnostic(
            "recursive `call` chain: one → two → one",
            "runbooks/one.toml:6:8",
        )
        .expect_diagnostic(
            "recursive `call` chain: two → one → two",
            "runbooks/two.toml:6:8",
        )
        .expect_diagnostic(
            "recursive `call` chain: self → self",
            "runbooks/self.toml:6:8",
        );
}

#[test]
fn call_with_keys_the_callee_does_not_declare() {
    let callee = "[runbook]\ntitle = \"R\"\n\n[vars.release]\ndefault = \"x\"\n";
    Test::new()
        .runbook("reconcile", callee)
        .runbook("main", "[runbook]\ntitle = \"M\"\n\n[[step]]\nid = \"go\"\ncall = \"reconcile\"\nwith = { relase = \"a\" }\n")
        .args(["check"])
        .run()
        .expect_exit(3)
        .expect_diagnostic(
            "`with` sets `relase`, which runbook `reconcile` does not declare",
            "runbooks/main.toml:7:8",
        )
        .expect_stderr_contains("hint: did you mean `release`?");
}

#[test]
fn call_with_keys_when_the_callee_declares_nothing() {
    Test::new()
        .runbook("plain", "[runbook]\ntitle = \"P\"\n")
        .runbook("main", "[runbook]\ntitle = \"M\"\n\n[[step]]\nid = \"go\"\ncall = \"plain\"\nwith = { x = \"a\" }\n")
        .args(["check"])
        .run()
        .expect_exit(3)
        .expect_diagnostic("`with` sets `x`, which runbook `plain` does not declare", "runbooks/main.toml:7:8")
        .expect_stderr_contains("hint: runbook `plain` declares no variables");
}

#[test]
fn call_must_set_required_variables() {
    Test::new()
        .runbook(
            "callee",
            "[runbook]\ntitle = \"C\"\n\n[vars.app]\ndescription = \"required\"\n",
        )
        .runbook(
            "main",
            "[runbook]\ntitle = \"M\"\n\n[[step]]\nid = \"go\"\ncall = \"callee\"\n",
        )
        .args(["check"])
        .run()
        .expect_exit(3)
        .expect_diagnostic(
            "`call` of `callee` does not set its required variable `app`",
            "runbooks/main.toml:6:8",
        );
}

#[test]
fn check_name_covers_called_runbooks() {
    Test::new()
        .runbook(
            "callee",
            "[runbook]\ntitle = \"C\"\n\n[[step]]\nid = \"Bad\"\n",
        )
        .runbook(
            "main",
            "[runbook]\ntitle = \"M\"\n\n[[step]]\nid = \"go\"\ncall = \"callee\"\n",
        )
        .runbook("other", "[runbook]\ntitle = \"O\"\n")
        .args(["check", "main"])
        .run()
        .expect_exit(3)
        .expect_diagnostic("step id `Bad` is not valid", "runbooks/callee.toml:5:6");
}

#[test]
fn template_syntax_error() {
    let output =
        check("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nrun = \"echo {{ name }\"\n");
    output
        .expect_exit(3)
        .expect_stderr_contains("error: invalid template: ")
        .expect_stderr_contains(" --> runbooks/rb.toml:6:7")
        .expect_stderr_contains("hint: a literal `{{` is written inside `{% raw %}…{% endraw %}`");
    runbook_snapshot!(output);
}

#[test]
fn when_syntax_error_does_not_show_the_wrapper() {
    check("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nwhen = \"x ==\"\n")
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
    check(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "template uses unknown variable `relase`",
            "runbooks/rb.toml:9:7",
        )
        .expect_stderr_contains("hint: did you mean `release`?");
    check(
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
    check(toml)
        .expect_exit(0)
        .expect_stderr("ok: 1 runbook valid\n");
}

#[test]
fn foreach_item_is_local_to_its_step() {
    let toml = "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nforeach = { var = \"item\", in = [\"x\"] }\nrun = \"echo {{ item }}\"\n\n[[step]]\nid = \"b\"\nrun = \"echo {{ item }}\"\n";
    check(toml).expect_exit(3).expect_diagnostic(
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
    check(toml)
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
    check(toml)
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
    check(toml)
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
    check(toml)
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
    let output = check(toml);
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
    let output = check(toml);
    output
        .expect_exit(3)
        .expect_stderr_contains("error: 9 problems found");
    runbook_snapshot!(output);
}

#[test]
fn unknown_key_with_did_you_mean() {
    let toml = "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nrun = \"true\"\nnedds = [\"x\"]\n\n[[step.verify]]\nrun = \"true\"\nexpect_stdout = \"x\"\n";
    let output = check(toml);
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
    check("[runbook]\ntitle = \"T\"\nzzzzzz = 1\n")
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
    check(toml)
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
    check(toml)
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

#[test]
fn an_ask_into_a_declared_variable_is_an_error() {
    let toml = r#"[runbook]
title = "T"

[vars.cluster]
default = "edge"

[[step]]
id = "pick"
ask = "Which cluster?"
into = "cluster"
"#;
    check(toml).expect_exit(3).expect_diagnostic(
        "`into` names `cluster`, which is already a declared variable",
        "runbooks/rb.toml:10:8",
    );
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
    check(toml)
        .expect_exit(0)
        .expect_stderr_contains("warning: step `idle` does nothing")
        .expect_stderr_lacks("step `join` does nothing");
}

#[test]
fn a_step_that_reads_a_capture_must_come_after_the_step_that_sets_it() {
    let toml = r#"[runbook]
title = "T"

[[step]]
id = "delete"
run = "kubectl delete {{ workload }}"

[[step]]
id = "find"
needs = []
run = "echo deployment/sonarr"
capture = "workload"

[[step]]
id = "check"
needs = ["find"]
run = "echo {{ workload }}"
"#;
    check(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "step `delete` uses `workload`, which step `find` sets later in the walk",
            "runbooks/rb.toml:5:6",
        )
        .expect_stderr_contains("hint: make `delete` run after `find`")
        .expect_stderr_lacks("step `check` uses");
}
