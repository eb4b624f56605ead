//! Call patterns of test files: a glob over the words of a command line (`*` any text,
//! `?` one character, anchored at both ends) or, prefixed with `re:`, a regex searched
//! anywhere. Pure; owns no policy about what is matched against what.

use regex::Regex;

/// A compiled pattern that remembers how it was written (for messages and closeness).
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    regex: Regex,
}

impl Pattern {
    /// Compiles `source`; the error is the regex's own message.
    pub fn parse(source: &str) -> Result<Self, String> {
        let regex = match source.strip_prefix("re:") {
            Some(re) => Regex::new(re).map_err(|e| e.to_string())?,
            None => Regex::new(&glob_to_regex(source)).map_err(|e| e.to_string())?,
        };
        Ok(Self {
            source: source.to_string(),
            regex,
        })
    }

    pub fn matches(&self, text: &str) -> bool {
        self.regex.is_match(text)
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

fn glob_to_regex(glob: &str) -> String {
    let mut out = String::from("(?s)^");
    for c in glob.chars() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push('$');
    out
}

/// A command line as patterns see it: the program and its arguments joined by spaces.
pub fn joined(program: &str, args: &[String]) -> String {
    std::iter::once(program)
        .chain(args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_is_anchored_and_star_spans_words() {
        let p = Pattern::parse("kubectl * delete *").unwrap();
        assert!(p.matches("kubectl -n media delete sts sonarr"));
        assert!(!p.matches("kubectl get pods"));
        assert!(!p.matches("sudo kubectl -n x delete y"));
        assert_eq!(p.program(), Some("kubectl"));
    }

    #[test]
    fn glob_escapes_regex_syntax_and_question_mark_is_one_char() {
        let p = Pattern::parse("get hr/a.b -o json?").unwrap();
        assert!(p.matches("get hr/a.b -o jsonX"));
        assert!(!p.matches("get hr/aXb -o jsonX"));
    }

    #[test]
    fn regex_prefix_searches_anywhere() {
        let p = Pattern::parse("re:^flux (suspend|resume) ").unwrap();
        assert!(p.matches("flux resume hr x"));
        assert!(!p.matches("flux get hr x"));
        assert_eq!(p.program(), None);
        assert!(Pattern::parse("re:(").is_err());
    }
}
