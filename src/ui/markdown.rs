//! Markdown made readable in a terminal: headings and `**bold**` in bold, `code` in the
//! accent colour, bullets as `•`, links as `text (url)`. Not a full renderer: runbook
//! descriptions are short prose.

use super::color::Styles;
use super::diagnostic::sanitize;

pub fn render(markdown: &str, styles: &Styles, indent: &str) -> String {
    let mut out = Vec::new();
    let mut in_fence = false;
    for raw in markdown.trim().lines() {
        let line = sanitize(raw.trim_end());
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(format!("{indent}  {}", styles.accent.apply_to(line)));
            continue;
        }
        let trimmed = line.trim_start();
        let text = if let Some(heading) = trimmed.strip_prefix('#') {
            styles
                .bold
                .apply_to(heading.trim_start_matches('#').trim())
                .to_string()
        } else if let Some(item) = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
        {
            let depth = line.len() - trimmed.len();
            format!("{}• {}", " ".repeat(depth), inline(item, styles))
        } else {
            inline(trimmed, styles)
        };
        out.push(format!("{indent}{text}"));
    }
    out.join("\n")
}

/// Inline spans: `code`, **bold**, [text](url).
///
/// Linear in the text: once a search for a closing delimiter fails, no later opening of
/// that kind can close either (the rest of the line is a suffix of what was searched), so
/// it is not searched again. Without this a line full of `[` took quadratic time.
fn inline(text: &str, styles: &Styles) -> String {
    let mut out = String::new();
    let mut rest = text;
    let (mut no_code, mut no_bold, mut no_link) = (false, false, false);
    while !rest.is_empty() {
        if !no_code && let Some(after) = rest.strip_prefix('`') {
            if let Some(end) = after.find('`') {
                out.push_str(&styles.accent.apply_to(&after[..end]).to_string());
                rest = &after[end + 1..];
                continue;
            }
            no_code = true;
        }
        if !no_bold && let Some(after) = rest.strip_prefix("**") {
            match after.find("**") {
                // `********` (a masked secret) is text, not an empty bold span.
                Some(0) => {}
                Some(end) => {
                    out.push_str(&styles.bold.apply_to(&after[..end]).to_string());
                    rest = &after[end + 2..];
                    continue;
                }
                None => no_bold = true,
            }
        }
        if !no_link && let Some(after) = rest.strip_prefix('[') {
            match link(after) {
                Some((label, url, remainder)) => {
                    out.push_str(&format!("{label} ({url})"));
                    rest = remainder;
                    continue;
                }
                None => no_link = true,
            }
        }
        let c = rest.chars().next().expect("rest is not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `label](url)remainder` split in three, when the text after a `[` is a link.
fn link(after: &str) -> Option<(&str, &str, &str)> {
    let (label, tail) = after.split_once("](")?;
    let (url, remainder) = tail.split_once(')')?;
    Some((label, url, remainder))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown_plainly_without_colour() {
        let styles = Styles::new(false);
        let text = "# Why\nSuspend **first**, then `delete`.\n- see [docs](https://x)\n```\nflux get hr\n```";
        assert_eq!(
            render(text, &styles, "  "),
            "  Why\n  Suspend first, then delete.\n  • see docs (https://x)\n    flux get hr"
        );
    }

    #[test]
    fn unclosed_openings_stay_as_text() {
        let styles = Styles::new(false);
        assert_eq!(render("[[a](u) [b ` **c", &styles, ""), "[a (u) [b ` **c");
        assert_eq!(
            render("the ******** token", &styles, ""),
            "the ******** token"
        );
        let many = "[".repeat(50_000);
        assert_eq!(render(&many, &styles, ""), many);
    }
}
