//! Validation of one check (`[[precondition]]`, `[[step.precondition]]`, `[[step.verify]]`):
//! exactly one of `run` or `flux`, regexes, durations and attempts.

use std::time::Duration;

use toml::Spanned;

use super::context::Context;
use crate::runbook::model::{Check, CheckKind, FluxCheck, FluxKind};
use crate::runbook::raw;

pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

pub fn validate(cx: &mut Context, spanned: &Spanned<raw::Check>, locals: &[&str]) -> Check {
    let raw = spanned.get_ref();
    let kind = match (&raw.run, &raw.flux) {
        (Some(run), None) => CheckKind::Command(cx.template(run, locals, true)),
        (None, Some(flux)) => {
            for (key, present) in [
                ("expect-exit", raw.expect_exit.is_some()),
                ("expect-stdout", raw.expect_stdout.is_some()),
                ("reject-stdout", raw.reject_stdout.is_some()),
            ] {
                if present {
                    cx.error(flux.span(), format!("`{key}` does not apply to a `flux` check"))
                        .add_hint("a typed Flux check decides from the object's status; drop the key or use `run`");
                }
            }
            CheckKind::Flux(validate_flux(cx, flux, locals))
        }
        (Some(run), Some(_)) => {
            cx.error(run.span(), "a check has both `run` and `flux`")
                .add_hint("use one check for each");
            CheckKind::Command(run.get_ref().clone())
        }
        (None, None) => {
            cx.error(spanned.span(), "a check needs `run` or `flux`")
                .add_hint("for example `run = \"flux check\"`");
            CheckKind::Command(String::new())
        }
    };
    let attempts = raw.attempts.as_ref().map_or(1, |a| {
        if *a.get_ref() == 0 {
            cx.error(a.span(), "`attempts` must be at least 1");
        }
        (*a.get_ref()).max(1)
    });
    Check {
        name: raw.name.as_ref().map(|n| cx.template(n, locals, false)),
        kind,
        expect_exit: raw.expect_exit.unwrap_or(0),
        expect_stdout: raw
            .expect_stdout
            .as_ref()
            .map(|r| cx.templated_regex(r, locals)),
        reject_stdout: raw
            .reject_stdout
            .as_ref()
            .map(|r| cx.templated_regex(r, locals)),
        attempts,
        interval: cx.duration(raw.interval.as_ref(), DEFAULT_INTERVAL),
        timeout: cx.duration(raw.timeout.as_ref(), DEFAULT_TIMEOUT),
        message: raw.message.as_ref().map(|m| cx.template(m, locals, false)),
    }
}

fn validate_flux(
    cx: &mut Context,
    spanned: &Spanned<raw::FluxCheck>,
    locals: &[&str],
) -> FluxCheck {
    let raw = spanned.get_ref();
    let namespace = match &raw.namespace {
        Some(ns) => cx.template(ns, locals, false),
        None if raw.kind == FluxKind::Kustomization => "flux-system".to_string(),
        None => {
            cx.error(spanned.span(), "a `helmrelease` check needs `namespace`")
                .add_hint("for example `namespace = \"default\"`");
            String::new()
        }
    };
    if raw.follow_inventory && raw.kind != FluxKind::Kustomization {
        cx.error(
            spanned.span(),
            "`follow-inventory` only applies to `kind = \"kustomization\"`",
        );
    }
    if raw.chart_version.is_some() && raw.kind != FluxKind::Helmrelease {
        cx.error(
            spanned.span(),
            "`chart-version` only applies to `kind = \"helmrelease\"`",
        );
    }
    FluxCheck {
        kind: raw.kind,
        name: cx.template(&raw.name, locals, false),
        namespace,
        chart_version: raw
            .chart_version
            .as_ref()
            .map(|v| cx.template(v, locals, false)),
        follow_inventory: raw.follow_inventory,
        context: raw.context.as_ref().map(|c| cx.template(c, locals, false)),
    }
}
