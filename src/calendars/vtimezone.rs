//! A `VTIMEZONE` for an IANA zone, made from the zone database compiled into Taskward
//! (jiff's): one observance per transition in the years the feed spans, and the one in
//! force at their start, so a client without that zone still places every time right.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};

use super::ics::Ics;

/// Writes the `VTIMEZONE` of `zone` (named `tzid`) for the years `from..=to`.
pub fn write(ics: &mut Ics, zone: &TimeZone, tzid: &str, from: i16, to: i16) {
    let at = |year: i16| {
        Date::new(year, 1, 1)
            .ok()
            .and_then(|d| d.to_zoned_datetime(zone.clone()).ok())
            .map(|z| z.timestamp())
    };
    let (Some(start), Some(end)) = (at(from), at(to.saturating_add(1))) else {
        return;
    };
    ics.begin("VTIMEZONE");
    ics.raw("TZID", tzid);
    let first = zone.to_offset_info(start);
    let mut before = first.offset();
    observance(
        ics,
        first.dst().is_dst(),
        before.to_datetime(start),
        (before, before),
        first.abbreviation(),
    );
    for t in zone.following(start) {
        if t.timestamp() >= end {
            break;
        }
        let after = t.offset();
        observance(
            ics,
            t.dst().is_dst(),
            before.to_datetime(t.timestamp()),
            (before, after),
            t.abbreviation(),
        );
        before = after;
    }
    ics.end("VTIMEZONE");
}

/// One `STANDARD` or `DAYLIGHT` observance starting at the local time `local` (in the
/// offset before it).
fn observance(ics: &mut Ics, dst: bool, local: DateTime, (from, to): (Offset, Offset), name: &str) {
    let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
    ics.begin(kind);
    ics.raw("DTSTART", &local_time(local));
    ics.raw("TZOFFSETFROM", &utc_offset(from));
    ics.raw("TZOFFSETTO", &utc_offset(to));
    if !name.is_empty() {
        ics.text("TZNAME", name);
    }
    ics.end(kind);
}

/// A local DATE-TIME value (`19700101T000000`).
pub fn local_time(t: DateTime) -> String {
    t.strftime("%Y%m%dT%H%M%S").to_string()
}

/// A UTC-OFFSET value (`+0100`, `-0930`, `+053328` when it has seconds).
fn utc_offset(offset: Offset) -> String {
    let s = offset.seconds();
    let sign = if s < 0 { '-' } else { '+' };
    let s = s.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// The year of `t` in `zone`.
pub fn year_of(t: Timestamp, zone: &TimeZone) -> i16 {
    zone.to_datetime(t).year()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berlin_has_its_two_changes_a_year() {
        let zone = TimeZone::get("Europe/Berlin").expect("zone");
        let mut ics = Ics::new();
        write(&mut ics, &zone, "Europe/Berlin", 2026, 2026);
        let out = ics.finish();
        assert!(out.starts_with("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
        // In force on 1 January, then 29 March and 25 October 2026.
        assert!(out.contains(
            "BEGIN:STANDARD\r\nDTSTART:20260101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD"
        ));
        assert!(out.contains(
            "BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT"
        ));
        assert!(out.contains(
            "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD"
        ));
        assert_eq!(out.matches("BEGIN:DAYLIGHT").count(), 1);
    }

    #[test]
    fn offsets_are_written_with_sign_and_seconds_when_needed() {
        let o = |s| Offset::from_seconds(s).expect("offset");
        assert_eq!(utc_offset(o(-9 * 3600 - 1800)), "-0930");
        assert_eq!(utc_offset(o(3600)), "+0100");
        assert_eq!(utc_offset(o(3600 + 61)), "+010101");
    }
}
