//! Instants at the precision both databases keep: whole microseconds, in UTC.
//!
//! A leaf of the crate. Every timestamp Taskward stores goes through [`truncate_to_micros`]
//! (or [`now`]), so a value read back from either database equals the value written.

use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::error::FieldError;

/// The current time, truncated to microseconds.
pub fn now() -> OffsetDateTime {
    truncate_to_micros(OffsetDateTime::now_utc())
}

/// Microseconds since the epoch, the unit of every SQLite timestamp column.
pub fn to_micros(t: OffsetDateTime) -> i64 {
    // Floor, not truncation towards zero: instants before 1970 round down too.
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000)).unwrap_or(i64::MAX)
}

/// The inverse of [`to_micros`].
pub fn from_micros(us: i64) -> OffsetDateTime {
    // Whole seconds and the microseconds within, without `i128` (its division was 1 % of
    // a task list: every row has three or four timestamps).
    let (seconds, micros) = (us.div_euclid(1_000_000), us.rem_euclid(1_000_000));
    u32::try_from(micros)
        .ok()
        .and_then(|m| {
            OffsetDateTime::from_unix_timestamp(seconds)
                .ok()?
                .replace_microsecond(m)
                .ok()
        })
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Truncates a timestamp to whole microseconds, the precision both databases keep, so a
/// value read back equals the value written.
pub fn truncate_to_micros(t: OffsetDateTime) -> OffsetDateTime {
    from_micros(to_micros(t))
}

/// Parses an RFC 3339 timestamp into UTC, at the microsecond precision both databases
/// keep; `field` names the value in the error.
pub fn parse_timestamp(field: &str, raw: &str) -> Result<OffsetDateTime, FieldError> {
    OffsetDateTime::parse(raw.trim(), &Rfc3339)
        .map(|t| truncate_to_micros(t.to_offset(UtcOffset::UTC)))
        .map_err(|_| {
            FieldError::new(
                field,
                "must be an RFC 3339 timestamp like 2026-11-25T09:30:00Z",
            )
        })
}

/// A day as the API and the web app's date inputs write it: `YYYY-MM-DD`.
const DAY: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// Parses a `YYYY-MM-DD` day; `field` names the value in the error.
pub fn parse_day(field: &str, raw: &str) -> Result<Date, FieldError> {
    Date::parse(raw.trim(), DAY)
        .map_err(|_| FieldError::new(field, "must be a date like 2026-11-25"))
}

/// RFC 3339, as every instant Taskward sends is written.
pub fn format_rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// `YYYY-MM-DD`.
pub fn format_day(day: Date) -> String {
    day.format(DAY).unwrap_or_else(|_| day.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_trip() {
        let t = now();
        assert_eq!(from_micros(to_micros(t)), t);
        assert_eq!(t.nanosecond() % 1_000, 0);
    }

    #[test]
    fn micros_read_back_as_the_nanosecond_arithmetic_reads_them() {
        let reference = |us: i64| {
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        };
        let first = to_micros(OffsetDateTime::new_utc(Date::MIN, time::Time::MIDNIGHT));
        let last = to_micros(OffsetDateTime::new_utc(Date::MAX, time::Time::MAX));
        let mut values = vec![
            0,
            1,
            -1,
            999_999,
            -999_999,
            1_000_000,
            -1_000_000,
            -1_000_001,
            i64::MIN,
            i64::MAX,
            to_micros(now()),
            // The first and last microsecond time represents, and one beyond each.
            first,
            first - 1,
            last,
            last + 1,
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..10_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            // Spread over about +-8 000 years, and now and then over all of i64.
            let v = x.cast_signed();
            values.push(if x.is_multiple_of(7) {
                v
            } else {
                v % 253_402_300_800_000_000
            });
        }
        for us in values {
            assert_eq!(from_micros(us), reference(us), "{us}");
        }
    }

    #[test]
    fn timestamps_are_normalised_to_utc_microseconds() {
        let t = parse_timestamp("due_at", "2026-11-25T10:30:00.1234567+01:00").expect("valid");
        assert_eq!(t.offset(), UtcOffset::UTC);
        assert_eq!(t.hour(), 9);
        assert_eq!(t.nanosecond(), 123_456_000);
        assert!(parse_timestamp("due_at", "tomorrow").is_err());
        assert!(parse_timestamp("due_at", "2026-11-25").is_err());
    }
}
