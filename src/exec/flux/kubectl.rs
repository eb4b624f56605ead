//! kubectl calls of the Flux checks: the arguments that read one object or list every
//! Flux object as JSON, and [`run_json`], which runs the injected runner and interprets
//! what comes back (JSON, NotFound, API or client errors, timeouts).
//!
//! Must not judge the objects (that is [`super::rules`]) nor spawn anything: the runner is
//! passed in.

use std::io;

use serde_json::Value;

use super::objects::{Kind, ObjectRef};
use super::{KubectlOutput, Verdict};

/// The injected kubectl: arguments in, output out.
pub(super) type Runner<'r> = dyn FnMut(&[String]) -> io::Result<KubectlOutput> + 'r;

/// `get <resource> NAME -n NS -o json [--context CTX]`.
pub(super) fn get_args(object: &ObjectRef, context: Option<&str>) -> Vec<String> {
    let mut args: Vec<String> = [
        "get",
        object.kind.resource(),
        &object.name,
        "-n",
        &object.namespace,
        "-o",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    push_context(&mut args, context);
    args
}

/// `get helmreleases,kustomizations,…,buckets -A -o json [--context CTX]`: every Flux
/// object a tree can reach, in one call.
pub(super) fn list_args(context: Option<&str>) -> Vec<String> {
    let resources: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
    let mut args: Vec<String> = ["get", &resources.join(","), "-A", "-o", "json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    push_context(&mut args, context);
    args
}

fn push_context(args: &mut Vec<String>, context: Option<&str>) {
    if let Some(context) = context {
        args.extend(["--context".to_string(), context.to_string()]);
    }
}

/// Runs one kubectl call that prints JSON. `Ok(None)`: the API server said NotFound, or
/// kubectl printed nothing where `empty_ok` (some kubectl builds print only "No resources
/// found" on stderr for an empty list); every other way the call can go wrong becomes a
/// verdict.
pub(super) fn run_json(
    args: &[String],
    empty_ok: bool,
    kubectl: &mut Runner<'_>,
) -> Result<Option<Value>, Verdict> {
    let command = format!("`kubectl {}`", args.join(" "));
    let output = match kubectl(args) {
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
        Some(0) if empty_ok && output.stdout.trim().is_empty() => Ok(None),
        Some(0) => serde_json::from_str(&output.stdout)
            .map(Some)
            .map_err(|e| Verdict::Failed(format!("{command} did not print JSON: {e}"))),
        None => Err(Verdict::Pending(format!(
            "{command} did not finish (timed out or was killed)"
        ))),
        Some(_) if is_not_found(&output.stderr) => Ok(None),
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
