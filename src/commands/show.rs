//! `runbook show NAME [--var K=V]…`: the plan on stdout, every command rendered with the
//! values known now; what is only known during the run is shown as `<name>`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{assignments, load_runbooks, project};
use crate::cli::ShowArgs;
use crate::config::Config;
use crate::error::Result;
use crate::render::context::context;
use crate::render::template::{Escape, Renderer};
use crate::runbook::duration;
use crate::runbook::model::{Action, Check, CheckKind, ForeachItems, Runbook, Step};
use crate::ui::printer::Printer;

pub fn execute(config: &Config, printer: &Printer, args: &ShowArgs) -> Result<()> {
    let runbook = load_runbooks(project(config)?, config, std::slice::from_ref(&args.name))?
        .get(&args.name)?;
    let given = assignments::parse(&runbook, &args.vars)?;
    let mut values = placeholder_values(&runbook, &given.vars, config);
    values.extend(given.answers);
    let mut view = View {
        renderer: Renderer::new(),
        context: context(&runbook.name, "<run-id>", &values),
        out: String::new(),
    };
    view.header(&runbook, &values);
    let total = runbook.steps.len();
    for (i, step) in runbook.walk().enumerate() {
        view.step(&runbook, step, i + 1, total);
    }
    printer.data(&view.out);
    Ok(())
}

/// Given values, then `from-env`, then defaults; anything else becomes `<name>`.
fn placeholder_values(
    runbook: &Runbook,
    given: &BTreeMap<String, String>,
    config: &Config,
) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for var in &runbook.vars {
        let value = crate::exec::vars::value_of(var, given, &config.environment);
        let shown = match value {
            Some(_) if var.secret => "********".to_string(),
            Some(v) if v.contains('\n') => format!("{v:?}"),
            Some(v) => v,
            None => format!("<{}>", var.name),
        };
        values.insert(var.name.clone(), shown);
    }
    for step in &runbook.steps {
        let mut names: Vec<&String> = step.capture.iter().collect();
        if let Action::Ask(ask) = &step.action {
            names.push(&ask.into);
        }
        if let Some(f) = &step.foreach {
            names.push(&f.var);
        }
        for name in names {
            values
                .entry(name.clone())
                .or_insert_with(|| format!("<{name}>"));
        }
    }
    values
}

/// `  name = value  # description`: an empty value reads `""`, and a description of
/// several lines continues under its first `#`, so nothing wraps to column 0.
fn var_line(name: &str, value: &str, description: Option<&str>) -> String {
    let value = if value.is_empty() { "\"\"" } else { value };
    let head = format!("  {name} = {value}");
    let Some(description) = description.map(str::trim).filter(|d| !d.is_empty()) else {
        return head;
    };
    let indent = " ".repeat(head.chars().count() + 2);
    let mut out = head;
    for (i, line) in description.lines().enumerate() {
        if i == 0 {
            out.push_str(&format!("  # {}", line.trim()));
        } else {
            out.push_str(&format!("\n{indent}# {}", line.trim()));
        }
    }
    out
}

struct View {
    renderer: Renderer,
    context: tera::Context,
    out: String,
}

impl View {
    fn render(&mut self, text: &str, escape: Escape) -> String {
        self.renderer
            .render(text, escape, &self.context)
            .unwrap_or_else(|e| format!("{text}  (cannot render: {e})"))
    }

    fn header(&mut self, runbook: &Runbook, values: &BTreeMap<String, String>) {
        let out = &mut self.out;
        let _ = writeln!(out, "{} — {}", runbook.name, runbook.title);
        let phase = runbook
            .phase
            .as_deref()
            .map(|p| format!("phase {p}, "))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{phase}risk {}, {} steps",
            runbook.risk.as_str(),
            runbook.steps.len()
        );
        if let Some(summary) = &runbook.summary {
            let _ = writeln!(out, "{summary}");
        }
        if !runbook.vars.is_empty() {
            out.push_str("\nvariables:\n");
            for var in &runbook.vars {
                let _ = writeln!(
                    out,
                    "{}",
                    var_line(&var.name, &values[&var.name], var.description.as_deref())
                );
            }
        }
        if !runbook.preconditions.is_empty() {
            self.out.push_str("\npreconditions:\n");
            for check in &runbook.preconditions {
                self.check("check", check);
            }
        }
    }

    fn step(&mut self, runbook: &Runbook, step: &Step, index: usize, total: usize) {
        let title = self.render(&step.title, Escape::None);
        let _ = writeln!(self.out, "\n[{index}/{total}] {} — {title}", step.id);
        let mut marks = Vec::new();
        if !step.needs.is_empty() {
            let needs: Vec<&str> = step
                .needs
                .iter()
                .map(|&n| runbook.steps[n].id.as_str())
                .collect();
            marks.push(format!("needs {}", needs.join(", ")));
        }
        for (on, mark) in [
            (step.checkpoint, "checkpoint"),
            (step.confirm, "confirm"),
            (step.idempotent, "idempotent"),
        ] {
            if on {
                marks.push(mark.to_string());
            }
        }
        if !marks.is_empty() {
            let _ = writeln!(self.out, "      ({})", marks.join(" · "));
        }
        if let Some(when) = &step.when {
            let _ = writeln!(self.out, "      when: {when}");
        }
        if let Some(foreach) = &step.foreach {
            let items = match &foreach.items {
                ForeachItems::List(items) => items
                    .iter()
                    .map(|i| self.render(i, Escape::None))
                    .collect::<Vec<_>>()
                    .join(", "),
                ForeachItems::From(var) => format!("the lines of `{var}`"),
            };
            let _ = writeln!(self.out, "      for each `{}` in {items}", foreach.var);
        }
        for check in &step.preconditions {
            self.check("precondition", check);
        }
        self.action(step);
        for check in &step.verify {
            self.check("verify", check);
        }
        if step.rollback.is_empty() {
            self.out.push_str("      undo: none\n");
        }
        for rollback in &step.rollback {
            let command = self.render(&rollback.run, Escape::Shell);
            let _ = writeln!(self.out, "      undo: $ {command}");
        }
    }

    fn action(&mut self, step: &Step) {
        let line = match &step.action {
            Action::Run(run) => {
                let mut line = format!("$ {}", self.render(run, Escape::Shell));
                if let Some(capture) = &step.capture {
                    line.push_str(&format!("   → {capture}"));
                }
                line
            }
            Action::Manual(text) => format!("manual: {}", self.render(text, Escape::None).trim()),
            Action::Ask(ask) => {
                let choices = if ask.choices.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", ask.choices.join("/"))
                };
                format!(
                    "ask: {}{choices} → {}",
                    self.render(&ask.question, Escape::None),
                    ask.into
                )
            }
            Action::Call(call) => {
                let with: Vec<String> = call
                    .with
                    .iter()
                    .map(|(k, v)| format!("{k}={}", self.render(v, Escape::Shell)))
                    .collect();
                format!("call: {} {}", call.runbook, with.join(" "))
            }
            Action::Gate => "gate: checks only".to_string(),
        };
        for (i, text) in line.lines().enumerate() {
            let _ = writeln!(self.out, "      {}{text}", if i == 0 { "" } else { "  " });
        }
    }

    fn check(&mut self, phase: &str, check: &Check) {
        let what = match &check.kind {
            CheckKind::Command(run) => format!("$ {}", self.render(run, Escape::Shell)),
            CheckKind::Flux(flux) => {
                let mut f = flux.clone();
                f.name = self.render(&f.name, Escape::None);
                f.namespace = self.render(&f.namespace, Escape::None);
                f.chart_version = f.chart_version.map(|v| self.render(&v, Escape::None));
                format!("flux: {}", f.label())
            }
        };
        let polling = if check.attempts > 1 {
            format!(
                " ({} × every {})",
                check.attempts,
                duration::format(check.interval)
            )
        } else {
            String::new()
        };
        let _ = writeln!(self.out, "      {phase}{polling}: {what}");
        if let Some(re) = &check.expect_stdout {
            let re = self.render(re, Escape::Regex);
            let _ = writeln!(self.out, "          stdout matches /{re}/");
        }
        if let Some(re) = &check.reject_stdout {
            let re = self.render(re, Escape::Regex);
            let _ = writeln!(self.out, "          stdout must not match /{re}/");
        }
        if check.expect_exit != 0 {
            let _ = writeln!(self.out, "          exit code {}", check.expect_exit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::var_line;

    #[test]
    fn empty_values_are_quoted_and_descriptions_stay_indented() {
        assert_eq!(var_line("a", "x", None), "  a = x");
        assert_eq!(var_line("a", "", Some("one")), "  a = \"\"  # one");
        assert_eq!(
            var_line("parked", "", Some("first\nsecond")),
            "  parked = \"\"  # first\n               # second"
        );
    }
}
