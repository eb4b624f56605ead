//! Compares a rendered [`Book`] with the output directory and applies the difference:
//! writes only files whose content changed, removes pages of runbooks that no longer
//! exist (every `*.md` directly in `runbooks/` belongs to the generator), and replaces only
//! the lines between the markers of `SUMMARY.md`.

use std::path::{Path, PathBuf};

use super::{BLOCK_BEGIN, BLOCK_END, Book, PAGES_DIR, SUMMARY_FILE};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// The file does not exist yet.
    Missing,
    /// The file exists with other content.
    Stale,
    /// A generated page whose runbook no longer exists.
    Extra,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Missing => "missing",
            ChangeKind::Stale => "stale",
            ChangeKind::Extra => "extra",
        }
    }
}

/// One file to write or remove.
#[derive(Debug)]
pub struct Change {
    /// Relative to the output directory.
    pub path: PathBuf,
    pub kind: ChangeKind,
    /// The new content (`None` for a file to remove).
    pub content: Option<String>,
}

/// What would change in `out` to make it hold `book`, sorted by path.
pub fn plan(book: &Book, out: &Path) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    for (path, content) in &book.pages {
        compare(out, path, content.clone(), &mut changes)?;
    }
    let summary = Path::new(SUMMARY_FILE);
    let current = read_optional(&out.join(summary))?;
    let wanted = match &current {
        Some(text) => splice(text, &book.summary_block).ok_or_else(|| {
            Error::failed(
                format!(
                    "`{}` has no generated block",
                    out.join(summary).display()
                ),
                Some(format!(
                    "put the two lines `{BLOCK_BEGIN}` and `{BLOCK_END}` where the runbook entries belong"
                )),
            )
        })?,
        None => format!("# Summary\n\n{BLOCK_BEGIN}\n{}{BLOCK_END}\n", book.summary_block),
    };
    compare(out, summary, wanted, &mut changes)?;
    let pages_dir = out.join(PAGES_DIR);
    if pages_dir.is_dir() {
        let entries = std::fs::read_dir(&pages_dir)
            .map_err(|e| Error::io("read directory", &pages_dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("read directory", &pages_dir, e))?;
            let path = Path::new(PAGES_DIR).join(entry.file_name());
            let generated = path.extension().is_some_and(|e| e == "md") && entry.path().is_file();
            if generated && !book.pages.contains_key(&path) {
                changes.push(Change {
                    path,
                    kind: ChangeKind::Extra,
                    content: None,
                });
            }
        }
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(changes)
}

fn compare(out: &Path, path: &Path, content: String, changes: &mut Vec<Change>) -> Result<()> {
    let kind = match read_optional(&out.join(path))? {
        None => ChangeKind::Missing,
        Some(current) if current != content => ChangeKind::Stale,
        Some(_) => return Ok(()),
    };
    changes.push(Change {
        path: path.to_path_buf(),
        kind,
        content: Some(content),
    });
    Ok(())
}

fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", path, e)),
    }
}

/// `text` with the lines between the marker lines replaced by `block` (which ends with a
/// newline), or `None` without both markers in order.
pub fn splice(text: &str, block: &str) -> Option<String> {
    let mut offset = 0;
    let mut begin = None;
    for line in text.split_inclusive('\n') {
        let end = offset + line.len();
        match begin {
            None if line.trim() == BLOCK_BEGIN => begin = Some(end),
            Some(start) if line.trim() == BLOCK_END => {
                let mut out = String::with_capacity(text.len() + block.len());
                out.push_str(&text[..start]);
                if !text[..start].ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(block);
                out.push_str(&text[offset..]);
                return Some(out);
            }
            _ => {}
        }
        offset = end;
    }
    None
}

/// Writes and removes files of `changes` in `out`. Each write goes to a temporary file
/// first, so a reader never sees half a page.
pub fn apply(changes: &[Change], out: &Path) -> Result<()> {
    for change in changes {
        let path = out.join(&change.path);
        match &change.content {
            Some(content) => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| Error::io("create directory", parent, e))?;
                }
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let temporary = path.with_file_name(format!(".{name}.tmp"));
                std::fs::write(&temporary, content)
                    .map_err(|e| Error::io("write", &temporary, e))?;
                std::fs::rename(&temporary, &path).map_err(|e| Error::io("write", &path, e))?;
            }
            None => std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_the_block() {
        let text =
            "# Summary\n\n<!-- runbooks:begin -->\n- old\n<!-- runbooks:end -->\n\n# After\n";
        let got = splice(text, "- new\n").unwrap();
        assert_eq!(
            got,
            "# Summary\n\n<!-- runbooks:begin -->\n- new\n<!-- runbooks:end -->\n\n# After\n"
        );
        assert_eq!(splice(&got, "- new\n").unwrap(), got);
    }

    #[test]
    fn splice_needs_both_markers() {
        assert!(splice("# Summary\n<!-- runbooks:begin -->\n", "x\n").is_none());
        assert!(splice("<!-- runbooks:end -->\n<!-- runbooks:begin -->\n", "x\n").is_none());
    }
}
