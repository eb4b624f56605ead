//! The book: every validated runbook rendered into mdBook pages through the tera templates
//! of `templates/` (embedded; a `--templates DIR` overrides them file by file).
//!
//! Rendering is a pure function of the runbooks and the templates, so the output is
//! byte-identical on every run: no timestamps, ordered collections only, a fixed order of
//! runbooks (by phase, then name) and of steps (walk order). [`sync`] compares the result
//! with the files on disk and applies the difference.
//!
//! What the templates see is documented on [`context`]; the filters they may use besides
//! tera's own are registered in [`filters`].

pub mod context;
pub mod filters;
pub mod sync;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tera::Tera;

use crate::error::{Error, Result};
use crate::render::template::error_text;
use crate::runbook::model::Runbook;

/// The page of one runbook (`runbooks/<name>.md`); context: `runbook`.
pub const RUNBOOK_TEMPLATE: &str = "runbook.md.tera";
/// The index page (`runbooks/index.md`); context: `runbooks`, `groups`.
pub const INDEX_TEMPLATE: &str = "index.md.tera";
/// The lines between the markers of `SUMMARY.md`; context: `runbooks`, `groups`.
pub const SUMMARY_TEMPLATE: &str = "summary.md.tera";
/// Macros imported by the other templates (checks, rollback commands).
pub const MACROS_TEMPLATE: &str = "macros.tera";

/// The templates compiled into the binary, by file name.
pub const EMBEDDED: [(&str, &str); 4] = [
    (MACROS_TEMPLATE, include_str!("../../templates/macros.tera")),
    (
        RUNBOOK_TEMPLATE,
        include_str!("../../templates/runbook.md.tera"),
    ),
    (
        INDEX_TEMPLATE,
        include_str!("../../templates/index.md.tera"),
    ),
    (
        SUMMARY_TEMPLATE,
        include_str!("../../templates/summary.md.tera"),
    ),
];

/// The directory below the output directory that holds the generated pages. Every `*.md`
/// directly inside it belongs to the generator: pages of runbooks that no longer exist
/// are removed.
pub const PAGES_DIR: &str = "runbooks";
/// The mdBook summary, relative to the output directory.
pub const SUMMARY_FILE: &str = "SUMMARY.md";
pub const BLOCK_BEGIN: &str = "<!-- runbooks:begin -->";
pub const BLOCK_END: &str = "<!-- runbooks:end -->";

/// The compiled templates and where each came from.
pub struct Templates {
    tera: Tera,
    /// Templates taken from the override directory, by name.
    pub overridden: Vec<String>,
    /// Files of the override directory that replace nothing (probably misnamed).
    pub unused: Vec<String>,
    dir: Option<PathBuf>,
}

impl Templates {
    /// The embedded templates, with same-named files of `dir` in their place.
    pub fn load(dir: Option<&Path>) -> Result<Self> {
        let mut sources: Vec<(String, String)> = EMBEDDED
            .iter()
            .map(|(name, text)| ((*name).to_string(), (*text).to_string()))
            .collect();
        let mut overridden = Vec::new();
        let mut unused = Vec::new();
        if let Some(dir) = dir {
            if !dir.is_dir() {
                return Err(Error::usage_hint(
                    format!("template directory `{}` does not exist", dir.display()),
                    format!(
                        "`--templates DIR` holds files named like the embedded templates: {}",
                        template_names()
                    ),
                ));
            }
            let entries =
                std::fs::read_dir(dir).map_err(|e| Error::io("read directory", dir, e))?;
            let mut names = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| Error::io("read directory", dir, e))?;
                if entry.path().is_file() {
                    names.push(entry.file_name().to_string_lossy().into_owned());
                }
            }
            names.sort();
            for name in names {
                match sources.iter_mut().find(|(known, _)| *known == name) {
                    Some((_, text)) => {
                        let path = dir.join(&name);
                        *text = std::fs::read_to_string(&path)
                            .map_err(|e| Error::io("read", &path, e))?;
                        overridden.push(name);
                    }
                    None if name.ends_with(".tera") => unused.push(name),
                    None => {}
                }
            }
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![]);
        filters::register(&mut tera);
        tera.add_raw_templates(sources).map_err(|e| {
            Error::usage_hint(
                format!("a book template does not parse: {}", error_text(&e)),
                template_hint(dir),
            )
        })?;
        Ok(Self {
            tera,
            overridden,
            unused,
            dir: dir.map(Path::to_path_buf),
        })
    }

    fn render(&self, name: &str, context: &tera::Context, what: &str) -> Result<String> {
        let text = self.tera.render(name, context).map_err(|e| {
            Error::usage_hint(
                format!("failed to render `{name}` for {what}: {}", error_text(&e)),
                template_hint(self.dir.as_deref()),
            )
        })?;
        Ok(finish(&text))
    }
}

fn template_names() -> String {
    EMBEDDED
        .iter()
        .map(|(name, _)| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn template_hint(dir: Option<&Path>) -> String {
    match dir {
        Some(dir) => format!(
            "fix the template in `{}`, or remove it to use the embedded one",
            dir.display()
        ),
        None => "this is a bug in the embedded templates; please report it".to_string(),
    }
}

/// Drops the blank lines the template tags leave at the start and ends the text with
/// exactly one newline.
fn finish(text: &str) -> String {
    let mut text = text.trim_start_matches(['\n', '\r']).trim_end().to_string();
    text.push('\n');
    text
}

/// The rendered book: page contents by path relative to the output directory, and the
/// lines that belong between the markers of `SUMMARY.md`.
#[derive(Debug, Default)]
pub struct Book {
    pub pages: BTreeMap<PathBuf, String>,
    pub summary_block: String,
}

/// Renders every runbook of `runbooks` (all valid), the index and the summary block.
/// `calls` maps each runbook to the runbooks it calls (for "called by" links);
/// `source_dir` is the runbooks directory as written on the pages (`runbooks`).
pub fn render(
    runbooks: &BTreeMap<String, Arc<Runbook>>,
    calls: &BTreeMap<String, Vec<String>>,
    source_dir: &str,
    templates: &Templates,
) -> Result<Book> {
    let ordered = context::ordered(runbooks);
    let mut book = Book::default();
    for runbook in &ordered {
        let page = context::page(runbook, runbooks, calls, source_dir);
        let mut cx = tera::Context::new();
        cx.insert("runbook", &page);
        let text = templates.render(
            RUNBOOK_TEMPLATE,
            &cx,
            &format!("runbook `{}`", runbook.name),
        )?;
        book.pages.insert(
            Path::new(PAGES_DIR).join(format!("{}.md", runbook.name)),
            text,
        );
    }
    let index = context::index(&ordered);
    book.pages.insert(
        Path::new(PAGES_DIR).join("index.md"),
        templates.render(INDEX_TEMPLATE, &index, "the index page")?,
    );
    book.summary_block = templates.render(SUMMARY_TEMPLATE, &index, "the SUMMARY.md block")?;
    Ok(book)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_templates_parse() {
        let templates = Templates::load(None).unwrap();
        assert!(templates.overridden.is_empty());
    }

    #[test]
    fn finish_ends_with_one_newline() {
        assert_eq!(finish("a\n\n\n"), "a\n");
        assert_eq!(finish("a"), "a\n");
        assert_eq!(finish("\n\n  a\n"), "  a\n");
    }
}
