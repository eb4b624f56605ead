//! Call patterns of test files: a glob over the words of a command line (`*` any text,
//! `?` one character, anchored at both ends) or, prefixed with `re:`, a regex searched
//! anywhere. Pure; owns no policy about what is matched against what.

use crate::regexes::LazyRegex;

/// A compiled pattern that remembers how it was written (for messages and closeness).
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    matcher: Matcher,
}

#[derive(Debug, Clone)]
enum Matcher {
    /// Matched directly: building a regex for each of a project's thousand globs was three
    /// quarters of `runbook check`.
    Glob(Vec<char>),
    Regex(LazyRegex),
}

impl Pattern {
    /// Compiles `source`; the error is the regex's own message.
    pub fn parse(source: &str) -> Result<Self, String> {
        let matcher = match source.strip_prefix("re:") {
            Some(re) => Matcher::Regex(LazyRegex::new(re).map_err(|e| e.to_string())?),
            None => Matcher::Glob(source.chars().collect()),
        };
        Ok(Self {
            source: source.to_string(),
            matcher,
        })
    }

    pub fn matches(&self, text: &str) -> bool {
        match &self.matcher {
            Matcher::Glob(glob) => glob_matches(glob, text),
            Matcher::Regex(regex) => regex.is_match(text),
        }
    }

    /// The program a glob starts with (`kubectl * delete *` → `kubectl`), when the first
    /// word holds no wildcard; a regex names no program.
    pub fn program(&self) -> Option<&str> {
        if self.source.starts_with("re:") {
            return None;
        }
        let first = self.source.split_whitespace().next()?;
        (!first.contains(['*', '?'])).then_some(first)
    }
}

/// Whether all of `text` matches `glob`. On a mismatch after a `*`, that star takes one
/// more character and matching resumes there; only the last star needs retrying, as the
/// text between two stars can always be matched as early as possible.
fn glob_matches(glob: &[char], text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let (mut g, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match glob.get(g) {
            Some('*') => {
                star = Some((g, t));
                g += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                g += 1;
                t += 1;
            }
            _ => match star {
                Some((star_g, star_t)) => {
                    star = Some((star_g, star_t + 1));
                    g = star_g + 1;
                    t = star_t + 1;
                }
                None => return false,
            },
        }
    }
    glob[g..].iter().all(|&c| c == '*')
}

/// A command line as patterns see it: the program and its arguments joined by spaces.
pub fn joined(program: &str, args: &[String]) -> String {
    std::iter::once(program)
        .chain(args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
