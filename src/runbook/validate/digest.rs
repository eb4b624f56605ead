//! Digests of a runbook's text: the whole file's (recorded in the journal to notice edits)
//! and each step's region (to name the steps that changed on resume). FNV-1a written as 16
//! hex digits: journals on disk hold these, so what a digest covers and how it is computed
//! and written must never change. Owns no validation.

use crate::runbook::model::Step;
use crate::runbook::raw;

/// FNV-1a's starting state (also the step-id hasher's, in `graph`).
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0100_0000_01b3;

/// Below this size the whole-file digest is computed in line: a thread costs more.
const THREAD_FROM: usize = 1 << 20;

/// FNV-1a: a stable digest to notice edits; not a security boundary.
pub fn digest(text: &str) -> String {
    hex(fnv1a(FNV_OFFSET, text.as_bytes()))
}

/// The digest of `text` and the result of `work`, the digest computed on a second thread
/// when `text` is large: FNV-1a is one serial chain of multiplies (about 4 cycles a byte,
/// 16 ms for 12 MB) that nothing else of validation waits for.
pub fn digest_beside<T>(text: &str, work: impl FnOnce() -> T) -> (String, T) {
    if text.len() < THREAD_FROM {
        return (digest(text), work());
    }
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("digest".into())
            .spawn_scoped(scope, || digest(text));
        let result = work();
        let digest = match spawned {
            Ok(handle) => handle.join().expect("the digest thread does not panic"),
            Err(_) => digest(text),
        };
        (digest, result)
    })
}

/// Where each step's region ends. A step's digest covers its whole region of the file —
/// the `[[step]]` table and its `[[step.verify]]`/`[[step.rollback]]`/… tables — up to the
/// next top-level table. The span serde gives a `[[step]]` is only its header, so it
/// cannot be used alone.
pub struct Regions<'a> {
    text: &'a str,
    /// Where every top-level table starts, in file order.
    starts: Vec<usize>,
}

impl<'a> Regions<'a> {
    pub fn new(text: &'a str, file: &raw::File) -> Self {
        let mut starts: Vec<usize> = std::iter::once(file.runbook.span().start)
            .chain(file.vars.values().map(|v| v.span().start))
            .chain(file.precondition.iter().map(|p| p.span().start))
            .chain(file.step.iter().map(|s| s.span().start))
            .collect();
        starts.sort_unstable();
        Self { text, starts }
    }

    /// Sets the digest of each of `steps` from its raw step's region (a run of them: each
    /// thread of the step validation digests its own).
    pub fn digest(&self, raw: &[toml::Spanned<raw::Step>], steps: &mut [Step]) {
        let regions: Vec<&[u8]> = raw.iter().map(|s| self.region(s.span().start)).collect();
        for (steps, regions) in steps.chunks_mut(4).zip(regions.chunks(4)) {
            let hashes = match regions {
                &[a, b, c, d] => fnv1a_four([a, b, c, d]),
                _ => {
                    let mut hashes = [FNV_OFFSET; 4];
                    for (hash, region) in hashes.iter_mut().zip(regions) {
                        *hash = fnv1a(FNV_OFFSET, region);
                    }
                    hashes
                }
            };
            for (step, hash) in steps.iter_mut().zip(hashes) {
                step.digest = hex(hash);
            }
        }
    }

    fn region(&self, start: usize) -> &'a [u8] {
        // Binary search: a linear scan per step made `check` quadratic in steps.
        let next = self.starts.partition_point(|&s| s <= start);
        let end = self.starts.get(next).copied().unwrap_or(self.text.len());
        &self.text.as_bytes()[start..end]
    }
}

/// FNV-1a continued from `hash` over `bytes`.
pub fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(hash, |hash, &byte| fnv1a_byte(hash, byte))
}

fn fnv1a_byte(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(PRIME)
}

/// Four FNV-1a digests at once: each is a serial chain of multiplies, so four in lockstep
/// keep the multiplier busy and take about the time of one.
fn fnv1a_four(texts: [&[u8]; 4]) -> [u64; 4] {
    let common = texts.iter().map(|t| t.len()).min().unwrap_or(0);
    let mut hashes = [FNV_OFFSET; 4];
    let [a, b, c, d] = texts.map(|t| &t[..common]);
    for (((&a, &b), &c), &d) in a.iter().zip(b).zip(c).zip(d) {
        for (hash, byte) in hashes.iter_mut().zip([a, b, c, d]) {
            *hash = fnv1a_byte(*hash, byte);
        }
    }
    for (hash, text) in hashes.iter_mut().zip(texts) {
        *hash = fnv1a(*hash, &text[common..]);
    }
    hashes
}

/// `format!("{hash:016x}")` without the formatting machinery (once per step).
fn hex(hash: u64) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 16];
    for (i, digit) in out.iter_mut().enumerate() {
        *digit = DIGITS[((hash >> ((15 - i) * 4)) & 0xf) as usize];
    }
    // One allocation of the final size (collecting chars grew the string twice).
    std::str::from_utf8(&out)
        .expect("hex digits are ASCII")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_fnv1a_in_sixteen_hex_digits() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(digest(""), "cbf29ce484222325");
        assert_eq!(digest("a"), "af63dc4c8601ec8c");
        assert_eq!(digest("foobar"), "85944171f73967e8");
        assert_eq!(hex(0xab), format!("{:016x}", 0xab));
    }

    #[test]
    fn four_at_once_agree_with_one_at_a_time() {
        let texts: [&[u8]; 4] = [b"step one", b"", b"a longer step region", b"xy"];
        let expected = texts.map(|t| fnv1a(FNV_OFFSET, t));
        assert_eq!(fnv1a_four(texts), expected);
    }

    #[test]
    fn a_large_text_digests_the_same_beside_other_work() {
        let text = "[[step]]\n".repeat(THREAD_FROM / 8);
        let (beside, answer) = digest_beside(&text, || 42);
        assert_eq!((beside, answer), (digest(&text), 42));
    }

    #[test]
    fn each_step_digests_its_region_up_to_the_next_top_level_table() {
        let header = "[runbook]\ntitle = \"t\"\n";
        let regions: Vec<String> = (0..5)
            .map(|i| {
                format!(
                    "[[step]]\nid = \"s{i}\"\n{}\n",
                    "[[step.verify]]\nrun = \"x\"\n".repeat(i)
                )
            })
            .collect();
        let vars = "[vars.v]\ndefault = \"d\"\n";
        // A `[vars]` table between steps ends the region of the step before it.
        let text = format!(
            "{header}{}{vars}{}",
            regions[..2].concat(),
            regions[2..].concat()
        );
        let file: raw::File = toml::from_str(&text).expect("parses");
        let mut steps: Vec<Step> = (0..5).map(|_| blank_step()).collect();
        Regions::new(&text, &file).digest(&file.step, &mut steps);
        let digests: Vec<&str> = steps.iter().map(|s| s.digest.as_str()).collect();
        let expected: Vec<String> = regions.iter().map(|r| digest(r)).collect();
        assert_eq!(digests, expected);
    }

    fn blank_step() -> Step {
        use crate::runbook::model::{Action, Retry};
        Step {
            id: String::new(),
            title: String::new(),
            description: None,
            needs: Vec::new(),
            when: None,
            action: Action::Gate,
            foreach: None,
            capture: None,
            timeout: None,
            retry: Retry::default(),
            confirm: false,
            idempotent: false,
            reverify: true,
            checkpoint: false,
            interactive: false,
            on_failure: Default::default(),
            preconditions: Vec::new(),
            verify: Vec::new(),
            rollback: Vec::new(),
            reads: Default::default(),
            digest: String::new(),
            span: 0..0,
        }
    }
}
