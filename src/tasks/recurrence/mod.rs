//! Recurrence rules: the RFC 5545 `RRULE` subset of API-2.md section 2. [`Rule::parse`]
//! reads a rule into a value that can only hold a supported, consistent rule (anything else
//! is refused naming the part, [`parse`]); [`Rule::dates`] expands it from a start date
//! into the dates of its series ([`expand`]); [`next`] moves a task's due along it; a
//! task's series and its occurrences are values of [`series`].
//!
//! Dates are jiff's civil dates: a rule has no time parts in the subset, so a series is a
//! sequence of dates, and a timed task keeps its wall-clock time on each of them.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};

mod describe;
pub mod expand;
pub mod next;
mod parse;
pub mod series;

pub use expand::Dates;
pub use next::{Due, Roll};
pub use series::{Occurrence, RecurFrom, Recurrence, RecurrenceSpec};

/// Largest `INTERVAL`.
pub const MAX_INTERVAL: u16 = 1000;
/// Largest `COUNT`.
pub const MAX_COUNT: u32 = 10_000;

/// `FREQ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    /// Every day.
    Daily,
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
    /// Every year.
    Yearly,
}

/// One `BYDAY` entry: a weekday, with an ordinal in the month or year (`2MO`, `-1FR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekdayNum {
    /// `1` to `53` or `-53` to `-1`; `None` for every such weekday.
    pub ordinal: Option<i8>,
    /// The weekday.
    pub weekday: Weekday,
}

/// `UNTIL`: a date for all-day series, an instant (UTC) for timed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// `YYYYMMDD`.
    Date(Date),
    /// `YYYYMMDDTHHMMSSZ`.
    Instant(Timestamp),
}

/// A supported recurrence rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// How often.
    pub freq: Freq,
    /// Every `interval` periods (1 by default).
    pub interval: u16,
    /// `BYDAY`.
    pub by_day: Vec<WeekdayNum>,
    /// `BYMONTHDAY`: `1` to `31` or `-31` to `-1`.
    pub by_month_day: Vec<i8>,
    /// `BYMONTH`: `1` to `12`.
    pub by_month: Vec<i8>,
    /// `BYSETPOS`: `1` to `366` or `-366` to `-1`.
    pub by_set_pos: Vec<i16>,
    /// `COUNT`.
    pub count: Option<u32>,
    /// `UNTIL`.
    pub until: Option<Until>,
    /// `WKST` (Monday by default).
    pub week_start: Weekday,
}

impl Rule {
    /// One interval of the rule as (months, days): how far "from completion" moves.
    pub fn step(&self) -> (u32, u32) {
        let n = u32::from(self.interval);
        match self.freq {
            Freq::Daily => (0, n),
            Freq::Weekly => (0, 7 * n),
            Freq::Monthly => (n, 0),
            Freq::Yearly => (12 * n, 0),
        }
    }
}

/// The RFC 5545 code of a weekday (`MO` ... `SU`).
pub fn weekday_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "MO",
        Weekday::Tuesday => "TU",
        Weekday::Wednesday => "WE",
        Weekday::Thursday => "TH",
        Weekday::Friday => "FR",
        Weekday::Saturday => "SA",
        Weekday::Sunday => "SU",
    }
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The canonical text: parts in a fixed order, defaults left out.
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let freq = match self.freq {
            Freq::Daily => "DAILY",
            Freq::Weekly => "WEEKLY",
            Freq::Monthly => "MONTHLY",
            Freq::Yearly => "YEARLY",
        };
        write!(f, "FREQ={freq}")?;
        if self.interval != 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        if !self.by_month.is_empty() {
            write!(f, ";BYMONTH={}", join(&self.by_month))?;
        }
        if !self.by_month_day.is_empty() {
            write!(f, ";BYMONTHDAY={}", join(&self.by_month_day))?;
        }
        if !self.by_day.is_empty() {
            let days: Vec<String> = self
                .by_day
                .iter()
                .map(|d| {
                    format!(
                        "{}{}",
                        d.ordinal.map_or_else(String::new, |o| o.to_string()),
                        weekday_code(d.weekday)
                    )
                })
                .collect();
            write!(f, ";BYDAY={}", days.join(","))?;
        }
        if !self.by_set_pos.is_empty() {
            write!(f, ";BYSETPOS={}", join(&self.by_set_pos))?;
        }
        if let Some(n) = self.count {
            write!(f, ";COUNT={n}")?;
        }
        match self.until {
            Some(Until::Date(d)) => write!(f, ";UNTIL={}", d.strftime("%Y%m%d"))?,
            Some(Until::Instant(t)) => write!(f, ";UNTIL={}", t.strftime("%Y%m%dT%H%M%SZ"))?,
            None => {}
        }
        if self.week_start != Weekday::Monday {
            write!(f, ";WKST={}", weekday_code(self.week_start))?;
        }
        Ok(())
    }
}
