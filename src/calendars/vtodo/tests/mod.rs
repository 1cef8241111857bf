//! Reading and writing `VTODO`s: round trips both ways, the mapping's edges, every error
//! kind, and garbage that must not panic.

use time::macros::{date, datetime};
use uuid::Uuid;

use super::*;
use crate::tasks::model::{Description, Tags, TaskFields, TaskTitle};
use crate::tasks::model::{Priority, Task};
use crate::tasks::recurrence::{RecurFrom, Recurrence, RecurrenceSpec, Rule};
use crate::tasks::reminders::{Reminder, Reminders};

mod client;
mod edges;

pub(super) const BERLIN: &str = "Europe/Berlin";

/// The task a service would store from `fields` (series at its first due).
pub(super) fn task_from(fields: &TaskFields, zone_name: &str) -> Task {
    let user = Uuid::from_u128(7);
    let tz = crate::zone::zone(zone_name);
    let start = match (fields.due_at, fields.due_date) {
        (Some(at), _) => tz.to_datetime(crate::zone::to_timestamp(at)),
        (None, Some(day)) => crate::zone::to_civil(day).expect("day").at(0, 0, 0, 0),
        _ => jiff::civil::date(2026, 1, 1).at(0, 0, 0, 0),
    };
    let completed = fields.completed.unwrap_or(false);
    Task {
        id: Uuid::from_u128(42),
        user_id: user,
        list_id: user,
        title: fields.title.as_str().to_owned(),
        description: fields.description.as_str().to_owned(),
        completed,
        priority: fields.priority,
        due_at: fields.due_at,
        due_date: fields.due_date,
        due_key: fields.due_at,
        tags: fields.tags.as_slice().to_vec(),
        recurrence: fields.recurrence.clone().map(|spec| Recurrence {
            spec,
            start,
            index: 1,
        }),
        reminders: Reminders::set(fields.reminders.clone().unwrap_or_default(), user),
        created_at: datetime!(2026-11-01 10:00 UTC),
        updated_at: datetime!(2026-11-02 11:30:15 UTC),
        completed_at: completed.then_some(datetime!(2026-11-02 11:30 UTC)),
        version: 3,
        dav: fields.dav.clone().unwrap_or_default(),
    }
}

fn fields() -> TaskFields {
    TaskFields {
        title: TaskTitle::parse("Water the plants; all of them, really").expect("title"),
        description: Description::parse("Line one\nLine two, with \\ and ;").expect("d"),
        priority: Priority::High,
        due_at: Some(datetime!(2026-12-04 08:30 UTC)),
        due_date: None,
        tags: Tags::parse(&["home".into(), "a,b".into(), "grün".into()]).expect("tags"),
        recurrence: Some(RecurrenceSpec {
            rule: Rule::parse("FREQ=WEEKLY;BYDAY=FR;COUNT=10").expect("rule"),
            from: RecurFrom::Completion,
        }),
        reminders: Some(vec![
            Reminder::before("r", "PT15M").expect("r"),
            Reminder::before("r", "P1D").expect("r"),
            Reminder::At(datetime!(2026-12-03 18:00 UTC)),
        ]),
        completed: Some(false),
        list_id: None,
        dav: None,
    }
}

fn uid_link(uid: &str) -> DavLink {
    DavLink {
        uid: Some(uid.to_owned()),
        ..DavLink::default()
    }
}

#[test]
fn a_task_written_reads_back_as_the_same_fields() {
    for zone_name in [BERLIN, "UTC", "America/New_York"] {
        let f = fields();
        let task = task_from(&f, zone_name);
        let body = write(&task, &DavLink::default(), zone_name);
        let todo = read(&body, zone_name).expect("reads");
        assert_eq!(todo.fields, f, "{zone_name}\n{body}");
        assert_eq!(todo.uid, task.id.to_string());
        assert_eq!(todo.dav.extra, Vec::<String>::new());
        assert_eq!(todo.dav.priority, Some(1));
        // And it reads in another zone too: the times carry their own.
        assert_eq!(read(&body, "Asia/Tokyo").expect("reads").fields, f);
    }
}

#[test]
fn all_day_done_and_low_tasks_read_back_too() {
    let mut f = fields();
    f.due_at = None;
    f.due_date = Some(date!(2026 - 12 - 24));
    f.priority = Priority::Low;
    f.completed = Some(true);
    f.recurrence = Some(RecurrenceSpec {
        rule: Rule::parse("FREQ=YEARLY;UNTIL=20301224").expect("rule"),
        from: RecurFrom::Due,
    });
    f.reminders = Some(vec![
        Reminder::before("r", "PT0S").expect("r"),
        Reminder::before("r", "P1W").expect("r"),
        Reminder::before("r", "PT8H30M").expect("r"),
    ]);
    let task = task_from(&f, BERLIN);
    let body = write(&task, &DavLink::default(), BERLIN);
    assert!(body.contains("DUE;VALUE=DATE:20261224\r\n"), "{body}");
    assert!(body.contains("STATUS:COMPLETED\r\nCOMPLETED:20261102T113000Z\r\n"));
    assert!(
        body.contains("TRIGGER;RELATED=END:PT9H\r\n"),
        "09:00 of the day"
    );
    assert!(!body.contains("VTIMEZONE"), "no timed due, no zone");
    assert!(!body.contains("X-TASKWARD-REPEAT-FROM"));
    assert_eq!(read(&body, BERLIN).expect("reads").fields, f);
}

#[test]
fn the_written_object_is_well_formed_and_deterministic() {
    let task = task_from(&fields(), BERLIN);
    let body = write(&task, &uid_link("client-1"), BERLIN);
    assert_eq!(body, write(&task, &uid_link("client-1"), BERLIN));
    assert!(body.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Taskward//CalDAV//EN\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
    assert!(body.ends_with("END:VTODO\r\nEND:VCALENDAR\r\n"));
    for needle in [
        "UID:client-1\r\n",
        "DTSTAMP:20261102T113015Z\r\n",
        "CREATED:20261101T100000Z\r\n",
        "LAST-MODIFIED:20261102T113015Z\r\n",
        "SUMMARY:Water the plants\\; all of them\\, really\r\n",
        "DESCRIPTION:Line one\\nLine two\\, with \\\\ and \\;\r\n",
        "STATUS:NEEDS-ACTION\r\n",
        "PRIORITY:1\r\n",
        "CATEGORIES:home,a\\,b,grün\r\n",
        "DUE;TZID=Europe/Berlin:20261204T093000\r\n",
        "RRULE:FREQ=WEEKLY;BYDAY=FR;COUNT=10\r\nX-TASKWARD-REPEAT-FROM:COMPLETION\r\n",
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Water the plants\\; all of them\\, really\r\nTRIGGER;RELATED=END:-PT15M\r\nEND:VALARM\r\n",
        "TRIGGER;RELATED=END:-P1D\r\n",
        "TRIGGER;VALUE=DATE-TIME:20261203T180000Z\r\n",
    ] {
        assert!(body.contains(needle), "{needle:?} in\n{body}");
    }
    assert!(body.split("\r\n").all(|l| l.len() <= 75));
    assert_eq!(read(&body, BERLIN).expect("reads").uid, "client-1");
}

pub(super) fn todo_with(lines: &[&str]) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:u\r\nSUMMARY:s\r\n{}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
        lines.join("\r\n")
    )
}

/// What a task is written as is part of its entity tag's promise
/// (`calendars::caldav::CalDav::etag` hashes the task, not the body): a change of the
/// writing (or of the zone data compiled in, which the `VTIMEZONE` is made of) must come
/// with a new `calendars::caldav::RENDERING`, then a new hash here.
#[test]
fn the_writing_changes_only_with_a_new_rendering_version() {
    use sha2::{Digest, Sha256};
    let task = task_from(&fields(), BERLIN);
    let body = write(&task, &uid_link("client-uid"), BERLIN);
    let hash: String = Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        (crate::calendars::caldav::RENDERING, hash.as_str()),
        (
            "taskward-vtodo-1",
            "dabe99978723e8e16fa794475e34a2347da6e4e9ab2ca963774cfd647f9ae007"
        ),
        "the VTODO writing changed: bump caldav::RENDERING and put the new hash here\n{body}"
    );
}
