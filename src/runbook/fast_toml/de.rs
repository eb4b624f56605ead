//! serde over the document tree, for files whose types have no converter of their own
//! (test files; runbooks go through `convert`, which is faster): every request answered
//! the way `toml`'s own `ValueDeserializer` does (borrowed strings through `visit_str`,
//! integers through `visit_i64`, `Option` always `Some` for a present key, enums from
//! strings, `Spanned` through serde_spanned's protocol), so the types come out identical.
//! Its error carries no message: any failure sends the file to `toml`, which explains it.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_spanned::de::SpannedDeserializer;

use super::tree::{Key, Node, Value};

/// "Not on the fast path": the caller falls back to `toml`.
#[derive(Debug)]
pub struct Fallback;

impl fmt::Display for Fallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to toml")
    }
}

impl std::error::Error for Fallback {}

impl de::Error for Fallback {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Fallback
    }
}

pub struct NodeDeserializer<'a>(pub Node<'a>);

impl<'de> IntoDeserializer<'de, Fallback> for NodeDeserializer<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'de> {
    type Error = Fallback;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fallback> {
        match self.0.value {
            Value::Str(Cow::Borrowed(s)) => visitor.visit_str(s),
            Value::Str(Cow::Owned(s)) => visitor.visit_string(s),
            Value::Int(i) => visitor.visit_i64(i),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Array(items) | Value::Tables(items) => {
                visitor.visit_seq(Items(items.into_iter()))
            }
            Value::Table(table) => visitor.visit_map(Entries {
                entries: table.entries.into_iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fallback> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Fallback> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Fallback> {
        if serde_spanned::de::is_spanned(name) {
            let span = self.0.span.clone();
            return visitor.visit_map(SpannedDeserializer::new(self, span));
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Fallback> {
        // The format's enums are all written as strings; tables are left to `toml`.
        match self.0.value {
            Value::Str(s) => {
                let s: StrDeserializer<'_, Fallback> = s.as_ref().into_deserializer();
                visitor.visit_enum(s)
            }
            _ => Err(Fallback),
        }
    }

    forward_to_deserialize_any! {
        bool u8 u16 u32 u64 i8 i16 i32 i64 i128 u128 f32 f64 char str string seq
        bytes byte_buf map unit ignored_any unit_struct tuple_struct tuple identifier
    }
}

struct Items<'a>(std::vec::IntoIter<Node<'a>>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Fallback;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Fallback> {
        self.0
            .next()
            .map(|node| seed.deserialize(NodeDeserializer(node)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'a> {
    entries: std::vec::IntoIter<(Key<'a>, Node<'a>)>,
    value: Option<Node<'a>>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Fallback;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Fallback> {
        let Some(((key, _), value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        let key: StrDeserializer<'_, Fallback> = key.as_ref().into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Fallback> {
        seed.deserialize(NodeDeserializer(self.value.take().ok_or(Fallback)?))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}
