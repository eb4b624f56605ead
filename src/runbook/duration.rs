//! Duration strings of the format: `500ms`, `10s`, `5m`, `1h30m`. Parsing only.

use std::time::Duration;

/// Parses `"1h30m"`-style durations; the error says what is wrong.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("expected a number at `{rest}`"));
        }
        let number: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("number too large in `{text}`"))?;
        rest = &rest[digits..];
        let unit_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        total += match unit {
            "ms" => Duration::from_millis(number),
            "s" => Duration::from_secs(number),
            "m" => Duration::from_secs(number * 60),
            "h" => Duration::from_secs(number * 3600),
            "" => return Err(format!("missing unit after `{number}` (use ms, s, m or h)")),
            other => return Err(format!("unknown unit `{other}` (use ms, s, m or h)")),
        };
    }
    Ok(total)
}

/// Formats a duration the way it is written in runbooks (`1h30m`, `10s`, `500ms`).
pub fn format(duration: Duration) -> String {
    let millis = duration.as_millis();
    if !millis.is_multiple_of(1000) || millis == 0 {
        return format!("{millis}ms");
    }
    let mut secs = duration.as_secs();
    let mut out = String::new();
    for (unit, size) in [("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compound_durations() {
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("10s"), Ok(Duration::from_secs(10)));
        assert!(parse("10").unwrap_err().contains("missing unit"));
        assert!(parse("5d").unwrap_err().contains("unknown unit `d`"));
        assert!(parse("").is_err());
        assert!(parse("m5").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for text in ["1h30m", "500ms", "10s", "5m", "2h"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }
}
