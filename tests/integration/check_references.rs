//! `runbook check` on what a runbook refers to: `needs` of unknown steps, of itself and in a
//! cycle; `call` of unknown or recursive runbooks and the variables a call sets; captures
//! read before they are set; an `ask` into a declared variable.

use crate::runbook_snapshot;
use crate::support::{Test, check_runbook};

#[test]
fn needs_unknown_step_suggests_a_name() {
    let toml = "[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"prepare\"\n\n[[step]]\nid = \"deploy\"\nneeds = [\"prepar\"]\n";
    check_runbook(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "step `deploy` needs unknown step `prepar`",
            "runbooks/rb.toml:9:10",
        )
        .expect_stderr_contains("hint: did you mean `prepare`?");
}

#[test]
fn needs_itself() {
    check_runbook("[runbook]\ntitle = \"T\"\n\n[[step]]\nid = \"a\"\nneeds = [\"a\"]\n")
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
    let output = check_runbook(toml);
    output
        .expect_exit(3)
        .expect_diagnostic("dependency cycle: b → c → a → b", "runbooks/rb.toml:9:6");
    runbook_snapshot!(output);
}

/// `run` loads only what a runbook calls, yet a mistyped `call` gets the suggestion
/// `check` gives, drawn from every runbook.
#[test]
fn call_of_unknown_runbook_suggests_a_name() {
    let t = Test::new()
        .runbook("reconcile", "[runbook]\ntitle = \"R\"\n")
        .runbook(
            "main",
            "[runbook]\ntitle = \"M\"\n\n[[step]]\nid = \"go\"\ncall = \"reconcil\"\n",
        );
    for args in [&["check"][..], &["run", "main", "--yes"], &["show", "main"]] {
        t.invoke(args)
            .expect_exit(3)
            .expect_diagnostic(
                "`call` names unknown runbook `reconcil`",
                "runbooks/main.toml:6:8",
            )
            .expect_stderr_contains("hint: did you mean `reconcile`?");
    }
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
    check_runbook(toml).expect_exit(3).expect_diagnostic(
        "`into` names `cluster`, which is already a declared variable",
        "runbooks/rb.toml:10:8",
    );
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
    check_runbook(toml)
        .expect_exit(3)
        .expect_diagnostic(
            "step `delete` uses `workload`, which step `find` sets later in the walk",
            "runbooks/rb.toml:5:6",
        )
        .expect_stderr_contains("hint: make `delete` run after `find`")
        .expect_stderr_lacks("step `check` uses");
}

/// A runbook of 4,000 steps (900 KB) takes every path of a large file: it is parsed in
/// chunks on several threads, its steps are validated on two, and its heaps are backed
/// by huge pages (`alloc::expect_large`). Its problems, at its start, across the middle
/// and at its end, are found and located as in a small file, in file order.
#[test]
fn a_large_runbook_is_checked_as_a_small_one() {
    const STEPS: usize = 4_000;
    let step = |i: usize, run: &str, needs: &str, timeout: &str| {
        format!(
            "\n[[step]]\nid = \"step-{i}\"\ntitle = \"Step {i} of {{{{ release }}}}\"\nneeds = [\"{needs}\"]\nrun = \"{run}\"\ntimeout = \"{timeout}\"\n\n[[step.verify]]\nrun = \"kubectl get hr {{{{ release }}}}\"\nexpect-stdout = '\\sTrue\\s'\n"
        )
    };
    let mut toml = String::from(
        "[runbook]\ntitle = \"Large\"\n\n[vars.release]\ndefault = \"podinfo\"\n\n[[step]]\nid = \"step-0\"\nrun = \"true\"\n",
    );
    let mut expected = Vec::new();
    for i in 1..STEPS {
        let (mut run, mut needs, mut timeout) = (
            "kubectl annotate hr {{ release }} n=1",
            format!("step-{}", i - 1),
            "30s",
        );
        match i {
            7 => run = "echo {{ relase }}",
            2_500 => needs = "step-9999".to_string(),
            3_999 => timeout = "30 parsecs",
            _ => {}
        }
        let start = toml.len();
        toml.push_str(&step(i, run, &needs, timeout));
        for (needle, message) in [
            (
                "\"echo {{ relase }}\"",
                "template uses unknown variable `relase`".to_string(),
            ),
            (
                "\"step-9999\"",
                format!("step `step-{i}` needs unknown step `step-9999`"),
            ),
            (
                "\"30 parsecs\"",
                "invalid duration: missing unit after `30` (use ms, s, m or h)".to_string(),
            ),
        ] {
            if let Some(at) = toml[start..].find(needle) {
                let at = start + at;
                let line = toml[..at].matches('\n').count() + 1;
                let column = at - toml[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
                expected.push((message, format!("runbooks/rb.toml:{line}:{column}")));
            }
        }
    }
    assert!(toml.len() > 800_000, "{} bytes", toml.len());
    let output = check_runbook(&toml);
    output
        .expect_exit(3)
        .expect_stderr_contains("error: 3 problems found");
    let mut last = 0;
    for (message, location) in &expected {
        output.expect_diagnostic(message, location);
        let at = output.stderr.find(location.as_str()).expect("located");
        assert!(at > last, "{location} out of file order\n{}", output.stderr);
        last = at;
    }
    let fixed = toml
        .replace("{{ relase }}", "{{ release }}")
        .replace("step-9999", "step-2499")
        .replace("30 parsecs", "30s");
    check_runbook(&fixed)
        .expect_exit(0)
        .expect_stderr("ok: 1 runbook valid\n");
}
