//! Reading a Flux object's JSON: string fields by pointer, `namespace/name`, and
//! `status.conditions` entries.
//!
//! Must not decide anything: missing or mistyped fields read as absent or "", and the rules
//! in [`super::rules`] decide what that means.

use serde_json::Value;

pub(super) fn str_at<'a>(object: &'a Value, pointer: &str) -> Option<&'a str> {
    object.pointer(pointer).and_then(Value::as_str)
}

pub(super) fn int_at(object: &Value, pointer: &str) -> Option<i64> {
    object.pointer(pointer).and_then(Value::as_i64)
}

pub(super) fn object_ref(object: &Value) -> String {
    let namespace = str_at(object, "/metadata/namespace").unwrap_or("");
    let name = str_at(object, "/metadata/name").unwrap_or("?");
    format!("{namespace}/{name}")
}

/// One entry of `status.conditions`; missing fields read as "".
pub(super) struct Condition<'a> {
    pub(super) kind: &'a str,
    pub(super) status: &'a str,
    pub(super) reason: &'a str,
    pub(super) message: &'a str,
    /// The generation the controller wrote this condition for, when it says.
    pub(super) generation: Option<i64>,
}

pub(super) fn condition<'a>(object: &'a Value, kind: &str) -> Option<Condition<'a>> {
    let found = object
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))?;
    let field = |key: &str| found.get(key).and_then(Value::as_str).unwrap_or("").trim();
    Some(Condition {
        kind: found.get("type").and_then(Value::as_str).unwrap_or(""),
        status: field("status"),
        reason: field("reason"),
        message: field("message"),
        generation: found.get("observedGeneration").and_then(Value::as_i64),
    })
}

pub(super) fn true_condition<'a>(object: &'a Value, kind: &str) -> Option<Condition<'a>> {
    condition(object, kind).filter(|c| c.status == "True")
}

/// ` (RetriesExceeded): Failed to upgrade after 1 attempt(s)`: a condition's reason and
/// (when `with_message`) its message, each when present.
pub(super) fn tail(c: &Condition<'_>, with_message: bool) -> String {
    let mut tail = String::new();
    if !c.reason.is_empty() {
        tail = format!(" ({})", c.reason);
    }
    if with_message && !c.message.is_empty() {
        tail = format!("{tail}: {}", c.message);
    }
    tail
}

/// Cuts every run of 40 or more hex digits (Git and OCI digests) to 12, as `flux get`
/// cuts them to 8: verdict lines stay readable and still identify the revision.
pub(super) fn short(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 40 {
            out.push_str(&run[..12]);
            out.push('…');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}
