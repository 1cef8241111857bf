//! The words of the grammar: how an input word is compared, and the small lexicons
//! (numbers, ordinals, weekdays, months, units) the phrases are built from. Everything
//! here is ASCII matching on the lowercased word; nothing can panic on any input.

use jiff::civil::Weekday;

/// Punctuation that may trail a grammar word and then belongs to it (`mon,`, `tomorrow.`).
const TRAILING: &[char] = &[',', '.', ';', ':'];

/// One whitespace-separated input word, ready to compare.
#[derive(Debug)]
pub(super) struct Tok<'a> {
    /// As typed.
    pub raw: &'a str,
    /// As typed, less trailing `,` `.` `;` `:`.
    pub bare: &'a str,
    /// `bare`, lowercased.
    pub norm: String,
}

impl Tok<'_> {
    /// Whether the word is `word` (already lowercase).
    pub fn is(&self, word: &str) -> bool {
        self.norm == word
    }

    /// Whether the word is one of `words`.
    pub fn is_any(&self, words: &[&str]) -> bool {
        words.contains(&self.norm.as_str())
    }
}

/// The input's whitespace-separated words.
pub(super) fn tokens(text: &str) -> Vec<Tok<'_>> {
    text.split_whitespace()
        .map(|raw| {
            let bare = raw.trim_end_matches(TRAILING);
            Tok {
                raw,
                bare,
                norm: bare.to_lowercase(),
            }
        })
        .collect()
}

/// The word at `i` is `word`.
pub(super) fn word_is(toks: &[Tok], i: usize, word: &str) -> bool {
    toks.get(i).is_some_and(|t| t.is(word))
}

/// A run of 1 to 4 ASCII digits.
pub(super) fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A count: digits or `one` to `twelve`.
pub(super) fn count(s: &str) -> Option<u32> {
    digits(s).or_else(|| {
        let words = [
            "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve",
        ];
        words
            .iter()
            .position(|w| *w == s)
            .and_then(|p| u32::try_from(p + 1).ok())
    })
}

/// `1st` to `31st`, with the suffix English gives the number (`2nd`, `23rd`, `11th`).
pub(super) fn day_ordinal(s: &str) -> Option<i8> {
    let split = s.len().checked_sub(2)?;
    let (num, suffix) = (s.get(..split)?, s.get(split..)?);
    if num.len() > 2 || num.starts_with('0') {
        return None;
    }
    let n = digits(num)?;
    let expected = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    if suffix != expected || !(1..=31).contains(&n) {
        return None;
    }
    i8::try_from(n).ok()
}

/// A day of the month: `24` or `24th`.
pub(super) fn day_number(s: &str) -> Option<i8> {
    day_ordinal(s).or_else(|| {
        digits(s)
            .filter(|n| (1..=31).contains(n) && s.len() <= 2)
            .and_then(|n| i8::try_from(n).ok())
    })
}

/// The position of a weekday in a month: `first` to `fifth`, `1st` to `5th`, `last` (-1).
pub(super) fn nth(s: &str) -> Option<i8> {
    let words = ["first", "second", "third", "fourth", "fifth"];
    if s == "last" {
        return Some(-1);
    }
    words
        .iter()
        .position(|w| *w == s)
        .and_then(|p| i8::try_from(p + 1).ok())
        .or_else(|| day_ordinal(s).filter(|n| *n <= 5))
}

/// A weekday: its full name or an abbreviation (`mon`, `tue`, `tues`, `thu`, `thurs`, ...).
pub(super) fn weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "monday" | "mon" => Weekday::Monday,
        "tuesday" | "tue" | "tues" => Weekday::Tuesday,
        "wednesday" | "wed" => Weekday::Wednesday,
        "thursday" | "thu" | "thur" | "thurs" => Weekday::Thursday,
        "friday" | "fri" => Weekday::Friday,
        "saturday" | "sat" => Weekday::Saturday,
        "sunday" | "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// A weekday, also as a full plural name (`mondays`), for recurrences.
pub(super) fn weekday_or_plural(s: &str) -> Option<Weekday> {
    weekday(s).or_else(|| {
        s.strip_suffix('s')
            .filter(|name| name.ends_with("day"))
            .and_then(weekday)
    })
}

/// A month, 1 to 12: its full name or an abbreviation (`dec`, `sept`).
pub(super) fn month(s: &str) -> Option<i8> {
    Some(match s {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" | "mar" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" | "jun" => 6,
        "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}

/// The most days a month ever has (February: 29).
pub(super) fn max_days(month: i8) -> i8 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A unit of calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    /// `day`, `days`.
    Day,
    /// `week`, `weeks`.
    Week,
    /// `month`, `months`.
    Month,
    /// `year`, `years`.
    Year,
}

/// A unit, singular or plural.
pub(super) fn unit(s: &str) -> Option<Unit> {
    Some(match s {
        "day" | "days" => Unit::Day,
        "week" | "weeks" => Unit::Week,
        "month" | "months" => Unit::Month,
        "year" | "years" => Unit::Year,
        _ => return None,
    })
}

/// `of the month` (or `of month`) at `i`, which adds nothing: the number of words it takes.
pub(super) fn of_the_month(toks: &[Tok], i: usize) -> usize {
    if !word_is(toks, i, "of") {
        return 0;
    }
    if word_is(toks, i + 1, "month") {
        2
    } else if word_is(toks, i + 1, "the") && word_is(toks, i + 2, "month") {
        3
    } else {
        0
    }
}

/// A month and a day at `i`: `dec 24`, `december 24th`, `24 dec`, `24th of december`.
/// The day must exist in some year (Feb 29 does, Feb 30 does not). Returns the number of
/// words taken, the month and the day.
pub(super) fn month_day(toks: &[Tok], i: usize) -> Option<(usize, i8, i8)> {
    let first = &toks.get(i)?.norm;
    let second = &toks.get(i + 1)?.norm;
    let (len, month, day) = if let Some(m) = month(first) {
        (2, m, day_number(second)?)
    } else {
        let day = day_number(first)?;
        if let Some(m) = month(second) {
            (2, m, day)
        } else if second == "of" {
            (3, month(&toks.get(i + 2)?.norm)?, day)
        } else {
            return None;
        }
    };
    (day <= max_days(month)).then_some((len, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_take_the_english_suffix_only() {
        for (s, n) in [("1st", 1), ("2nd", 2), ("3rd", 3), ("4th", 4), ("11th", 11)] {
            assert_eq!(day_ordinal(s), Some(n), "{s}");
        }
        for (s, n) in [("12th", 12), ("13th", 13), ("21st", 21), ("22nd", 22)] {
            assert_eq!(day_ordinal(s), Some(n), "{s}");
        }
        for s in [
            "1th", "2st", "11st", "12nd", "32nd", "0th", "01st", "st", "", "ä1st",
        ] {
            assert_eq!(day_ordinal(s), None, "{s}");
        }
    }

    #[test]
    fn words_lose_trailing_punctuation_and_case_only() {
        let toks = tokens("  Mon, FRI.\tevery! #Home; ");
        let seen: Vec<_> = toks
            .iter()
            .map(|t| (t.raw, t.bare, t.norm.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("Mon,", "Mon", "mon"),
                ("FRI.", "FRI", "fri"),
                ("every!", "every!", "every!"),
                ("#Home;", "#Home", "#home"),
            ]
        );
    }

    #[test]
    fn month_days_must_exist_in_some_year() {
        let toks = tokens("feb 29 feb 30 31st of april 24 dec");
        assert_eq!(month_day(&toks, 0), Some((2, 2, 29)));
        assert_eq!(month_day(&toks, 2), None);
        assert_eq!(month_day(&toks, 4), None);
        assert_eq!(month_day(&toks, 7), Some((2, 12, 24)));
    }
}
