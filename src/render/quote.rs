//! Escaping of the final value of a template expression: POSIX shell quoting for commands,
//! regex escaping for `expect-stdout`, and the secret markers that become environment
//! references. Knows nothing about tera's AST (that is `template`) or about steps.
//!
//! A secret never enters a command template as its value: the caller puts a [`Markers`]
//! marker in its place. A marker carries a nonce drawn for that one render, so no value
//! (a `--var`, a capture, an item) can spell one; the quoter turns each real marker into
//! `"${RUNBOOK_VAR_<NAME>}"` and quotes everything else as literal text, whatever it
//! looks like.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use serde_json::Value;

/// The filter appended to every expression of a command or regex template.
pub const SHELL_FILTER: &str = "__runbook_shell";
pub const REGEX_FILTER: &str = "__runbook_regex";

const OPEN: char = '\u{1}';
const CLOSE: char = '\u{2}';

/// The markers of one render: `\u{1}<nonce>:<name>\u{2}` stands for the secret `name`.
#[derive(Debug, Clone)]
pub struct Markers {
    nonce: String,
}

impl Markers {
    /// Fresh markers with a random nonce (128 bits from the std hasher's random keys).
    pub fn new() -> Self {
        let random = |salt: u64| {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u64(salt);
            hasher.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            hasher.finish()
        };
        Self {
            nonce: format!("rbs{:016x}{:016x}", random(1), random(2)),
        }
    }

    /// The text that stands for the secret `name` in this render's context.
    pub fn marker(&self, name: &str) -> String {
        format!("{OPEN}{}:{name}{CLOSE}", self.nonce)
    }

    /// Splits `text` into literal pieces and the names of the secrets it holds, in order.
    fn split<'t>(&self, text: &'t str) -> Vec<Piece<'t>> {
        let open = format!("{OPEN}{}:", self.nonce);
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(&open) {
            let after = &rest[start + open.len()..];
            let Some(end) = after.find(CLOSE) else { break };
            let name = &after[..end];
            if !is_identifier(name) {
                break;
            }
            pieces.push(Piece::Literal(&rest[..start]));
            pieces.push(Piece::Secret(name));
            rest = &after[end + CLOSE.len_utf8()..];
        }
        pieces.push(Piece::Literal(rest));
        pieces
    }

    /// The final value of an expression as one shell word: literal text single-quoted,
    /// each secret as its environment reference, glued together.
    pub fn shell_word(&self, text: &str) -> String {
        let pieces = self.split(text);
        if let [Piece::Literal(only)] = pieces.as_slice() {
            return shell_quote(only);
        }
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Literal("") => String::new(),
                Piece::Literal(text) => shell_quote(text),
                Piece::Secret(name) => secret_reference(name),
            })
            .collect()
    }

    /// Replaces the markers left in a rendered command (by `| raw`) with references.
    pub fn resolve(&self, text: &str) -> String {
        self.split(text)
            .iter()
            .map(|piece| match piece {
                Piece::Literal(text) => (*text).to_string(),
                Piece::Secret(name) => secret_reference(name),
            })
            .collect()
    }

    /// Whether a filter took a marker apart: its nonce survives in some other shape.
    pub fn mangled_in(&self, text: &str) -> bool {
        text.to_ascii_lowercase().contains(&self.nonce)
    }
}

impl Default for Markers {
    fn default() -> Self {
        Self::new()
    }
}

enum Piece<'t> {
    Literal(&'t str),
    Secret(&'t str),
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The name of the environment variable that carries `name` to commands.
pub fn env_name(name: &str) -> String {
    format!("RUNBOOK_VAR_{}", name.to_uppercase())
}

/// The shell text that expands to a secret variable at run time: one word, whatever the
/// value, and never re-parsed as shell syntax.
pub fn secret_reference(name: &str) -> String {
    format!("\"${{{}}}\"", env_name(name))
}

/// POSIX shell quoting: the result is always exactly one word, taken literally.
pub fn shell_quote(value: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !value.is_empty() && value.chars().all(safe) {
        return value.to_string();
    }
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// An expression's value as text, the way tera prints it (arrays as `[a, b]`).
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(value_text).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(_) => "[object]".to_string(),
        other => other.to_string(),
    }
}

/// The last filter of every command expression: the whole value becomes one shell word.
pub struct ShellFilter(pub Markers);

impl tera::Filter for ShellFilter {
    fn filter(&self, value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
        Ok(Value::String(self.0.shell_word(&value_text(value))))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// The last filter of every regex expression: the whole value matches literally.
pub struct RegexFilter;

impl tera::Filter for RegexFilter {
    fn filter(&self, value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
        Ok(Value::String(regex::escape(&value_text(value))))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_renders_markers_become_references() {
        let markers = Markers::new();
        let text = format!("pre-{}-post", markers.marker("token"));
        assert_eq!(
            markers.shell_word(&text),
            "pre-\"${RUNBOOK_VAR_TOKEN}\"-post"
        );
        let other = Markers::new();
        let forged = other.marker("token");
        assert_eq!(
            markers.shell_word(&forged),
            shell_quote(&forged),
            "a marker of another render is literal text"
        );
        assert_eq!(
            markers.shell_word("\"${RUNBOOK_VAR_TOKEN}\""),
            r#"'"${RUNBOOK_VAR_TOKEN}"'"#
        );
        assert!(markers.mangled_in(&markers.marker("t").to_uppercase()));
    }

    #[test]
    fn values_print_like_tera() {
        let v = serde_json::json!(["a", 1, true, null, ["b"]]);
        assert_eq!(value_text(&v), "[a, 1, true, , [b]]");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
