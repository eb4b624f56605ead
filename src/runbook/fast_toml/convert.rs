//! The document tree → the `raw` types, directly: what serde's derived `Deserialize` of
//! `raw` does with `toml`'s values, written out per type (the key names, which keys must be
//! there, what an absent `#[serde(default)]` key becomes, which values fit which field).
//! Going through serde cost about a third of the fast path: every `Spanned` value is a map
//! of three magic keys, and every struct a visitor matching each key as a string.
//!
//! Like the rest of the fast path it may only answer as `toml` would: anything it does not
//! take exactly as serde would take it (a wrong type, an unknown key, a missing one, an
//! integer out of range) is `None`, and the file goes to `toml`, which explains. It must
//! never accept what `toml` refuses; the tests hold a file with every key of the format.

use std::collections::BTreeMap;

use toml::Spanned;

use super::tree::{Node, Table, Value};
use crate::runbook::raw::{
    Check, File, FluxCheck, FluxKind, Foreach, Header, OnFailure, Retry, Risk, Rollback, Step, Var,
};

/// One value of the format, read from its node.
pub trait FromNode: Sized {
    fn from_node(node: Node<'_>) -> Option<Self>;
}

impl FromNode for String {
    fn from_node(node: Node<'_>) -> Option<Self> {
        match node.value {
            Value::Str(s) => Some(s.into_owned()),
            _ => None,
        }
    }
}

impl FromNode for bool {
    fn from_node(node: Node<'_>) -> Option<Self> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
}

/// Integers as serde's primitive visitors take an `i64`: in range or refused.
macro_rules! integer {
    ($($t:ty),*) => {$(
        impl FromNode for $t {
            fn from_node(node: Node<'_>) -> Option<Self> {
                match node.value {
                    Value::Int(i) => <$t>::try_from(i).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
integer!(u32, i32);

impl<T: FromNode> FromNode for Spanned<T> {
    fn from_node(node: Node<'_>) -> Option<Self> {
        let span = node.span.clone();
        Some(Spanned::new(span, T::from_node(node)?))
    }
}

impl<T: FromNode> FromNode for Box<T> {
    fn from_node(node: Node<'_>) -> Option<Self> {
        T::from_node(node).map(Box::new)
    }
}

/// A sequence: an array, or an array of tables (serde sees both as one).
impl<T: FromNode> FromNode for Vec<T> {
    fn from_node(node: Node<'_>) -> Option<Self> {
        match node.value {
            Value::Array(items) | Value::Tables(items) => {
                // Sized up front: collecting through `Option` starts at room for four, and
                // most lists here (a step's checks) hold one large element.
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(T::from_node(item)?);
                }
                Some(out)
            }
            _ => None,
        }
    }
}

impl<T: FromNode> FromNode for BTreeMap<String, T> {
    fn from_node(node: Node<'_>) -> Option<Self> {
        let mut map = BTreeMap::new();
        for ((key, _), value) in table(node)?.entries {
            map.insert(key.into_owned(), T::from_node(value)?);
        }
        Some(map)
    }
}

/// Unit enums written as their kebab-case names.
macro_rules! names {
    ($t:ty { $($name:literal => $variant:expr),* $(,)? }) => {
        impl FromNode for $t {
            fn from_node(node: Node<'_>) -> Option<Self> {
                match node.value {
                    Value::Str(s) => match s.as_ref() {
                        $($name => Some($variant),)*
                        _ => None,
                    },
                    _ => None,
                }
            }
        }
    };
}
names!(Risk { "low" => Risk::Low, "medium" => Risk::Medium, "high" => Risk::High,
    "critical" => Risk::Critical });
names!(FluxKind { "helmrelease" => FluxKind::Helmrelease,
    "kustomization" => FluxKind::Kustomization });
names!(OnFailure { "ask" => OnFailure::Ask, "halt" => OnFailure::Halt,
    "rollback" => OnFailure::Rollback, "continue" => OnFailure::Continue });

fn table(node: Node<'_>) -> Option<Table<'_>> {
    match node.value {
        Value::Table(table) => Some(table),
        _ => None,
    }
}

/// A struct of the format: each key of the table read into the field of that name with
/// `$read` (`FromNode` unless given), any other key refused; then the struct built, every
/// field of it named once with what it is when its key is absent (`?` for a required one).
macro_rules! record {
    ($t:ident { $($key:literal => $field:ident $(: $absent:tt)?),* $(,)? }) => {
        impl FromNode for $t {
            fn from_node(node: Node<'_>) -> Option<Self> {
                $(let mut $field = None;)*
                for ((key, _), value) in table(node)?.entries {
                    match key.as_ref() {
                        $($key => $field = Some(FromNode::from_node(value)?),)*
                        _ => return None,
                    }
                }
                Some($t { $($field: record!(@absent $field $($absent)?),)* })
            }
        }
    };
    (@absent $field:ident) => { $field };
    (@absent $field:ident ?) => { $field? };
    (@absent $field:ident default) => { $field.unwrap_or_default() };
}

record!(File {
    "runbook" => runbook: ?,
    "vars" => vars: default,
    "precondition" => precondition: default,
    "step" => step: default,
});

record!(Header {
    "title" => title: ?,
    "summary" => summary,
    "description" => description,
    "phase" => phase,
    "risk" => risk,
    "tags" => tags: default,
    "workdir" => workdir,
    "shell" => shell,
    "env" => env: default,
});

record!(Var {
    "description" => description,
    "default" => default,
    "choices" => choices,
    "pattern" => pattern,
    "secret" => secret: default,
    "from-env" => from_env,
});

record!(Check {
    "name" => name,
    "run" => run,
    "expect-exit" => expect_exit,
    "expect-stdout" => expect_stdout,
    "reject-stdout" => reject_stdout,
    "attempts" => attempts,
    "interval" => interval,
    "timeout" => timeout,
    "message" => message,
    "flux" => flux,
});

record!(FluxCheck {
    "kind" => kind: ?,
    "name" => name: ?,
    "namespace" => namespace,
    "chart-version" => chart_version,
    "follow-inventory" => follow_inventory: default,
    "context" => context,
});

record!(Step {
    "id" => id: ?,
    "title" => title,
    "description" => description,
    "needs" => needs,
    "when" => when,
    "run" => run,
    "manual" => manual,
    "ask" => ask,
    "call" => call,
    "into" => into,
    "choices" => choices,
    "default" => default,
    "pattern" => pattern,
    "secret" => secret,
    "with" => with,
    "foreach" => foreach,
    "capture" => capture,
    "timeout" => timeout,
    "retry" => retry,
    "confirm" => confirm: default,
    "idempotent" => idempotent: default,
    "reverify" => reverify,
    "checkpoint" => checkpoint: default,
    "interactive" => interactive: default,
    "on-failure" => on_failure,
    "precondition" => precondition: default,
    "verify" => verify: default,
    "rollback" => rollback: default,
});

record!(Foreach {
    "var" => var: ?,
    "in" => items,
    "from" => from,
});

record!(Retry {
    "attempts" => attempts: ?,
    "delay" => delay,
});

record!(Rollback {
    "name" => name,
    "run" => run: ?,
    "timeout" => timeout,
});
