//! A user's time zone: an IANA name ("Europe/Berlin") known to the zone database compiled
//! into Taskward (jiff's bundled tzdb, so every node agrees whatever the host has).

use time::{Date, OffsetDateTime};

use crate::error::FieldError;

/// Longest zone name accepted (the longest IANA name is about 30 characters).
const MAX_ZONE: usize = 64;

/// A time zone name the zone database knows, in its canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// The zone named `raw` (case-insensitive, trimmed), or the error for `timezone`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        let unknown = || {
            FieldError::new(
                "timezone",
                "must be an IANA time zone name such as Europe/Berlin or America/New_York",
            )
        };
        if name.is_empty() || name.len() > MAX_ZONE || name.chars().any(char::is_control) {
            return Err(unknown());
        }
        let zone = jiff::tz::TimeZone::get(name).map_err(|_| unknown())?;
        Ok(Self(zone.iana_name().unwrap_or(name).to_owned()))
    }

    /// The canonical name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The zone named `name`; UTC for a name the database does not know (which a stored
/// zone never is).
pub fn zone(name: &str) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(name).unwrap_or(jiff::tz::TimeZone::UTC)
}

/// An instant as jiff's.
pub fn to_timestamp(at: OffsetDateTime) -> jiff::Timestamp {
    jiff::Timestamp::from_nanosecond(at.unix_timestamp_nanos())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// A jiff instant as the API's; `None` outside the range both represent.
pub fn from_timestamp(at: jiff::Timestamp) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(at.as_nanosecond()).ok()
}

/// The instant of the wall-clock time `local` in `zone` (the earlier of two in a
/// daylight-saving fold, the later side of a gap), if the API can represent it.
pub fn local_instant(
    zone: &jiff::tz::TimeZone,
    local: jiff::civil::DateTime,
) -> Option<OffsetDateTime> {
    zone.to_timestamp(local).ok().and_then(from_timestamp)
}

/// A date as jiff's; `None` outside jiff's years (-9999 to 9999).
pub fn to_civil(date: Date) -> Option<jiff::civil::Date> {
    let year = i16::try_from(date.year()).ok()?;
    let month = i8::try_from(u8::from(date.month())).ok()?;
    let day = i8::try_from(date.day()).ok()?;
    jiff::civil::Date::new(year, month, day).ok()
}

/// A jiff date as the API's.
pub fn from_civil(date: jiff::civil::Date) -> Option<Date> {
    let month = time::Month::try_from(u8::try_from(date.month()).ok()?).ok()?;
    Date::from_calendar_date(
        i32::from(date.year()),
        month,
        u8::try_from(date.day()).ok()?,
    )
    .ok()
}

/// The instant the day `days` after the current one (0: today) starts in zone `name`. A
/// day that starts in a daylight-saving gap starts at the first instant after it.
pub fn start_of_day(name: &str, now: OffsetDateTime, days: i32) -> OffsetDateTime {
    today(name, now)
        .checked_add(time::Duration::days(i64::from(days)))
        .map_or(now, |day| start_of_date(name, day))
}

/// The date it is at `now` in zone `name`.
pub fn today(name: &str, now: OffsetDateTime) -> Date {
    from_civil(zone(name).to_datetime(to_timestamp(now)).date()).unwrap_or_else(|| now.date())
}

/// The instant `date` starts in zone `name` (midnight, or the first instant after a gap
/// that swallows it); UTC midnight for a date jiff cannot represent.
pub fn start_of_date(name: &str, date: Date) -> OffsetDateTime {
    to_civil(date)
        .and_then(|d| d.to_zoned_datetime(zone(name)).ok())
        .and_then(|z| from_timestamp(z.timestamp()))
        .unwrap_or_else(|| date.midnight().assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_names_are_known_and_spelt_canonically() {
        for (raw, canonical) in [
            ("Europe/Berlin", "Europe/Berlin"),
            (" america/new_york ", "America/New_York"),
            ("UTC", "UTC"),
            ("Asia/Kolkata", "Asia/Kolkata"),
        ] {
            assert_eq!(
                TimeZoneName::parse(raw).map(|z| z.0),
                Ok(canonical.to_owned()),
                "{raw}"
            );
        }
        for bad in [
            "",
            "Mars/Olympus_Mons",
            "Europe/\u{7}Berlin",
            "+02:00",
            &"A".repeat(65),
        ] {
            assert_eq!(
                TimeZoneName::parse(bad).map_err(|e| e.field),
                Err("timezone".into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn days_start_at_local_midnight_across_daylight_saving() {
        use time::macros::datetime;
        // 2026-03-29 is Berlin's spring change; 2026-03-08 New York's.
        let now = datetime!(2026-03-28 22:30 UTC); // 23:30 in Berlin, Saturday
        assert_eq!(
            start_of_day("Europe/Berlin", now, 0),
            datetime!(2026-03-27 23:00 UTC)
        );
        assert_eq!(
            start_of_day("Europe/Berlin", now, 1),
            datetime!(2026-03-28 23:00 UTC)
        );
        assert_eq!(
            start_of_day("Europe/Berlin", now, 2),
            datetime!(2026-03-29 22:00 UTC)
        );
        let now = datetime!(2026-03-08 04:00 UTC); // 23:00 the day before in New York
        assert_eq!(
            start_of_day("America/New_York", now, 0),
            datetime!(2026-03-07 05:00 UTC)
        );
        assert_eq!(
            start_of_day("America/New_York", now, 1),
            datetime!(2026-03-08 05:00 UTC)
        );
        assert_eq!(
            start_of_day("America/New_York", now, 2),
            datetime!(2026-03-09 04:00 UTC)
        );
        assert_eq!(start_of_day("UTC", now, 0), datetime!(2026-03-08 00:00 UTC));
    }

    #[test]
    fn a_date_starts_at_its_local_midnight() {
        use time::macros::{date, datetime};
        assert_eq!(
            start_of_date("Europe/Berlin", date!(2026 - 12 - 24)),
            datetime!(2026-12-23 23:00 UTC)
        );
        assert_eq!(
            start_of_date("America/New_York", date!(2026 - 07 - 04)),
            datetime!(2026-07-04 04:00 UTC)
        );
        assert_eq!(
            start_of_date("UTC", date!(2028 - 02 - 29)),
            datetime!(2028-02-29 00:00 UTC)
        );
        // Havana skips from midnight to 01:00 on its spring change (2026-03-08).
        assert_eq!(
            start_of_date("America/Havana", date!(2026 - 03 - 08)),
            datetime!(2026-03-08 05:00 UTC)
        );
    }
}
