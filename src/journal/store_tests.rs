//! The store on real temporary directories: torn tails set aside (also inside a UTF-8
//! sequence), bounded distinct log names, listing that leaves damage for `load` to report,
//! listing one runbook's runs, and damage before the last line named by its line.

use super::*;

fn store_with(journal: &[u8]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().to_path_buf());
    std::fs::create_dir_all(store.run_dir("r")).unwrap();
    std::fs::write(store.journal_path("r"), journal).unwrap();
    (dir, store)
}

const GOOD: &str = r#"{"ts":"2026-01-01T00:00:00Z","type":"run-started","run-id":"r","runbook":"rb","digest":"d","step-digests":{},"vars":{},"mode":"yes","pid":1,"host":"h"}"#;

#[test]
fn a_tail_torn_inside_a_utf8_sequence_is_set_aside() {
    let mut bytes = format!("{GOOD}\n").into_bytes();
    let torn = &r#"{"ts":"2026-01-01T00:00:01Z","type":"step-started","title":"—"#.as_bytes()[..61];
    bytes.extend_from_slice(torn);
    let (_dir, store) = store_with(&bytes);
    let loaded = store.load("r").unwrap();
    assert_eq!(loaded.records.len(), 1);
    assert!(loaded.torn.is_some());
    assert_eq!(
        std::fs::read(store.journal_path("r").with_extension("jsonl.torn.1")).unwrap(),
        torn
    );
}

#[test]
fn long_ids_make_bounded_distinct_log_names() {
    let store = Store::new(PathBuf::from("/s"));
    assert_eq!(
        store.log_path("r", "fix[a]/step", 2),
        PathBuf::from("/s/runs/r/logs/fix[a]~step.2.log")
    );
    let long = format!("loop[{}]", "é".repeat(300));
    let other = format!("loop[{}x]", "é".repeat(300));
    let name = |id: &str| {
        store
            .log_path("r", id, 1)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    assert!(name(&long).len() <= LOG_NAME_MAX + 10, "{}", name(&long));
    assert_ne!(name(&long), name(&other));
    assert_eq!(name(&long), name(&long));
}

#[test]
fn listing_leaves_a_torn_tail_for_load_to_report() {
    let (_dir, store) = store_with(format!("{GOOD}\n{{\"ts\":").as_bytes());
    assert_eq!(store.list().unwrap().len(), 1);
    assert!(
        !store
            .journal_path("r")
            .with_extension("jsonl.torn.1")
            .exists()
    );
    assert!(store.load("r").unwrap().torn.is_some());
}

#[test]
fn list_of_reads_only_the_runs_named_for_the_runbook() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().to_path_buf());
    for id in [
        "20261201-101500-rb",
        "20261201-101500-rb-2",
        "20261201-101500-rb-old",
        "20261201-101500-rbx",
    ] {
        std::fs::create_dir_all(store.run_dir(id)).unwrap();
        std::fs::write(store.journal_path(id), format!("{GOOD}\n")).unwrap();
    }
    let ids: Vec<String> = store
        .list_of("rb")
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["20261201-101500-rb", "20261201-101500-rb-2"]);
    assert_eq!(store.list().unwrap().len(), 4);
}

#[test]
fn damage_before_the_last_line_names_the_line() {
    let (_dir, store) = store_with(format!("{GOOD}\nnot json\n{GOOD}\n").as_bytes());
    let error = store.load("r").err().unwrap().to_string();
    assert!(
        error.contains("line 2") && error.contains("journal.jsonl"),
        "{error}"
    );
}
