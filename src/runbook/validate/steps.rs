//! Validation of all the steps of a runbook, split over two threads for a large one. Each
//! step's checks read only what is settled before the steps (`known`, `declared`, the
//! index of step ids, where the file's tables start) and write only its own `reads`,
//! `needs`, digest and diagnostics, so the second half can be validated with a context of
//! its own; its diagnostics are appended after the first half's, which keeps them in the
//! order a single thread gives. Owns no check of its own (see `step` and `graph`).

use std::collections::BTreeMap;

use toml::Spanned;

use super::context::Context;
use super::digest::Regions;
use super::graph::{self, StepIndex};
use super::step;
use crate::runbook::load::Parsed;
use crate::runbook::model::Step;
use crate::runbook::raw;

/// Below this many steps one thread is faster than starting a second.
const THREAD_FROM: usize = 2_000;

/// What every step is checked against, shared by both threads.
#[derive(Clone, Copy)]
struct Shared<'s, 'a> {
    all: &'s BTreeMap<&'a str, &'a Parsed>,
    index: &'s StepIndex<'a>,
    regions: &'s Regions<'a>,
}

pub fn validate_steps<'a>(
    cx: &mut Context,
    file: &'a raw::File,
    all: &BTreeMap<&'a str, &'a Parsed>,
    index: &StepIndex<'a>,
    regions: &Regions<'a>,
) -> Vec<Step> {
    let shared = Shared {
        all,
        index,
        regions,
    };
    validate_split(cx, &file.step, shared, THREAD_FROM)
}

fn validate_split(
    cx: &mut Context,
    raw: &[Spanned<raw::Step>],
    shared: Shared<'_, '_>,
    thread_from: usize,
) -> Vec<Step> {
    if raw.len() < thread_from {
        return validate_range(cx, raw, 0, shared, raw.len());
    }
    let half = raw.len() / 2;
    let (first, second) = raw.split_at(half);
    let mut other = cx.fork();
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("steps".into())
            .spawn_scoped(scope, move || {
                let validated = validate_range(&mut other, second, half, shared, second.len());
                (validated, other.diagnostics)
            });
        // Room for both halves: the second is appended without moving the first.
        let mut steps = validate_range(cx, first, 0, shared, raw.len());
        let (more_steps, diagnostics) = match spawned {
            Ok(handle) => handle.join().expect("step validation does not panic"),
            Err(_) => (
                validate_range(cx, second, half, shared, second.len()),
                Vec::new(),
            ),
        };
        steps.extend(more_steps);
        cx.diagnostics.extend(diagnostics);
        steps
    })
}

/// The steps of `raw`, the file's steps from `offset` on, in file order with their
/// `needs`, digests and reads filled, in a vector with room for `capacity` of them.
fn validate_range(
    cx: &mut Context,
    raw: &[Spanned<raw::Step>],
    offset: usize,
    shared: Shared<'_, '_>,
    capacity: usize,
) -> Vec<Step> {
    let mut steps = Vec::with_capacity(capacity);
    for (i, s) in raw.iter().enumerate() {
        let mut step = step::validate(cx, s, shared.all);
        // Here, not in a pass of its own after both threads: the raw step is still in cache.
        step.needs = graph::needs(cx, s.get_ref(), shared.index, offset + i);
        step.reads = cx.used.finish();
        steps.push(step);
    }
    shared.regions.digest(raw, &mut steps);
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::source::SourceFile;

    #[test]
    fn two_threads_give_the_steps_reads_and_diagnostics_of_one() {
        let text = format!(
            "[runbook]\ntitle = \"t\"\n[vars.known]\ndefault = \"k\"\n{}",
            (0..9)
                .map(|i| format!(
                    "[[step]]\nid = \"s{i}\"\nrun = \"echo {{{{ known }}}} {{{{ v{} }}}}\"\n[[step.verify]]\nrun = \"true\"\nexpect-stdout = \"(\"\n",
                    i % 3
                ))
                .collect::<String>()
                .replace("[[step]]\nid = \"s4\"\nrun", "[[step]]\nid = \"S4\"\nmanual")
        );
        let source = SourceFile::new("t.toml".into(), "t.toml".into(), text);
        let file: raw::File = toml::from_str(&source.text).expect("parses");
        let run = |thread_from| {
            let mut cx = Context::new(&source);
            cx.known.insert("known".into());
            let index = StepIndex::new(&file);
            let regions = Regions::new(&source.text, &file);
            let shared = Shared {
                all: &BTreeMap::new(),
                index: &index,
                regions: &regions,
            };
            let steps = validate_split(&mut cx, &file.step, shared, thread_from);
            let ids: Vec<(String, Vec<usize>, String)> = steps
                .iter()
                .map(|s| (s.id.clone(), s.needs.clone(), s.digest.clone()))
                .collect();
            let used: Vec<Vec<String>> = steps
                .iter()
                .map(|s| s.reads.iter().map(ToString::to_string).collect())
                .collect();
            let messages: Vec<(String, usize)> = cx
                .diagnostics
                .iter()
                .map(|d| (d.message.clone(), d.span.clone().map_or(0, |s| s.start)))
                .collect();
            (ids, used, messages)
        };
        let one = run(usize::MAX);
        let two = run(1);
        assert!(one.2.len() > 9, "the runbook has problems: {:?}", one.2);
        assert_eq!(one, two);
    }
}
