//! Moving a recurring task's due to its next occurrence, in the user's time zone
//! (API-2.md section 2): along the rule's dates (`from: due`) or one interval after the
//! completion (`from: completion`). A timed series keeps the wall-clock time of its start:
//! each date takes that time of day in the user's zone, so a daily 09:00 stays at 09:00
//! through daylight-saving changes (a time in a gap moves forward by the gap for that day
//! only, a time in a fold is the earlier instant, as RFC 5545 says).

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use super::{Rule, Until};

/// A task's due: an instant, or a date (all day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Due at an instant.
    At(Timestamp),
    /// Due on a date, all day.
    On(Date),
}

impl Due {
    /// The date the due falls on in `zone`.
    pub fn date(self, zone: &TimeZone) -> Date {
        match self {
            Self::At(at) => zone.to_datetime(at).date(),
            Self::On(day) => day,
        }
    }
}

/// A recurring task's series: its rule, how it advances, where it started, and which
/// occurrence of it the current due is.
#[derive(Debug, Clone)]
pub struct Roll<'a> {
    /// The rule.
    pub rule: &'a Rule,
    /// `from: completion` rather than `from: due`.
    pub from_completion: bool,
    /// The series' first due as a wall-clock date and time in the user's zone (the time
    /// is unused for all-day tasks).
    pub start: DateTime,
    /// The number of the current due in the series (1 for the first).
    pub index: u32,
    /// The user's zone.
    pub zone: &'a TimeZone,
}

impl Roll<'_> {
    /// The due after completing or skipping `current` at `now`, and its number in the
    /// series (kept as it was in a series from the due without `COUNT`, where nothing
    /// needs it); `None` when `COUNT` or `UNTIL` leaves no further occurrence.
    pub fn next(&self, current: Due, now: Timestamp) -> Option<(Due, u32)> {
        let found = if self.from_completion {
            self.after_completion(current, now)
        } else {
            self.along_the_rule(current, now)
        }?;
        self.before_until(found.0).then_some(found)
    }

    /// `from: due`: the first date of the series after both `current` and now (for
    /// all-day tasks: after today), so missed occurrences are skipped.
    fn along_the_rule(&self, current: Due, now: Timestamp) -> Option<(Due, u32)> {
        // Without COUNT the number of a date does not matter (it is kept), and the walk
        // can start near the due rather than at the series' start.
        let later = current
            .date(self.zone)
            .max(self.zone.to_datetime(now).date());
        let dates = self.rule.dates(self.start.date());
        let numbered: Box<dyn Iterator<Item = (u32, Date)>> = if self.rule.count.is_none() {
            let near = dates.skip_to(later, self.rule.week_start);
            Box::new(near.map(|d| (self.index, d)))
        } else {
            Box::new((1..).zip(dates))
        };
        match current {
            Due::On(day) => {
                let after = day.max(self.zone.to_datetime(now).date());
                numbered
                    .skip_while(|(_, d)| *d <= after)
                    .map(|(n, d)| (Due::On(d), n))
                    .next()
            }
            Due::At(at) => {
                let after = at.max(now);
                let after_day = self.zone.to_datetime(after).date();
                numbered
                    .skip_while(|(_, d)| *d < after_day)
                    .filter_map(|(n, d)| Some((self.instant(d)?, n)))
                    .find(|(t, _)| *t > after)
                    .map(|(t, n)| (Due::At(t), n))
            }
        }
    }

    /// `from: completion`: one interval of the rule after the completion date in the
    /// zone, at the series' time of day for a timed task.
    fn after_completion(&self, current: Due, now: Timestamp) -> Option<(Due, u32)> {
        let index = self.index.checked_add(1)?;
        if self.rule.count.is_some_and(|n| index > n) {
            return None;
        }
        let (months, days) = self.rule.step();
        let step = Span::new()
            .try_months(i64::from(months))
            .ok()?
            .try_days(i64::from(days))
            .ok()?;
        let day = self.zone.to_datetime(now).date().checked_add(step).ok()?;
        let due = match current {
            Due::On(_) => Due::On(day),
            Due::At(_) => Due::At(self.instant(day)?),
        };
        Some((due, index))
    }

    /// The series' time of day on `day`, in the zone.
    fn instant(&self, day: Date) -> Option<Timestamp> {
        self.zone
            .to_timestamp(day.to_datetime(self.start.time()))
            .ok()
    }

    /// Whether `due` is not after the rule's `UNTIL`.
    fn before_until(&self, due: Due) -> bool {
        match (self.rule.until, due) {
            (None, _) => true,
            (Some(Until::Instant(until)), Due::At(at)) => at <= until,
            (Some(Until::Instant(until)), Due::On(day)) => {
                day <= self.zone.to_datetime(until).date()
            }
            (Some(Until::Date(until)), due) => due.date(self.zone) <= until,
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// Completes a `from: due` task `times` times, each time at its due, from `first`;
    /// the dues it moves through.
    fn roll_on(rule: &str, zone_name: &str, first: Due, times: usize) -> Vec<Due> {
        let rule = Rule::parse(rule).unwrap_or_else(|e| panic!("{rule}: {e:?}"));
        let tz = zone(zone_name);
        let roll = Roll {
            rule: &rule,
            from_completion: false,
            start: match first {
                Due::At(t) => tz.to_datetime(t),
                Due::On(d) => d.into(),
            },
            index: 1,
            zone: &tz,
        };
        let mut dues = vec![first];
        let mut current = first;
        for _ in 0..times {
            let now = match current {
                Due::At(t) => t,
                Due::On(d) => tz
                    .to_timestamp(d.at(12, 0, 0, 0))
                    .unwrap_or_else(|e| panic!("{e}")),
            };
            match roll.next(current, now) {
                Some((next, _)) => {
                    dues.push(next);
                    current = next;
                }
                None => break,
            }
        }
        dues
    }

    fn local_times(dues: &[Due], zone_name: &str) -> Vec<String> {
        let tz = zone(zone_name);
        dues.iter()
            .map(|d| match d {
                Due::At(t) => tz.to_datetime(*t).to_string(),
                Due::On(d) => d.to_string(),
            })
            .collect()
    }

    #[test]
    fn a_daily_nine_oclock_stays_at_nine_through_both_changes() {
        // Berlin springs forward on 2026-03-29 and falls back on 2026-10-25; New York on
        // 2026-03-08 and 2026-11-01.
        for (zone_name, first, spring, autumn) in [
            (
                "Europe/Berlin",
                "2026-03-27T08:00:00Z",
                "2026-03-30T07:00:00Z",
                "2026-10-26T08:00:00Z",
            ),
            (
                "America/New_York",
                "2026-03-06T14:00:00Z",
                "2026-03-09T13:00:00Z",
                "2026-11-02T14:00:00Z",
            ),
        ] {
            let dues = roll_on("FREQ=DAILY", zone_name, Due::At(at(first)), 250);
            assert!(
                local_times(&dues, zone_name)
                    .iter()
                    .all(|t| t.ends_with("T09:00:00")),
                "{zone_name}: {:?}",
                local_times(&dues, zone_name)
            );
            assert!(dues.contains(&Due::At(at(spring))), "{zone_name}");
            assert!(dues.contains(&Due::At(at(autumn))), "{zone_name}");
            assert_eq!(dues.len(), 251, "{zone_name}: one a day");
        }
    }

    #[test]
    fn a_time_in_the_gap_moves_forward_and_one_in_the_fold_is_the_earlier() {
        // 02:30 does not exist in Berlin on 2026-03-29; it happens twice on 2026-10-25.
        // The day after the gap is back at 02:30.
        let dues = roll_on(
            "FREQ=DAILY",
            "Europe/Berlin",
            Due::At(at("2026-03-28T01:30:00Z")),
            2,
        );
        assert_eq!(
            &dues[1..],
            &[
                Due::At(at("2026-03-29T01:30:00Z")),
                Due::At(at("2026-03-30T00:30:00Z"))
            ]
        );
        let dues = roll_on(
            "FREQ=DAILY",
            "Europe/Berlin",
            Due::At(at("2026-10-24T00:30:00Z")),
            2,
        );
        assert_eq!(
            &dues[1..],
            &[
                Due::At(at("2026-10-25T00:30:00Z")),
                Due::At(at("2026-10-26T01:30:00Z"))
            ]
        );
    }

    #[test]
    fn missed_occurrences_are_skipped_not_piled_up() {
        let rule = Rule::parse("FREQ=WEEKLY;BYDAY=MO,TH").unwrap_or_else(|e| panic!("{e:?}"));
        let tz = zone("America/New_York");
        let roll = Roll {
            rule: &rule,
            from_completion: false,
            start: date(2026, 11, 2).at(8, 0, 0, 0),
            index: 1,
            zone: &tz,
        };
        // Due Monday 2 November, done on Friday 4 December at 10:00 local: Monday 7th.
        let done = at("2026-12-04T15:00:00Z");
        assert_eq!(
            roll.next(Due::On(date(2026, 11, 2)), done).map(|(d, _)| d),
            Some(Due::On(date(2026, 12, 7)))
        );
        // A timed one at 08:00 local, done on Thursday 3 December at 07:00 local: the
        // same day's 08:00 is still ahead. (Without COUNT its number is kept.)
        let due = at("2026-11-02T13:00:00Z");
        assert_eq!(
            roll.next(Due::At(due), at("2026-12-03T12:00:00Z")),
            Some((Due::At(at("2026-12-03T13:00:00Z")), 1))
        );
        // With COUNT the number counts: the 10th date of the series.
        let counted =
            Rule::parse("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=20").unwrap_or_else(|e| panic!("{e:?}"));
        let roll = Roll {
            rule: &counted,
            ..roll
        };
        assert_eq!(
            roll.next(Due::At(due), at("2026-12-03T12:00:00Z")),
            Some((Due::At(at("2026-12-03T13:00:00Z")), 10))
        );
    }

    #[test]
    fn from_completion_adds_one_interval_to_the_completion_day() {
        let rule = Rule::parse("FREQ=MONTHLY;COUNT=3").unwrap_or_else(|e| panic!("{e:?}"));
        let tz = zone("Europe/Berlin");
        let mut roll = Roll {
            rule: &rule,
            from_completion: true,
            start: date(2026, 1, 10).at(18, 0, 0, 0),
            index: 1,
            zone: &tz,
        };
        // A timed task due 10 January 18:00 local, done late on 31 January (00:30 on
        // 1 February in Berlin): due 1 March at 18:00, the time of day kept.
        let due = Due::At(at("2026-01-10T17:00:00Z"));
        let next = roll.next(due, at("2026-01-31T23:30:00Z"));
        assert_eq!(next, Some((Due::At(at("2026-03-01T17:00:00Z")), 2)));
        // All day, done 31 January: one month on is the last of February.
        assert_eq!(
            roll.next(Due::On(date(2026, 1, 10)), at("2026-01-31T12:00:00Z")),
            Some((Due::On(date(2026, 2, 28)), 2))
        );
        // The third is the last of COUNT=3.
        roll.index = 3;
        assert_eq!(roll.next(due, at("2026-05-01T12:00:00Z")), None);
    }

    #[test]
    fn until_ends_the_series_in_the_tasks_own_terms() {
        // UNTIL as an instant for a timed task: 09:00 Berlin on the 3rd is 08:00 UTC, so
        // an UNTIL of 08:00Z keeps it and 07:59Z does not.
        for (until, last) in [("20260103T080000Z", 3), ("20260103T075900Z", 2)] {
            let rule = format!("FREQ=DAILY;UNTIL={until}");
            let dues = roll_on(
                &rule,
                "Europe/Berlin",
                Due::At(at("2026-01-01T08:00:00Z")),
                9,
            );
            assert_eq!(dues.len(), last, "{until}");
        }
        // UNTIL as a date for an all-day task includes that date.
        let dues = roll_on(
            "FREQ=WEEKLY;UNTIL=20260115",
            "UTC",
            Due::On(date(2026, 1, 1)),
            9,
        );
        assert_eq!(
            local_times(&dues, "UTC"),
            ["2026-01-01", "2026-01-08", "2026-01-15"]
        );
    }
}
