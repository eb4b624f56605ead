//! The strings of the scanner: one-line literal and basic strings (TOML 1.0's escapes
//! decoded) and multi-line strings that decode to themselves. What it does not read in
//! full (a TOML 1.1 escape, a backslash in a multi-line string, a carriage return or other
//! control character) is `None`, for `toml_parser` to read. Owns no other syntax.

use std::borrow::Cow;

use super::{Scanner, has_control};
use crate::runbook::fast_toml::chunk::plain_string;

impl<'a> Scanner<'a> {
    /// A one-line string that decodes to itself (see [`plain_string`]); its text.
    pub(super) fn quoted(&mut self) -> Option<&'a str> {
        let start = self.at;
        let quote = self.peek()?;
        if self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote) {
            return None;
        }
        let close = memchr::memchr(quote, self.bytes.get(start + 1..)?)?;
        let end = start + 1 + close + 1;
        let text = plain_string(self.text.get(start..end)?)?;
        self.at = end;
        Some(text)
    }

    /// A one-line basic string (`"…"`), its escapes decoded: TOML 1.0's (`\b \t \n \f \r
    /// \" \\ \uXXXX \UXXXXXXXX`); any other escape is left to `toml_parser`.
    pub(super) fn basic(&mut self) -> Option<Cow<'a, str>> {
        let open = self.at;
        let mut decoded: Option<String> = None;
        let mut from = open + 1;
        loop {
            let rest = self.bytes.get(from..)?;
            let at = from + memchr::memchr2(b'"', b'\\', rest)?;
            if has_control(&self.bytes[from..at], false) {
                return None;
            }
            let piece = self.text.get(from..at)?;
            if self.bytes[at] == b'"' {
                self.at = at + 1;
                return Some(match decoded {
                    None => Cow::Borrowed(piece),
                    Some(mut text) => {
                        text.push_str(piece);
                        Cow::Owned(text)
                    }
                });
            }
            let text = decoded.get_or_insert_with(String::new);
            text.push_str(piece);
            let (ch, len) = escape(self.bytes.get(at + 1..)?)?;
            text.push(ch);
            from = at + 1 + len;
        }
    }

    /// A multi-line string that decodes to itself: `'''…'''`, or `"""…"""` without a
    /// backslash, holding no carriage return (whether `toml` keeps or normalizes one is
    /// not this scanner's to know) and no other control character but tab and newline.
    /// Its text, without the newline right after the opening quotes.
    pub(super) fn multi_line(&mut self, quote: u8) -> Option<&'a str> {
        let body = self.at + 3;
        let rest = self.bytes.get(body..)?;
        let close = memchr::memmem::find(rest, &[quote; 3])?;
        // One or two quotes of the text may sit right before the closing three.
        let mut run = 3;
        while rest.get(close + run) == Some(&quote) {
            run += 1;
        }
        if run > 5 {
            return None;
        }
        let end = body + close + run - 3;
        let from = if rest.first() == Some(&b'\n') {
            body + 1
        } else {
            body
        };
        let basic = quote == b'"';
        let text = self.bytes.get(from..end)?;
        if has_control(text, true) || (basic && memchr::memchr(b'\\', text).is_some()) {
            return None;
        }
        self.at = body + close + run;
        self.text.get(from..end)
    }
}

/// The character an escape stands for (`rest` follows the backslash) and how many bytes
/// of `rest` it took.
fn escape(rest: &[u8]) -> Option<(char, usize)> {
    let simple = match *rest.first()? {
        b'b' => '\u{8}',
        b't' => '\t',
        b'n' => '\n',
        b'f' => '\u{c}',
        b'r' => '\r',
        b'"' => '"',
        b'\\' => '\\',
        b'u' => return Some((unicode(rest.get(1..5)?)?, 5)),
        b'U' => return Some((unicode(rest.get(1..9)?)?, 9)),
        _ => return None,
    };
    Some((simple, 1))
}

/// The Unicode scalar value written as these hex digits (a surrogate is none).
fn unicode(digits: &[u8]) -> Option<char> {
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let value = u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()?;
    char::from_u32(value)
}
