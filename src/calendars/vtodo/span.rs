//! The start of a task as a client wrote it: the kept `DTSTART` and `DURATION` of a
//! `VTODO` (Taskward maps neither, [`DavLink::extra`] keeps them), for the `time-range`
//! of a `calendar-query` (RFC 4791 section 9.9), which reads them.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::lines::parse_line;
use super::read::known_zone;
use super::scalars;
use crate::tasks::model::DavLink;

/// The kept `DTSTART` (a date from its start in `zone`; a floating time or an unknown
/// `TZID` in `zone`, as `DUE` is read) and, with it, the end a kept `DURATION` gives.
/// `None` without a `DTSTART` Taskward can read. Lines inside a kept component (a `VALARM`
/// has a `DURATION` of its own) are not the task's.
pub fn start(dav: &DavLink, zone: &TimeZone) -> Option<(Timestamp, Option<Timestamp>)> {
    let mut depth = 0_usize;
    let (mut dtstart, mut duration) = (None, None);
    for raw in &dav.extra {
        let Ok(line) = parse_line(raw) else { continue };
        match line.name.as_str() {
            "BEGIN" => depth += 1,
            "END" => depth = depth.saturating_sub(1),
            "DTSTART" if depth == 0 => dtstart = instant(&line, zone),
            "DURATION" if depth == 0 => duration = scalars::duration_seconds(&line.value),
            _ => {}
        }
    }
    let at = dtstart?;
    let end = duration.and_then(|s| at.checked_add(jiff::SignedDuration::from_secs(s)).ok());
    Some((at, end))
}

fn instant(line: &super::lines::Line, zone: &TimeZone) -> Option<Timestamp> {
    if line.param_is("VALUE", "DATE") || line.value.trim().len() == 8 {
        let day = scalars::date(&line.value)?;
        return zone.to_timestamp(day.at(0, 0, 0, 0)).ok();
    }
    let (local, utc) = scalars::date_time(&line.value)?;
    let zone = if utc {
        TimeZone::UTC
    } else {
        line.param("TZID")
            .and_then(known_zone)
            .unwrap_or_else(|| zone.clone())
    };
    zone.to_timestamp(local).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(lines: &[&str]) -> DavLink {
        DavLink {
            extra: lines.iter().map(|l| (*l).to_owned()).collect(),
            ..DavLink::default()
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn reads_the_start_and_the_end_a_duration_gives() {
        let berlin = TimeZone::get("Europe/Berlin").expect("zone");
        let dav = kept(&["X-A:1", "DTSTART:20270118T120000Z", "DURATION:PT2H"]);
        assert_eq!(
            start(&dav, &berlin),
            Some((at("2027-01-18T12:00:00Z"), Some(at("2027-01-18T14:00:00Z"))))
        );
        let dav = kept(&["DTSTART;TZID=America/New_York:20270118T120000"]);
        assert_eq!(
            start(&dav, &berlin),
            Some((at("2027-01-18T17:00:00Z"), None))
        );
        let dav = kept(&["DTSTART;VALUE=DATE:20270118"]);
        assert_eq!(
            start(&dav, &berlin),
            Some((at("2027-01-17T23:00:00Z"), None))
        );
        let dav = kept(&["DTSTART:20270118T120000"]);
        assert_eq!(
            start(&dav, &berlin),
            Some((at("2027-01-18T11:00:00Z"), None))
        );
    }

    #[test]
    fn a_kept_alarm_s_duration_and_a_bad_start_are_not_the_task_s() {
        let utc = TimeZone::UTC;
        let dav = kept(&[
            "DTSTART:20270118T120000Z",
            "BEGIN:VALARM",
            "DURATION:PT5M",
            "END:VALARM",
        ]);
        assert_eq!(start(&dav, &utc), Some((at("2027-01-18T12:00:00Z"), None)));
        assert_eq!(start(&kept(&["DTSTART:tomorrow"]), &utc), None);
        assert_eq!(start(&kept(&["DURATION:PT1H"]), &utc), None);
        assert_eq!(start(&DavLink::default(), &utc), None);
    }
}
