//! `when` conditions made of names and quoted literals compared with `==` or `!=`, a
//! name tested `is containing('literal')`, an optional `not`, joined by `and` and `or`:
//! the variables they read, found in one pass without tera's parser (which a condition
//! otherwise needs, wrapped in `{% if %}`). Anything else is `false` and goes to tera; a
//! test holds the two together on generated conditions. Owns no reporting.

use std::ops::Range;

use super::plain_template::{literal, simple_name, spaces};

/// The byte ranges of the variables a `when` condition reads, when it is names
/// (`name.field…`) and quoted literals compared with `==` or `!=`, or a name tested
/// `is containing('literal')`, each after an optional `not`, joined by `and` and `or`:
/// what the shipped runbooks write. `false` for anything else, which goes to tera.
pub fn plain_condition(source: &str, out: &mut Vec<Range<usize>>) -> bool {
    let bytes = source.as_bytes();
    let mut at = 0;
    loop {
        at = skip(bytes, at);
        if let Some(after) = keyword(bytes, at, b"not") {
            at = after;
        }
        let Some(after) = operand(source, at, out) else {
            return false;
        };
        at = skip(bytes, after);
        if bytes[at..].starts_with(b"==") || bytes[at..].starts_with(b"!=") {
            let Some(after) = operand(source, skip(bytes, at + 2), out) else {
                return false;
            };
            at = skip(bytes, after);
        } else if let Some(after) = keyword(bytes, at, b"is") {
            let Some(after) = containing(bytes, after) else {
                return false;
            };
            at = skip(bytes, after);
        }
        if at == bytes.len() {
            return true;
        }
        match keyword(bytes, at, b"and").or_else(|| keyword(bytes, at, b"or")) {
            Some(after) => at = after,
            None => return false,
        }
    }
}

fn skip(bytes: &[u8], at: usize) -> usize {
    bytes.len() - spaces(&bytes[at..]).len()
}

/// After `word` and the spaces that must follow it, if it starts at `at`.
fn keyword(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    let after = at + word.len();
    (bytes[at..].starts_with(word) && bytes.get(after) == Some(&b' ')).then(|| skip(bytes, after))
}

/// A quoted literal or a variable (recorded in `out`) at `at`: where it ends.
fn operand(source: &str, at: usize, out: &mut Vec<Range<usize>>) -> Option<usize> {
    let bytes = source.as_bytes();
    if let Some(end) = literal(bytes, at) {
        return Some(end);
    }
    let len = bytes[at..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.')))
        .unwrap_or(bytes.len() - at);
    let end = at + len;
    let name = simple_name(source, at..end)?;
    // A call (`range(…)`), an index (`a[0]`) or a filter follows: tera's.
    matches!(bytes.get(end), None | Some(b' ' | b'=' | b'!')).then_some(())?;
    out.push(name);
    Some(end)
}

/// `containing('literal')` at `at` (after `is`): where it ends.
fn containing(bytes: &[u8], at: usize) -> Option<usize> {
    let open = bytes[at..].strip_prefix(b"containing(")?;
    let start = skip(bytes, bytes.len() - open.len());
    let end = skip(bytes, literal(bytes, start)?);
    (bytes.get(end) == Some(&b')')).then_some(end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::template;
    use crate::xorshift::Xorshift;

    /// Generated conditions, plain and not: wherever the scan answers, tera parses the
    /// wrapped condition and reads the same names.
    #[test]
    fn generated_conditions_read_what_tera_reads() {
        const PIECES: &[&str] = &[
            "a",
            "b.c",
            " ",
            "  ",
            "==",
            "!=",
            "'x'",
            "\"y\"",
            "''",
            "and",
            "or",
            "not",
            "is",
            "containing('z')",
            "containing(a)",
            "is not",
            "true",
            "loop",
            "(",
            ")",
            "a[0]",
            "|",
            "f(x)",
            ".",
            "=",
            "!",
            "'",
        ];
        let mut rng = Xorshift(0x2545_f491_4f6c_dd1d);
        let (mut answered, mut tried) = (0, 0);
        for _ in 0..6_000 {
            let seed = rng.next();
            let mut source = String::new();
            for i in 0..=(seed % 7) {
                let piece = PIECES[((seed >> (6 * i + 4)) % PIECES.len() as u64) as usize];
                source.push_str(piece);
                if (seed >> (i + 50)) & 1 == 1 {
                    source.push(' ');
                }
            }
            tried += 1;
            let mut ranges = Vec::new();
            if !plain_condition(&source, &mut ranges) {
                continue;
            }
            answered += 1;
            let slow = template::analyse_condition(&source)
                .unwrap_or_else(|e| panic!("tera refuses {source:?}: {e}"));
            let fast: std::collections::BTreeSet<String> = ranges
                .iter()
                .map(|r| source[r.clone()].to_string())
                .collect();
            assert_eq!(fast, slow.names, "{source:?}");
        }
        assert!(answered > 200, "answered {answered} of {tried}");
        for plain in [
            "a != ''",
            "a == 'x' and not b.c is containing(\"y\")",
            "not a or b",
        ] {
            assert!(plain_condition(plain, &mut Vec::new()), "{plain}");
        }
    }
}
