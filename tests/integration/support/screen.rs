//! What a terminal shows after the bytes a program wrote: a tiny emulator of the few
//! control sequences `runbook`, indicatif and dialoguer use (cursor up/down/left/right,
//! carriage return, line feed, erase line, auto-wrap at the right edge with the pending
//! wrap of real terminals). Colours and modes are ignored. For tests that must see the
//! screen, not the stream: a spinner line that was not cleared stays on the screen.

/// The rows of the screen, `width` columns wide, trailing spaces trimmed.
pub fn screen(raw: &str, width: usize) -> Vec<String> {
    let mut rows: Vec<Vec<char>> = vec![Vec::new()];
    let (mut row, mut col) = (0usize, 0usize);
    // After writing the last column the cursor stays there until the next character.
    let mut pending_wrap = false;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                pending_wrap = false;
                if chars.peek() != Some(&'[') {
                    chars.next();
                    continue;
                }
                chars.next();
                let mut params = String::new();
                let mut last = ' ';
                for p in chars.by_ref() {
                    if p.is_ascii_alphabetic() || p == '@' || p == '~' {
                        last = p;
                        break;
                    }
                    params.push(p);
                }
                let n = params
                    .trim_start_matches('?')
                    .parse::<usize>()
                    .unwrap_or(1)
                    .max(1);
                match last {
                    'A' => row = row.saturating_sub(n),
                    'B' => row += n,
                    'C' => col = (col + n).min(width - 1),
                    'D' => col = col.saturating_sub(n),
                    'G' => col = n - 1,
                    'K' => {
                        grow(&mut rows, row);
                        let line = &mut rows[row];
                        match params.as_str() {
                            "2" => line.clear(),
                            "1" => line.iter_mut().take(col + 1).for_each(|c| *c = ' '),
                            _ => line.truncate(col),
                        }
                    }
                    _ => {}
                }
            }
            '\r' => {
                col = 0;
                pending_wrap = false;
            }
            '\n' => {
                row += 1;
                pending_wrap = false;
            }
            '\x08' => col = col.saturating_sub(1),
            c if c.is_control() => {}
            c => {
                if pending_wrap {
                    row += 1;
                    col = 0;
                    pending_wrap = false;
                }
                grow(&mut rows, row);
                let line = &mut rows[row];
                while line.len() <= col {
                    line.push(' ');
                }
                line[col] = c;
                if col + 1 == width {
                    pending_wrap = true;
                } else {
                    col += 1;
                }
            }
        }
    }
    rows.into_iter()
        .map(|r| r.into_iter().collect::<String>().trim_end().to_string())
        .collect()
}

fn grow(rows: &mut Vec<Vec<char>>, row: usize) {
    while rows.len() <= row {
        rows.push(Vec::new());
    }
}

#[test]
fn the_emulator_wraps_clears_and_moves_like_a_terminal() {
    let rows = screen("abcd^C\x1b[1A\r\x1b[2Kxy\r\n", 4);
    assert_eq!(
        rows,
        ["xy", "^C"],
        "the wrapped echo is below the cleared row"
    );
    assert_eq!(screen("ab\x1b[1Dz\x1b[K", 10), ["az"]);
}
