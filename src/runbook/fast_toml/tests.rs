//! The fast path against `toml` itself: wherever it answers, its raw file (spans
//! included, through `Debug`) must be the one `toml::from_str` gives; it must answer for
//! every shipped runbook; and generated files, cut into tiny chunks so that cuts land
//! inside strings, arrays and inline tables, must never make it disagree.

use super::parse_in;
use crate::runbook::raw;
use crate::xorshift::Xorshift;

fn slow(text: &str) -> Option<String> {
    toml::from_str::<raw::File>(text)
        .ok()
        .map(|f| format!("{f:?}"))
}

/// Whether the fast path answered, cutting `text` into chunks of about `chunk` bytes laid
/// out in up to `threads` runs; panics when it answered differently from `toml`.
fn agree_in(text: &str, chunk: usize, threads: usize) -> bool {
    let fast = parse_in(text, chunk, threads).map(|f| format!("{f:?}"));
    if let Some(fast) = &fast {
        let slow = slow(text);
        assert_eq!(
            Some(fast),
            slow.as_ref(),
            "the fast path disagrees with toml (chunk {chunk}) on:\n{text}"
        );
    }
    fast.is_some()
}

pub(super) fn agree(text: &str, chunk: usize) -> bool {
    agree_in(text, chunk, 2)
}

#[test]
fn every_shipped_runbook_takes_the_fast_path_with_toml_s_result() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("runbooks/") {
        let path = entry.expect("entry").path();
        let name = path.to_string_lossy();
        if !name.ends_with(".toml") || name.ends_with(".test.toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(agree(&text, super::CHUNK), "{name} left the fast path");
        // Small chunks may cut inside a script and fall back; they must never disagree.
        for chunk in [512, 64] {
            agree(&text, chunk);
        }
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} runbooks found");
}

/// The crate's test generator, so failures reproduce, with the one kind of fault a
/// broken file may contain (`None`: valid).
pub(super) struct Rng(pub Xorshift, pub Option<u64>);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0.next()
    }
    pub fn pick<'s>(&mut self, options: &[&'s str]) -> &'s str {
        self.0.pick(options)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// Fault `kind` here, only in a file chosen to be broken that way.
    fn fault(&mut self, kind: u64, percent: u64) -> bool {
        self.1 == Some(kind) && self.chance(percent)
    }
}

pub(super) const STRINGS: &[&str] = &[
    r#""plain""#,
    r#""esc \" \\ \t \u00e9 \U0001F600""#,
    "'literal \\n kept'",
    "\"\"\"\nmulti\n[[step]]\nid = \"fake\"\n\"\"\"",
    "'''\n[runbook]\nraw ''' ",
    "\"\"\"line \\\n   joined\"\"\"",
    "'''\n{ not = \"a table\" }\n'''",
    r#""{{ namespace }}""#,
    r#""bad \q escape""#,
    "\"unterminated",
    "1.5",
    "1979-05-27",
];

/// How many kinds of fault the generator knows (the first argument of `Rng::fault`).
const FAULTS: u64 = 9;

const INTS: &[&str] = &["3", "0x3", "1_0", "+2", "0o7", "-1", "99999999999", "3.0"];

fn int(rng: &mut Rng) -> &'static str {
    if rng.fault(0, 30) {
        rng.pick(INTS)
    } else {
        rng.pick(&INTS[..5])
    }
}

fn string(rng: &mut Rng) -> String {
    // Mostly valid strings, sometimes a wrong one, so both paths are exercised.
    if rng.fault(1, 15) {
        rng.pick(STRINGS).to_string()
    } else {
        STRINGS[..8][(rng.next() % 8) as usize].to_string()
    }
}

fn space(rng: &mut Rng) -> &'static str {
    rng.pick(&["", " ", "  ", "\t"])
}

fn key(rng: &mut Rng, bare: &str) -> String {
    match rng.next() % 6 {
        0 => format!("\"{bare}\""),
        1 => format!("'{bare}'"),
        _ => bare.to_string(),
    }
}

fn keyval(rng: &mut Rng, out: &mut String, name: &str, value: &str, nl: &str) {
    let comment = if rng.chance(15) {
        " # note [[step]]"
    } else {
        ""
    };
    let (a, b) = (space(rng), space(rng));
    let key = key(rng, name);
    out.push_str(&format!("{key}{a}={b}{value}{comment}{nl}"));
}

fn header(rng: &mut Rng, out: &mut String, nl: &str) {
    out.push_str(&format!("[runbook]{nl}"));
    let title = string(rng);
    keyval(rng, out, "title", &title, nl);
    if rng.chance(30) {
        out.push_str(&format!("tags = [{nl}  \"a\", # c{nl}  'b',{nl}]{nl}"));
    }
    if rng.chance(30) {
        out.push_str(&format!("env = {{ A = \"1\", B = 'two' }}{nl}"));
    }
    if rng.fault(2, 10) {
        out.push_str(&format!("[runbook]{nl}"));
    }
    if rng.fault(8, 50) {
        // A header may not reach into an inline table.
        out.insert_str(0, "vars = { namespace = { default = \"x\" } }\n");
        out.push_str(&format!("[vars.release]{nl}default = \"y\"{nl}"));
        return;
    }
    let vars = ["namespace", "release"];
    let dotted_first = rng.chance(30);
    for var in vars {
        match rng.next() % 6 {
            // After [runbook] a dotted `vars.x` belongs to it: only valid at the top.
            0 if dotted_first => {
                out.insert_str(0, &format!("vars.{var}.default = \"x\"{nl}"));
            }
            1 => out.push_str(&format!("[vars]{nl}{var} = {{ default = \"x\" }}{nl}")),
            2 => out.push_str(&format!("[vars.{var}]{nl}default = \"x\"{nl}[vars]{nl}")),
            3 => out.push_str(&format!(
                "[vars]{nl}{var}.default = \"x\"{nl}{var}.description = \"d\"{nl}"
            )),
            4 if rng.fault(3, 50) => out.push_str(&format!(
                "[vars.{var}]{nl}default = \"x\"{nl}[vars]{nl}{var}.description = \"d\"{nl}"
            )),
            _ => {
                out.push_str(&format!("[vars.{var}]{nl}"));
                let value = string(rng);
                keyval(rng, out, "default", &value, nl);
            }
        }
    }
}

fn step(rng: &mut Rng, out: &mut String, i: usize, nl: &str) {
    out.push_str(&format!("{nl}[[{}step{}]]{nl}", space(rng), space(rng)));
    keyval(rng, out, "id", &format!("\"s{i}\""), nl);
    let run = string(rng);
    keyval(rng, out, "run", &run, nl);
    if i > 0 && rng.chance(60) {
        out.push_str(&format!("needs = [\"s{}\",]{nl}", i - 1));
    }
    if rng.chance(30) {
        let attempts = int(rng);
        out.push_str(&format!(
            "retry = {{ attempts = {attempts}, delay = \"1s\" }}{nl}"
        ));
    }
    if rng.chance(20) {
        out.push_str(&format!(
            "on-failure = \"{}\"{nl}",
            if rng.fault(4, 30) {
                "later"
            } else {
                rng.pick(&["halt", "rollback"])
            }
        ));
    }
    if rng.chance(20) {
        out.push_str(&format!(
            "confirm = {}{nl}",
            if rng.fault(5, 30) {
                "\"yes\""
            } else {
                rng.pick(&["true", "false"])
            }
        ));
    }
    if rng.chance(30) {
        out.push_str(&format!("[step.with]{nl}a = \"1\"{nl}"));
    }
    if rng.fault(6, 10) {
        out.push_str(&format!("[step]{nl}"));
    }
    for _ in 0..rng.next() % 3 {
        out.push_str(&format!("[[step.verify]]{nl}"));
        let check = string(rng);
        keyval(rng, out, "run", &check, nl);
        match rng.next() % 4 {
            0 => out.push_str(&format!(
                "flux.kind = \"helmrelease\"{nl}flux.name = \"app\"{nl}"
            )),
            1 => out.push_str(&format!(
                "flux = {{ kind = \"kustomization\", name = \"app\" }}{nl}"
            )),
            2 if rng.fault(7, 50) => out.push_str(&format!(
                "flux = {{ kind = \"helmrelease\", name = \"app\" }}{nl}flux.namespace = \"n\"{nl}"
            )),
            _ => {}
        }
        if rng.chance(30) {
            out.push_str(&format!("attempts = {}{nl}", int(rng)));
        }
    }
}

pub(super) fn generated(seed: u64) -> String {
    let mut rng = Rng(Xorshift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1), None);
    if rng.chance(40) {
        rng.1 = Some(rng.next() % FAULTS);
    }
    let nl = if rng.chance(20) { "\r\n" } else { "\n" };
    let mut out = String::new();
    if rng.chance(20) {
        out.push_str(&format!("# a runbook{nl}"));
    }
    header(&mut rng, &mut out, nl);
    for i in 0..(rng.next() % 8) as usize {
        step(&mut rng, &mut out, i, nl);
    }
    if rng.chance(20) {
        // Legal after the steps; a later run holding it must leave the file to toml.
        out.push_str(&format!("{nl}[vars.late]{nl}default = \"x\"{nl}"));
    }
    out
}

#[test]
fn generated_files_cut_anywhere_never_make_the_fast_path_disagree_with_toml() {
    let mut answered = 0;
    let mut accepted = 0;
    for seed in 0..1500 {
        let text = generated(seed);
        accepted += usize::from(slow(&text).is_some());
        for (chunk, threads) in [(1, 1), (1, 3), (40, 2), (97, 8), (super::CHUNK, 2)] {
            answered += usize::from(agree_in(&text, chunk, threads));
        }
    }
    // The generator must exercise both the fast path and the fallback.
    assert!(
        accepted > 300 && accepted < 1400,
        "toml accepted {accepted} of 1500"
    );
    assert!(
        answered > 600,
        "the fast path answered only {answered} of 7500 times (toml accepted {accepted} files)"
    );
}

#[test]
fn a_chunk_that_ends_inside_a_string_array_or_inline_table_is_refused() {
    let open = [
        "title = \"\"\"\n",
        "title = '''\n",
        "tags = [\n  \"a\",\n",
        "env = {\n  A = \"1\",\n",
        "env = { A = [\n",
    ];
    for prefix in open {
        let text = format!("[runbook]\n{prefix}");
        let mut out = Vec::new();
        let parsed = super::chunk::ChunkParser::default().parse(&text, 0, &mut out);
        assert!(parsed.is_none(), "accepted a chunk cut inside: {text:?}");
    }
}

#[test]
fn a_cut_inside_a_multi_line_string_falls_back_and_never_disagrees() {
    let text = "[runbook]\ntitle = '''\n[[step]]\nid = \"x\"\n'''\ntags = [\n  \"a\",\n]\n\n[[step]]\nid = \"a\"\n";
    assert!(slow(text).is_some());
    for chunk in 1..text.len() {
        agree(text, chunk);
    }
    assert!(
        !agree(text, 1),
        "a cut inside the string must send the file to toml"
    );
    assert!(
        agree(text, super::CHUNK),
        "in one chunk the file takes the fast path"
    );
}

/// Bytes a mutation puts in: TOML's punctuation, quotes, escapes, whitespace of every
/// kind, digits and letters that start other values, control bytes and non-ASCII.
pub(super) const ALPHABET: &[&str] = &[
    "\"", "'", "\\", "#", "[", "]", "{", "}", "=", ",", ".", " ", "\t", "\n", "\r", "\r\n", "0",
    "1", "_", "+", "-", "e", "x", "t", "f", "true", "false", "\u{0}", "\u{7f}", "\u{1b}", "é",
    "\u{feff}", "\"\"\"", "'''", ":", "inf", "nan", "a", "Z",
];

pub(super) fn mutated(rng: &mut Rng, text: &str) -> String {
    let mut out = text.to_string();
    for _ in 0..=rng.next() % 3 {
        let mut at = (rng.next() % (out.len() as u64 + 1)) as usize;
        while !out.is_char_boundary(at) {
            at -= 1;
        }
        let piece = rng.pick(ALPHABET);
        match rng.next() % 3 {
            0 => out.insert_str(at, piece),
            1 => {
                let mut end = (at + 1).min(out.len());
                while !out.is_char_boundary(end) {
                    end += 1;
                }
                out.replace_range(at..end, piece);
            }
            _ => {
                let mut end = (at + 1 + (rng.next() % 4) as usize).min(out.len());
                while !out.is_char_boundary(end) {
                    end += 1;
                }
                out.replace_range(at..end, "");
            }
        }
    }
    out
}
