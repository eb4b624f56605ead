//! Templates whose tags are all `{{ name }}`, `{{ name.field }}` or such a name through
//! plain filters (`{{ release | split(pat="/") | last }}`): the variables they read, found
//! in one pass without tera's parser. Most templates of a runbook are such, and parsing
//! them with tera was the slow part of checking one. Anything else is `None`/`false` and
//! goes to tera; a test holds the two together on generated templates. Owns no reporting;
//! `when` conditions are `plain_condition`'s, which reads names with these pieces.

use std::ops::Range;

#[cfg(test)]
use crate::render::template::{self, Analysis};

/// The byte ranges of the variable names of a template whose only tags are `{{ name }}`,
/// `{{ name.field }}` or such a name through plain filters ([`simple_name`]), in order,
/// repeats kept, found in one pass without tera's parser. `false` for anything else, which
/// goes to tera; `out` then holds no meaning.
pub fn simple_names(source: &str, out: &mut Vec<Range<usize>>) -> bool {
    let bytes = source.as_bytes();
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'{', &bytes[at..]) {
        let open = at + found;
        match bytes.get(open + 1) {
            // `{%` and `{#` anywhere need tera; inside a `{{ … }}` they fail `simple_name`.
            Some(b'%' | b'#') => return false,
            Some(b'{') => {
                let start = open + 2;
                let Some(close) = find_pair(&source[start..], *b"}}") else {
                    return false;
                };
                let Some(name) = simple_name(source, start..start + close) else {
                    return false;
                };
                out.push(name);
                at = start + close + 2;
            }
            _ => at = open + 1,
        }
    }
    true
}

/// The range of the root name of `{{ inner }}` when `inner` is `name` or `name.field…`
/// (spaces around allowed), not a tera keyword, then any [`plain_filters`]. Works on
/// bytes: a name is ASCII.
pub(super) fn simple_name(source: &str, inner: Range<usize>) -> Option<Range<usize>> {
    let bytes = &source.as_bytes()[inner.clone()];
    let start = bytes.iter().position(|&b| b != b' ')?;
    let end = bytes.iter().rposition(|&b| b != b' ')? + 1;
    // Filters come after the first `|`: no literal can come before it.
    let filters = memchr::memchr(b'|', &bytes[start..end]).map_or(end, |at| start + at);
    if filters < end && !plain_filters(&bytes[filters..end]) {
        return None;
    }
    let end = if filters < end {
        bytes[..filters].iter().rposition(|&b| b != b' ')? + 1
    } else {
        end
    };
    let trimmed = &bytes[start..end];
    let root_len = memchr::memchr(b'.', trimmed).unwrap_or(trimmed.len());
    let (root, fields) = trimmed.split_at(root_len);
    let ident = |p: &[u8]| ident_len(p) == Some(p.len());
    // tera reads `true…` and `false…` as a boolean and fails on the rest (`trueish`).
    let boolean = [b"true".as_slice(), b"false", b"True", b"False"]
        .iter()
        .any(|word| root.starts_with(word));
    let keyword = boolean
        || matches!(
            root,
            b"and" | b"or" | b"not" | b"in" | b"is" | b"loop" | b"__tera_context"
        );
    let fields_ok = fields.is_empty() || fields[1..].split(|&b| b == b'.').all(ident);
    if !ident(root) || keyword || !fields_ok {
        return None;
    }
    let root_start = inner.start + start;
    Some(root_start..root_start + root_len)
}

/// Whether `rest` is one or more `| filter` or `| filter(key = "literal", …)` (spaces
/// around allowed), none of them `raw` or `safe`: tera reads no variable in those and
/// they change nothing `check` reports (the shipped runbooks' `| split(pat="/") | last`).
/// Anything else (a variable as an argument, `()`, another kind of literal) is tera's.
fn plain_filters(mut rest: &[u8]) -> bool {
    while !rest.is_empty() {
        let Some(after) = rest.strip_prefix(b"|") else {
            return false;
        };
        rest = spaces(after);
        let Some(len) = filter_word(rest) else {
            return false;
        };
        rest = spaces(&rest[len..]);
        if let Some(args) = rest.strip_prefix(b"(") {
            let Some(after) = plain_arguments(args) else {
                return false;
            };
            rest = spaces(after);
        }
    }
    true
}

/// `key = "literal", …)` (or `'literal'`), at least one: what follows the `)`.
fn plain_arguments(mut rest: &[u8]) -> Option<&[u8]> {
    loop {
        rest = spaces(rest);
        rest = spaces(&rest[filter_word(rest)?..]);
        rest = spaces(rest.strip_prefix(b"=")?);
        rest = spaces(&rest[literal(rest, 0)?..]);
        match rest.split_first()? {
            (b',', after) => rest = after,
            (b')', after) => return Some(after),
            _ => return None,
        }
    }
}

/// `'…'` or `"…"` at `at`: where it ends.
pub(super) fn literal(bytes: &[u8], at: usize) -> Option<usize> {
    let quote = *bytes.get(at).filter(|q| matches!(q, b'"' | b'\''))?;
    let close = memchr::memchr(quote, &bytes[at + 1..])?;
    Some(at + close + 2)
}

pub(super) fn spaces(bytes: &[u8]) -> &[u8] {
    &bytes[bytes.iter().position(|&b| b != b' ').unwrap_or(bytes.len())..]
}

/// The length of the identifier `bytes` starts with: a letter or `_`, then letters,
/// digits and `_`.
fn ident_len(bytes: &[u8]) -> Option<usize> {
    let len = bytes
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .unwrap_or(bytes.len());
    matches!(bytes.first(), Some(c) if c.is_ascii_alphabetic() || *c == b'_').then_some(len)
}

/// The length of the identifier `bytes` starts with, unless it is a keyword or `raw` or
/// `safe` (which `check` must hear of: tera's).
fn filter_word(bytes: &[u8]) -> Option<usize> {
    let len = ident_len(bytes)?;
    let reserved = matches!(
        &bytes[..len],
        b"raw"
            | b"safe"
            | b"true"
            | b"false"
            | b"True"
            | b"False"
            | b"and"
            | b"or"
            | b"not"
            | b"in"
            | b"is"
            | b"loop"
    );
    (!reserved).then_some(len)
}

/// The [`Analysis`] [`simple_names`] stands for, to compare it with tera's.
#[cfg(test)]
fn simple_analysis(source: &str) -> Option<Analysis> {
    let mut ranges = Vec::new();
    simple_names(source, &mut ranges).then(|| Analysis {
        names: ranges
            .iter()
            .map(|r| source[r.clone()].to_string())
            .collect(),
        ..Analysis::default()
    })
}

/// Where the two ASCII bytes `pair` first occur in `text` (what `text.find(pair)` gives).
/// `str::find` with a string pattern sets up a two-way searcher on every call, which was
/// the largest part of checking a plain template.
pub fn find_pair(text: &str, pair: [u8; 2]) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(pair[0], bytes).find(|&i| bytes.get(i + 1) == Some(&pair[1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xorshift::Xorshift;

    #[test]
    fn simple_templates_skip_the_parser_and_agree_with_it() {
        for source in [
            "echo {{ a }} {{b.c}} }} x",
            "plain",
            "{{ run.id }}",
            "{ {{a}}{",
        ] {
            let fast = simple_analysis(source).expect("simple");
            assert_eq!(
                fast.names,
                template::analyse(source).unwrap().names,
                "{source}"
            );
        }
        for source in [
            "{{ a | raw }}",
            "{{ a }",
            "{{ true }}",
            "{% if a %}{% endif %}",
            "{{ a[0] }}",
            "{{ a",
            "{{{ a }}",
            "x {#c#}",
        ] {
            assert!(simple_analysis(source).is_none(), "{source}");
        }
    }

    #[test]
    fn odd_tags_go_to_tera_and_field_paths_read_their_root() {
        for source in [
            "{{ a. }}",
            "{{ a..b }}",
            "{{   }}",
            "{{ é }}",
            "{{ 1a }}",
            "{{ a .b }}",
            "{{ loop.index }}",
            "{{ trueish }}",
            "{{ False_x }}",
        ] {
            assert!(simple_analysis(source).is_none(), "{source}");
        }
        for (source, root) in [
            ("{{ a.b.c }}", "a"),
            ("{{_x}}", "_x"),
            ("{{  b2.c_d  }}", "b2"),
        ] {
            let fast = simple_analysis(source).expect("simple");
            assert_eq!(fast.names.iter().collect::<Vec<_>>(), [root], "{source}");
            assert_eq!(
                fast.names,
                template::analyse(source).unwrap().names,
                "{source}"
            );
        }
    }

    /// Generated tags, plain and not: wherever the scan answers, tera parses the template
    /// and reads the same names, with no `raw` and no filter section.
    #[test]
    fn generated_filter_chains_read_what_tera_reads() {
        const PIECES: &[&str] = &[
            "a",
            "b.c",
            "loop",
            "true",
            " ",
            "|",
            "| ",
            "split",
            "first",
            "raw",
            "safe",
            "not",
            "1f",
            "(",
            ")",
            "pat",
            "=",
            "\"/\"",
            "'x'",
            "\"}\"",
            "x",
            ",",
            "()",
            "-",
            "\t",
            "replace(from=\"\\n\", to=\", \")",
            "(pat=\"/\")",
            "`y`",
            "\"",
            "2",
        ];
        let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
        let (mut answered, mut tried) = (0, 0);
        for _ in 0..6_000 {
            let seed = rng.next();
            let mut inner = String::from(if seed.is_multiple_of(3) { "a " } else { "b.c|" });
            for i in 0..(seed % 6) {
                inner.push_str(PIECES[((seed >> (6 * i + 8)) % PIECES.len() as u64) as usize]);
            }
            let source = format!("x {{{{ {inner} }}}} y");
            tried += 1;
            let Some(fast) = simple_analysis(&source) else {
                continue;
            };
            answered += 1;
            let slow = template::analyse(&source)
                .unwrap_or_else(|e| panic!("tera refuses {source:?}: {e}"));
            assert_eq!(fast.names, slow.names, "{source:?}");
            assert!(!slow.uses_raw && !slow.filter_section, "{source:?}");
        }
        assert!(answered * 10 > tried, "answered {answered} of {tried}");
    }
}
