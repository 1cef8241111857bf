//! Reminders on tasks (API-2.md section 3): at most five, each a time before the due
//! (`{"before": "PT30M"}`) or an instant (`{"at": RFC 3339}`), and whom they remind (the
//! user who set them). When the task is written the service works out when each one
//! fires ([`Reminders::schedule`]); the store keeps those instants as rows the reminder
//! worker claims. Pure values: nothing here reads a clock or a database.

use jiff::tz::TimeZone;
use jiff::{Span, SpanRelativeTo, Unit};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::error::FieldError;
use crate::timestamp::parse_timestamp;
use crate::zone::{from_timestamp, to_civil, to_timestamp};

/// At most this many reminders on a task.
pub const MAX_REMINDERS: usize = 5;

/// The longest time before a due a reminder may be (a year of days).
const MAX_BEFORE_DAYS: f64 = 366.0;

/// The hour of the day an all-day task is reckoned to be due at, for reminders before
/// it: "a day before" a task due on Friday reminds on Thursday at 09:00, in the zone of
/// the user who set the reminders.
pub const ALL_DAY_HOUR: i8 = 9;

/// One reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reminder {
    /// This long before the due (an ISO 8601 duration, canonical spelling).
    Before(String),
    /// At this instant.
    #[serde(with = "time::serde::rfc3339")]
    At(OffsetDateTime),
}

impl Reminder {
    /// `{"before": "PT30M"}`: weeks, days, hours, minutes and seconds, not negative, at
    /// most a year; `field` names it in the error. jiff's friendly spelling (`30 minutes`,
    /// `1h 30m`) is read too; either is kept in ISO 8601.
    pub fn before(field: &str, raw: &str) -> Result<Self, FieldError> {
        let bad = |why: &str| FieldError::new(field, why);
        let span: Span = raw
            .trim()
            .parse()
            .map_err(|_| bad("must be an ISO 8601 duration such as PT30M, PT2H, P1D or P1W"))?;
        if span.is_negative() {
            return Err(bad("must not be negative: it is how long before the due"));
        }
        if span.get_years() != 0 || span.get_months() != 0 {
            return Err(bad(
                "use weeks, days, hours or minutes (P1W, P1D), not months or years",
            ));
        }
        let days = span
            .total((Unit::Day, SpanRelativeTo::days_are_24_hours()))
            .map_err(|_| bad("is too long"))?;
        if days > MAX_BEFORE_DAYS {
            return Err(bad("must be at most a year (P366D)"));
        }
        Ok(Self::Before(span.to_string()))
    }

    /// `{"at": "2026-12-24T09:00:00Z"}`.
    pub fn at(field: &str, raw: &str) -> Result<Self, FieldError> {
        parse_timestamp(field, raw).map(Self::At)
    }

    /// The span of a `before` reminder.
    fn span(&self) -> Option<Span> {
        match self {
            Self::Before(text) => text.parse().ok(),
            Self::At(_) => None,
        }
    }

    /// When this reminder fires for a task due at `due` (in `zone`, for calendar days).
    fn fire_at(&self, due: Option<jiff::ZonedDateTime>) -> Option<OffsetDateTime> {
        match self {
            Self::At(at) => Some(*at),
            Self::Before(_) => {
                let fire = due?.checked_sub(self.span()?).ok()?;
                from_timestamp(fire.timestamp())
            }
        }
    }
}

/// When one reminder of a task fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fire {
    /// The reminder's position on the task.
    pub index: usize,
    /// The reminder itself.
    pub reminder: Reminder,
    /// The instant.
    pub at: OffsetDateTime,
}

/// A task's reminders, and the user they remind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reminders {
    /// The reminders, in the order given.
    pub items: Vec<Reminder>,
    /// Whom they remind: the user who set them (`None` with no reminders).
    pub to: Option<Uuid>,
    /// When they fire next, worked out by [`Reminders::schedule`] before a write (not
    /// stored with the task: the store keeps them as rows of their own). `None` leaves
    /// the stored fires alone (a task that neither had nor has reminders).
    pub fires: Option<Vec<Fire>>,
}

/// The stored form: `{"to": UUID, "items": [...]}`.
#[derive(Serialize, Deserialize)]
struct Stored {
    to: Uuid,
    items: Vec<Reminder>,
}

impl Reminders {
    /// Reminders set by `by`.
    pub fn set(items: Vec<Reminder>, by: Uuid) -> Self {
        Self {
            to: (!items.is_empty()).then_some(by),
            items,
            fires: None,
        }
    }

    /// Sets the reminders a client asked for, by `by`; the same reminders keep whom they
    /// remind.
    pub fn replace(&mut self, items: Vec<Reminder>, by: Uuid) {
        if items != self.items {
            *self = Self::set(items, by);
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether any reminder is relative to the due.
    pub fn needs_due(&self) -> bool {
        self.items.iter().any(|r| matches!(r, Reminder::Before(_)))
    }

    /// The stored text, `None` without reminders.
    pub fn to_stored(&self) -> Option<String> {
        let to = self.to?;
        let stored = Stored {
            to,
            items: self.items.clone(),
        };
        serde_json::to_string(&stored).ok()
    }

    /// Reads the stored text back.
    pub fn from_stored(text: Option<&str>) -> Result<Self, String> {
        let Some(text) = text else {
            return Ok(Self::default());
        };
        let stored: Stored = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(Self {
            to: Some(stored.to),
            items: stored.items,
            fires: None,
        })
    }

    /// Works out when each reminder fires for a task due at `due_at`, or all day on
    /// `due_date` (at [`ALL_DAY_HOUR`] in `zone`): none for a completed task, and none
    /// at or before `now` (a reminder already past is not sent when a task is written).
    pub fn schedule(
        &mut self,
        due_at: Option<OffsetDateTime>,
        due_date: Option<Date>,
        completed: bool,
        zone: &TimeZone,
        now: OffsetDateTime,
    ) {
        let due = match (due_at, due_date) {
            (Some(at), _) => Some(to_timestamp(at).to_zoned_datetime(zone.clone())),
            (None, Some(day)) => to_civil(day).and_then(|d| {
                d.at(ALL_DAY_HOUR, 0, 0, 0)
                    .to_zoned_datetime(zone.clone())
                    .ok()
            }),
            (None, None) => None,
        };
        self.fires = Some(if completed {
            Vec::new()
        } else {
            self.items
                .iter()
                .enumerate()
                .filter_map(|(index, r)| {
                    let at = r.fire_at(due.clone())?;
                    (at > now).then(|| Fire {
                        index,
                        reminder: r.clone(),
                        at,
                    })
                })
                .collect()
        });
    }

    /// Moves the `at` reminders by `shift`: a recurring task rolled on to its next
    /// occurrence takes its reminders along.
    pub fn follow(&mut self, shift: time::Duration) {
        for r in &mut self.items {
            if let Reminder::At(at) = r {
                *at = at.checked_add(shift).unwrap_or(*at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn zone(name: &str) -> TimeZone {
        crate::zone::zone(name)
    }

    fn fires(r: &Reminders) -> &[Fire] {
        r.fires.as_deref().expect("scheduled")
    }

    #[test]
    fn before_takes_iso_durations_and_refuses_the_rest() {
        assert_eq!(
            Reminder::before("r", "PT30M").expect("valid"),
            Reminder::Before("PT30M".into())
        );
        assert_eq!(
            Reminder::before("r", "pt90m").expect("valid"),
            Reminder::Before("PT90M".into())
        );
        assert!(Reminder::before("r", "P1W").is_ok());
        assert!(Reminder::before("r", "P1D").is_ok());
        assert_eq!(
            Reminder::before("r", "30 minutes").expect("friendly"),
            Reminder::Before("PT30M".into()),
            "jiff's friendly spelling is read too, and written in ISO 8601"
        );
        for bad in [
            "half an hour",
            "",
            "-PT5M",
            "P1M",
            "P1Y",
            "P400D",
            "PT",
            "2 months",
        ] {
            let e = Reminder::before("reminders[0].before", bad).expect_err(bad);
            assert_eq!(e.field, "reminders[0].before");
        }
    }

    #[test]
    fn a_day_before_is_a_calendar_day_across_daylight_saving() {
        // Europe/Berlin leaves summer time at 03:00 on 25 October 2026.
        let mut r = Reminders::set(
            vec![Reminder::before("r", "P1D").expect("valid")],
            Uuid::nil(),
        );
        let due = datetime!(2026-10-25 08:00 UTC); // 09:00 CET
        r.schedule(
            Some(due),
            None,
            false,
            &zone("Europe/Berlin"),
            datetime!(2026-01-01 0:00 UTC),
        );
        // 09:00 CEST the day before is 07:00 UTC: 25 hours earlier.
        assert_eq!(fires(&r)[0].at, datetime!(2026-10-24 07:00 UTC));
    }

    #[test]
    fn all_day_tasks_remind_from_nine_in_the_zone() {
        let mut r = Reminders::set(
            vec![
                Reminder::before("r", "PT1H").expect("valid"),
                Reminder::at("r", "2026-12-20T10:00:00Z").expect("valid"),
            ],
            Uuid::nil(),
        );
        let now = datetime!(2026-12-01 0:00 UTC);
        r.schedule(
            None,
            Some(date!(2026 - 12 - 24)),
            false,
            &zone("America/New_York"),
            now,
        );
        assert_eq!(fires(&r).len(), 2);
        // 08:00 in New York (UTC-5).
        assert_eq!(fires(&r)[0].at, datetime!(2026-12-24 13:00 UTC));
        assert_eq!(fires(&r)[1].at, datetime!(2026-12-20 10:00 UTC));
    }

    #[test]
    fn nothing_fires_when_done_past_or_without_a_due() {
        let mut r = Reminders::set(
            vec![
                Reminder::before("r", "PT1H").expect("valid"),
                Reminder::at("r", "2026-12-20T10:00:00Z").expect("valid"),
            ],
            Uuid::nil(),
        );
        let utc = zone("UTC");
        r.schedule(None, None, false, &utc, datetime!(2026-12-01 0:00 UTC));
        assert_eq!(fires(&r).len(), 1, "only `at` without a due");
        r.schedule(None, None, false, &utc, datetime!(2026-12-20 10:00 UTC));
        assert!(fires(&r).is_empty(), "not at or before now");
        r.schedule(None, None, true, &utc, datetime!(2026-12-01 0:00 UTC));
        assert!(fires(&r).is_empty(), "not when completed");
    }

    #[test]
    fn stored_form_round_trips_and_follows_a_roll() {
        let by = Uuid::now_v7();
        let mut r = Reminders::set(
            vec![
                Reminder::before("r", "PT15M").expect("valid"),
                Reminder::at("r", "2026-12-20T10:00:00Z").expect("valid"),
            ],
            by,
        );
        let text = r.to_stored().expect("stored");
        assert_eq!(Reminders::from_stored(Some(&text)).expect("read"), r);
        assert_eq!(
            Reminders::from_stored(None).expect("none"),
            Reminders::default()
        );
        assert_eq!(Reminders::set(Vec::new(), by).to_stored(), None);
        r.follow(time::Duration::days(7));
        assert_eq!(r.items[1], Reminder::At(datetime!(2026-12-27 10:00 UTC)));
        assert_eq!(r.items[0], Reminder::Before("PT15M".into()));
    }
}
