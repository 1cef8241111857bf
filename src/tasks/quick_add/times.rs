//! Time phrases: `9am`, `9:30pm`, `9 am`, `17:30`, `noon`, `midnight`.

use jiff::civil::Time;

use super::words::{self, Tok};

/// A time phrase at `i`: the number of words it takes and the time it means.
pub(super) fn time_phrase(toks: &[Tok], i: usize) -> Option<(usize, Time)> {
    let word = toks.get(i)?.norm.as_str();
    match word {
        "noon" | "midday" => return hm(12, 0).map(|t| (1, t)),
        "midnight" => return hm(0, 0).map(|t| (1, t)),
        _ => {}
    }
    if let Some((clock, pm)) = meridiem_suffix(word) {
        return twelve_hour(clock, pm).map(|t| (1, t));
    }
    if let Some(pm) = toks.get(i + 1).and_then(|t| meridiem(&t.norm))
        && let Some(t) = twelve_hour(word, pm)
    {
        return Some((2, t));
    }
    let (h, m) = word.split_once(':')?;
    if h.len() > 2 {
        return None;
    }
    let hour = words::digits(h).filter(|h| *h <= 23)?;
    hm(hour, minutes(m)?).map(|t| (1, t))
}

/// `am` or `pm` (also `a.m`, whose final `.` the word has lost): whether it is `pm`.
fn meridiem(s: &str) -> Option<bool> {
    match s {
        "am" | "a.m" => Some(false),
        "pm" | "p.m" => Some(true),
        _ => None,
    }
}

/// `9am`, `9:30pm`: the clock part and whether it is `pm`.
fn meridiem_suffix(s: &str) -> Option<(&str, bool)> {
    ["am", "a.m", "pm", "p.m"].iter().find_map(|suffix| {
        let clock = s.strip_suffix(suffix)?;
        Some((clock, meridiem(suffix)?))
    })
}

/// `9` or `9:30` on a twelve-hour clock (hours 1 to 12; `12am` is midnight).
fn twelve_hour(clock: &str, pm: bool) -> Option<Time> {
    let (h, m) = match clock.split_once(':') {
        Some((h, m)) => (h, minutes(m)?),
        None => (clock, 0),
    };
    if h.len() > 2 {
        return None;
    }
    let hour = words::digits(h).filter(|h| (1..=12).contains(h))? % 12;
    hm(if pm { hour + 12 } else { hour }, m)
}

/// Two digits, `00` to `59`.
fn minutes(m: &str) -> Option<u32> {
    (m.len() == 2)
        .then(|| words::digits(m))
        .flatten()
        .filter(|m| *m <= 59)
}

fn hm(hour: u32, minute: u32) -> Option<Time> {
    Time::new(i8::try_from(hour).ok()?, i8::try_from(minute).ok()?, 0, 0).ok()
}

#[cfg(test)]
mod tests {
    use jiff::civil::time;

    use super::super::words::tokens;
    use super::*;

    fn at(text: &str) -> Option<(usize, Time)> {
        time_phrase(&tokens(text), 0)
    }

    #[test]
    fn clock_times_in_both_styles() {
        assert_eq!(at("9am"), Some((1, time(9, 0, 0, 0))));
        assert_eq!(at("9:30PM"), Some((1, time(21, 30, 0, 0))));
        assert_eq!(at("9 pm"), Some((2, time(21, 0, 0, 0))));
        assert_eq!(at("11:05 a.m."), Some((2, time(11, 5, 0, 0))));
        assert_eq!(at("12am"), Some((1, time(0, 0, 0, 0))));
        assert_eq!(at("12pm"), Some((1, time(12, 0, 0, 0))));
        assert_eq!(at("17:30"), Some((1, time(17, 30, 0, 0))));
        assert_eq!(at("0:05"), Some((1, time(0, 5, 0, 0))));
        assert_eq!(at("noon"), Some((1, time(12, 0, 0, 0))));
        assert_eq!(at("midnight"), Some((1, time(0, 0, 0, 0))));
    }

    #[test]
    fn anything_else_is_no_time() {
        for text in [
            "9",
            "13pm",
            "0am",
            "24:00",
            "9:5",
            "9:60",
            "009:00",
            "9:30:00",
            "pm",
            ":30",
            "am9",
            "9 a",
            "1:2345pm",
            "१:३०",
        ] {
            assert_eq!(at(text), None, "{text}");
        }
    }
}
