//! Process-wide memos of pure functions of a text. The same regex or template recurs
//! across a project's runbooks and test files (`\S` in dozens of checks, one context
//! precondition in every runbook), and compiling one costs 140k–290k instructions: before
//! these, compiling took about 45 % of `check` on the shipped runbooks. A memo holds only
//! what it computed and never evicts (a process loads its project once); it reports
//! nothing.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use regex::Regex;

/// Values of one function by the text they were computed from.
pub struct Memo<V>(Mutex<Option<HashMap<String, V>>>);

impl<V: Clone> Memo<V> {
    pub const fn new() -> Self {
        Self(Mutex::new(None))
    }

    /// The value for `key`, computed by `make` the first time.
    pub fn get(&self, key: &str, make: impl FnOnce() -> V) -> V {
        if let Some(hit) = self.lock().as_ref().and_then(|m| m.get(key)).cloned() {
            return hit;
        }
        // Computed outside the lock: two threads may both compute a new key, which costs
        // time once, never a wrong answer (the function is pure).
        let value = make();
        self.lock()
            .get_or_insert_with(HashMap::new)
            .entry(key.to_string())
            .or_insert(value)
            .clone()
    }

    fn lock(&self) -> MutexGuard<'_, Option<HashMap<String, V>>> {
        // A panic elsewhere cannot leave the map half-changed: each change is one call.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<V: Clone> Default for Memo<V> {
    fn default() -> Self {
        Self::new()
    }
}

/// `Regex::new(source)`, compiled at most once per process (clones share the program).
pub fn regex(source: &str) -> Result<Regex, regex::Error> {
    static REGEXES: Memo<Result<Regex, regex::Error>> = Memo::new();
    REGEXES.get(source, || Regex::new(source))
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[test]
    fn a_value_is_computed_once_per_key() {
        let memo = Memo::new();
        let mut calls = 0;
        let mut get = |key: &str| {
            memo.get(key, || {
                calls += 1;
                key.len()
            })
        };
        assert_eq!((get("abc"), get("abc"), get("de")), (3, 3, 2));
        assert_eq!(calls, 2);
    }

    #[test]
    fn a_regex_and_its_error_are_kept() {
        let first = super::regex(r"^\S+ ready$").unwrap();
        assert!(first.is_match("web ready"));
        assert!(
            !super::regex(r"^\S+ ready$")
                .unwrap()
                .is_match("web not ready")
        );
        let broken = super::regex("(unclosed").unwrap_err().to_string();
        assert_eq!(super::regex("(unclosed").unwrap_err().to_string(), broken);
        assert!(broken.contains("unclosed group"), "{broken}");
    }
}
