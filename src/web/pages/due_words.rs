//! A row's due in a few words, relative to the user's today in their zone: "Today 17:00",
//! "Tomorrow", "Yesterday", "Overdue · 2 days", "Fri 09:00" within the next 6 days, else
//! "12 Mar" ("12 Mar 2027" in another year). The full date goes into the `<time>`
//! element's `title`, the instant or the day into its `datetime`.

use jiff::tz::TimeZone;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::zone::{from_civil, to_civil, to_timestamp};

/// A due as a row shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// "Tomorrow 09:00".
    pub text: String,
    /// For `<time datetime>`: the instant (RFC 3339, UTC) or the day (`2026-12-04`).
    pub datetime: String,
    /// "Fri 4 Dec 2026, 09:00", for the title.
    pub full: String,
}

/// Days between the user's today and a due day at which a day name is still clear.
const WEEK_AHEAD: i64 = 6;

/// The due of a task (`overdue` when it is pending and past) in words, for a user in
/// `zone` whose date is `today`; `full` is the whole date, for the title.
pub fn relative(
    zone: &TimeZone,
    today: Date,
    due_at: Option<OffsetDateTime>,
    due_date: Option<Date>,
    overdue: bool,
    full: String,
) -> Option<Due> {
    let (day, time, datetime) = match (due_at, due_date) {
        (Some(at), _) => {
            let local = zone.to_datetime(to_timestamp(at));
            let time = local.time().strftime("%H:%M").to_string();
            let datetime = at.format(&Rfc3339).unwrap_or_default();
            (from_civil(local.date())?, Some(time), datetime)
        }
        (None, Some(day)) => (day, None, day.to_string()),
        (None, None) => return None,
    };
    let days = (day - today).whole_days();
    let civil = to_civil(day)?;
    let words = match days {
        _ if overdue && days <= -2 => {
            return Some(Due {
                text: format!("Overdue · {} days", -days),
                datetime,
                full,
            });
        }
        -1 => "Yesterday".to_owned(),
        0 => "Today".to_owned(),
        1 => "Tomorrow".to_owned(),
        2..=WEEK_AHEAD => civil.strftime("%a").to_string(),
        _ if day.year() == today.year() => civil.strftime("%-d %b").to_string(),
        _ => civil.strftime("%-d %b %Y").to_string(),
    };
    Some(Due {
        text: match time {
            Some(t) => format!("{words} {t}"),
            None => words,
        },
        datetime,
        full,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::web::pages::task_row::Clock;

    /// Berlin on Friday 4 December 2026 at 14:30 local time (13:30 UTC).
    fn clock() -> Clock {
        Clock {
            now: datetime!(2026-12-04 13:30 UTC),
            zone: crate::zone::zone("Europe/Berlin"),
            today: date!(2026 - 12 - 04),
        }
    }

    fn on(day: Date, overdue: bool) -> String {
        clock()
            .due_words(None, Some(day), overdue)
            .expect("a due")
            .text
    }

    fn at(instant: OffsetDateTime, overdue: bool) -> Due {
        clock()
            .due_words(Some(instant), None, overdue)
            .expect("a due")
    }

    #[test]
    fn days_near_today_are_named() {
        assert_eq!(on(date!(2026 - 12 - 04), false), "Today");
        assert_eq!(on(date!(2026 - 12 - 05), false), "Tomorrow");
        assert_eq!(on(date!(2026 - 12 - 03), true), "Yesterday");
        assert_eq!(on(date!(2026 - 12 - 02), true), "Overdue · 2 days");
        assert_eq!(on(date!(2026 - 11 - 20), true), "Overdue · 14 days");
        // Done, so not overdue: just the date.
        assert_eq!(on(date!(2026 - 12 - 02), false), "2 Dec");
    }

    #[test]
    fn the_next_six_days_are_weekdays_then_dates() {
        assert_eq!(on(date!(2026 - 12 - 06), false), "Sun");
        assert_eq!(on(date!(2026 - 12 - 10), false), "Thu");
        assert_eq!(on(date!(2026 - 12 - 11), false), "11 Dec");
        assert_eq!(on(date!(2027 - 03 - 12), false), "12 Mar 2027");
        assert_eq!(on(date!(2026 - 03 - 12), false), "12 Mar");
    }

    #[test]
    fn times_are_in_the_users_zone() {
        // 16:00 UTC is 17:00 in Berlin.
        let today = at(datetime!(2026-12-04 16:00 UTC), false);
        assert_eq!(today.text, "Today 17:00");
        assert_eq!(today.datetime, "2026-12-04T16:00:00Z");
        assert_eq!(today.full, "Fri 4 Dec 2026, 17:00");
        // 23:30 UTC on the 4th is already the 5th in Berlin.
        assert_eq!(
            at(datetime!(2026-12-04 23:30 UTC), false).text,
            "Tomorrow 00:30"
        );
        assert_eq!(at(datetime!(2026-12-10 08:00 UTC), false).text, "Thu 09:00");
        assert_eq!(
            at(datetime!(2026-12-11 08:00 UTC), false).text,
            "11 Dec 09:00"
        );
        assert_eq!(
            at(datetime!(2026-12-04 08:00 UTC), true).text,
            "Today 09:00"
        );
        assert_eq!(
            at(datetime!(2026-12-01 08:00 UTC), true).text,
            "Overdue · 3 days"
        );
    }

    #[test]
    fn an_all_day_due_is_its_date() {
        let due = clock()
            .due_words(None, Some(date!(2026 - 12 - 05)), false)
            .expect("a due");
        assert_eq!(due.datetime, "2026-12-05");
        assert_eq!(due.full, "Sat 5 Dec 2026");
        assert_eq!(clock().due_words(None, None, false), None);
    }
}
