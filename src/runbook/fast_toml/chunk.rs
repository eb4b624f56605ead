//! One chunk of a TOML file (whole lines, starting at a table header or the file's start)
//! → its expressions: table headers and key/value pairs, spans in the whole file. Lexing,
//! grammar, whitespace rules and the decoding of keys and scalars are `toml_parser`'s, the
//! very code `toml` runs, so every string and integer means what it means to `toml`. Any
//! error, and anything this path does not build (floats, dates, dotted keys in inline
//! tables), gives `None`: the caller then parses with `toml` itself. Each chunk is first
//! tried by `scan`, a one-pass reader of the plainest TOML that builds the same
//! expressions; only what it refuses comes here. Must not interpret tables (that is
//! `layout`).

use std::borrow::Cow;
use std::ops::Range;

use toml_parser::decoder::ScalarKind;
use toml_parser::lexer::Token;
use toml_parser::parser::{Event, EventKind, RecursionGuard, ValidateWhitespace};
use toml_parser::{ParseError, Source, Span};

use super::tree::{Key, Node, Origin, Table, Value};

/// `toml`'s nesting limit (its `LIMIT`), for the same inputs to fail the same way.
const LIMIT: u32 = 80;

#[derive(Debug, PartialEq)]
pub enum Expr<'a> {
    Header {
        path: Vec<Key<'a>>,
        key: Key<'a>,
        array: bool,
        span: Range<usize>,
    },
    KeyVal {
        path: Vec<Key<'a>>,
        key: Key<'a>,
        value: Node<'a>,
    },
}

/// Reusable buffers: one per thread, so chunk after chunk allocates nothing for them.
#[derive(Default)]
pub struct ChunkParser {
    tokens: Vec<Token>,
    events: Vec<Event>,
}

impl ChunkParser {
    /// Appends the expressions of `text`, which starts at byte `offset` of the file.
    pub fn parse<'a>(
        &mut self,
        text: &'a str,
        offset: usize,
        out: &mut Vec<Expr<'a>>,
    ) -> Option<()> {
        if super::scan::scan(text, offset, out).is_some() {
            return Some(());
        }
        self.parse_events(text, offset, out)
    }

    /// [`ChunkParser::parse`] through `toml_parser`'s lexer and parser alone.
    pub fn parse_events<'a>(
        &mut self,
        text: &'a str,
        offset: usize,
        out: &mut Vec<Expr<'a>>,
    ) -> Option<()> {
        let source = Source::new(text);
        self.tokens.clear();
        self.tokens.extend(source.lex());
        self.events.clear();
        let mut error: Option<ParseError> = None;
        {
            let mut whitespace = ValidateWhitespace::new(&mut self.events, source);
            let mut guard = RecursionGuard::new(&mut whitespace, LIMIT);
            toml_parser::parser::parse_document(&self.tokens, &mut guard, &mut error);
        }
        if error.is_some() {
            return None;
        }
        let mut cursor = Cursor {
            events: &self.events,
            at: 0,
            source,
            offset,
        };
        cursor.document(out)
    }
}

struct Cursor<'e, 'a> {
    events: &'e [Event],
    at: usize,
    source: Source<'a>,
    offset: usize,
}

impl<'a> Cursor<'_, 'a> {
    fn next(&mut self) -> Option<Event> {
        let event = *self.events.get(self.at)?;
        self.at += 1;
        Some(event)
    }

    fn peek(&self) -> Option<EventKind> {
        self.events.get(self.at).map(Event::kind)
    }

    fn skip_whitespace(&mut self) {
        while self.peek() == Some(EventKind::Whitespace) {
            self.at += 1;
        }
    }

    fn span(&self, span: Span) -> Range<usize> {
        span.start() + self.offset..span.end() + self.offset
    }

    fn document(&mut self, out: &mut Vec<Expr<'a>>) -> Option<()> {
        while let Some(event) = self.next() {
            match event.kind() {
                EventKind::Whitespace | EventKind::Comment | EventKind::Newline => {}
                EventKind::StdTableOpen | EventKind::ArrayTableOpen => {
                    out.push(self.header(event)?)
                }
                EventKind::SimpleKey => {
                    let (path, key) = self.key(event)?;
                    let value = self.assigned()?;
                    out.push(Expr::KeyVal { path, key, value });
                }
                _ => return None,
            }
        }
        Some(())
    }

    fn header(&mut self, open: Event) -> Option<Expr<'a>> {
        let array = open.kind() == EventKind::ArrayTableOpen;
        self.skip_whitespace();
        let first = self.next()?;
        (first.kind() == EventKind::SimpleKey).then_some(())?;
        let (path, key) = self.key(first)?;
        self.skip_whitespace();
        let close = self.next()?;
        let closes = if array {
            EventKind::ArrayTableClose
        } else {
            EventKind::StdTableClose
        };
        (close.kind() == closes).then_some(())?;
        let span = self.span(open.span().append(close.span()));
        Some(Expr::Header {
            path,
            key,
            array,
            span,
        })
    }

    /// A simple or dotted key whose first part is `first`: the path and the last key.
    fn key(&mut self, first: Event) -> Option<(Vec<Key<'a>>, Key<'a>)> {
        let mut path = Vec::new();
        let mut key = self.decode_key(first)?;
        loop {
            let mut ahead = self.at;
            if self.events.get(ahead).map(Event::kind) == Some(EventKind::Whitespace) {
                ahead += 1;
            }
            if self.events.get(ahead).map(Event::kind) != Some(EventKind::KeySep) {
                break;
            }
            self.at = ahead + 1;
            self.skip_whitespace();
            let next = self.next()?;
            (next.kind() == EventKind::SimpleKey).then_some(())?;
            path.push(std::mem::replace(&mut key, self.decode_key(next)?));
        }
        (path.len() < LIMIT as usize).then_some((path, key))
    }

    fn decode_key(&self, event: Event) -> Option<Key<'a>> {
        let raw = self.source.get(event)?;
        if let Some(bare) = bare_key(raw.as_str()) {
            return Some((Cow::Borrowed(bare), self.span(event.span())));
        }
        let mut decoded = Cow::Borrowed("");
        let mut error: Option<ParseError> = None;
        raw.decode_key(&mut decoded, &mut error);
        error.is_none().then(|| (decoded, self.span(event.span())))
    }

    /// What follows a key: ` = value`.
    fn assigned(&mut self) -> Option<Node<'a>> {
        self.skip_whitespace();
        (self.next()?.kind() == EventKind::KeyValSep).then_some(())?;
        self.skip_whitespace();
        self.value()
    }

    fn value(&mut self) -> Option<Node<'a>> {
        let event = self.next()?;
        match event.kind() {
            EventKind::Scalar => self.scalar(event),
            EventKind::ArrayOpen => self.array(event),
            EventKind::InlineTableOpen => self.inline_table(event),
            _ => None,
        }
    }

    fn scalar(&self, event: Event) -> Option<Node<'a>> {
        let raw = self.source.get(event)?;
        if let Some(text) = plain_string(raw.as_str()) {
            return Some(Node {
                span: self.span(event.span()),
                value: Value::Str(Cow::Borrowed(text)),
            });
        }
        let mut decoded = Cow::Borrowed("");
        let mut error: Option<ParseError> = None;
        let kind = raw.decode_scalar(&mut decoded, &mut error);
        if error.is_some() {
            return None;
        }
        let value = match kind {
            ScalarKind::String => Value::Str(decoded),
            ScalarKind::Boolean(b) => Value::Bool(b),
            // `toml` reads an integer with this very function on the same decoded text.
            ScalarKind::Integer(radix) => {
                Value::Int(i64::from_str_radix(&decoded, radix.value()).ok()?)
            }
            ScalarKind::Float | ScalarKind::DateTime => return None,
        };
        Some(Node {
            span: self.span(event.span()),
            value,
        })
    }

    fn array(&mut self, open: Event) -> Option<Node<'a>> {
        let mut items = Vec::new();
        let mut pending: Option<Node<'a>> = None;
        loop {
            let event = self.next()?;
            match event.kind() {
                EventKind::Whitespace | EventKind::Comment | EventKind::Newline => {}
                EventKind::Scalar | EventKind::ArrayOpen | EventKind::InlineTableOpen => {
                    pending.is_none().then_some(())?;
                    self.at -= 1;
                    pending = Some(self.value()?);
                }
                EventKind::ValueSep => items.push(pending.take()?),
                EventKind::ArrayClose => {
                    items.extend(pending);
                    let span = self.span(open.span().append(event.span()));
                    return Some(Node {
                        span,
                        value: Value::Array(items),
                    });
                }
                _ => return None,
            }
        }
    }

    fn inline_table(&mut self, open: Event) -> Option<Node<'a>> {
        let mut table = Table::new(Origin::Inline);
        let mut expect_key = true;
        loop {
            let event = self.next()?;
            match event.kind() {
                EventKind::Whitespace | EventKind::Comment | EventKind::Newline => {}
                EventKind::SimpleKey if expect_key => {
                    let (path, key) = self.key(event)?;
                    // Dotted keys inside `{ }` are left to `toml`.
                    path.is_empty().then_some(())?;
                    let value = self.assigned()?;
                    table.insert(key, value)?;
                    expect_key = false;
                }
                EventKind::ValueSep if !expect_key => expect_key = true,
                EventKind::InlineTableClose => {
                    let span = self.span(open.span().append(event.span()));
                    return Some(Node {
                        span,
                        value: Value::Table(table),
                    });
                }
                _ => return None,
            }
        }
    }
}

/// `raw` itself when it is a bare key (`toml_parser`'s `unquoted-key`: ASCII letters,
/// digits, `-` and `_`), which decodes to itself: most keys are, and the decoder's general
/// path was a fifth of the chunk parse.
pub(super) fn bare_key(raw: &str) -> Option<&str> {
    let bare = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_');
    (!raw.is_empty() && raw.as_bytes().iter().all(bare)).then_some(raw)
}

/// The text of a one-line string that decodes to itself: a basic string (`"…"`) without
/// escapes or a literal one (`'…'`), every byte of it one the decoder accepts as it
/// stands (`toml_parser`'s `basic-unescaped` and `literal-char`: tab, printable ASCII but
/// the quote, and anything not ASCII; a backslash only in a literal string). Multi-line
/// strings and anything else: `None`.
pub(super) fn plain_string(raw: &str) -> Option<&str> {
    let bytes = raw.as_bytes();
    let quote = *bytes.first()?;
    if !matches!(quote, b'"' | b'\'') || bytes.len() < 2 || bytes[bytes.len() - 1] != quote {
        return None;
    }
    if bytes.len() >= 3 && bytes[1] == quote && bytes[2] == quote {
        return None;
    }
    let inner = &raw[1..raw.len() - 1];
    // A literal string keeps a backslash as it is; a basic one would read an escape.
    let escape = if quote == b'"' { b'\\' } else { quote };
    // No early exit, so the loop vectorizes: these strings are most of a runbook's bytes.
    let refused = inner.as_bytes().iter().fold(false, |refused, &b| {
        refused | (b < 0x20 && b != b'\t') | (b == 0x7f) | (b == quote) | (b == escape)
    });
    (!refused).then_some(inner)
}
