//! `runbook show`: the plan, rendered with `--var` values, in walk order.

use crate::runbook_snapshot;
use crate::support::Test;

const DEPLOY: &str = r#"[runbook]
title = "Deploy an app"
summary = "Roll out a release"
phase = "2"
risk = "high"

[vars.release]
description = "HelmRelease name"
default = "sonarr"

[vars.namespace]
description = "Namespace"

[vars.token]
secret = true
from-env = "DEPLOY_TOKEN"

[vars.cluster]
default = "edge"
choices = ["edge", "main"]

[[precondition]]
name = "flux is healthy"
run = "flux check --context {{ cluster }}"

[[step]]
id = "suspend"
title = "Suspend {{ release }}"
run = "flux suspend helmrelease {{ release }} -n {{ namespace }}"
checkpoint = true

[[step.rollback]]
run = "flux resume helmrelease {{ release }} -n {{ namespace }}"

[[step]]
id = "late"
title = "Listed second, needs verify"
needs = ["verify"]
run = "echo late"

[[step]]
id = "patch"
title = "Patch"
needs = ["suspend"]
run = "kubectl patch hr {{ release }} --token {{ token }}"
capture = "patched"
confirm = true

[[step.verify]]
run = "flux get hr {{ release }}"
expect-stdout = '^{{ release }}\s+True'
attempts = 3
interval = "10s"

[[step]]
id = "verify"
needs = ["patch"]
manual = "Look at the dashboard"

[[step]]
id = "early"
title = "No needs"
needs = []
ask = "Proceed?"
into = "proceed"
choices = ["yes", "no"]
"#;

fn show() -> Test {
    Test::new()
        .runbook("deploy", DEPLOY)
        .args(["show", "deploy"])
}

#[test]
fn plan_with_vars_snapshot() {
    let output = show()
        .args(["--var", "namespace=media", "--var", "cluster=main"])
        .run();
    output.expect_exit(0).expect_stderr_empty();
    runbook_snapshot!(output);
}

#[test]
fn walk_order_is_topological_with_ties_by_file_order() {
    let output = show().run();
    output.expect_exit(0);
    let order: Vec<&str> = output
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix('[')?.split_once("] ")?.1.split(' ').next())
        .collect();
    assert_eq!(order, ["suspend", "patch", "verify", "late", "early"]);
}

#[test]
fn values_are_shell_quoted_in_commands_and_escaped_in_regexes() {
    show()
        .args(["--var", "namespace=my ns; rm -rf /", "--var", "release=a.b"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains("$ flux suspend helmrelease a.b -n 'my ns; rm -rf /'\n")
        .expect_stdout_contains("undo: $ flux resume helmrelease a.b -n 'my ns; rm -rf /'\n")
        .expect_stdout_contains("stdout matches /^a\\.b\\s+True/")
        .expect_stdout_contains("[1/5] suspend — Suspend a.b\n");
}

#[test]
fn unknown_values_are_placeholders_and_secrets_are_masked() {
    show()
        .run()
        .expect_exit(0)
        .expect_stdout_contains("  namespace = <namespace>  # Namespace\n")
        .expect_stdout_contains("-n '<namespace>'");
    show()
        .env("DEPLOY_TOKEN", "s3cret")
        .run()
        .expect_exit(0)
        .expect_stdout_contains("  token = ********\n")
        .expect_stdout_lacks("s3cret");
    show()
        .args(["--var", "token=s3cret"])
        .run()
        .expect_exit(0)
        .expect_stdout_lacks("s3cret");
}

#[test]
fn bad_var_is_a_usage_error() {
    show()
        .args(["--var", "namespace"])
        .run()
        .expect_exit(2)
        .expect_stdout_empty()
        .expect_stderr(
            "error: `--var namespace` is not of the form K=V\nhint: write `--var cluster=edge`\n",
        );
    show()
        .args(["--var", "relase=x"])
        .run()
        .expect_exit(2)
        .expect_stderr_contains("error: runbook `deploy` has no variable `relase`")
        .expect_stderr_contains("hint: did you mean `release`?");
    show()
        .args(["--var", "cluster=prod"])
        .run()
        .expect_exit(2)
        .expect_stderr_contains(
            "error: `--var cluster=prod`: `cluster` must be one of `edge`, `main`",
        );
}

#[test]
fn unknown_runbook_suggests_a_name() {
    show().args(["--var", "x=y"]).run().expect_exit(2);
    Test::new()
        .runbook("deploy", DEPLOY)
        .args(["show", "deplyo"])
        .run()
        .expect_exit(2)
        .expect_stderr_contains("error: no runbook named `deplyo` in `[TEMP]/runbooks`")
        .expect_stderr_contains("hint: did you mean `deploy`?");
}

#[test]
fn invalid_runbook_exits_3() {
    Test::new()
        .runbook(
            "broken",
            "[runbook]\ntitle = \"B\"\n\n[[step]]\nid = \"X\"\n",
        )
        .args(["show", "broken"])
        .run()
        .expect_exit(3)
        .expect_stdout_empty()
        .expect_diagnostic("step id `X` is not valid", "runbooks/broken.toml:5:6");
}

/// `show` rendered `parked =   # …` with the description's second line at column 0.
#[test]
fn empty_values_and_multi_line_descriptions() {
    Test::new()
        .runbook(
            "rb",
            "[runbook]\ntitle = \"R\"\n\n[vars.parked]\ndescription = \"\"\"Objects to park,\none per line.\"\"\"\ndefault = \"\"\n\n[[step]]\nid = \"a\"\nrun = \"true\"\n",
        )
        .args(["show", "rb"])
        .run()
        .expect_exit(0)
        .expect_stdout_contains(
            "variables:\n  parked = \"\"  # Objects to park,\n               # one per line.\n",
        );
}
