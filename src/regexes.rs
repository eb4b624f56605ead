//! Regexes checked long before they are matched. `check` needs to know only whether each
//! pattern compiles, and compiling one costs 140k–290k instructions: a quarter of `check`
//! on the shipped runbooks and their tests. A pattern that parses can still fail to compile
//! only by outgrowing the regex crate's compiled-size limit, which takes a counted
//! repetition (`{n}`) or hundreds of Unicode classes (`\w` written 256 times fails, 128
//! times compiles; a test holds the bound). So a short pattern without `{` that parses is
//! known to compile; anything else is compiled to find out, and every error message is
//! [`crate::memo::regex`]'s own. Owns when a regex is compiled, not what it is for.

use std::sync::OnceLock;

use regex::Regex;

use crate::memo::Memo;

/// Patterns up to this long, without a `{`, are parsed rather than compiled to learn
/// whether they compile: at most 100 classes, where 128 `\w` still compile.
const PARSED_ONLY: usize = 200;

/// Whether `source` compiles, with the regex crate's error when it does not; answered at
/// most once per process (the same `\S` recurs in dozens of checks and test files, and
/// parsing a Unicode class is most of parsing one).
pub fn compiles(source: &str) -> Result<(), regex::Error> {
    static ANSWERS: Memo<Result<(), regex::Error>> = Memo::new();
    ANSWERS.get(source, || {
        let parses = || regex_syntax::Parser::new().parse(source).is_ok();
        if source.len() <= PARSED_ONLY && !source.contains('{') && parses() {
            return Ok(());
        }
        crate::memo::regex(source).map(drop)
    })
}

/// A regex known to compile, compiled when first matched (a `check` never matches it).
#[derive(Debug, Clone)]
pub struct LazyRegex {
    source: String,
    compiled: OnceLock<Regex>,
}

impl LazyRegex {
    /// `source` if it compiles ([`compiles`]), otherwise the regex crate's error.
    pub fn new(source: &str) -> Result<Self, regex::Error> {
        compiles(source)?;
        Ok(Self {
            source: source.to_string(),
            compiled: OnceLock::new(),
        })
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.compiled().is_match(text)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    fn compiled(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            crate::memo::regex(&self.source).expect("`LazyRegex::new` checked that it compiles")
        })
    }
}

/// The pattern as written, as a `Regex` displays.
impl std::fmt::Display for LazyRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xorshift::Xorshift;

    /// The bound [`PARSED_ONLY`] rests on: the largest classes, as many as fit in it.
    #[test]
    fn every_pattern_short_enough_to_be_parsed_only_compiles() {
        for atom in [r"\w", r"\W", r"\pL", r"(?i)\w", r"[\w\W]", r"[^a]", "."] {
            let pattern = atom.repeat(PARSED_ONLY / atom.len());
            assert!(pattern.len() <= PARSED_ONLY);
            assert!(compiles(&pattern).is_ok(), "{atom}");
            assert!(Regex::new(&pattern).is_ok(), "{atom} does not compile");
        }
        // Where the bound would be wrong: twice as many `\w` do not compile.
        assert!(Regex::new(&r"\w".repeat(256)).is_err());
    }

    /// Generated patterns, valid and not: parsing answers as compiling does, and a
    /// refusal carries the regex crate's own message.
    #[test]
    fn parsing_answers_as_compiling_does() {
        const PIECES: &[&str] = &[
            "a",
            "Z",
            "0",
            ".",
            "^",
            "$",
            "*",
            "+",
            "?",
            "|",
            "(",
            ")",
            "(?:",
            "(?i)",
            "(?P<n>",
            "[",
            "]",
            "[^",
            "-",
            r"\",
            r"\s",
            r"\S",
            r"\d",
            r"\w",
            r"\b",
            r"\pL",
            r"\p{Greek}",
            r"\pQ",
            r"\x41",
            r"\xZ",
            r"\u{1F600}",
            r"\1",
            r"\Q",
            "(?-u)",
            r"(?-u)\xFF",
            "{",
            "}",
            "{2}",
            "{2,",
            ",",
            "é",
            " ",
            "\t",
            "*?",
            "**",
        ];
        let mut rng = Xorshift(0x2545_f491_4f6c_dd1d);
        let (mut valid, mut invalid) = (0, 0);
        for _ in 0..4_000 {
            let mut pattern = String::new();
            let seed = rng.next();
            for i in 0..=(seed % 7) {
                pattern.push_str(PIECES[((seed >> (8 * i)) % PIECES.len() as u64) as usize]);
            }
            let expected = Regex::new(&pattern).map(drop).map_err(|e| e.to_string());
            let answered = compiles(&pattern).map_err(|e| e.to_string());
            assert_eq!(answered, expected, "on {pattern:?}");
            if expected.is_ok() {
                valid += 1
            } else {
                invalid += 1
            }
        }
        assert!(
            valid > 800 && invalid > 800,
            "{valid} valid, {invalid} invalid"
        );
    }

    #[test]
    fn a_lazy_regex_matches_as_the_compiled_one() {
        let lazy = LazyRegex::new(r"^\S+ ready$").unwrap();
        assert!(lazy.is_match("web ready") && !lazy.is_match("web not ready"));
        assert_eq!(lazy.as_str(), r"^\S+ ready$");
        let error = LazyRegex::new("(unclosed").unwrap_err().to_string();
        assert!(error.contains("unclosed group"), "{error}");
    }
}
