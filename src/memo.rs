//! Process-wide memos of pure functions of a text (and of reads that one process need
//! not repeat: a fixture file, the number of cores). The same regex or template recurs
//! across a project's runbooks and test files (`\S` in dozens of checks, one context
//! precondition in every runbook), and compiling one costs 140k–290k instructions: before
//! these, compiling took about 45 % of `check` on the shipped runbooks. A memo holds only
//! what it computed and never evicts (a process loads its project once); it reports
//! nothing.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

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

/// The text of the file at `path`, read at most once per process: the shipped test files
/// name 42 fixture files 197 times. A path that is not UTF-8 is read every time.
pub fn read_to_string(path: &Path) -> Result<Arc<str>, String> {
    static FILES: Memo<Result<Arc<str>, String>> = Memo::new();
    let read = || {
        std::fs::read_to_string(path)
            .map(Arc::from)
            .map_err(|e| e.to_string())
    };
    match path.to_str() {
        Some(key) => FILES.get(key, read),
        None => read(),
    }
}

/// The cores this process may use, asked once: std reads the cgroup's quota files on
/// every call, which cost more than parsing a small runbook.
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
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

    #[test]
    fn a_file_is_read_once_and_a_missing_one_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reply.txt");
        std::fs::write(&path, "first\n").unwrap();
        assert_eq!(&*super::read_to_string(&path).unwrap(), "first\n");
        // The process has read it: a later change is not seen (a check reads a project
        // once).
        std::fs::write(&path, "second\n").unwrap();
        assert_eq!(&*super::read_to_string(&path).unwrap(), "first\n");
        let missing = super::read_to_string(&dir.path().join("absent.txt")).unwrap_err();
        assert!(missing.contains("No such file"), "{missing}");
    }
}
