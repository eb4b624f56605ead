//! The document tree the fast path builds: the subset of TOML values a runbook uses
//! (strings, integers, booleans, arrays, tables), each with its span in the whole file.
//! Tables keep their entries in file order, as `toml` does with `preserve_order`. Owns the
//! shapes only; what may be inserted where is `layout`'s business.

use std::borrow::Cow;
use std::ops::Range;

/// A key as written (decoded) and its span.
pub type Key<'a> = (Cow<'a, str>, Range<usize>);

/// Past this many entries a table falls back to `toml`: lookups here are linear scans, so
/// a hostile table with tens of thousands of keys must not make them quadratic.
pub const MAX_ENTRIES: usize = 256;

#[derive(Debug, PartialEq)]
pub struct Node<'a> {
    pub span: Range<usize>,
    pub value: Value<'a>,
}

#[derive(Debug, PartialEq)]
pub enum Value<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Bool(bool),
    Array(Vec<Node<'a>>),
    /// An array of tables (`[[key]]`): only headers may extend it.
    Tables(Vec<Node<'a>>),
    Table(Table<'a>),
}

/// How a table came to be, which decides what may later extend it (TOML's rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `[key]` or `[[key]]`, or the document root.
    Header,
    /// Created as the parent of a header (`[a.b]` creates `a`).
    Implicit,
    /// Created by a dotted key (`a.b = 1` creates `a`).
    Dotted,
    /// `{ … }`: complete as written.
    Inline,
}

#[derive(Debug, PartialEq)]
pub struct Table<'a> {
    pub entries: Vec<(Key<'a>, Node<'a>)>,
    pub origin: Origin,
}

impl<'a> Table<'a> {
    pub fn new(origin: Origin) -> Self {
        Self::with_capacity(origin, 0)
    }

    /// A table with room for `entries` keys before it first grows.
    pub fn with_capacity(origin: Origin, entries: usize) -> Self {
        Self {
            entries: Vec::with_capacity(entries),
            origin,
        }
    }

    pub fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|((k, _), _)| k == key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node<'a>> {
        let at = self.position(key)?;
        Some(&mut self.entries[at].1)
    }

    /// Adds `key`, or `None` when it is already there or the table is too large.
    pub fn insert(&mut self, key: Key<'a>, node: Node<'a>) -> Option<&mut Node<'a>> {
        if self.entries.len() >= MAX_ENTRIES || self.position(&key.0).is_some() {
            return None;
        }
        self.entries.push((key, node));
        self.entries.last_mut().map(|(_, node)| node)
    }
}
