//! A fast path for reading a well-formed runbook file into the raw types: the `toml` crate
//! spends most of `check`'s time on a large file building its own document (an index map
//! and spanned copies of every key) before serde sees it. This path drives `toml`'s own
//! lexer and parser (`toml_parser`), builds a lean tree, and converts it into the same
//! `raw` types (`convert`, without serde); a large file is cut into runs of steps, each
//! parsed, laid out and converted on its own core.
//!
//! It only ever answers for files `toml` accepts, with the same result: any error,
//! anything unusual (floats, dates, dotted keys in inline tables, an implicit table given
//! its own header later, a table of hundreds of keys) returns `None` and the caller parses
//! with `toml`, which gives the located diagnostics. It must never produce a diagnostic.

mod chunk;
mod convert;
mod de;
mod layout;
mod scan;
mod tree;

use toml::Spanned;

use super::raw;
use chunk::ChunkParser;
use convert::FromNode;
use layout::Layout;
use tree::{Node, Table, Value};

/// Chunks are cut near multiples of this size; below twice it the file is one chunk. Small
/// enough that a chunk's tokens and events stay in cache (256 KB measured about 6 % slower).
const CHUNK: usize = 64 * 1024;

/// The line that opens a step; chunks are cut only before it (see [`cut`]).
const STEP_HEADER: &[u8] = b"\n[[step]]";

/// `text` as `toml::from_str::<raw::File>` reads it, or `None` to ask `toml`.
pub fn parse(text: &str) -> Option<raw::File> {
    let cores = crate::memo::cores();
    parse_in(text, CHUNK, cores.clamp(1, 8))
}

/// `text` as `toml::from_str::<T>` reads it, or `None` to ask `toml`: for files read whole
/// by serde (test files), built by the same scanner and layout as [`parse`]'s.
pub fn parse_whole<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    let mut exprs = Vec::new();
    ChunkParser::default().parse(text, 0, &mut exprs)?;
    // Nothing is streamed: a root `[[""]]`, the one name that could be, goes to `toml`.
    let mut layout = Layout::new("");
    for expr in exprs {
        layout.apply(expr)?;
    }
    let (root, streamed) = layout.finish()?;
    streamed.is_empty().then_some(())?;
    T::deserialize(de::NodeDeserializer(table_node(root))).ok()
}

/// [`parse`] with chunks of about `size` bytes laid out in up to `threads` runs (tests
/// cut files into tiny chunks and many runs).
fn parse_in(text: &str, size: usize, threads: usize) -> Option<raw::File> {
    let bounds = cut(text, size);
    let chunks: Vec<(usize, &str)> = bounds
        .windows(2)
        .map(|w| (w[0], &text[w[0]..w[1]]))
        .collect();
    let per = chunks.len().div_ceil(threads.clamp(1, chunks.len()));
    let mut runs = chunks.chunks(per);
    let head = runs.next()?;
    let (file, rest) = std::thread::scope(|scope| {
        let workers: Vec<_> = runs.map(|run| scope.spawn(move || steps(run))).collect();
        let file = file(head, text.len());
        let rest: Vec<_> = workers
            .into_iter()
            .map(|w| w.join().ok().flatten())
            .collect();
        (file, rest)
    });
    let mut file = file?;
    for steps in rest {
        file.step.extend(steps?);
    }
    Some(file)
}

/// Chunk boundaries: the file's start, then the start of a `[[step]]` line after every
/// `size` bytes, then the end. Each run of chunks after the first starts with a step, so
/// every table it opens (`[[step.verify]]`, `[step.with]`) belongs to one of its own
/// steps and it can be laid out apart. A cut that falls inside a multi-line string or
/// array leaves the chunk before it unterminated, which its parse reports, so the file
/// goes to `toml`.
fn cut(text: &str, size: usize) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut bounds = vec![0];
    let mut from = size;
    while from + size < bytes.len() {
        let Some(at) = memchr::memmem::find(&bytes[from..], STEP_HEADER) else {
            break;
        };
        let start = from + at + 1;
        let after = bytes.get(start + STEP_HEADER.len() - 1).copied();
        if matches!(after, Some(b'\n' | b'\r' | b' ' | b'\t' | b'#')) {
            bounds.push(start);
            from = start + size;
        } else {
            from = start;
        }
    }
    bounds.push(bytes.len());
    bounds
}

/// The first run of chunks: the whole file's header, vars and its first steps, with room
/// for the steps the later runs will add (estimated from this run's share of the text;
/// room never used is never touched, so an estimate too large costs at most the one huge
/// page that `alloc` may back its last used part with).
fn file(run: &[(usize, &str)], total: usize) -> Option<raw::File> {
    let bytes: usize = run.iter().map(|(_, chunk)| chunk.len()).sum();
    let expected = headers(run) * total.div_ceil(bytes.max(1)) * 5 / 4;
    let (root, steps) = layout(run, expected)?;
    let mut file = raw::File::from_node(table_node(root))?;
    // The tree's `step` array was emptied into `steps`, so `file.step` came out empty.
    file.step = steps;
    Some(file)
}

/// A later run of chunks, which must hold steps and nothing else.
fn steps(run: &[(usize, &str)]) -> Option<Vec<Spanned<raw::Step>>> {
    let (mut root, steps) = layout(run, headers(run))?;
    let (key, node) = root.entries.pop()?;
    if !root.entries.is_empty() || key.0 != "step" || !matches!(node.value, Value::Tables(_)) {
        return None;
    }
    Some(steps)
}

/// How many lines of `run` open a step: the count of steps, or more when some such line
/// is inside a multi-line string.
fn headers(run: &[(usize, &str)]) -> usize {
    let finder = memchr::memmem::Finder::new(STEP_HEADER);
    run.iter()
        .map(|(_, chunk)| finder.find_iter(chunk.as_bytes()).count())
        .sum::<usize>()
        + 1
}

/// The run's document without its steps, and its steps, each converted as soon as it
/// is complete: a run never holds all its steps as a tree, only one at a time.
fn layout<'a>(
    run: &[(usize, &'a str)],
    expected: usize,
) -> Option<(Table<'a>, Vec<Spanned<raw::Step>>)> {
    let mut parser = ChunkParser::default();
    let mut layout = Layout::new("step");
    let mut exprs = Vec::new();
    let mut steps = Vec::with_capacity(expected);
    for &(offset, chunk) in run {
        parser.parse(chunk, offset, &mut exprs)?;
        for expr in exprs.drain(..) {
            layout.apply(expr)?;
            push_steps(&mut steps, layout.take_finished())?;
        }
    }
    let (root, rest) = layout.finish()?;
    push_steps(&mut steps, rest)?;
    Some((root, steps))
}

/// Converts finished `[[step]]` tables onto `steps`; `None` at the first that fails.
fn push_steps<'a>(
    steps: &mut Vec<Spanned<raw::Step>>,
    nodes: impl IntoIterator<Item = Node<'a>>,
) -> Option<()> {
    for node in nodes {
        steps.push(Spanned::<raw::Step>::from_node(node)?);
    }
    Some(())
}

fn table_node(table: Table<'_>) -> Node<'_> {
    Node {
        span: 0..0,
        value: Value::Table(table),
    }
}

#[cfg(test)]
mod convert_tests;
#[cfg(test)]
mod de_tests;
#[cfg(test)]
mod scan_tests;
#[cfg(test)]
mod tests;
