//! The variables each step's templates read, collected while the step is validated and
//! interned: every name is one shared string, and steps that read the same names share
//! one list (a large runbook's steps read the same few variables again and again, and a
//! set of its own per step was three allocations and about 350 bytes a step). Owns the
//! collecting only; what the names mean is the caller's.

use std::collections::HashMap;
use std::sync::Arc;

use crate::runbook::model::Reads;

#[derive(Default)]
pub struct ReadsInterner {
    names: HashMap<Box<str>, Arc<str>>,
    lists: HashMap<Box<[Arc<str>]>, Reads>,
    /// The names read since the last [`ReadsInterner::finish`], unsorted, each once.
    current: Vec<Arc<str>>,
}

impl ReadsInterner {
    /// Notes that the step being validated reads `name`.
    pub fn record(&mut self, name: &str) {
        if self.contains(name) {
            return;
        }
        let shared = match self.names.get(name) {
            Some(shared) => Arc::clone(shared),
            None => {
                let shared: Arc<str> = Arc::from(name);
                self.names.insert(name.into(), Arc::clone(&shared));
                shared
            }
        };
        self.current.push(shared);
    }

    /// Whether the step being validated reads `name` so far.
    pub fn contains(&self, name: &str) -> bool {
        self.current.iter().any(|n| &**n == name)
    }

    /// The names read since the last call, in name order, and a fresh start for the next
    /// step.
    pub fn finish(&mut self) -> Reads {
        self.current.sort_unstable();
        if let Some(list) = self.lists.get(self.current.as_slice()) {
            let list = Arc::clone(list);
            self.current.clear();
            return list;
        }
        let list: Reads = self.current.drain(..).collect();
        self.lists
            .insert(list.iter().cloned().collect(), Arc::clone(&list));
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_gets_its_names_once_in_order_and_equal_lists_are_shared() {
        let mut reads = ReadsInterner::default();
        for name in ["zeta", "alpha", "zeta"] {
            reads.record(name);
        }
        assert!(reads.contains("alpha") && !reads.contains("beta"));
        let first = reads.finish();
        assert_eq!(
            first.iter().map(|n| &**n).collect::<Vec<_>>(),
            ["alpha", "zeta"]
        );
        assert!(
            !reads.contains("alpha"),
            "finish starts the next step afresh"
        );
        reads.record("alpha");
        reads.record("zeta");
        let second = reads.finish();
        assert!(
            Arc::ptr_eq(&first, &second),
            "the same names share one list"
        );
        assert!(reads.finish().is_empty());
        reads.record("beta");
        assert_eq!(reads.finish().len(), 1);
    }
}
