//! Validation of one `[[step]]`: its kind, `foreach`, `capture`, retry and timing, and the
//! `call` contract with the called runbook. `needs` is resolved later by `graph`.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use toml::Spanned;

use super::context::{Context, is_step_id, strings};
use super::{check, declared_vars, suggest_runbook};
use crate::runbook::load::Parsed;
use crate::runbook::model::{
    Action, Ask, Call, Foreach, ForeachItems, Reads, Retry, RollbackCommand, Step,
};
use crate::runbook::raw;

pub fn validate(
    cx: &mut Context,
    spanned: &Spanned<raw::Step>,
    all: &BTreeMap<&str, &Parsed>,
) -> Step {
    let raw = spanned.get_ref();
    let id = raw.id.get_ref().clone();
    if !is_step_id(&id) {
        let fixed: String = id.to_lowercase().replace(['_', ' '], "-");
        cx.error(raw.id.span(), format!("step id `{id}` is not valid"))
            .add_hint(format!(
                "ids are kebab-case (`^[a-z0-9][a-z0-9-]*$`): try `{fixed}`"
            ));
    }
    let foreach = raw.foreach.as_ref().map(|f| validate_foreach(cx, f));
    let item: Vec<String> = foreach.iter().map(|f| f.var.clone()).collect();
    let item: Vec<&str> = item.iter().map(String::as_str).collect();
    let locals = item.as_slice();
    let action = validate_action(cx, spanned, all, locals);
    check_kind_specific_keys(cx, raw, &action);
    let text =
        |cx: &mut Context, t: &Option<raw::Text>| t.as_ref().map(|t| cx.template(t, locals, false));
    let title = text(cx, &raw.title).unwrap_or_else(|| id.clone());
    let description = text(cx, &raw.description);
    let when = raw.when.as_ref().map(|w| cx.condition(w, locals));
    let capture = raw.capture.as_ref().map(|c| {
        cx.variable_name(c.get_ref(), c.span());
        c.get_ref().clone()
    });
    let retry = raw.retry.as_ref().map_or(
        Retry {
            attempts: 1,
            delay: Duration::ZERO,
        },
        |r| {
            if r.get_ref().attempts == 0 {
                cx.error(r.span(), "`retry.attempts` must be at least 1");
            }
            Retry {
                attempts: r.get_ref().attempts.max(1),
                delay: cx.duration(r.get_ref().delay.as_ref(), Duration::from_secs(5)),
            }
        },
    );
    let span = spanned.span();
    Step {
        // The whole region's digest is set by `digest::Regions` (the span is the header).
        digest: String::new(),
        reads: Reads::default(),
        span,
        id,
        title,
        description,
        needs: Vec::new(),
        when,
        action,
        foreach,
        capture,
        timeout: cx.optional_duration(raw.timeout.as_ref()),
        retry,
        confirm: raw.confirm,
        idempotent: raw.idempotent,
        reverify: raw.reverify.unwrap_or(true),
        checkpoint: raw.checkpoint,
        interactive: raw.interactive,
        on_failure: raw
            .on_failure
            .as_ref()
            .map(|o| *o.get_ref())
            .unwrap_or_default(),
        preconditions: raw
            .precondition
            .iter()
            .map(|c| check::validate(cx, c, locals))
            .collect(),
        verify: raw
            .verify
            .iter()
            .map(|c| check::validate(cx, c, locals))
            .collect(),
        rollback: raw
            .rollback
            .iter()
            .map(|r| RollbackCommand {
                name: r
                    .get_ref()
                    .name
                    .as_ref()
                    .map(|n| cx.template(n, locals, false)),
                run: cx.template(&r.get_ref().run, locals, true),
                timeout: cx.optional_duration(r.get_ref().timeout.as_ref()),
            })
            .collect(),
    }
}

fn validate_action(
    cx: &mut Context,
    spanned: &Spanned<raw::Step>,
    all: &BTreeMap<&str, &Parsed>,
    locals: &[&str],
) -> Action {
    let raw = spanned.get_ref();
    let kinds = [
        ("run", &raw.run),
        ("manual", &raw.manual),
        ("ask", &raw.ask),
        ("call", &raw.call),
    ];
    let mut present = kinds
        .iter()
        .filter_map(|&(k, v)| v.as_ref().map(|v| (k, v)));
    let first = present.next();
    if let Some((_, second)) = present.next() {
        let names = kinds
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        cx.error(
            second.span(),
            format!("step `{}` has more than one of {names}", raw.id.get_ref()),
        )
        .add_hint("a step does one thing: split it into several steps");
    }
    match first {
        None => Action::Gate,
        Some(("run", t)) => Action::Run(cx.template(t, locals, true)),
        Some(("manual", t)) => Action::Manual(cx.template(t, locals, false)),
        Some(("ask", t)) => Action::Ask(Box::new(validate_ask(cx, spanned, t, locals))),
        Some((_, t)) => Action::Call(Box::new(validate_call(cx, raw, t, all, locals))),
    }
}

fn validate_ask(
    cx: &mut Context,
    spanned: &Spanned<raw::Step>,
    question: &raw::Text,
    locals: &[&str],
) -> Ask {
    let raw = spanned.get_ref();
    let into = match &raw.into {
        Some(into) => {
            cx.variable_name(into.get_ref(), into.span());
            if cx.declared.contains(into.get_ref()) {
                cx.error(
                    into.span(),
                    format!(
                        "`into` names `{}`, which is already a declared variable",
                        into.get_ref()
                    ),
                )
                .add_hint(
                    "give the answer its own name; `--var NAME=VALUE` can answer an ask in advance",
                );
            }
            into.get_ref().clone()
        }
        None => {
            cx.error(
                question.span(),
                format!("`ask` step `{}` has no `into`", raw.id.get_ref()),
            )
            .add_hint("name the variable that receives the answer: `into = \"decision\"`");
            String::new()
        }
    };
    let ask = Ask {
        question: cx.template(question, locals, false),
        into,
        choices: raw.choices.as_deref().map(strings).unwrap_or_default(),
        default: raw.default.as_ref().map(|d| d.get_ref().clone()),
        pattern: raw.pattern.as_ref().and_then(|p| cx.regex(p)),
        secret: raw.secret.unwrap_or(false),
    };
    if let Some(default) = &raw.default {
        let d = default.get_ref();
        if !ask.choices.is_empty() && !ask.choices.contains(d) {
            cx.error(
                default.span(),
                format!("default `{d}` is not one of the choices"),
            );
        } else if ask.pattern.as_ref().is_some_and(|p| !p.is_match(d)) {
            cx.error(
                default.span(),
                format!("default `{d}` does not match `pattern`"),
            );
        }
    }
    ask
}

fn validate_call(
    cx: &mut Context,
    raw: &raw::Step,
    target: &raw::Text,
    all: &BTreeMap<&str, &Parsed>,
    locals: &[&str],
) -> Call {
    let name = target.get_ref().clone();
    let with: Vec<(String, String)> = raw
        .with
        .as_ref()
        .map(|w| {
            w.get_ref()
                .iter()
                .map(|(k, v)| (k.clone(), cx.template(v, locals, true)))
                .collect()
        })
        .unwrap_or_default();
    let Some(callee) = all.get(name.as_str()) else {
        let d = cx.error(
            target.span(),
            format!("`call` names unknown runbook `{name}`"),
        );
        match suggest_runbook(&name, all) {
            Some(s) => d.add_hint(format!("did you mean `{s}`?")),
            None => d.add_hint("a runbook is a file `runbooks/<name>.toml`"),
        };
        return Call {
            runbook: name,
            with,
        };
    };
    let declared = declared_vars(&callee.file);
    let given: HashMap<&str, ()> = with.iter().map(|(k, _)| (k.as_str(), ())).collect();
    let span = raw.with.as_deref().map_or(target.span(), Spanned::span);
    for (key, _) in &with {
        if !declared.contains(&key.as_str()) {
            let d = cx.error(
                span.clone(),
                format!("`with` sets `{key}`, which runbook `{name}` does not declare"),
            );
            match crate::runbook::diagnostic::suggest(key, declared.iter().copied()) {
                Some(s) => d.add_hint(format!("did you mean `{s}`?")),
                None if declared.is_empty() => {
                    d.add_hint(format!("runbook `{name}` declares no variables"))
                }
                None => d.add_hint(format!("`{name}` declares: {}", declared.join(", "))),
            };
        }
    }
    for (var, spec) in &callee.file.vars {
        let spec = spec.get_ref();
        if spec.default.is_none() && spec.from_env.is_none() && !given.contains_key(var.as_str()) {
            cx.error(
                span.clone(),
                format!("`call` of `{name}` does not set its required variable `{var}`"),
            )
            .add_hint(format!("add it to `with`: `with = {{ {var} = \"…\" }}`"));
        }
    }
    Call {
        runbook: name,
        with,
    }
}

/// Keys that only mean something for one kind of step are errors elsewhere.
fn check_kind_specific_keys(cx: &mut Context, raw: &raw::Step, action: &Action) {
    let is_ask = matches!(action, Action::Ask(_));
    let is_run = matches!(action, Action::Run(_));
    if raw.interactive && !is_run {
        cx.error(
            raw.id.span(),
            format!(
                "`interactive` only applies to `run` steps (step `{}`)",
                raw.id.get_ref()
            ),
        );
    }
    if raw.secret.is_some() && !is_ask {
        cx.error(
            raw.id.span(),
            format!(
                "`secret` on a step only applies to `ask` steps (step `{}`)",
                raw.id.get_ref()
            ),
        )
        .add_hint("secret inputs are declared under `[vars.NAME]` with `secret = true`");
    }
    if matches!(action, Action::Gate)
        && raw.verify.is_empty()
        && raw.precondition.is_empty()
        && raw.needs.as_ref().is_none_or(|n| n.len() < 2)
    {
        cx.warning(raw.id.span(), format!("step `{}` does nothing", raw.id.get_ref()))
            .add_hint("give it `run`, `manual`, `ask` or `call`, or checks; a gate without checks is only useful to join several `needs`");
    }
    let misplaced: [(&str, Option<std::ops::Range<usize>>, bool); 8] = [
        ("timeout", raw.timeout.as_ref().map(Spanned::span), is_run),
        ("into", raw.into.as_ref().map(Spanned::span), is_ask),
        (
            "choices",
            raw.choices
                .as_ref()
                .and_then(|c| c.first())
                .map(Spanned::span),
            is_ask,
        ),
        ("default", raw.default.as_ref().map(Spanned::span), is_ask),
        ("pattern", raw.pattern.as_ref().map(Spanned::span), is_ask),
        (
            "with",
            raw.with.as_deref().map(Spanned::span),
            matches!(action, Action::Call(_)),
        ),
        (
            "capture",
            raw.capture.as_ref().map(Spanned::span),
            matches!(action, Action::Run(_)),
        ),
        (
            "retry",
            raw.retry.as_deref().map(Spanned::span),
            matches!(action, Action::Run(_)),
        ),
    ];
    for (key, span, allowed) in misplaced {
        if let (Some(span), false) = (span, allowed) {
            let owner = match key {
                "with" => "`call`",
                "capture" | "retry" | "timeout" => "`run`",
                _ => "`ask`",
            };
            cx.error(span, format!("`{key}` only applies to {owner} steps"));
        }
    }
}

fn validate_foreach(cx: &mut Context, spanned: &Spanned<raw::Foreach>) -> Foreach {
    let raw = spanned.get_ref();
    cx.variable_name(raw.var.get_ref(), raw.var.span());
    let items = match (&raw.items, &raw.from) {
        (Some(items), None) => {
            ForeachItems::List(items.iter().map(|i| cx.template(i, &[], false)).collect())
        }
        (None, Some(from)) => {
            let name = from.get_ref().clone();
            if !cx.known.contains(&name) {
                cx.error(
                    from.span(),
                    format!("`foreach.from` names unknown variable `{name}`"),
                );
            }
            cx.used.record(&name);
            ForeachItems::From(name)
        }
        _ => {
            cx.error(
                spanned.span(),
                "`foreach` needs exactly one of `in` (a list) or `from` (a variable)",
            );
            ForeachItems::List(Vec::new())
        }
    };
    Foreach {
        var: raw.var.get_ref().clone(),
        items,
    }
}

/// Reports each step whose id an earlier step has, naming the line of the previous one.
pub fn check_duplicate_ids(cx: &mut Context, file: &raw::File, repeats: &[(usize, usize)]) {
    for &(i, previous) in repeats {
        let id = &file.step[i].get_ref().id;
        let line = cx
            .source
            .position(file.step[previous].get_ref().id.span().start)
            .line;
        cx.error(id.span(), format!("duplicate step id `{}`", id.get_ref()))
            .add_hint(format!("the first step with this id is on line {line}"));
    }
}
