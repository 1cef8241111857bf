//! The values of the properties Taskward maps (RFC 5545 section 3.3): TEXT unescaped,
//! lists of TEXT, DATE, DATE-TIME and DURATION. Anything malformed is `None`.

use jiff::civil::{Date, DateTime};

/// A TEXT value unescaped: `\n` (or `\N`) a line break, `\,` `\;` `\\` the character;
/// a backslash before anything else is kept.
pub fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(c @ (',' | ';' | '\\')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A list of TEXT values (`CATEGORIES`): split at the commas not escaped, each
/// unescaped.
pub fn text_list(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ',' => {
                items.push(unescape(&value[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(unescape(&value[start..]));
    items
}

/// A DATE value (`20261224`).
pub fn date(value: &str) -> Option<Date> {
    let v = value.trim();
    (v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()))
        .then(|| Date::strptime("%Y%m%d", v).ok())
        .flatten()
}

/// A DATE-TIME value (`20261224T090000`, `Z` at the end for UTC: the flag).
pub fn date_time(value: &str) -> Option<(DateTime, bool)> {
    let v = value.trim();
    let (local, utc) = match v.strip_suffix(['Z', 'z']) {
        Some(local) => (local, true),
        None => (v, false),
    };
    let (day, time) = local.split_once(['T', 't'])?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(day, 8) || !digits(time, 6) {
        return None;
    }
    let at = DateTime::strptime("%Y%m%dT%H%M%S", format!("{day}T{time}")).ok()?;
    Some((at, utc))
}

/// The seconds of `text`, numbers each followed by one of `allowed` units in their
/// order (each at most once), and how many there were.
fn units(text: &str, allowed: &[(char, i64)]) -> Option<(i64, usize)> {
    let (mut total, mut parts) = (0_i64, 0);
    let mut rest = text;
    let mut allowed = allowed;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 12 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?.to_ascii_uppercase();
        let at = allowed.iter().position(|(u, _)| *u == unit)?;
        total = total.checked_add(n.checked_mul(allowed[at].1)?)?;
        allowed = &allowed[at + 1..];
        rest = &rest[digits + 1..];
        parts += 1;
    }
    Some((total, parts))
}

/// A DURATION value (RFC 5545 section 3.3.6: `-P1D`, `PT15M`, `P1W`, `-P1DT2H30M`) in
/// seconds; `None` for anything else or past a hundred years.
pub fn duration_seconds(value: &str) -> Option<i64> {
    const LIMIT: i64 = 100 * 366 * 86_400;
    let v = value.trim();
    let (sign, v) = match v.as_bytes().first() {
        Some(b'-') => (-1, &v[1..]),
        Some(b'+') => (1, &v[1..]),
        _ => (1, v),
    };
    let v = v.strip_prefix(['P', 'p'])?;
    let (day_part, time_part) = match v.split_once(['T', 't']) {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (v, None),
    };
    let (mut total, mut parts) = if day_part.ends_with(['W', 'w']) && time_part.is_none() {
        units(day_part, &[('W', 7 * 86_400)])?
    } else {
        units(day_part, &[('D', 86_400)])?
    };
    if let Some(t) = time_part {
        let (seconds, n) = units(t, &[('H', 3600), ('M', 60), ('S', 1)])?;
        if n == 0 {
            return None;
        }
        total = total.checked_add(seconds)?;
        parts += n;
    }
    (parts > 0 && total <= LIMIT).then_some(sign * total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_unescaped_and_lists_split_on_plain_commas() {
        assert_eq!(unescape(r"a\,b\;c\\d\ne\Nf\x"), "a,b;c\\d\ne\nf\\x");
        assert_eq!(
            text_list(r"one\,two,three\\,four"),
            ["one,two", "three\\", "four"]
        );
        assert_eq!(text_list(""), [""]);
    }

    #[test]
    fn dates_times_and_durations() {
        assert_eq!(date("20261224"), Some(jiff::civil::date(2026, 12, 24)));
        assert_eq!(date("20261324"), None);
        assert_eq!(date("2026122"), None);
        let (at, utc) = date_time("20261224T093000Z").expect("time");
        assert_eq!(
            (at, utc),
            (jiff::civil::date(2026, 12, 24).at(9, 30, 0, 0), true)
        );
        assert_eq!(date_time("20261224T0930").map(|t| t.1), None);
        assert_eq!(date_time("+0261224T093000"), None);
        assert_eq!(duration_seconds("-PT15M"), Some(-900));
        assert_eq!(duration_seconds("P1W"), Some(7 * 86_400));
        assert_eq!(duration_seconds("+P1DT2H3M4S"), Some(93_784));
        assert_eq!(duration_seconds("PT0S"), Some(0));
        assert_eq!(duration_seconds("PT90M"), Some(5400));
        for bad in [
            "P",
            "PT",
            "-P1DT",
            "P1W2D",
            "PT1M1H",
            "P1H",
            "15M",
            "P99999999999999D",
            "P1D1D",
            "PT-1M",
        ] {
            assert_eq!(duration_seconds(bad), None, "{bad}");
        }
    }
}
