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
fn inline(text: &str, styles: &Styles) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('`')
            && let Some(end) = after.find('`')
        {
            out.push_str(&styles.accent.apply_to(&after[..end]).to_string());
            rest = &after[end + 1..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("**")
            && let Some(end) = after.find("**")
        {
            out.push_str(&styles.bold.apply_to(&after[..end]).to_string());
            rest = &after[end + 2..];
            continue;
        }
        if let Some(after) = rest.strip_prefix('[')
            && let Some((label, tail)) = after.split_once("](")
            && let Some((url, remainder)) = tail.split_once(')')
        {
            out.push_str(&format!("{label} ({url})"));
            rest = remainder;
            continue;
        }
        let c = rest.chars().next().expect("rest is not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
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
}
