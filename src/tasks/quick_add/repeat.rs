//! Recurrence phrases (`every mon, fri`, `every month on the 1st`, `every! 3 days`,
//! `daily`): the RFC 5545 rule they mean, in the canonical text of
//! [`crate::tasks::recurrence::Rule`], and the pattern that finds the first occurrence.

use jiff::civil::{Date, Weekday};

use crate::tasks::recurrence::{Rule, weekday_code};

use super::words::{self, Tok, Unit};

/// At most this many words in one list of weekdays (`every mon, tue and wed`).
const MAX_LIST_WORDS: usize = 16;
/// How many days the first occurrence is looked for: a Feb 29 is at most eight years away.
const SEARCH_DAYS: usize = 9 * 366;

/// A recognised recurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Repeat {
    /// The canonical rule text.
    pub rule: String,
    /// `every!`: the next occurrence counts from completion.
    pub from_completion: bool,
    /// Which days the rule falls on, to find the first occurrence.
    pub pattern: Pattern,
}

/// Which days a rule falls on (as far as its first occurrence is concerned: an interval
/// only spaces later occurrences).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Pattern {
    /// Any day: the series starts on the first day looked at.
    Any,
    /// These weekdays.
    Weekdays(Vec<Weekday>),
    /// This day of each month; -1 is the last day.
    MonthDay(i8),
    /// The nth such weekday of each month; -1 is the last.
    NthWeekday(i8, Weekday),
    /// This month and day of each year.
    YearDay(i8, i8),
}

impl Pattern {
    fn matches(&self, d: Date) -> bool {
        match self {
            Self::Any => true,
            Self::Weekdays(days) => days.contains(&d.weekday()),
            Self::MonthDay(-1) => d == d.last_of_month(),
            Self::MonthDay(n) => d.day() == *n,
            Self::NthWeekday(n, day) => {
                d.weekday() == *day
                    && if *n < 0 {
                        d.day() + 7 > d.days_in_month()
                    } else {
                        (d.day() - 1) / 7 + 1 == *n
                    }
            }
            Self::YearDay(month, day) => d.month() == *month && d.day() == *day,
        }
    }

    /// The first day on or after `start` the rule falls on, if any within eight years.
    pub(super) fn first_on_or_after(&self, start: Date) -> Option<Date> {
        let mut day = start;
        for _ in 0..SEARCH_DAYS {
            if self.matches(day) {
                return Some(day);
            }
            day = day.tomorrow().ok()?;
        }
        None
    }
}

/// What a rule is made of, before it is printed.
struct Spec {
    freq: &'static str,
    interval: u32,
    by_month: Option<i8>,
    by_month_day: Option<i8>,
    by_day: Vec<String>,
    pattern: Pattern,
}

impl Spec {
    fn new(freq: &'static str, pattern: Pattern) -> Self {
        Self {
            freq,
            interval: 1,
            by_month: None,
            by_month_day: None,
            by_day: Vec::new(),
            pattern,
        }
    }

    fn weekly(days: Vec<Weekday>) -> Self {
        let mut spec = Self::new("WEEKLY", Pattern::Any);
        spec.set_weekdays(days);
        spec
    }

    /// `BYDAY` with plain weekdays, Monday first, each once.
    fn set_weekdays(&mut self, mut days: Vec<Weekday>) {
        days.sort_by_key(|d| d.to_monday_zero_offset());
        days.dedup();
        self.by_day = days.iter().map(|d| weekday_code(*d).into()).collect();
        self.pattern = Pattern::Weekdays(days);
    }

    fn month_day(n: i8) -> Self {
        let mut spec = Self::new("MONTHLY", Pattern::MonthDay(n));
        spec.by_month_day = Some(n);
        spec
    }

    fn nth_weekday(n: i8, day: Weekday) -> Self {
        let mut spec = Self::new("MONTHLY", Pattern::NthWeekday(n, day));
        spec.by_day = vec![format!("{n}{}", weekday_code(day))];
        spec
    }

    fn year_day(month: i8, day: i8) -> Self {
        let mut spec = Self::new("YEARLY", Pattern::YearDay(month, day));
        spec.by_month = Some(month);
        spec.by_month_day = Some(day);
        spec
    }

    /// The canonical rule text, as `Rule` prints it; `None` if `Rule` refuses it.
    fn rule(&self) -> Option<String> {
        let mut text = format!("FREQ={};INTERVAL={}", self.freq, self.interval);
        if let Some(m) = self.by_month {
            text.push_str(&format!(";BYMONTH={m}"));
        }
        if let Some(d) = self.by_month_day {
            text.push_str(&format!(";BYMONTHDAY={d}"));
        }
        if !self.by_day.is_empty() {
            text.push_str(&format!(";BYDAY={}", self.by_day.join(",")));
        }
        Rule::parse(&text).ok().map(|r| r.to_string())
    }
}

/// A recurrence phrase at `i`: the number of words it takes and what it means.
pub(super) fn recurrence_phrase(toks: &[Tok], i: usize) -> Option<(usize, Repeat)> {
    let first = toks.get(i)?;
    let single = match first.norm.as_str() {
        "daily" => Some("DAILY"),
        "weekly" => Some("WEEKLY"),
        "monthly" => Some("MONTHLY"),
        "yearly" | "annually" => Some("YEARLY"),
        _ => None,
    };
    let (len, spec, from_completion) = if let Some(freq) = single {
        (1, Spec::new(freq, Pattern::Any), false)
    } else {
        let from_completion = match first.norm.as_str() {
            "every" => false,
            "every!" => true,
            _ => return None,
        };
        let (len, spec) = body(toks, i + 1)?;
        (len + 1, spec, from_completion)
    };
    let rule = spec.rule()?;
    Some((
        len,
        Repeat {
            rule,
            from_completion,
            pattern: spec.pattern,
        },
    ))
}

/// What follows `every`.
fn body(toks: &[Tok], i: usize) -> Option<(usize, Spec)> {
    let word = toks.get(i)?.norm.as_str();
    if matches!(word, "weekday" | "weekdays" | "workday" | "workdays") {
        let days = [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
        ];
        return Some((1, Spec::weekly(days.to_vec())));
    }
    if matches!(word, "weekend" | "weekends") {
        return Some((1, Spec::weekly(vec![Weekday::Saturday, Weekday::Sunday])));
    }
    if let Some((len, days)) = weekday_list(toks, i) {
        return Some((len, Spec::weekly(days)));
    }
    if let Some((len, month, day)) = words::month_day(toks, i) {
        return Some((len, Spec::year_day(month, day)));
    }
    if let Some(found) = day_of_month(toks, i) {
        return Some(found);
    }
    if let Some(found) = interval(toks, i) {
        return Some(found);
    }
    // `every 15th`: a day of every month.
    let day = words::day_ordinal(word)?;
    Some((1 + words::of_the_month(toks, i + 1), Spec::month_day(day)))
}

/// `last day [of the month]`, `first monday [of the month]`, `last fri`, `2nd tue`,
/// `first of the month` (the 1st), `last of the month`.
fn day_of_month(toks: &[Tok], i: usize) -> Option<(usize, Spec)> {
    let n = words::nth(&toks.get(i)?.norm)?;
    let of = words::of_the_month(toks, i + 1);
    if of > 0 {
        return Some((1 + of, Spec::month_day(n)));
    }
    let next = &toks.get(i + 1)?.norm;
    let spec = if n == -1 && next == "day" {
        Spec::month_day(-1)
    } else {
        Spec::nth_weekday(n, words::weekday(next)?)
    };
    Some((2 + words::of_the_month(toks, i + 2), spec))
}

/// `[N] unit` with its tail: `day`, `3 days`, `other week`, `2nd month`, `week on mon`,
/// `month on the 1st`, `year on dec 24`.
fn interval(toks: &[Tok], i: usize) -> Option<(usize, Spec)> {
    let word = toks.get(i)?.norm.as_str();
    let (n, at) = if words::unit(word).is_some() {
        (1, i)
    } else {
        let n = match word {
            "other" | "second" => 2,
            "third" => 3,
            _ => words::count(word)
                .or_else(|| words::day_ordinal(word).and_then(|n| u32::try_from(n).ok()))?,
        };
        (n, i + 1)
    };
    if n == 0 {
        return None;
    }
    let unit = words::unit(&toks.get(at)?.norm)?;
    let tail = at + 1;
    let (extra, mut spec) = match unit {
        Unit::Day => (0, Spec::new("DAILY", Pattern::Any)),
        Unit::Week => match on(toks, tail).and_then(|k| weekday_list(toks, k)) {
            Some((len, days)) => (len + 1, Spec::weekly(days)),
            None => (0, Spec::new("WEEKLY", Pattern::Any)),
        },
        Unit::Month => match on(toks, tail).and_then(|k| month_tail(toks, k)) {
            Some((len, spec)) => (len + 1, spec),
            None => (0, Spec::new("MONTHLY", Pattern::Any)),
        },
        Unit::Year => match on(toks, tail).and_then(|k| year_tail(toks, k)) {
            Some((len, month, day)) => (len + 1, Spec::year_day(month, day)),
            None => (0, Spec::new("YEARLY", Pattern::Any)),
        },
    };
    spec.interval = n;
    Some((tail - i + extra, spec))
}

/// `on` at `i`: where its object starts.
fn on(toks: &[Tok], i: usize) -> Option<usize> {
    words::word_is(toks, i, "on").then_some(i + 1)
}

/// After `every month on`: `[the] 15th`, `[the] first`, `[the] last day`,
/// `[the] first monday`.
fn month_tail(toks: &[Tok], i: usize) -> Option<(usize, Spec)> {
    let the = usize::from(words::word_is(toks, i, "the"));
    let at = i + the;
    if let Some((len, spec)) = day_of_month(toks, at) {
        return Some((the + len, spec));
    }
    let word = &toks.get(at)?.norm;
    let day = words::day_ordinal(word).or_else(|| words::nth(word))?;
    Some((
        the + 1 + words::of_the_month(toks, at + 1),
        Spec::month_day(day),
    ))
}

/// After `every year on`: `dec 24`, `[the] 24th of december`.
fn year_tail(toks: &[Tok], i: usize) -> Option<(usize, i8, i8)> {
    let the = usize::from(words::word_is(toks, i, "the"));
    let (len, month, day) = words::month_day(toks, i + the)?;
    Some((the + len, month, day))
}

/// One word of a weekday list: `mon`, `mondays`, `mon,fri` (commas inside a word).
fn weekday_item(tok: &Tok) -> Option<Vec<Weekday>> {
    let days: Option<Vec<_>> = tok
        .norm
        .split(',')
        .filter(|part| !part.is_empty())
        .map(words::weekday_or_plural)
        .collect();
    days.filter(|d| !d.is_empty())
}

/// A separator between weekdays: `and`, `&`, or a lone comma.
fn separator(tok: &Tok) -> bool {
    tok.is_any(&["and", "&"]) || (!tok.raw.is_empty() && tok.raw.chars().all(|c| c == ','))
}

/// `mon, fri`, `monday and friday`, `tue,thu`, `mon wed fri`: the number of words it
/// takes and the weekdays. A separator belongs to the list only when a weekday follows.
fn weekday_list(toks: &[Tok], i: usize) -> Option<(usize, Vec<Weekday>)> {
    let mut days = weekday_item(toks.get(i)?)?;
    let mut end = i + 1;
    while end - i < MAX_LIST_WORDS {
        let Some(tok) = toks.get(end) else { break };
        let (skip, item) = if separator(tok) {
            (2, toks.get(end + 1).and_then(weekday_item))
        } else {
            (1, weekday_item(tok))
        };
        let Some(item) = item else { break };
        days.extend(item);
        end += skip;
    }
    Some((end - i, days))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::super::words::tokens;
    use super::*;

    fn rule(text: &str) -> Option<(usize, String, bool)> {
        recurrence_phrase(&tokens(text), 0).map(|(n, r)| (n, r.rule, r.from_completion))
    }

    #[test]
    fn phrases_print_canonical_rules() {
        for (text, len, expected) in [
            ("daily", 1, "FREQ=DAILY"),
            ("every 1 day", 3, "FREQ=DAILY"),
            ("every other week", 3, "FREQ=WEEKLY;INTERVAL=2"),
            ("every 2nd month", 3, "FREQ=MONTHLY;INTERVAL=2"),
            ("every two years", 3, "FREQ=YEARLY;INTERVAL=2"),
            ("every sun , sat", 4, "FREQ=WEEKLY;BYDAY=SA,SU"),
            ("every fri,mon,fri", 2, "FREQ=WEEKLY;BYDAY=MO,FR"),
            ("every mon wed & fri", 5, "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
            ("every tuesdays and", 2, "FREQ=WEEKLY;BYDAY=TU"),
            ("every weekends", 2, "FREQ=WEEKLY;BYDAY=SA,SU"),
            ("every 2 weeks on tue", 5, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
            ("every week on", 2, "FREQ=WEEKLY"),
            ("every month on 15th", 4, "FREQ=MONTHLY;BYMONTHDAY=15"),
            ("every month on the 31st", 5, "FREQ=MONTHLY;BYMONTHDAY=31"),
            (
                "every month on the last friday",
                6,
                "FREQ=MONTHLY;BYDAY=-1FR",
            ),
            (
                "every 3 months on the first mon",
                7,
                "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO",
            ),
            ("every second tue of the month", 6, "FREQ=MONTHLY;BYDAY=2TU"),
            ("every last day of month", 5, "FREQ=MONTHLY;BYMONTHDAY=-1"),
            ("every 2nd", 2, "FREQ=MONTHLY;BYMONTHDAY=2"),
            ("every first of the month", 5, "FREQ=MONTHLY;BYMONTHDAY=1"),
            ("every last of month", 4, "FREQ=MONTHLY;BYMONTHDAY=-1"),
            ("every month on the first", 5, "FREQ=MONTHLY;BYMONTHDAY=1"),
            ("every month on the last", 5, "FREQ=MONTHLY;BYMONTHDAY=-1"),
            (
                "every 24th of december",
                4,
                "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24",
            ),
            (
                "every year on feb 29",
                5,
                "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
            ),
            (
                "every year on the 1st of may",
                7,
                "FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=1",
            ),
        ] {
            assert_eq!(rule(text), Some((len, expected.into(), false)), "{text}");
        }
        assert_eq!(rule("EVERY! day"), Some((2, "FREQ=DAILY".into(), true)));
        // A month has no sixth Monday: `every 6th` is the 6th of the month, and `monday`
        // is left for the next phrase.
        let sixth = Some((2, "FREQ=MONTHLY;BYMONTHDAY=6".into(), false));
        assert_eq!(rule("every 6th monday"), sixth);
    }

    #[test]
    fn anything_else_is_no_recurrence() {
        for text in [
            "every",
            "every time",
            "every 0 days",
            "every 1001 days",
            "every feb 30",
            "every last",
            "every first",
            "every!!",
            "everyday",
            "daily!",
        ] {
            assert_eq!(rule(text), None, "{text}");
        }
    }

    #[test]
    fn first_occurrences() {
        let wed = date(2026, 12, 2);
        let first = |p: Pattern| p.first_on_or_after(wed);
        assert_eq!(first(Pattern::Any), Some(wed));
        let days = vec![Weekday::Monday, Weekday::Friday];
        assert_eq!(first(Pattern::Weekdays(days)), Some(date(2026, 12, 4)));
        assert_eq!(first(Pattern::MonthDay(1)), Some(date(2027, 1, 1)));
        assert_eq!(first(Pattern::MonthDay(-1)), Some(date(2026, 12, 31)));
        assert_eq!(first(Pattern::MonthDay(31)), Some(date(2026, 12, 31)));
        let feb = date(2027, 2, 1);
        assert_eq!(
            Pattern::MonthDay(30).first_on_or_after(feb),
            Some(date(2027, 3, 30))
        );
        assert_eq!(
            first(Pattern::NthWeekday(1, Weekday::Monday)),
            Some(date(2026, 12, 7))
        );
        assert_eq!(
            first(Pattern::NthWeekday(-1, Weekday::Friday)),
            Some(date(2026, 12, 25))
        );
        assert_eq!(
            first(Pattern::NthWeekday(5, Weekday::Monday)),
            Some(date(2027, 3, 29))
        );
        assert_eq!(first(Pattern::YearDay(2, 29)), Some(date(2028, 2, 29)));
        let late = date(2097, 3, 1);
        assert_eq!(
            Pattern::YearDay(2, 29).first_on_or_after(late),
            Some(date(2104, 2, 29))
        );
        let end = date(9999, 12, 30);
        assert_eq!(Pattern::MonthDay(1).first_on_or_after(end), None);
    }
}
