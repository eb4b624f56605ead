//! Machine-readable results of `runbook test`: JSON (an array of outcomes) and a JUnit
//! XML report for CI. Pure rendering into strings; the command writes them.

use super::Outcome;

/// The failure text of an outcome: each mismatch with expected against actual.
pub fn failure_text(outcome: &Outcome) -> String {
    let mut text = String::new();
    if let Some(e) = &outcome.error {
        text.push_str(&format!("error: {e}\n"));
    }
    for m in &outcome.mismatches {
        text.push_str(&format!(
            "{}:\n  expected: {}\n  actual:   {}\n",
            m.what,
            indent(&m.expected),
            indent(&m.actual)
        ));
    }
    text
}

fn indent(text: &str) -> String {
    text.replace('\n', "\n            ")
}

pub fn json(outcomes: &[Outcome]) -> String {
    serde_json::to_string_pretty(outcomes).unwrap_or_else(|_| "[]".into())
}

/// JUnit XML: one `<testsuite>` per runbook, one `<testcase>` per scenario.
pub fn junit(outcomes: &[Outcome]) -> String {
    let mut suites: Vec<(&str, Vec<&Outcome>)> = Vec::new();
    for o in outcomes {
        match suites.iter_mut().find(|(name, _)| *name == o.runbook) {
            Some((_, list)) => list.push(o),
            None => suites.push((&o.runbook, vec![o])),
        }
    }
    let failures = outcomes.iter().filter(|o| !o.passed).count();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"runbook test\" tests=\"{}\" failures=\"{failures}\">\n",
        outcomes.len()
    );
    for (name, list) in suites {
        let failed = list.iter().filter(|o| !o.passed).count();
        let time: f64 = list.iter().map(|o| o.duration.as_secs_f64()).sum();
        xml.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" time=\"{time:.3}\">\n",
            escape(name),
            list.len()
        ));
        for o in list {
            xml.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"{:.3}\"",
                escape(&o.runbook),
                escape(&o.scenario),
                escape(&o.file),
                o.duration.as_secs_f64()
            ));
            if o.passed {
                xml.push_str("/>\n");
                continue;
            }
            let first = o.mismatches.first().map_or_else(
                || o.error.clone().unwrap_or_default(),
                |m| format!("{}: expected {}, got {}", m.what, m.expected, m.actual),
            );
            xml.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n      <system-out>{}</system-out>\n    </testcase>\n",
                escape(&first),
                escape(&failure_text(o)),
                escape(&o.transcript)
            ));
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// XML text and attribute escaping; control characters XML 1.0 forbids are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_handles_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\"\u{1b}[0m"),
            "a&lt;b &amp; &quot;c&quot;[0m"
        );
    }
}
