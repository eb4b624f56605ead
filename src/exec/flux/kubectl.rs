//! One kubectl read of a Flux object: runs the injected runner and interprets what comes
//! back (JSON, NotFound, API or client errors, timeouts) as the object or a [`Verdict`].
//!
//! Must not judge the object itself (that is [`super::rules`]) nor spawn anything: the
//! runner is passed in.

use std::io;

use serde_json::Value;

use super::{KubectlOutput, Verdict, kubectl_args};
use crate::runbook::model::FluxKind;

/// Reads one object with kubectl; every way the read can go wrong becomes a verdict.
pub(super) fn read(
    kind: FluxKind,
    name: &str,
    namespace: &str,
    context: Option<&str>,
    kubectl: &mut dyn FnMut(&[String]) -> io::Result<KubectlOutput>,
) -> Result<Value, Verdict> {
    let args = kubectl_args(kind, name, namespace, context);
    let command = format!("`kubectl {}`", args.join(" "));
    let output = match kubectl(&args) {
        Ok(output) => output,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Verdict::Failed("`kubectl` not found on PATH".to_string()));
        }
        Err(e) if e.kind() == io::ErrorKind::TimedOut => {
            return Err(Verdict::Pending(format!("{command} timed out")));
        }
        Err(e) => return Err(Verdict::Failed(format!("could not run {command}: {e}"))),
    };
    match output.exit_code {
        Some(0) => serde_json::from_str(&output.stdout)
            .map_err(|e| Verdict::Failed(format!("{command} did not print JSON: {e}"))),
        None => Err(Verdict::Pending(format!(
            "{command} did not finish (timed out or was killed)"
        ))),
        Some(_) if is_not_found(&output.stderr) => {
            let mut reason = format!("{} {namespace}/{name} not found", kind_name(kind));
            if let Some(context) = context {
                reason.push_str(&format!(" in context `{context}`"));
            }
            Err(Verdict::Pending(reason))
        }
        Some(code) => {
            let mut line = first_error_line(&output.stderr);
            if line.contains("doesn't have a resource type") {
                line.push_str(" (are the Flux CRDs installed?)");
            }
            Err(Verdict::Failed(format!(
                "{command} failed (exit {code}): {line}"
            )))
        }
    }
}

/// The API server's "object not found" (also printed for a missing namespace), as opposed
/// to `not found` in client-side errors such as a missing credential plugin.
fn is_not_found(stderr: &str) -> bool {
    stderr.lines().any(|line| {
        line.contains("(NotFound)")
            || (line.starts_with("Error from server") && line.contains(" not found"))
    })
}

/// The first stderr line worth showing: skips `Warning:` lines and klog lines (`E0612
/// 10:00:00.000 …  memcache.go:265] …`, printed before "The connection to the server … was
/// refused"), falling back to the first non-empty line.
fn first_error_line(stderr: &str) -> String {
    let is_klog = |line: &str| {
        let b = line.as_bytes();
        b.len() > 6
            && b"IWEF".contains(&b[0])
            && b[1..5].iter().all(u8::is_ascii_digit)
            && b[5] == b' '
    };
    let mut lines = stderr.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.clone().next();
    lines
        .find(|l| !l.starts_with("Warning:") && !is_klog(l))
        .or(first)
        .unwrap_or("no error output")
        .to_string()
}

fn kind_name(kind: FluxKind) -> &'static str {
    match kind {
        FluxKind::Helmrelease => "HelmRelease",
        FluxKind::Kustomization => "Kustomization",
    }
}
