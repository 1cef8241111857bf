//! A client's VTODO: mapped, kept, and given back.

use time::macros::{date, datetime};

use super::{BERLIN, task_from};
use crate::calendars::vtodo::*;
use crate::tasks::model::Priority;
use crate::tasks::recurrence::RecurFrom;
use crate::tasks::reminders::Reminder;

/// An alarm relative to the start, which Taskward cannot hold.
const DTSTART_ALARM: [&str; 5] = [
    "BEGIN:VALARM",
    "ACTION:DISPLAY",
    "DESCRIPTION:Relative to DTSTART",
    "TRIGGER:-PT5M",
    "END:VALARM",
];

/// An `X-` line folded with a two-octet character where the first fold falls.
fn long_line() -> String {
    format!("X-CLIENT-NOTE:{}ü{}", "n".repeat(60), "é".repeat(60))
}

/// A VTODO as a client (Thunderbird, DAVx5 with Tasks.org) might send it.
pub(super) fn client_body() -> String {
    let long = long_line();
    let mut lines = vec![
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Example Corp//Tasks 1.0//EN",
        "BEGIN:VTIMEZONE",
        "TZID:America/New_York",
        "BEGIN:STANDARD",
        "DTSTART:19701101T020000",
        "TZOFFSETFROM:-0400",
        "TZOFFSETTO:-0500",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VTODO",
        "UID:6f1c3a2e-client@example.com",
        "DTSTAMP:20261101T090000Z",
        "CREATED:20261101T090000Z",
        "SUMMARY:Call the plumber",
        "LOCATION:Kitchen\\, upstairs",
        "DTSTART;TZID=America/New_York:20261201T080000",
        "DUE;TZID=America/New_York:20261204T170000",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=4",
        "CATEGORIES:House\\,home,Errands",
        "CATEGORIES:calls",
        "PERCENT-COMPLETE:20",
        "PRIORITY:2",
        "STATUS:IN-PROCESS",
        &long,
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:Reminder",
        "TRIGGER;RELATED=END:-PT30M",
        "END:VALARM",
    ];
    lines.extend(DTSTART_ALARM);
    lines.extend([
        "X-APPLE-SORT-ORDER:12",
        "END:VTODO",
        "BEGIN:VTODO",
        "UID:6f1c3a2e-client@example.com",
        "RECURRENCE-ID;TZID=America/New_York:20270104T170000",
        "SUMMARY:Call the plumber (January)",
        "END:VTODO",
        "END:VCALENDAR",
    ]);
    lines
        .iter()
        .map(|l| {
            let mut ics = crate::calendars::ics::Ics::new();
            ics.line(l);
            ics.finish()
        })
        .collect()
}

#[test]
fn a_client_todo_is_mapped_and_the_rest_kept() {
    let body = client_body();
    let todo = read(&body, BERLIN).expect("reads");
    let f = &todo.fields;
    assert_eq!(todo.uid, "6f1c3a2e-client@example.com");
    assert_eq!(f.title.as_str(), "Call the plumber");
    assert_eq!(f.due_at, Some(datetime!(2026-12-04 22:00 UTC)));
    assert_eq!(f.priority, Priority::High);
    assert_eq!(f.completed, Some(false));
    assert_eq!(f.tags.as_slice(), ["house,home", "errands", "calls"]);
    assert_eq!(
        f.recurrence.as_ref().map(|r| (r.rule.to_string(), r.from)),
        Some(("FREQ=MONTHLY;BYMONTHDAY=4".to_owned(), RecurFrom::Due))
    );
    assert_eq!(
        f.reminders,
        Some(vec![Reminder::before("r", "PT30M").expect("r")])
    );
    assert_eq!(todo.dav.uid.as_deref(), Some("6f1c3a2e-client@example.com"));
    assert_eq!(todo.dav.priority, Some(2));
    assert_eq!(todo.dav.status.as_deref(), Some("IN-PROCESS"));
    let long = long_line();
    let mut expected = vec![
        "LOCATION:Kitchen\\, upstairs",
        "DTSTART;TZID=America/New_York:20261201T080000",
        "PERCENT-COMPLETE:20",
        &long,
    ];
    expected.extend(DTSTART_ALARM);
    expected.push("X-APPLE-SORT-ORDER:12");
    assert_eq!(todo.dav.extra, expected);
    assert_eq!(todo.dav.others.len(), 5);
    assert_eq!(todo.dav.others[1], "UID:6f1c3a2e-client@example.com");
}

#[test]
fn a_client_todo_survives_read_write_read() {
    let first = read(&client_body(), BERLIN).expect("reads");
    let task = task_from(&first.fields, BERLIN);
    let body = write(&task, &first.dav, BERLIN);
    // The due is written in the user's zone; DTSTART keeps its own, with a zone for it.
    assert!(
        body.contains("DUE;TZID=Europe/Berlin:20261204T230000\r\n"),
        "{body}"
    );
    assert!(body.contains("TZID:America/New_York\r\n"));
    assert!(body.contains("STATUS:IN-PROCESS\r\nPRIORITY:2\r\n"));
    assert!(body.contains("END:VTODO\r\nBEGIN:VTODO\r\nUID:6f1c3a2e-client@example.com\r\n"));
    let again = read(&body, BERLIN).expect("reads again");
    assert_eq!(again, first);
    assert_eq!(
        write(&task_from(&again.fields, BERLIN), &again.dav, BERLIN),
        body
    );
}

#[test]
fn dues_take_their_zone_or_the_users() {
    let due = |line: &str, zone_name: &str| {
        let body = format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:u\r\nSUMMARY:s\r\n{line}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
        );
        read(&body, zone_name).map(|t| (t.fields.due_at, t.fields.due_date))
    };
    let at = |t| Ok((Some(t), None));
    assert_eq!(
        due("DUE:20261204T170000Z", BERLIN),
        at(datetime!(2026-12-04 17:00 UTC))
    );
    assert_eq!(
        due("DUE:20261204T170000", BERLIN),
        at(datetime!(2026-12-04 16:00 UTC))
    );
    assert_eq!(
        due("DUE:20261204T170000", "UTC"),
        at(datetime!(2026-12-04 17:00 UTC))
    );
    assert_eq!(
        due(
            "DUE;TZID=/mozilla.org/20050126_1/Asia/Tokyo:20261204T170000",
            BERLIN
        ),
        at(datetime!(2026-12-04 08:00 UTC))
    );
    assert_eq!(
        due(
            "DUE;TZID=\"W. Europe Standard Time\":20261204T170000",
            "UTC"
        ),
        at(datetime!(2026-12-04 17:00 UTC))
    );
    assert_eq!(
        due("DUE;VALUE=DATE:20261204", BERLIN),
        Ok((None, Some(date!(2026 - 12 - 04))))
    );
    assert_eq!(
        due("DUE:20261204", BERLIN),
        Ok((None, Some(date!(2026 - 12 - 04))))
    );
    for bad in [
        "DUE:tomorrow",
        "DUE;VALUE=DATE:20261304",
        "DUE:20261204T250000",
    ] {
        assert!(
            matches!(due(bad, BERLIN), Err(TodoError::Field(e)) if e.field == "DUE"),
            "{bad}"
        );
    }
}

#[test]
fn a_client_folding_inside_a_character_is_read_from_its_octets() {
    // Folded at 75 octets blindly, as RFC 5545 warns simple writers do: the first fold of
    // the long line falls between the two octets of `ü`.
    let mut octets = Vec::new();
    for line in client_body()
        .split("\r\n ")
        .collect::<String>()
        .split("\r\n")
    {
        for (i, chunk) in line.as_bytes().chunks(75).enumerate() {
            octets.extend_from_slice(if i == 0 { b"" } else { b"\r\n " });
            octets.extend_from_slice(chunk);
        }
        octets.extend_from_slice(b"\r\n");
    }
    assert!(
        std::str::from_utf8(&octets).is_err(),
        "a fold splits a character"
    );
    assert_eq!(read_bytes(&octets, BERLIN), read(&client_body(), BERLIN));
}

#[test]
fn a_zone_taskward_does_not_know_keeps_the_clients_vtimezone() {
    let windows = [
        "BEGIN:VTIMEZONE",
        "TZID:W. Europe Standard Time",
        "BEGIN:STANDARD",
        "DTSTART:16010101T030000",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "END:STANDARD",
        "END:VTIMEZONE",
    ];
    let body = format!(
        "BEGIN:VCALENDAR\r\n{}\r\nBEGIN:VTIMEZONE\r\nTZID:Unused/Zone\r\nEND:VTIMEZONE\r\n\
         BEGIN:VTODO\r\nUID:w\r\nSUMMARY:s\r\n\
         DTSTART;TZID=\"W. Europe Standard Time\":20261201T080000\r\n\
         EXDATE;TZID=Europe/Paris:20261208T080000\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
        windows.join("\r\n")
    );
    let first = read(&body, BERLIN).expect("reads");
    assert_eq!(
        first.dav.others, windows,
        "only the unknown zone in use is kept"
    );
    let out = write(&task_from(&first.fields, BERLIN), &first.dav, BERLIN);
    assert_eq!(out.matches("TZID:W. Europe Standard Time\r\n").count(), 1);
    assert!(
        out.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"),
        "{out}"
    );
    assert!(!out.contains("Unused/Zone") && !out.contains("TZID:Europe/Berlin"));
    assert_eq!(read(&out, BERLIN).expect("reads again"), first);
}
