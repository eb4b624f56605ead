//! The serde reader of whole files against `toml` itself, on the project's test files:
//! each must take the fast path with `toml`'s result (spans included, through `Debug`),
//! and each of its scenarios, mutated byte by byte or with a line left out, must read as
//! `toml` reads it, or go to `toml`.

use super::parse_whole;
use super::tests::{Rng, mutated};
use crate::testing::raw::File;
use crate::xorshift::Xorshift;

fn slow(text: &str) -> Option<String> {
    toml::from_str::<File>(text).ok().map(|f| format!("{f:?}"))
}

/// Whether the fast path answered; panics when it answered differently from `toml`.
fn agree(text: &str) -> bool {
    let Some(fast) = parse_whole::<File>(text).map(|f| format!("{f:?}")) else {
        return false;
    };
    assert_eq!(
        Some(&fast),
        slow(text).as_ref(),
        "disagrees with toml on:\n{text}"
    );
    true
}

fn test_files() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .expect("runbooks/")
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_name()?.to_str()?.to_string();
            name.ends_with(".test.toml")
                .then(|| std::fs::read_to_string(&path).ok())?
        })
        .collect();
    texts.sort();
    texts
}

#[test]
fn every_shipped_test_file_takes_the_fast_path_with_toml_s_result() {
    let texts = test_files();
    assert!(texts.len() >= 10, "only {} test files", texts.len());
    for text in &texts {
        assert!(agree(text), "left the fast path:\n{text}");
    }
}

#[test]
fn mutated_scenarios_read_as_toml_reads_them_or_go_to_toml() {
    let mut rng = Rng(Xorshift(0xde5e_7a11), None);
    let (mut answered, mut tried) = (0, 0);
    for text in test_files() {
        let (head, scenarios) = text.split_once("[[scenario]]").expect("a scenario");
        for scenario in scenarios.split("\n[[scenario]]") {
            let piece = format!("{head}[[scenario]]{scenario}");
            for _ in 0..12 {
                tried += 1;
                answered += usize::from(agree(&mutated(&mut rng, &piece)));
            }
            let lines: Vec<&str> = piece.lines().collect();
            let cut = (rng.next() % lines.len() as u64) as usize;
            let without: Vec<&str> = [&lines[..cut], &lines[cut + 1..]].concat();
            tried += 1;
            answered += usize::from(agree(&without.join("\n")));
        }
    }
    assert!(
        answered * 4 > tried,
        "the fast path answered only {answered} of {tried}"
    );
}
