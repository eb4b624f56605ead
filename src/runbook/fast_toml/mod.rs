//! A fast path for reading a well-formed runbook file into the raw types: the `toml` crate
//! spends most of `check`'s time on a large file building its own document (an index map
//! and spanned copies of every key) before serde sees it. This path drives `toml`'s own
//! lexer and parser (`toml_parser`), builds a lean tree, and deserializes the same
//! `raw` types from it; a large file is cut into chunks at table headers and the chunks
//! are parsed on every core at once.
//!
//! It only ever answers for files `toml` accepts, with the same result: any error,
//! anything unusual (floats, dates, dotted keys in inline tables, an implicit table given
//! its own header later, a table of hundreds of keys) returns `None` and the caller parses
//! with `toml`, which gives the located diagnostics. It must never produce a diagnostic.

mod chunk;
mod de;
mod layout;
mod tree;

use serde::de::DeserializeOwned;

use chunk::{ChunkParser, Expr};
use layout::Layout;

/// Chunks are cut near multiples of this size; below twice it the file is one chunk.
const CHUNK: usize = 256 * 1024;

/// `text` deserialized into `T` as `toml::from_str` would, or `None` to ask `toml`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    from_str_in(text, CHUNK)
}

/// [`from_str`] with chunks of about `size` bytes (tests cut files into tiny chunks).
fn from_str_in<T: DeserializeOwned>(text: &str, size: usize) -> Option<T> {
    let chunks = cut(text, size);
    let exprs = parse_chunks(text, &chunks)?;
    let mut layout = Layout::new();
    for expr in exprs.into_iter().flatten() {
        layout.apply(expr)?;
    }
    let root = layout.finish()?;
    let node = tree::Node {
        span: 0..0,
        value: tree::Value::Table(root),
    };
    T::deserialize(de::NodeDeserializer(node)).ok()
}

/// Chunk boundaries: the file's start, then the start of a line that opens a table header
/// (`[` or `[[` then a key, not a shell's `[ -n`) after every `size` bytes, then the end. A cut that falls inside a
/// multi-line string or array leaves the chunk before it unterminated, which its parse
/// reports, so the whole file goes to `toml`.
fn cut(text: &str, size: usize) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut bounds = vec![0];
    let mut from = size;
    while from + size < bytes.len() {
        let Some(at) = memchr::memmem::find(&bytes[from..], b"\n[") else {
            break;
        };
        let start = from + at + 1;
        if opens_header(&bytes[start..]) {
            bounds.push(start);
            from = start + size;
        } else {
            from = start;
        }
    }
    bounds.push(bytes.len());
    bounds
}

fn opens_header(line: &[u8]) -> bool {
    let key = line
        .strip_prefix(b"[[")
        .or_else(|| line.strip_prefix(b"["))
        .unwrap_or(line);
    key.first()
        .is_some_and(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'"' | b'\''))
}

/// The expressions of every chunk, in file order, parsed on up to one thread per core.
fn parse_chunks<'a>(text: &'a str, bounds: &[usize]) -> Option<Vec<Vec<Expr<'a>>>> {
    let chunks: Vec<(usize, &'a str)> = bounds
        .windows(2)
        .map(|w| (w[0], &text[w[0]..w[1]]))
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8)
        .min(chunks.len());
    if threads <= 1 {
        return parse_run(&chunks).map(|exprs| vec![exprs]);
    }
    let per = chunks.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = chunks
            .chunks(per)
            .map(|run| scope.spawn(move || parse_run(run)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().ok().flatten())
            .collect()
    })
}

fn parse_run<'a>(chunks: &[(usize, &'a str)]) -> Option<Vec<Expr<'a>>> {
    let mut parser = ChunkParser::default();
    let mut exprs = Vec::new();
    for &(offset, chunk) in chunks {
        parser.parse(chunk, offset, &mut exprs)?;
    }
    Some(exprs)
}

#[cfg(test)]
mod tests;
