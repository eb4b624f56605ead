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
    /// The root's array of tables whose finished elements are handed out as they finish
    /// (see [`Layout::take_finished`]), so a run never holds all its steps as a tree.
    streamed: &'static str,
    finished: Vec<Node<'a>>,
}

struct Header<'a> {
    path: Vec<Key<'a>>,
    key: Key<'a>,
    array: bool,
    span: Range<usize>,
}

impl<'a> Layout<'a> {
    /// A layout that hands out the elements of the root's `[[streamed]]` array of tables
    /// as soon as nothing can extend them any more.
    pub fn new(streamed: &'static str) -> Self {
        Self {
            root: Table::new(Origin::Header),
            current: Table::new(Origin::Header),
            header: None,
            streamed,
            finished: Vec::new(),
        }
    }

    /// The elements of `[[streamed]]` that are complete, in file order, taken out of the
    /// tree; the array itself stays, so later headers still extend it as `toml` would.
    pub fn take_finished(&mut self) -> std::vec::Drain<'_, Node<'a>> {
        self.finished.drain(..)
    }

    /// The document once every expression is applied, with the elements of
    /// `[[streamed]]` not yet taken, in file order.
    pub fn finish(mut self) -> Option<(Table<'a>, Vec<Node<'a>>)> {
        self.finish_table()?;
        self.release_streamed();
        Some((self.root, self.finished))
    }

    /// Moves every element of the root's `[[streamed]]` to `finished`. Sound only when
    /// no later header can reach them: headers extend only an array's last element.
    fn release_streamed(&mut self) {
        if let Some(Node {
            value: Value::Tables(items),
            ..
        }) = self.root.get_mut(self.streamed)
        {
            self.finished.append(items);
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
                // A new `[[streamed]]` element is about to start: headers after it reach
                // only it, so every element before it is final.
                if array && path.is_empty() && key.0 == self.streamed {
                    self.release_streamed();
                }
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

    fn finish_table(&mut self) -> Option<()> {
        // Room for a typical step's keys: growing from empty reallocated every table twice.
        let next = Table::with_capacity(Origin::Header, 8);
        let table = std::mem::replace(&mut self.current, next);
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
