//! Expanding a rule into the dates of its series, as RFC 5545 section 3.3.10 describes:
//! periods of `FREQ` x `INTERVAL` from the start's period; in each, the dates `BYMONTH`,
//! `BYMONTHDAY` and `BYDAY` choose (expanding or limiting as the frequency says), then
//! `BYSETPOS` picks among them. The start always counts as the first date (so `COUNT`
//! includes it) even when the rule would not choose it, as RFC 5545 says of `DTSTART`.
//!
//! Where the rule gives no `BY` part, the start supplies it (a weekly rule repeats the
//! start's weekday, a monthly one its day of the month, a yearly one its month and day),
//! as RFC 5545 and python-dateutil do. A date that does not exist (the 31st of April, the
//! fifth Friday of a short month) is no date. A rule that chooses nothing in 400 years (the
//! Gregorian calendar's cycle) has no further dates.

use jiff::Span;
use jiff::civil::{Date, Weekday};

use super::{Freq, Rule, WeekdayNum};

/// Years without a date after which a series is taken to have ended.
const QUIET_YEARS: i16 = 400;

/// The parts that choose dates within a period, with the start's defaults filled in.
#[derive(Debug, Clone)]
struct Choice {
    freq: Freq,
    interval: i64,
    by_month: Vec<i8>,
    by_month_day: Vec<i8>,
    by_day: Vec<WeekdayNum>,
    by_set_pos: Vec<i16>,
}

impl Choice {
    fn new(rule: &Rule, start: Date) -> Self {
        let mut choice = Self {
            freq: rule.freq,
            interval: i64::from(rule.interval),
            by_month: rule.by_month.clone(),
            by_month_day: rule.by_month_day.clone(),
            by_day: rule.by_day.clone(),
            by_set_pos: rule.by_set_pos.clone(),
        };
        if choice.by_day.is_empty() && choice.by_month_day.is_empty() {
            match rule.freq {
                Freq::Daily => {}
                Freq::Weekly => choice.by_day.push(WeekdayNum {
                    ordinal: None,
                    weekday: start.weekday(),
                }),
                Freq::Monthly => choice.by_month_day.push(start.day()),
                Freq::Yearly => {
                    if choice.by_month.is_empty() {
                        choice.by_month.push(start.month());
                    }
                    choice.by_month_day.push(start.day());
                }
            }
        }
        choice
    }

    /// The first day of the period holding `day`.
    fn period_of(&self, day: Date, week_start: Weekday) -> Date {
        match self.freq {
            Freq::Daily => day,
            Freq::Weekly => day
                .checked_sub(Span::new().days(week_start.until(day.weekday())))
                .unwrap_or(day),
            Freq::Monthly => day.first_of_month(),
            Freq::Yearly => day.first_of_year(),
        }
    }

    /// The last period of the series (those `INTERVAL` periods apart from `first`) that
    /// starts on or before the period holding `day`.
    fn period_near(&self, first: Date, day: Date, week_start: Weekday) -> Option<Date> {
        let target = self.period_of(day, week_start);
        let n = self.interval;
        let span = match self.freq {
            Freq::Daily => Span::new().days(i64::from((target - first).get_days()) / n * n),
            Freq::Weekly => Span::new().weeks(i64::from((target - first).get_days()) / 7 / n * n),
            Freq::Monthly => {
                let months = (i64::from(target.year()) - i64::from(first.year())) * 12
                    + i64::from(target.month())
                    - i64::from(first.month());
                Span::new().months(months / n * n)
            }
            Freq::Yearly => {
                Span::new().years((i64::from(target.year()) - i64::from(first.year())) / n * n)
            }
        };
        first.checked_add(span).ok().filter(|p| *p >= first)
    }

    /// The first day of the period `INTERVAL` periods after the one starting `period`.
    fn next_period(&self, period: Date) -> Option<Date> {
        let n = self.interval;
        let span = match self.freq {
            Freq::Daily => Span::new().days(n),
            Freq::Weekly => Span::new().weeks(n),
            Freq::Monthly => Span::new().months(n),
            Freq::Yearly => Span::new().years(n),
        };
        period.checked_add(span).ok()
    }

    /// The dates the rule chooses in the period starting `period`, in order.
    fn dates_in(&self, period: Date) -> Vec<Date> {
        let mut dates: Vec<Date> = match self.freq {
            Freq::Daily => vec![period],
            Freq::Weekly => (0..7)
                .filter_map(|i| period.checked_add(Span::new().days(i)).ok())
                .collect(),
            Freq::Monthly => days_of_month(period),
            Freq::Yearly => (1..=12)
                .filter(|m| self.by_month.is_empty() || self.by_month.contains(m))
                .filter_map(|m| Date::new(period.year(), m, 1).ok())
                .flat_map(days_of_month)
                .collect(),
        };
        dates.retain(|d| self.chooses(*d));
        if self.by_set_pos.is_empty() {
            return dates;
        }
        let len = i64::try_from(dates.len()).unwrap_or(i64::MAX);
        let mut picked: Vec<Date> = self
            .by_set_pos
            .iter()
            .filter_map(|&pos| {
                let pos = i64::from(pos);
                let index = if pos > 0 { pos - 1 } else { len + pos };
                usize::try_from(index)
                    .ok()
                    .and_then(|i| dates.get(i).copied())
            })
            .collect();
        picked.sort_unstable();
        picked.dedup();
        picked
    }

    /// Whether `day` passes `BYMONTH`, `BYMONTHDAY` and `BYDAY`.
    fn chooses(&self, day: Date) -> bool {
        let month_len = day.days_in_month();
        let from_end = day.day() - month_len - 1;
        (self.by_month.is_empty() || self.by_month.contains(&day.month()))
            && (self.by_month_day.is_empty()
                || self.by_month_day.contains(&day.day())
                || self.by_month_day.contains(&from_end))
            && (self.by_day.is_empty() || self.by_day.iter().any(|w| self.is_day(*w, day)))
    }

    /// Whether `day` is the weekday `w` names: any such weekday, or the nth in its month
    /// (monthly rules, and yearly rules with `BYMONTH`) or in its year.
    fn is_day(&self, w: WeekdayNum, day: Date) -> bool {
        if day.weekday() != w.weekday {
            return false;
        }
        let Some(n) = w.ordinal else {
            return true;
        };
        let (position, length) = if self.freq == Freq::Yearly && self.by_month.is_empty() {
            (day.day_of_year(), day.days_in_year())
        } else {
            (i16::from(day.day()), i16::from(day.days_in_month()))
        };
        let nth = if n > 0 {
            (position - 1) / 7 + 1
        } else {
            -((length - position) / 7 + 1)
        };
        nth == i16::from(n)
    }
}

fn days_of_month(first: Date) -> Vec<Date> {
    (1..=first.days_in_month())
        .filter_map(|d| Date::new(first.year(), first.month(), d).ok())
        .collect()
}

/// The dates of a series, in order: the start, then every date after it the rule chooses,
/// up to `COUNT`. `UNTIL` is not applied here: whether a date is before it depends on the
/// time of day and the zone of the task (see [`super::next`]).
#[derive(Debug, Clone)]
pub struct Dates {
    choice: Choice,
    start: Date,
    count: Option<u32>,
    produced: u32,
    /// The next period to expand; `None` once the calendar or the series has ended.
    period: Option<Date>,
    /// Chosen dates of the current period not yet produced, last first.
    pending: Vec<Date>,
    /// The start of the last period that chose a date.
    last_chosen: Date,
}

impl Rule {
    /// The dates of the series this rule makes from `start`.
    pub fn dates(&self, start: Date) -> Dates {
        let choice = Choice::new(self, start);
        let period = choice.period_of(start, self.week_start);
        Dates {
            choice,
            start,
            count: self.count,
            produced: 0,
            period: Some(period),
            pending: Vec::new(),
            last_chosen: period,
        }
    }
}

impl Dates {
    /// Skips to the period holding `day` (rules without `COUNT` only, whose dates do not
    /// depend on how many came before): the dates on from there, without the start. A
    /// series a year or ten old then costs no more to roll than a new one.
    pub fn skip_to(mut self, day: Date, week_start: Weekday) -> Self {
        if self.count.is_some() || day <= self.start {
            return self;
        }
        if let Some(first) = self.period
            && let Some(near) = self.choice.period_near(first, day, week_start)
            && near > first
        {
            self.produced = self.produced.max(1);
            self.pending.clear();
            self.period = Some(near);
            self.last_chosen = near;
        }
        self
    }
}

impl Iterator for Dates {
    type Item = Date;

    fn next(&mut self) -> Option<Date> {
        if self.count.is_some_and(|n| self.produced >= n) {
            return None;
        }
        if self.produced == 0 {
            self.produced = 1;
            return Some(self.start);
        }
        loop {
            if let Some(day) = self.pending.pop() {
                self.produced += 1;
                return Some(day);
            }
            let period = self.period?;
            if period.year() - self.last_chosen.year() > QUIET_YEARS {
                self.period = None;
                return None;
            }
            let start = self.start;
            let mut dates = self.choice.dates_in(period);
            dates.retain(|d| *d > start);
            if !dates.is_empty() {
                self.last_chosen = period;
            }
            dates.reverse();
            self.pending = dates;
            self.period = self.choice.next_period(period);
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn first(rule: &str, start: Date, n: usize) -> Vec<String> {
        Rule::parse(rule)
            .unwrap_or_else(|e| panic!("{rule}: {e:?}"))
            .dates(start)
            .take(n)
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn the_cases_the_issue_names() {
        // The 31st: months without one are skipped.
        assert_eq!(
            first("FREQ=MONTHLY;BYMONTHDAY=31", date(2026, 1, 31), 4),
            ["2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31"]
        );
        // The last day of every month, leap February included.
        assert_eq!(
            first("FREQ=MONTHLY;BYMONTHDAY=-1", date(2028, 1, 31), 3),
            ["2028-01-31", "2028-02-29", "2028-03-31"]
        );
        // The last Friday.
        assert_eq!(
            first("FREQ=MONTHLY;BYDAY=-1FR", date(2026, 12, 25), 3),
            ["2026-12-25", "2027-01-29", "2027-02-26"]
        );
        // Leap days, yearly: only leap years have one.
        assert_eq!(
            first("FREQ=YEARLY", date(2028, 2, 29), 3),
            ["2028-02-29", "2032-02-29", "2036-02-29"]
        );
        // COUNT counts the start; UNTIL is the caller's.
        assert_eq!(first("FREQ=DAILY;COUNT=3", date(2026, 12, 30), 9).len(), 3);
        // The last weekday of the month (BYSETPOS).
        assert_eq!(
            first(
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
                date(2026, 1, 30),
                3
            ),
            ["2026-01-30", "2026-02-27", "2026-03-31"]
        );
    }

    #[test]
    fn weekly_rules_choose_days_in_weeks_of_their_interval() {
        // Every other week on Monday and Friday, from a Wednesday: the start counts, then
        // the rest of its week, then two weeks on.
        assert_eq!(
            first("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR", date(2026, 12, 2), 5),
            [
                "2026-12-02",
                "2026-12-04",
                "2026-12-14",
                "2026-12-18",
                "2026-12-28"
            ]
        );
        // WKST decides which days share a week: with Sunday weeks, the Sunday after a
        // Saturday start opens a new week, skipped by INTERVAL=2.
        assert_eq!(
            first(
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,SA;WKST=SU",
                date(2026, 12, 5),
                3
            ),
            ["2026-12-05", "2026-12-13", "2026-12-19"]
        );
        assert_eq!(
            first("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,SA", date(2026, 12, 5), 3),
            ["2026-12-05", "2026-12-06", "2026-12-19"]
        );
    }

    #[test]
    fn skipping_ahead_gives_the_dates_walking_gives() {
        for rule in [
            "FREQ=DAILY;INTERVAL=3",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SA;WKST=SU",
            "FREQ=MONTHLY;INTERVAL=5;BYDAY=-1FR",
            "FREQ=YEARLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=28,-1",
            "FREQ=MONTHLY;BYMONTHDAY=31",
        ] {
            let parsed = Rule::parse(rule).unwrap_or_else(|e| panic!("{rule}: {e:?}"));
            let start = date(2013, 3, 14);
            for day in [date(2013, 3, 20), date(2019, 7, 1), date(2026, 12, 31)] {
                let walked: Vec<Date> = parsed
                    .dates(start)
                    .skip_while(|d| *d < day)
                    .take(5)
                    .collect();
                let skipped: Vec<Date> = parsed
                    .dates(start)
                    .skip_to(day, parsed.week_start)
                    .skip_while(|d| *d < day)
                    .take(5)
                    .collect();
                assert_eq!(skipped, walked, "{rule} from {day}");
                assert_eq!(walked.len(), 5, "{rule}");
            }
        }
    }

    #[test]
    fn a_rule_that_never_chooses_a_date_ends() {
        // No 30th of February: just the start, and the iterator ends rather than spins.
        assert_eq!(
            first("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", date(2026, 1, 1), 5),
            ["2026-01-01"]
        );
        // The calendar's end ends a series too.
        assert_eq!(
            first("FREQ=YEARLY", date(9998, 6, 1), 5),
            ["9998-06-01", "9999-06-01"]
        );
    }
}
