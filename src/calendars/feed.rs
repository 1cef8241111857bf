//! The body of a feed: the pending tasks with a due as `VEVENT`s (calendar apps ignore
//! `VTODO` in subscriptions), with the user's `VTIMEZONE` when a timed task needs it.

use jiff::tz::TimeZone;
use time::{Date, OffsetDateTime};

use super::ics::Ics;
use super::vtimezone;
use crate::tasks::model::Task;
use crate::tasks::recurrence::Until;
use crate::tasks::reminders::{ALL_DAY_HOUR, Reminder};
use crate::zone::{to_civil, to_timestamp, zone};

/// What a feed's body is made from.
pub struct FeedBody<'a> {
    /// The calendar's name (`X-WR-CALNAME`).
    pub name: &'a str,
    /// The user's IANA zone.
    pub zone: &'a str,
    /// The tasks (those without a due or completed are left out).
    pub tasks: &'a [Task],
    /// The web app's base URL, for each task's `URL`.
    pub public_url: Option<&'a url::Url>,
}

impl FeedBody<'_> {
    /// The `VCALENDAR`.
    pub fn render(&self) -> String {
        let tz = zone(self.zone);
        let utc = tz.iana_name().is_none_or(|n| n == "UTC" || n == "Etc/UTC");
        let tasks: Vec<&Task> = self
            .tasks
            .iter()
            .filter(|t| !t.completed && (t.due_at.is_some() || t.due_date.is_some()))
            .collect();
        let mut ics = Ics::new();
        ics.begin("VCALENDAR");
        ics.raw("VERSION", "2.0");
        ics.raw("PRODID", "-//Taskward//Calendar feed//EN");
        ics.raw("CALSCALE", "GREGORIAN");
        ics.raw("METHOD", "PUBLISH");
        ics.text("X-WR-CALNAME", self.name);
        if !utc {
            ics.text("X-WR-TIMEZONE", self.zone);
            let mut span: Option<(i16, i16)> = None;
            for t in tasks.iter().filter(|t| t.due_at.is_some()) {
                let year = t
                    .due_at
                    .map_or(0, |at| vtimezone::year_of(to_timestamp(at), &tz));
                // A series runs on past its current due: ten more years of observances.
                let last = if t.recurrence.is_some() {
                    year.saturating_add(10)
                } else {
                    year
                };
                span = Some(span.map_or((year, last), |(a, b)| (a.min(year), b.max(last))));
            }
            if let Some((from, to)) = span {
                vtimezone::write(&mut ics, &tz, self.zone, from, to);
            }
        }
        for task in tasks {
            self.event(&mut ics, task, &tz, utc);
        }
        ics.end("VCALENDAR");
        ics.finish()
    }

    fn event(&self, ics: &mut Ics, task: &Task, tz: &TimeZone, utc: bool) {
        ics.begin("VEVENT");
        ics.raw("UID", &format!("{}@taskward", task.id));
        ics.raw("DTSTAMP", &utc_time(task.updated_at));
        match (task.due_at, task.due_date) {
            (Some(at), _) if utc => ics.raw("DTSTART", &utc_time(at)),
            (Some(at), _) => ics.raw(
                &format!("DTSTART;TZID={}", self.zone),
                &vtimezone::local_time(tz.to_datetime(to_timestamp(at))),
            ),
            (None, Some(day)) => {
                ics.raw("DTSTART;VALUE=DATE", &date(day));
                if let Some(next) = day.next_day() {
                    ics.raw("DTEND;VALUE=DATE", &date(next));
                }
            }
            (None, None) => {}
        }
        ics.text("SUMMARY", &task.title);
        if !task.description.is_empty() {
            ics.text("DESCRIPTION", &task.description);
        }
        if !task.tags.is_empty() {
            ics.text_list("CATEGORIES", &task.tags);
        }
        if let Some(r) = &task.recurrence {
            let mut rule = r.spec.rule.clone();
            // The event starts at the current due, the series' `index`-th: what is left.
            if let Some(count) = rule.count {
                rule.count = Some(count.saturating_sub(r.index.saturating_sub(1)).max(1));
            }
            if task.due_date.is_some()
                && let Some(Until::Instant(t)) = rule.until
            {
                rule.until = Some(Until::Date(tz.to_datetime(t).date()));
            }
            // RFC 5545: a timed start wants its UNTIL as a UTC instant. A date means "up
            // to the end of that day" in the user's zone, as Taskward rolls it.
            if task.due_date.is_none()
                && let Some(Until::Date(day)) = rule.until
                && let Some(next) = day
                    .tomorrow()
                    .ok()
                    .and_then(|d| tz.to_timestamp(d.at(0, 0, 0, 0)).ok())
            {
                rule.until = Some(Until::Instant(next - jiff::SignedDuration::from_secs(1)));
            }
            ics.raw("RRULE", &rule.to_string());
        }
        if let Some(link) = self
            .public_url
            .and_then(|u| u.join(&format!("tasks/{}/edit", task.id)).ok())
        {
            ics.raw("URL;VALUE=URI", link.as_str());
        }
        for reminder in &task.reminders.items {
            alarm(ics, reminder, task);
        }
        ics.end("VEVENT");
    }
}

/// One `VALARM`: `before` relative to the start (an all-day task's at
/// [`ALL_DAY_HOUR`] of its day, as Taskward sends it), `at` at its instant.
fn alarm(ics: &mut Ics, reminder: &Reminder, task: &Task) {
    let trigger = match reminder {
        Reminder::Before(span) => {
            let Some(before) = span_seconds(span) else {
                return;
            };
            let base = if task.due_at.is_none() {
                i64::from(ALL_DAY_HOUR) * 3600
            } else {
                0
            };
            ("TRIGGER".to_owned(), duration(base - before))
        }
        Reminder::At(at) => ("TRIGGER;VALUE=DATE-TIME".to_owned(), utc_time(*at)),
    };
    ics.begin("VALARM");
    ics.raw("ACTION", "DISPLAY");
    ics.raw(&trigger.0, &trigger.1);
    ics.text("DESCRIPTION", &task.title);
    ics.end("VALARM");
}

/// The seconds of a stored `before` (ISO 8601: weeks, days, hours, minutes, seconds).
fn span_seconds(raw: &str) -> Option<i64> {
    let span: jiff::Span = raw.parse().ok()?;
    let days = span.get_weeks() * 7 + span.get_days();
    Some(
        ((i64::from(days) * 24 + i64::from(span.get_hours())) * 60 + span.get_minutes()) * 60
            + span.get_seconds(),
    )
}

/// A DURATION value of `seconds` (negative: before), in days, hours, minutes, seconds.
fn duration(seconds: i64) -> String {
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
fn utc_time(t: OffsetDateTime) -> String {
    to_timestamp(t).strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A DATE value (`20260327`).
fn date(day: Date) -> String {
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
