//! The step graph: resolves `needs` (default: the previous step in the file), reports
//! unknown steps and cycles with their path, and computes the walk order (topological,
//! ties by file order). Also finds recursive `call` chains across runbooks.

use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use super::context::Context;
use super::digest;
use crate::runbook::diagnostic::{Diagnostic, suggest};
use crate::runbook::load::Parsed;
use crate::runbook::model::Step;
use crate::runbook::raw;

/// The steps by id, built once for `needs` and for duplicate ids.
pub struct StepIndex<'a> {
    /// Each id's first and latest step.
    steps: IdMap<'a>,
    /// Each step that repeats an earlier id, with the previous step of that id (file order).
    pub repeats: Vec<(usize, usize)>,
}

impl<'a> StepIndex<'a> {
    pub fn new(file: &'a raw::File) -> Self {
        let mut steps: IdMap<'_> =
            HashMap::with_capacity_and_hasher(file.step.len(), BuildHasherDefault::default());
        let mut repeats = Vec::new();
        for (i, step) in file.step.iter().enumerate() {
            match steps.entry(step.get_ref().id.get_ref().as_str()) {
                Entry::Occupied(mut e) => {
                    repeats.push((i, e.get().1));
                    e.get_mut().1 = i;
                }
                Entry::Vacant(e) => {
                    e.insert((i, i));
                }
            }
        }
        Self { steps, repeats }
    }

    /// The first step with `id`.
    fn first(&self, id: &str) -> Option<usize> {
        self.steps.get(id).map(|&(first, _)| first)
    }

    fn ids(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.steps.keys().copied()
    }
}

type IdMap<'a> = HashMap<&'a str, (usize, usize), BuildHasherDefault<IdHasher>>;

/// FNV-1a for step ids: they are short and come from the author's own file, so SipHash's
/// resistance to chosen keys buys nothing, and it was most of building the index.
struct IdHasher(u64);

impl Default for IdHasher {
    fn default() -> Self {
        Self(digest::FNV_OFFSET)
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = digest::fnv1a(self.0, bytes);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The steps step `me` needs: those its `needs` names, or else the step before it.
pub fn needs(cx: &mut Context, step: &raw::Step, index: &StepIndex<'_>, me: usize) -> Vec<usize> {
    match &step.needs {
        None => me.checked_sub(1).into_iter().collect(),
        Some(names) => resolve_names(cx, step, names, index, me),
    }
}

fn resolve_names(
    cx: &mut Context,
    step: &raw::Step,
    names: &[raw::Text],
    index: &StepIndex<'_>,
    me: usize,
) -> Vec<usize> {
    let mut needs = Vec::new();
    for name in names {
        match index.first(name.get_ref()) {
            Some(j) if j == me => {
                cx.error(
                    name.span(),
                    format!("step `{}` needs itself", step.id.get_ref()),
                );
            }
            Some(j) => {
                if !needs.contains(&j) {
                    needs.push(j);
                }
            }
            None => {
                let d = cx.error(
                    name.span(),
                    format!(
                        "step `{}` needs unknown step `{}`",
                        step.id.get_ref(),
                        name.get_ref()
                    ),
                );
                if let Some(s) = suggest(name.get_ref(), index.ids()) {
                    d.add_hint(format!("did you mean `{s}`?"));
                }
            }
        }
    }
    needs
}

/// The walk order once every step's `needs` is filled: Kahn's algorithm with a min-heap on
/// file position; leftovers form a cycle.
pub fn order(cx: &mut Context, file: &raw::File, steps: &[Step]) -> Vec<usize> {
    let n = steps.len();
    let mut indegree: Vec<usize> = steps.iter().map(|s| s.needs.len()).collect();
    let dependents = Dependents::of(steps);
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&i| indegree[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &d in dependents.of_step(i) {
            indegree[d] -= 1;
            if indegree[d] == 0 {
                ready.push(Reverse(d));
            }
        }
    }
    if order.len() < n {
        let start = (0..n)
            .find(|&i| indegree[i] > 0)
            .expect("a step is left in the cycle");
        let cycle = find_cycle(steps, start, &indegree);
        let path: Vec<&str> = cycle.iter().map(|&i| steps[i].id.as_str()).collect();
        let first = &file.step[cycle[0]].get_ref().id;
        cx.error(
            first.span(),
            format!("dependency cycle: {}", path.join(" → ")),
        )
        .add_hint(
            "remove one of these `needs` (a step without `needs` depends on the previous step)",
        );
        // The steps left out follow in file order (a lookup table: `order.contains` per
        // step was quadratic).
        let mut placed = vec![false; n];
        for &i in &order {
            placed[i] = true;
        }
        order.extend((0..n).filter(|&i| !placed[i]));
    }
    order
}

/// The steps that need each step, in file order, in two allocations (not one per step).
struct Dependents {
    /// `items[starts[i]..starts[i + 1]]` need step `i`.
    starts: Vec<usize>,
    items: Vec<usize>,
}

impl Dependents {
    fn of(steps: &[Step]) -> Self {
        let n = steps.len();
        let mut starts = vec![0usize; n + 1];
        for step in steps {
            for &j in &step.needs {
                starts[j + 1] += 1;
            }
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut items = vec![0; starts[n]];
        for (i, step) in steps.iter().enumerate() {
            for &j in &step.needs {
                items[next[j]] = i;
                next[j] += 1;
            }
        }
        Self { starts, items }
    }

    fn of_step(&self, i: usize) -> &[usize] {
        &self.items[self.starts[i]..self.starts[i + 1]]
    }
}

/// Follows `needs` among unresolved steps until a step repeats: that loop is the cycle.
fn find_cycle(steps: &[Step], start: usize, indegree: &[usize]) -> Vec<usize> {
    let mut path = vec![start];
    let mut current = start;
    loop {
        let next = steps[current]
            .needs
            .iter()
            .copied()
            .find(|&j| indegree[j] > 0)
            .expect("a step in a cycle needs another step in it");
        if let Some(pos) = path.iter().position(|&p| p == next) {
            let mut cycle: Vec<usize> = path[pos..].to_vec();
            cycle.reverse();
            cycle.push(cycle[0]);
            return cycle;
        }
        path.push(next);
        current = next;
    }
}

/// Reports each runbook whose `call` chain comes back to itself.
pub fn recursive_calls(
    parsed: &[Parsed],
    calls: &BTreeMap<String, Vec<String>>,
) -> Vec<(String, Diagnostic)> {
    let mut found = Vec::new();
    for p in parsed {
        let Some(path) = call_path_back(&p.name, calls) else {
            continue;
        };
        let span = p
            .file
            .step
            .iter()
            .find_map(|s| {
                s.get_ref()
                    .call
                    .as_ref()
                    .filter(|c| c.get_ref() == &path[1])
                    .map(toml::Spanned::span)
            })
            .unwrap_or(0..0);
        let d = Diagnostic::error(format!("recursive `call` chain: {}", path.join(" → ")))
            .at(&p.source, span)
            .hint("a runbook cannot call itself, directly or through others");
        found.push((p.name.clone(), d));
    }
    found
}

fn call_path_back(start: &str, calls: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    let mut stack: Vec<(String, Vec<String>)> = vec![(start.to_string(), vec![start.to_string()])];
    let mut visited = Vec::new();
    while let Some((node, path)) = stack.pop() {
        for next in calls.get(&node).into_iter().flatten() {
            if next == start {
                let mut full = path.clone();
                full.push(next.clone());
                return Some(full);
            }
            if !visited.contains(next) {
                visited.push(next.clone());
                let mut p = path.clone();
                p.push(next.clone());
                stack.push((next.clone(), p));
            }
        }
    }
    None
}

/// A step that reads a capture or an `ask` answer must come after the step that sets it
/// in the walk order; otherwise the value does not exist yet when it renders.
pub fn check_outputs_come_first(
    cx: &mut Context,
    file: &raw::File,
    order: &[usize],
    steps: &[Step],
) {
    let mut position = vec![0; order.len()];
    for (walk, &i) in order.iter().enumerate() {
        position[i] = walk;
    }
    let mut producers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, step) in file.step.iter().enumerate() {
        let step = step.get_ref();
        for name in [&step.capture, &step.into].into_iter().flatten() {
            producers
                .entry(name.get_ref().as_str())
                .or_default()
                .push(i);
        }
    }
    for (i, step) in steps.iter().enumerate() {
        for name in step.reads.iter() {
            let Some(setters) = producers.get(&**name) else {
                continue;
            };
            if cx.declared.contains(&**name) || setters.iter().any(|&p| position[p] <= position[i])
            {
                continue;
            }
            let setter = file.step[setters[0]].get_ref().id.get_ref().clone();
            let id = &file.step[i].get_ref().id;
            cx.error(
                id.span(),
                format!("step `{}` uses `{name}`, which step `{setter}` sets later in the walk", id.get_ref()),
            )
            .add_hint(format!(
                "make `{}` run after `{setter}`: add `\"{setter}\"` to its `needs`, or move it below `{setter}`",
                id.get_ref()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_resolves_to_its_first_step_and_each_repeat_names_the_previous_one() {
        let steps = ["a", "b", "a", "a"]
            .map(|id| format!("[[step]]\nid = \"{id}\"\n"))
            .concat();
        let file: raw::File =
            toml::from_str(&format!("[runbook]\ntitle = \"t\"\n{steps}")).expect("parses");
        let index = StepIndex::new(&file);
        assert_eq!(index.first("a"), Some(0));
        assert_eq!(index.first("b"), Some(1));
        assert_eq!(index.first("c"), None);
        assert_eq!(index.repeats, [(2, 0), (3, 2)]);
        let mut ids: Vec<&str> = index.ids().collect();
        ids.sort_unstable();
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn steps_left_in_a_cycle_follow_the_walk_in_file_order() {
        let text = "[runbook]\ntitle = \"t\"\n\
            [[step]]\nid = \"e\"\nmanual = \"m\"\n\
            [[step]]\nid = \"a\"\nneeds = [\"c\"]\nmanual = \"m\"\n\
            [[step]]\nid = \"b\"\nmanual = \"m\"\n\
            [[step]]\nid = \"c\"\nmanual = \"m\"\n\
            [[step]]\nid = \"d\"\nneeds = [\"e\"]\nmanual = \"m\"\n";
        let source = crate::runbook::source::SourceFile::new("t".into(), "t".into(), text.into());
        let file: raw::File = toml::from_str(text).expect("parses");
        let parsed = [Parsed {
            name: "t".into(),
            source,
            file,
        }];
        let outcome = super::super::validate_all(&parsed);
        assert_eq!(outcome.runbooks["t"].order, [0, 4, 1, 2, 3]);
        let messages: Vec<&str> = outcome.diagnostics["t"]
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(messages, ["dependency cycle: b → c → a → b"]);
    }
}
