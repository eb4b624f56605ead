//! Expressions → the document tree, following `toml`'s rules for tables (its
//! `de/parser/document.rs`): keys after a header go to that header's table, which joins
//! the document when the next header starts; `[a.b]` creates `a`; `[[a]]` appends to an
//! array of tables and a later `[a.b]` extends its last element; dotted keys create dotted
//! tables. Anything those rules reject, and the few legal redefinitions `toml` allows (an
//! implicit table later given its own header), gives `None` so that `toml` decides. Spans
//! are the ones `toml` gives: a header's for its table, a key's for a table it implies.

use std::ops::Range;

use super::chunk::Expr;
use super::tree::{Key, Node, Origin, Table, Value};

pub struct Layout<'a> {
    root: Table<'a>,
    current: Table<'a>,
    header: Option<Header<'a>>,
}

struct Header<'a> {
    path: Vec<Key<'a>>,
    key: Key<'a>,
    array: bool,
    span: Range<usize>,
}

impl<'a> Layout<'a> {
    pub fn new() -> Self {
        Self {
            root: Table::new(Origin::Header),
            current: Table::new(Origin::Header),
            header: None,
        }
    }

    pub fn apply(&mut self, expr: Expr<'a>) -> Option<()> {
        match expr {
            Expr::Header {
                path,
                key,
                array,
                span,
            } => {
                self.finish_table()?;
                self.header = Some(Header {
                    path,
                    key,
                    array,
                    span,
                });
                Some(())
            }
            Expr::KeyVal { path, key, value } => {
                let parent = descend(&mut self.current, &path, true)?;
                // A key goes to a header's table or into dotted tables, never mixing them.
                if (parent.origin == Origin::Dotted) == path.is_empty() {
                    return None;
                }
                parent.insert(key, value).map(|_| ())
            }
        }
    }

    /// The document, once every expression is applied.
    pub fn finish(mut self) -> Option<Table<'a>> {
        self.finish_table()?;
        Some(self.root)
    }

    fn finish_table(&mut self) -> Option<()> {
        let table = std::mem::replace(&mut self.current, Table::new(Origin::Header));
        let Some(header) = self.header.take() else {
            // Keys before the first header belong to the root itself.
            self.root = table;
            return Some(());
        };
        let parent = descend(&mut self.root, &header.path, false)?;
        let node = Node {
            span: header.span.clone(),
            value: Value::Table(table),
        };
        if !header.array {
            return parent.insert(header.key, node).map(|_| ());
        }
        match parent.get_mut(&header.key.0) {
            Some(Node {
                value: Value::Tables(items),
                ..
            }) => items.push(node),
            Some(_) => return None,
            None => {
                let tables = Node {
                    span: header.span,
                    value: Value::Tables(vec![node]),
                };
                parent.insert(header.key, tables)?;
            }
        }
        Some(())
    }
}

/// The table `path` names below `table`, creating the missing ones (dotted or implicit).
fn descend<'t, 'a>(
    mut table: &'t mut Table<'a>,
    path: &[Key<'a>],
    dotted: bool,
) -> Option<&'t mut Table<'a>> {
    for key in path {
        let at = match table.position(&key.0) {
            Some(at) => at,
            None => {
                let origin = if dotted {
                    Origin::Dotted
                } else {
                    Origin::Implicit
                };
                let node = Node {
                    span: key.1.clone(),
                    value: Value::Table(Table::new(origin)),
                };
                table.insert(key.clone(), node)?;
                table.entries.len() - 1
            }
        };
        table = match &mut table.entries[at].1.value {
            Value::Tables(items) => match &mut items.last_mut()?.value {
                Value::Table(last) => last,
                _ => return None,
            },
            Value::Table(child) => {
                // A dotted key may only extend what dotted keys made; nothing extends `{ }`.
                let open = if dotted {
                    child.origin == Origin::Dotted
                } else {
                    child.origin != Origin::Inline
                };
                if !open {
                    return None;
                }
                child
            }
            _ => return None,
        };
    }
    Some(table)
}
