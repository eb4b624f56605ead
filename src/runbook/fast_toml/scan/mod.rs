//! A direct scanner for the plainest TOML, tried on each chunk before `toml_parser`:
//! headers, bare or plainly quoted (dotted) keys, strings (escapes only in one-line basic
//! ones), booleans, decimal integers, arrays and one-line inline tables, comments and blank
//! lines. It builds the very expressions `chunk`'s event walk builds (same keys, values
//! and spans; a test holds the two together on generated and mutated files), in one pass
//! over the bytes instead of lexing into tokens, parsing into events and walking those:
//! that was about half of `check`'s instructions on a large file.
//!
//! Anything else (a TOML 1.1 escape, a backslash in a multi-line string, a carriage return inside a multi-line string, a float, a date, a hex integer, a
//! newline or trailing comma inside `{ }`, a control character, a byte-order mark, deep
//! nesting) gives `None` and the chunk goes to `toml_parser` as before. So it never has to
//! know a rule it does not apply; it must only never accept what `toml` refuses, nor read
//! anything differently. Must not interpret tables (that is `layout`).

use std::borrow::Cow;

mod strings;

use super::chunk::Expr;
use super::tree::{Key, Node, Origin, Table, Value};

/// Arrays and inline tables nested deeper than this are left to `toml_parser` (whose
/// limit, 80, is the one `toml` enforces).
const MAX_DEPTH: usize = 32;
/// Dotted keys longer than this are left to `toml_parser` too.
const MAX_PATH: usize = 32;

/// Appends the expressions of `text` (which starts at byte `offset` of the file) to `out`,
/// or returns `None`, leaving `out` as long as it was, when the chunk holds anything this
/// scanner does not read.
pub fn scan<'a>(text: &'a str, offset: usize, out: &mut Vec<Expr<'a>>) -> Option<()> {
    let before = out.len();
    let scanned = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
        offset,
        depth: 0,
    }
    .document(out);
    if scanned.is_none() {
        out.truncate(before);
    }
    scanned
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    offset: usize,
    depth: usize,
}

/// A byte that may end a scalar: what `toml` allows after a value.
fn ends_value(byte: Option<u8>) -> bool {
    matches!(
        byte,
        None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'#' | b',' | b']' | b'}')
    )
}

/// Whether `bytes` hold a control character TOML refuses in a comment or a string: any
/// but tab (and newline, with `newlines`), and DEL. No early exit, so the loop vectorizes.
fn has_control(bytes: &[u8], newlines: bool) -> bool {
    bytes.iter().fold(false, |found, &b| {
        found | (b < 0x20 && b != b'\t' && !(newlines && b == b'\n')) | (b == 0x7f)
    })
}

fn is_bare(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_')
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at + ahead).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    fn span(&self, start: usize) -> std::ops::Range<usize> {
        start + self.offset..self.at + self.offset
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    /// A newline: `\n` or `\r\n` (a lone `\r` is not one).
    fn newline(&mut self) -> Option<()> {
        if self.peek() == Some(b'\r') {
            self.at += 1;
        }
        self.eat(b'\n')
    }

    /// A comment up to (not including) its newline; only tab and printable characters.
    fn comment(&mut self) -> Option<()> {
        self.eat(b'#')?;
        let rest = &self.bytes[self.at..];
        let mut end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        if end > 0 && rest[end - 1] == b'\r' && end < rest.len() {
            end -= 1;
        }
        (!has_control(&rest[..end], false)).then(|| self.at += end)
    }

    /// What may follow a header or a key/value pair: spaces, a comment, then a newline or
    /// the end of the chunk.
    fn line_end(&mut self) -> Option<()> {
        self.skip_spaces();
        if self.peek() == Some(b'#') {
            self.comment()?;
        }
        match self.peek() {
            None => Some(()),
            _ => self.newline(),
        }
    }

    fn document(&mut self, out: &mut Vec<Expr<'a>>) -> Option<()> {
        if self.text.starts_with('\u{feff}') {
            return None;
        }
        loop {
            self.skip_spaces();
            match self.peek() {
                None => return Some(()),
                Some(b'\n' | b'\r') => self.newline()?,
                Some(b'#') => self.comment()?,
                Some(b'[') => {
                    out.push(self.header()?);
                    self.line_end()?;
                }
                Some(_) => {
                    let (path, key) = self.key()?;
                    let value = self.assigned()?;
                    out.push(Expr::KeyVal { path, key, value });
                    self.line_end()?;
                }
            }
        }
    }

    fn header(&mut self) -> Option<Expr<'a>> {
        let start = self.at;
        self.eat(b'[')?;
        let array = self.eat(b'[').is_some();
        self.skip_spaces();
        let (path, key) = self.key()?;
        self.skip_spaces();
        self.eat(b']')?;
        if array {
            self.eat(b']')?;
        }
        Some(Expr::Header {
            path,
            key,
            array,
            span: self.span(start),
        })
    }

    /// A simple or dotted key: the path and the last key.
    fn key(&mut self) -> Option<(Vec<Key<'a>>, Key<'a>)> {
        let mut path = Vec::new();
        let mut key = self.simple_key()?;
        loop {
            let mark = self.at;
            self.skip_spaces();
            if self.eat(b'.').is_none() {
                self.at = mark;
                break;
            }
            self.skip_spaces();
            path.push(std::mem::replace(&mut key, self.simple_key()?));
            (path.len() < MAX_PATH).then_some(())?;
        }
        Some((path, key))
    }

    fn simple_key(&mut self) -> Option<Key<'a>> {
        let start = self.at;
        match self.peek()? {
            b'"' | b'\'' => {
                let text = self.quoted()?;
                Some((Cow::Borrowed(text), self.span(start)))
            }
            byte if is_bare(byte) => {
                while self.peek().is_some_and(is_bare) {
                    self.at += 1;
                }
                let text = self.text.get(start..self.at)?;
                Some((Cow::Borrowed(text), self.span(start)))
            }
            _ => None,
        }
    }

    /// What follows a key: ` = value`.
    fn assigned(&mut self) -> Option<Node<'a>> {
        self.skip_spaces();
        self.eat(b'=')?;
        self.skip_spaces();
        self.value()
    }

    fn value(&mut self) -> Option<Node<'a>> {
        let start = self.at;
        let value = match self.peek()? {
            quote @ (b'"' | b'\'')
                if self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote) =>
            {
                Value::Str(Cow::Borrowed(self.multi_line(quote)?))
            }
            b'"' => Value::Str(self.basic()?),
            b'\'' => Value::Str(Cow::Borrowed(self.quoted()?)),
            b't' | b'f' => Value::Bool(self.boolean()?),
            b'0'..=b'9' | b'+' | b'-' => Value::Int(self.integer()?),
            b'[' => return self.nested(Self::array),
            b'{' => return self.nested(Self::inline_table),
            _ => return None,
        };
        ends_value(self.peek()).then_some(())?;
        Some(Node {
            span: self.span(start),
            value,
        })
    }

    fn boolean(&mut self) -> Option<bool> {
        let rest = self.bytes.get(self.at..)?;
        let (word, value) = if rest.starts_with(b"true") {
            (4, true)
        } else if rest.starts_with(b"false") {
            (5, false)
        } else {
            return None;
        };
        self.at += word;
        Some(value)
    }

    /// A decimal integer without underscores or leading zeros: `0`, `42`, `-7`, `+3`.
    fn integer(&mut self) -> Option<i64> {
        let start = self.at;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.at += 1;
        }
        let digits = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        let count = self.at - digits;
        if count == 0 || (count > 1 && self.bytes[digits] == b'0') {
            return None;
        }
        self.text.get(start..self.at)?.parse().ok()
    }

    /// Runs `inner` one level deeper, refusing past [`MAX_DEPTH`].
    fn nested(&mut self, inner: fn(&mut Self) -> Option<Node<'a>>) -> Option<Node<'a>> {
        (self.depth < MAX_DEPTH).then_some(())?;
        self.depth += 1;
        let node = inner(self);
        self.depth -= 1;
        node
    }

    /// Spaces, newlines and comments, as an array allows between its items.
    fn skip_blank(&mut self) -> Option<()> {
        loop {
            self.skip_spaces();
            match self.peek() {
                Some(b'\n' | b'\r') => self.newline()?,
                Some(b'#') => self.comment()?,
                _ => return Some(()),
            }
        }
    }

    fn array(&mut self) -> Option<Node<'a>> {
        let start = self.at;
        self.eat(b'[')?;
        let mut items = Vec::new();
        loop {
            self.skip_blank()?;
            if self.eat(b']').is_some() {
                break;
            }
            items.push(self.value()?);
            self.skip_blank()?;
            if self.eat(b',').is_none() {
                self.eat(b']')?;
                break;
            }
        }
        Some(Node {
            span: self.span(start),
            value: Value::Array(items),
        })
    }

    /// `{ key = value, … }` on one line, without dotted keys or a trailing comma.
    fn inline_table(&mut self) -> Option<Node<'a>> {
        let start = self.at;
        self.eat(b'{')?;
        let mut table = Table::new(Origin::Inline);
        self.skip_spaces();
        if self.eat(b'}').is_none() {
            loop {
                let key = self.simple_key()?;
                let value = self.assigned()?;
                table.insert(key, value)?;
                self.skip_spaces();
                if self.eat(b',').is_none() {
                    self.eat(b'}')?;
                    break;
                }
                self.skip_spaces();
            }
        }
        Some(Node {
            span: self.span(start),
            value: Value::Table(table),
        })
    }
}
