use super::*;
use crate::xorshift::Xorshift;
use regex::Regex;

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
    assert!(Pattern::parse("get é?").unwrap().matches("get éü"));
}

#[test]
fn regex_prefix_searches_anywhere() {
    let p = Pattern::parse("re:^flux (suspend|resume) ").unwrap();
    assert!(p.matches("flux resume hr x"));
    assert!(!p.matches("flux get hr x"));
    assert_eq!(p.program(), None);
    assert!(Pattern::parse("re:(").is_err());
}

/// The regex a glob used to be compiled into: the oracle for the direct matcher.
fn as_regex(glob: &str) -> Regex {
    let mut out = String::from("(?s)^");
    for c in glob.chars() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push('$');
    Regex::new(&out).unwrap()
}

#[test]
fn the_glob_matcher_agrees_with_the_regex_it_replaced_on_generated_inputs() {
    let mut rng = Xorshift(0x2545_F491_4F6C_DD1D);
    let alphabet = ['a', 'b', ' ', '-', '\n', 'é'];
    let (mut matched, mut total) = (0, 0);
    for _ in 0..20_000 {
        let word = |rng: &mut Xorshift, wild: bool| -> String {
            (0..rng.next() % 7)
                .map(|_| match rng.next() % 9 {
                    0 if wild => '*',
                    1 if wild => '?',
                    _ => alphabet[(rng.next() % alphabet.len() as u64) as usize],
                })
                .collect()
        };
        let glob = word(&mut rng, true);
        let text = word(&mut rng, false);
        let direct = Pattern::parse(&glob).unwrap().matches(&text);
        assert_eq!(
            direct,
            as_regex(&glob).is_match(&text),
            "glob {glob:?} on {text:?}"
        );
        matched += usize::from(direct);
        total += 1;
    }
    assert!(matched > total / 20, "only {matched} of {total} matched");
}
