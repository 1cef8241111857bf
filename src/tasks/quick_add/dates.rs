//! Date phrases: `today`, `tomorrow`, weekdays, `next week`, `in 3 days`, `Dec 24`,
//! `2026-12-24`. Every date a phrase yields is on or after today; a phrase that would
//! name an earlier date, or one outside jiff's range, is no date phrase at all.

use jiff::Span;
use jiff::civil::{Date, Weekday};

use super::words::{self, Tok, Unit};

/// A date phrase at `i`: the number of words it takes and the date it means.
pub(super) fn date_phrase(toks: &[Tok], i: usize, today: Date) -> Option<(usize, Date)> {
    let first = toks.get(i)?;
    let found = match first.norm.as_str() {
        "today" => Some((1, today)),
        "tomorrow" | "tmr" | "tmrw" => today.tomorrow().ok().map(|d| (1, d)),
        "next" => next(toks.get(i + 1)?, today).map(|d| (2, d)),
        "this" => {
            let day = words::weekday(&toks.get(i + 1)?.norm)?;
            after(today, day).map(|d| (2, d))
        }
        "in" => in_span(toks, i + 1, today).map(|d| (3, d)),
        word => {
            if let Some(day) = words::weekday(word) {
                after(today, day).map(|d| (1, d))
            } else if let Some(d) = iso(word) {
                Some((1, d))
            } else {
                calendar(toks, i, today)
            }
        }
    };
    found.filter(|(_, d)| *d >= today)
}

/// `the 15th [of the month]`, `the 24th of december`: only after a glue word (`on the
/// 1st`; alone, `the 2nd floor` is no date). A day of the month alone is the next such day
/// on or after today (months without it are skipped).
pub(super) fn the_day(toks: &[Tok], i: usize, today: Date) -> Option<(usize, Date)> {
    if !words::word_is(toks, i, "the") {
        return None;
    }
    if words::month_day(toks, i + 1).is_some() {
        return calendar(toks, i + 1, today)
            .map(|(len, d)| (len + 1, d))
            .filter(|(_, d)| *d >= today);
    }
    let day = words::day_ordinal(&toks.get(i + 1)?.norm)?;
    let len = 2 + words::of_the_month(toks, i + 2);
    let mut month = today.first_of_month();
    for _ in 0..12 {
        if let Ok(d) = Date::new(month.year(), month.month(), day)
            && d >= today
        {
            return Some((len, d));
        }
        month = month.checked_add(Span::new().try_months(1).ok()?).ok()?;
    }
    None
}

/// The first `day` after `today` (1 to 7 days ahead: today itself is not taken).
fn after(today: Date, day: Weekday) -> Option<Date> {
    let ahead = match today.weekday().until(day) {
        0 => 7,
        n => n,
    };
    today.checked_add(Span::new().try_days(ahead).ok()?).ok()
}

/// The Monday of the week after today's (weeks start on Monday).
fn next_monday(today: Date) -> Option<Date> {
    let ahead = 7 - today.weekday().to_monday_zero_offset();
    today.checked_add(Span::new().try_days(ahead).ok()?).ok()
}

/// `next week` (next Monday), `next month` (its 1st), `next friday` (the Friday of next
/// week).
fn next(word: &Tok, today: Date) -> Option<Date> {
    match word.norm.as_str() {
        "week" => next_monday(today),
        "month" => today
            .first_of_month()
            .checked_add(Span::new().try_months(1).ok()?)
            .ok(),
        other => {
            let day = words::weekday(other)?;
            let offset = day.to_monday_zero_offset();
            next_monday(today)?
                .checked_add(Span::new().try_days(offset).ok()?)
                .ok()
        }
    }
}

/// `in N days|weeks|months|years` after `in`; N is a count or `a`/`an`, at least 1. Month
/// arithmetic clamps to the end of a shorter month (Jan 31 + 1 month = Feb 28).
fn in_span(toks: &[Tok], i: usize, today: Date) -> Option<Date> {
    let n = toks.get(i)?;
    let n = if n.is_any(&["a", "an"]) {
        1
    } else {
        words::count(&n.norm)?
    };
    if n == 0 {
        return None;
    }
    let n = i64::from(n);
    let span = match words::unit(&toks.get(i + 1)?.norm)? {
        Unit::Day => Span::new().try_days(n),
        Unit::Week => Span::new().try_weeks(n),
        Unit::Month => Span::new().try_months(n),
        Unit::Year => Span::new().try_years(n),
    };
    today.checked_add(span.ok()?).ok()
}

/// `YYYY-MM-DD`, exactly.
fn iso(word: &str) -> Option<Date> {
    let b = word.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(k, c)| match k {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    let year = word.get(0..4)?.parse().ok()?;
    let month = word.get(5..7)?.parse().ok()?;
    let day = word.get(8..10)?.parse().ok()?;
    Date::new(year, month, day).ok()
}

/// `Dec 24`, `24 Dec`, `December 24th`, `24th of December`, optionally followed by a
/// four-digit year (`Dec 24 2027`, `Dec 24, 2027`). Without a year: the next such date on
/// or after today (Feb 29: in the next leap year). With one: that date, which must exist.
fn calendar(toks: &[Tok], i: usize, today: Date) -> Option<(usize, Date)> {
    let (len, month, day) = words::month_day(toks, i)?;
    if let Some(year) = toks.get(i + len).filter(|t| t.norm.len() == 4)
        && let Some(year) = words::digits(&year.norm)
    {
        let year = i16::try_from(year).ok()?;
        return Date::new(year, month, day).ok().map(|d| (len + 1, d));
    }
    let mut year = today.year();
    // A Feb 29 is at most eight years away.
    for _ in 0..=8 {
        if let Ok(d) = Date::new(year, month, day)
            && d >= today
        {
            return Some((len, d));
        }
        year = year.checked_add(1)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::super::words::tokens;
    use super::*;

    /// A Wednesday.
    const TODAY: Date = date(2026, 12, 2);

    fn at(text: &str) -> Option<(usize, Date)> {
        date_phrase(&tokens(text), 0, TODAY)
    }

    #[test]
    fn weekdays_are_strictly_after_today() {
        assert_eq!(at("wed"), Some((1, date(2026, 12, 9))));
        assert_eq!(at("Thursday"), Some((1, date(2026, 12, 3))));
        assert_eq!(at("tue"), Some((1, date(2026, 12, 8))));
        assert_eq!(at("this wed"), Some((2, date(2026, 12, 9))));
        assert_eq!(at("next mon"), Some((2, date(2026, 12, 7))));
        assert_eq!(at("next sun"), Some((2, date(2026, 12, 13))));
        assert_eq!(at("next wed"), Some((2, date(2026, 12, 9))));
        // From a Monday, next week is a week away.
        let monday = date(2026, 12, 7);
        assert_eq!(next_monday(monday), Some(date(2026, 12, 14)));
    }

    #[test]
    fn spans_count_from_today() {
        assert_eq!(at("in 3 days"), Some((3, date(2026, 12, 5))));
        assert_eq!(at("in a week"), Some((3, date(2026, 12, 9))));
        assert_eq!(at("in two months"), Some((3, date(2027, 2, 2))));
        assert_eq!(at("in 1 year"), Some((3, date(2027, 12, 2))));
        assert_eq!(at("in 0 days"), None);
        assert_eq!(at("in 9999 years"), None);
        assert_eq!(at("in the morning"), None);
        assert_eq!(at("next month"), Some((2, date(2027, 1, 1))));
        let the = |text| the_day(&tokens(text), 0, TODAY);
        assert_eq!(the("the 2nd"), Some((2, TODAY)));
        assert_eq!(the("the 1st of the month"), Some((5, date(2027, 1, 1))));
        assert_eq!(the("the 31st"), Some((2, date(2026, 12, 31))));
        assert_eq!(the("the 24th of june"), Some((4, date(2027, 6, 24))));
        assert_eq!(the("the 24th of june 2020"), None);
        assert_eq!(the("the 2"), None);
        assert_eq!(the("2nd"), None);
        let jan31 = date(2027, 1, 31);
        let next = the_day(&tokens("the 30th"), 0, jan31);
        assert_eq!(next, Some((2, date(2027, 3, 30))));
    }

    #[test]
    fn calendar_dates_are_on_or_after_today() {
        assert_eq!(at("Dec 2"), Some((2, TODAY)));
        assert_eq!(at("dec 1"), Some((2, date(2027, 12, 1))));
        assert_eq!(at("feb 29"), Some((2, date(2028, 2, 29))));
        assert_eq!(at("24th of june"), Some((3, date(2027, 6, 24))));
        assert_eq!(at("dec 24, 2027"), Some((3, date(2027, 12, 24))));
        assert_eq!(at("dec 24 2025"), None);
        assert_eq!(at("feb 29 2027"), None);
        assert_eq!(at("2026-12-24"), Some((1, date(2026, 12, 24))));
        assert_eq!(at("2026-12-01"), None);
        assert_eq!(at("2026-02-30"), None);
        assert_eq!(at("2026-1-01"), None);
        // Near the end of jiff's range nothing panics.
        let last = date(9999, 12, 31);
        assert_eq!(date_phrase(&tokens("tomorrow"), 0, last), None);
        assert_eq!(date_phrase(&tokens("jan 1"), 0, last), None);
        assert_eq!(date_phrase(&tokens("next week"), 0, last), None);
    }
}
