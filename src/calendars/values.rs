//! What feeds and CalDAV resources write the same way: iCalendar times, dates and
//! durations, a task's due (`DTSTART` of an event, `DUE` of a todo), its `RRULE` from the
//! current due, a reminder's `TRIGGER`, and the years of the user's `VTIMEZONE`.

use jiff::tz::TimeZone;
use time::{Date, OffsetDateTime};

use super::ics::Ics;
use super::vtimezone;
use crate::tasks::model::Task;
use crate::tasks::recurrence::{Rule, Until};
use crate::tasks::reminders::{ALL_DAY_HOUR, Reminder};
use crate::zone::{to_civil, to_timestamp};

/// Whether times in `tz` are written in UTC (`Z`) rather than with a `TZID`.
pub fn is_utc(tz: &TimeZone) -> bool {
    tz.iana_name().is_none_or(|n| n == "UTC" || n == "Etc/UTC")
}

/// Writes a task's due as the property `name`: `;VALUE=DATE` all day, a UTC time when
/// `utc`, else the wall-clock time in `tz` with `;TZID=<zone>`. Nothing without a due.
pub fn due(ics: &mut Ics, name: &str, task: &Task, (tz, zone, utc): (&TimeZone, &str, bool)) {
    match (task.due_at, task.due_date) {
        (Some(at), _) if utc => ics.raw(name, &utc_time(at)),
        (Some(at), _) => ics.raw(
            &format!("{name};TZID={zone}"),
            &vtimezone::local_time(tz.to_datetime(to_timestamp(at))),
        ),
        (None, Some(day)) => ics.raw(&format!("{name};VALUE=DATE"), &date(day)),
        (None, None) => {}
    }
}

/// The years `(first, last)` the user's `VTIMEZONE` must cover for the timed dues of
/// `tasks` (a series runs on past its current due: ten more years for it); `None` when
/// no task has a timed due.
pub fn zone_years<'a>(tasks: impl Iterator<Item = &'a Task>, tz: &TimeZone) -> Option<(i16, i16)> {
    let mut span: Option<(i16, i16)> = None;
    for t in tasks {
        let Some(at) = t.due_at else { continue };
        let year = vtimezone::year_of(to_timestamp(at), tz);
        let last = if t.recurrence.is_some() {
            year.saturating_add(10)
        } else {
            year
        };
        span = Some(span.map_or((year, last), |(a, b)| (a.min(year), b.max(last))));
    }
    span
}

/// A recurring task's rule as written from its current due, the series' `index`-th: the
/// occurrences left of a `COUNT`; an all-day series' `UNTIL` as a date; a timed series'
/// `UNTIL` date as the end of that day in `tz`, a UTC instant (as RFC 5545 asks).
pub fn series_rule(task: &Task, tz: &TimeZone) -> Option<Rule> {
    let r = task.recurrence.as_ref()?;
    let mut rule = r.spec.rule.clone();
    if let Some(count) = rule.count {
        rule.count = Some(count.saturating_sub(r.index.saturating_sub(1)).max(1));
    }
    if task.due_date.is_some()
        && let Some(Until::Instant(t)) = rule.until
    {
        rule.until = Some(Until::Date(tz.to_datetime(t).date()));
    }
    if task.due_date.is_none()
        && let Some(Until::Date(day)) = rule.until
        && let Some(next) = day
            .tomorrow()
            .ok()
            .and_then(|d| tz.to_timestamp(d.at(0, 0, 0, 0)).ok())
    {
        rule.until = Some(Until::Instant(next - jiff::SignedDuration::from_secs(1)));
    }
    Some(rule)
}

/// A reminder's `TRIGGER` as (name with parameters, value): `before` as a duration
/// relative to the due, named `relative` (an all-day task's due counts as its day's
/// start, so "before" counts from [`ALL_DAY_HOUR`] of that day, as Taskward sends it);
/// `at` as a UTC time. `None` for a stored span that does not read.
pub fn trigger(reminder: &Reminder, all_day: bool, relative: &str) -> Option<(String, String)> {
    match reminder {
        Reminder::Before(span) => {
            let before = span_seconds(span)?;
            Some((
                relative.to_owned(),
                duration(all_day_base(all_day) - before),
            ))
        }
        Reminder::At(at) => Some(("TRIGGER;VALUE=DATE-TIME".to_owned(), utc_time(*at))),
    }
}

/// Where "before" counts from, in seconds after the due: [`ALL_DAY_HOUR`] for all day.
pub fn all_day_base(all_day: bool) -> i64 {
    if all_day {
        i64::from(ALL_DAY_HOUR) * 3600
    } else {
        0
    }
}

/// The seconds of a stored `before` (ISO 8601: weeks, days, hours, minutes, seconds).
pub fn span_seconds(raw: &str) -> Option<i64> {
    let span: jiff::Span = raw.parse().ok()?;
    let days = span.get_weeks() * 7 + span.get_days();
    Some(
        ((i64::from(days) * 24 + i64::from(span.get_hours())) * 60 + span.get_minutes()) * 60
            + span.get_seconds(),
    )
}

/// A DURATION value of `seconds` (negative: before), in days, hours, minutes, seconds.
pub fn duration(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if s == 0 {
        return "PT0S".to_owned();
    }
    if h == 0 && m == 0 && sec == 0 {
        return if d % 7 == 0 {
            format!("{sign}P{}W", d / 7)
        } else {
            format!("{sign}P{d}D")
        };
    }
    let mut out = format!("{sign}P");
    if d > 0 {
        out.push_str(&format!("{d}D"));
    }
    out.push('T');
    for (n, unit) in [(h, 'H'), (m, 'M'), (sec, 'S')] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

/// A UTC DATE-TIME value (`20260327T083000Z`).
pub fn utc_time(t: OffsetDateTime) -> String {
    to_timestamp(t).strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A DATE value (`20260327`).
pub fn date(day: Date) -> String {
    to_civil(day).map_or_else(String::new, |d| d.strftime("%Y%m%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_rfc_5545() {
        assert_eq!(duration(-1800), "-PT30M");
        assert_eq!(duration(9 * 3600 - 1800), "PT8H30M");
        assert_eq!(duration(-86_400), "-P1D");
        assert_eq!(duration(-7 * 86_400), "-P1W");
        assert_eq!(duration(-(86_400 + 3600 + 1)), "-P1DT1H1S");
        assert_eq!(duration(0), "PT0S");
    }

    #[test]
    fn before_reminders_are_read_as_seconds() {
        assert_eq!(span_seconds("PT30M"), Some(1800));
        assert_eq!(span_seconds("P1W"), Some(7 * 86_400));
        assert_eq!(span_seconds("P1DT2H"), Some(86_400 + 7200));
        assert_eq!(span_seconds("nonsense"), None);
    }
}
