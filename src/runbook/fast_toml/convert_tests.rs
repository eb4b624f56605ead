//! The fast path's shortcuts and its conversion into the `raw` types, against `toml`
//! itself: strings and keys taken as written must be what `toml` decodes, and every key
//! of the format must be read as `toml` reads it, or refused where `toml` refuses.

use super::tests::{Rng, agree};
use crate::runbook::raw;
use crate::xorshift::Xorshift;

/// The shortcuts past `toml_parser`'s decoders: whenever one takes a string or key as it
/// stands, `toml` reads exactly that text. Every byte of ASCII and some of UTF-8 is tried
/// alone and inside generated strings, in both quote styles, as values and as keys.
#[test]
fn a_string_or_key_taken_as_written_is_what_toml_decodes() {
    use super::chunk::{bare_key, plain_string};
    let mut pieces: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
    pieces.extend(["é", "\u{80}", "\u{9f}", "😀", "\u{feff}"].map(String::from));
    let mut rng = Rng(Xorshift(0x5eed), None);
    let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let mut texts: Vec<String> = pieces.clone();
    for _ in 0..3000 {
        let len = (rng.next() % 6) as usize;
        texts.push((0..len).map(|_| rng.pick(&refs)).collect());
    }
    let (mut taken, mut keys) = (0, 0);
    for text in &texts {
        for quote in ['"', '\''] {
            let raw = format!("{quote}{text}{quote}");
            if let Some(inner) = plain_string(&raw) {
                let parsed: toml::Table = toml::from_str(&format!("k = {raw}"))
                    .unwrap_or_else(|e| panic!("{raw:?} taken as written, toml refuses: {e}"));
                assert_eq!(parsed["k"].as_str(), Some(inner), "{raw:?}");
                taken += 1;
            }
        }
        if let Some(key) = bare_key(text) {
            let parsed: toml::Table = toml::from_str(&format!("{text} = 1"))
                .unwrap_or_else(|e| panic!("{text:?} taken as a bare key, toml refuses: {e}"));
            assert!(parsed.contains_key(key), "{text:?}");
            keys += 1;
        }
    }
    assert!(
        taken > 1000 && keys > 100,
        "only {taken} strings and {keys} keys taken"
    );
    // What must go to the decoder: escapes, multi-line strings, quotes inside.
    for raw in [
        r#""a\nb""#,
        "\"\"\"x\"\"\"",
        "'''x'''",
        r#""a"b""#,
        "\"\u{7f}\"",
        "x",
    ] {
        assert_eq!(plain_string(raw), None, "{raw:?}");
    }
    assert_eq!(plain_string(r"'C:\x'"), Some(r"C:\x"));
}

/// Every key of the format, with valid values (the schema's test reads the same file).
const EVERY_KEY: &str = include_str!("../../../tests/fixtures/every-key.toml");

/// The names of the fields serde reads for one `raw` struct (its derived `Deserialize`
/// asks for them by name).
fn serde_fields<'de, T: serde::Deserialize<'de>>() -> Vec<&'static str> {
    use serde::de::{Error, Visitor, value};
    struct Probe<'a>(&'a mut Vec<&'static str>);
    impl<'de> serde::Deserializer<'de> for Probe<'_> {
        type Error = value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, value::Error> {
            Err(value::Error::custom("probe"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, value::Error> {
            self.0.extend(fields);
            Err(value::Error::custom("probe"))
        }
        serde::forward_to_deserialize_any! {
            bool u8 u16 u32 u64 i8 i16 i32 i64 i128 u128 f32 f64 char str string seq option
            bytes byte_buf map unit ignored_any unit_struct tuple_struct tuple identifier
            newtype_struct enum
        }
    }
    let mut fields = Vec::new();
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// The direct conversion of the tree knows every key serde knows, reads each as `toml`
/// does, and refuses what `toml` refuses: the file of every key, the same with any one
/// line left out (a required key missing, a default taken), and with any one value of
/// the wrong type or out of range.
#[test]
fn every_key_of_the_format_is_read_as_toml_reads_it() {
    let mut fields = Vec::new();
    fields.extend(serde_fields::<raw::File>());
    fields.extend(serde_fields::<raw::Header>());
    fields.extend(serde_fields::<raw::Var>());
    fields.extend(serde_fields::<raw::Check>());
    fields.extend(serde_fields::<raw::FluxCheck>());
    fields.extend(serde_fields::<raw::Step>());
    fields.extend(serde_fields::<raw::Foreach>());
    fields.extend(serde_fields::<raw::Retry>());
    fields.extend(serde_fields::<raw::Rollback>());
    assert!(fields.len() > 70, "probed only {fields:?}");
    for field in &fields {
        let written = [
            format!("\n{field} ="),
            format!(" {field} ="),
            format!(".{field} ="),
            format!("{field}]"),
            format!("[{field}."),
        ];
        assert!(
            written.iter().any(|w| EVERY_KEY.contains(w.as_str())),
            "`{field}` is missing from EVERY_KEY: add it, so the fast path is tested on it"
        );
    }
    assert!(
        agree(EVERY_KEY, super::CHUNK),
        "the fast path refused EVERY_KEY"
    );
    let lines: Vec<&str> = EVERY_KEY.lines().collect();
    let mut refused = 0;
    for i in 0..lines.len() {
        let without: Vec<&str> = [&lines[..i], &lines[i + 1..]].concat();
        refused += usize::from(!agree(&(without.join("\n") + "\n"), super::CHUNK));
    }
    // Leaving out `title`, a step's `id` or a rollback's `run`: refused.
    assert!(
        refused >= 5,
        "only {refused} files without a line were refused"
    );
    let wrong = [
        ("\"", "1"),
        ("= [", "= \"not a list\" #["),
        ("= {", "= 1 #{"),
        ("= true", "= \"yes\""),
        ("= false", "= 0"),
        ("= 3", "= -3"),
        ("= 2", "= 99999999999"),
        ("= 0", "= 3000000000"),
        ("= \"critical\"", "= \"severe\""),
        ("= \"rollback\"", "= \"Rollback\""),
        ("\"kustomization\"", "\"Kustomization\""),
    ];
    for (at, line) in lines.iter().enumerate() {
        for (from, to) in wrong {
            if !line.contains(from) {
                continue;
            }
            let mut changed = lines.clone();
            let replaced = line.replacen(from, to, 1);
            changed[at] = &replaced;
            agree(&(changed.join("\n") + "\n"), super::CHUNK);
        }
    }
}
