//! Source files and byte spans: the only place that knows how a byte offset maps to a
//! `file:line:col` position. Owns no policy about what is an error.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A byte range into a [`SourceFile`].
pub type Span = Range<usize>;

/// One runbook file as read from disk, shared by every diagnostic that points into it.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Path as shown to the user (relative to the project when possible).
    pub display: String,
    pub text: String,
    /// Built on the first position asked for: a file without problems never needs it.
    line_starts: OnceLock<Vec<usize>>,
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String) -> Arc<Self> {
        Arc::new(Self {
            path,
            display,
            text,
            line_starts: OnceLock::new(),
        })
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1))
                .collect()
        })
    }

    /// Reads a file. Bytes that are not UTF-8 do not fail the read: they become U+FFFD,
    /// and the offset of the first is returned so it can be reported at its position.
    pub fn read(path: &Path, display: String) -> std::io::Result<(Arc<Self>, Option<usize>)> {
        let bytes = std::fs::read(path)?;
        let (text, invalid_at) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
            }
        };
        Ok((Self::new(path.to_path_buf(), display, text), invalid_at))
    }

    /// The largest char boundary at or below `offset` (spans from a parser may point
    /// inside a character; slicing there would panic).
    pub fn boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// Line and column (counted in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        let offset = self.boundary(offset);
        let line_starts = self.line_starts();
        let line = match line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = line_starts[line];
        let column = self.text[start..offset].chars().count() + 1;
        Position {
            line: line + 1,
            column,
        }
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let line_starts = self.line_starts();
        let start = line_starts[line - 1];
        let end = line_starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        self.text[start..end].trim_end_matches('\r')
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let file = SourceFile::new("a".into(), "a".into(), "ab\nçd = 1\n".into());
        assert_eq!(file.position(0), Position { line: 1, column: 1 });
        assert_eq!(file.position(3), Position { line: 2, column: 1 });
        assert_eq!(file.position(6), Position { line: 2, column: 3 });
        assert_eq!(file.line_text(2), "çd = 1");
    }

    #[test]
    fn the_last_line_without_a_newline_has_a_position_and_text() {
        let file = SourceFile::new("a".into(), "a".into(), "a\r\nbc".into());
        assert_eq!(file.position(4), Position { line: 2, column: 2 });
        assert_eq!(file.line_text(1), "a");
        assert_eq!(file.line_text(2), "bc");
    }
}
