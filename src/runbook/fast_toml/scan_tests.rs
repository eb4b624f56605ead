//! The scanner against `toml_parser`'s event walk, on chunks of generated files and on
//! files mutated byte by byte: wherever the scanner answers, the walk must answer with the
//! same expressions (keys, values and spans), and a refusal must leave nothing behind.

use super::chunk::{ChunkParser, Expr, plain_string};
use super::scan::scan;
use super::tests::{Rng, STRINGS, generated, mutated};
use crate::xorshift::Xorshift;

/// Whether the scanner answered for `text` at `offset`; panics when it answered
/// differently from the event walk.
fn same(text: &str, offset: usize) -> bool {
    let mut scanned: Vec<Expr<'_>> = Vec::new();
    let answered = scan(text, offset, &mut scanned).is_some();
    if !answered {
        assert!(
            scanned.is_empty(),
            "a refusal left expressions on:\n{text:?}"
        );
        return false;
    }
    let mut walked = Vec::new();
    let walk = ChunkParser::default().parse_events(text, offset, &mut walked);
    assert!(
        walk.is_some(),
        "the scanner accepted what toml_parser refuses:\n{text:?}"
    );
    assert_eq!(scanned, walked, "the scanner read differently:\n{text:?}");
    true
}

#[test]
fn chunks_of_generated_files_scan_as_toml_parser_reads_them() {
    let (mut answered, mut chunks) = (0, 0);
    for seed in 0..1500 {
        let mut text = generated(seed);
        if seed % 2 == 0 {
            // Half the files with their escaped and multi-line strings and their hex,
            // octal and underscored integers made plain, as the scanner reads them: the
            // generator's other variety is then what it meets.
            for odd in STRINGS.iter().filter(|s| plain_string(s).is_none()) {
                text = text.replace(odd, "\"plain\"");
            }
            for (odd, plain) in [("0x3", "3"), ("1_0", "10"), ("0o7", "7")] {
                text = text.replace(odd, plain);
            }
        }
        for size in [1, 40, super::CHUNK] {
            let bounds = super::cut(&text, size);
            for w in bounds.windows(2) {
                chunks += 1;
                answered += usize::from(same(&text[w[0]..w[1]], w[0]));
            }
        }
    }
    // Escapes, multi-line strings and the generator's faults go to the walk; the rest
    // must not.
    assert!(
        answered * 3 > chunks && answered > 2000,
        "the scanner answered only {answered} of {chunks} chunks"
    );
}

#[test]
fn files_mutated_byte_by_byte_never_make_the_scanner_read_differently() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .expect("runbooks/")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "toml").then(|| std::fs::read_to_string(path).ok())?
        })
        .collect();
    texts.extend((0..40).map(generated));
    texts.push(
        "a = [ 1, [2, 3], { b = true, c = 'x' }, ]\n[[ t . \"u\" ]] # c\r\nk.l = -0\n".into(),
    );
    texts.push(
        "m = '''\nx ''y'' '''''\nn = \"\"\"q\n\"r\"\"\"\"\"\no = [\"\"\"\"\"\", '''\n''']\n".into(),
    );
    let mut rng = Rng(Xorshift(0x5eed_cafe), None);
    let (mut answered, mut tried) = (0, 0);
    for text in &texts {
        // Short pieces of each file, so one mutation decides more often.
        for piece in text.split_inclusive("\n\n") {
            for _ in 0..60 {
                let offset = (rng.next() % 100) as usize;
                tried += 1;
                answered += usize::from(same(&mutated(&mut rng, piece), offset));
            }
        }
    }
    assert!(
        answered * 5 > tried,
        "the scanner answered only {answered} of {tried} mutated pieces"
    );
}

/// What the scanner refuses costs the event walk's time: the project's own runbooks and
/// tests, scripts and all, must mostly be read by the scanner, and as the walk reads them.
#[test]
fn the_shipped_runbooks_are_mostly_read_by_the_scanner() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks");
    let (mut scanned, mut files) = (0, 0);
    for entry in std::fs::read_dir(dir).expect("runbooks/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).expect("read");
            files += 1;
            scanned += usize::from(same(&text, 0));
        }
    }
    assert!(
        files >= 30 && scanned * 10 >= files * 8,
        "the scanner read only {scanned} of {files} shipped files whole"
    );
}
