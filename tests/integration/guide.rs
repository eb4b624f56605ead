//! The book's "Writing runbooks" chapter: every ```toml block is a complete runbook that
//! `runbook check` accepts. ```text blocks are examples that are not checked (a second
//! file, a deliberate warning, an error).

use std::fs;

use crate::support::{Test, repo_root};

/// The ```toml blocks of a Markdown file, with the line each starts on.
fn toml_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        match &mut current {
            None if fence.starts_with("```") && fence[3..].trim() == "toml" => {
                current = Some((index + 1, String::new()));
            }
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "an unclosed ```toml block");
    blocks
}

#[test]
fn every_toml_block_of_writing_runbooks_passes_check() {
    let path = repo_root().join("book/src/writing-runbooks.md");
    let chapter = fs::read_to_string(&path).expect("read the chapter");
    let blocks = toml_blocks(&chapter);
    assert!(
        blocks.len() >= 10,
        "expected the chapter's examples, found {} ```toml blocks",
        blocks.len()
    );
    for (line, toml) in blocks {
        let output = Test::new()
            .runbook("example", &toml)
            .args(["check", "example"])
            .run();
        assert_eq!(
            output.status, 0,
            "the ```toml block on line {line} of book/src/writing-runbooks.md is not a valid runbook\n--- block ---\n{toml}--- stdout ---\n{}--- stderr ---\n{}",
            output.stdout, output.stderr
        );
    }
}

#[test]
fn blocks_are_found_with_their_lines() {
    let blocks = toml_blocks("x\n```toml\na = 1\n```\n```text\nb\n```\n  ```toml\nc = 2\n  ```\n");
    assert_eq!(
        blocks,
        vec![(2, "a = 1\n".to_string()), (8, "c = 2\n".to_string())]
    );
}
