//! The mapping's edges, every error kind, and garbage.

use time::macros::datetime;

use super::client::client_body;
use super::{BERLIN, task_from, todo_with};
use crate::calendars::vtodo::*;
use crate::tasks::model::{Priority, TaskFields};
use crate::tasks::recurrence::{RecurFrom, Recurrence, RecurrenceSpec, Rule};
use crate::tasks::reminders::Reminder;

#[test]
fn statuses_and_priorities_map_and_come_back() {
    let read_with = |lines: &[&str]| read(&todo_with(lines), BERLIN).expect("reads");
    let cancelled = read_with(&["STATUS:CANCELLED"]);
    assert_eq!(cancelled.fields.completed, Some(true));
    let task = task_from(&cancelled.fields, BERLIN);
    let body = write(&task, &cancelled.dav, BERLIN);
    assert!(body.contains("STATUS:CANCELLED\r\n") && !body.contains("COMPLETED:"));
    let mut reopened = task.clone();
    reopened.completed = false;
    assert!(write(&reopened, &cancelled.dav, BERLIN).contains("STATUS:NEEDS-ACTION\r\n"));
    assert_eq!(
        read_with(&["COMPLETED:20261101T090000Z"]).fields.completed,
        Some(true)
    );
    assert_eq!(
        read_with(&["STATUS:NEEDS-ACTION", "COMPLETED:20261101T090000Z"])
            .fields
            .completed,
        Some(false)
    );
    for (n, p) in [
        (0, Priority::Medium),
        (1, Priority::High),
        (4, Priority::High),
        (5, Priority::Medium),
        (6, Priority::Low),
        (9, Priority::Low),
    ] {
        let todo = read_with(&[&format!("PRIORITY:{n}")]);
        assert_eq!((todo.fields.priority, todo.dav.priority), (p, Some(n)));
    }
    // Absent reads as undefined (0) and is given back so; a changed priority is 1/5/9.
    let plain = read_with(&[]);
    assert_eq!(plain.dav.priority, Some(0));
    let mut task = task_from(&plain.fields, BERLIN);
    assert!(write(&task, &plain.dav, BERLIN).contains("PRIORITY:0\r\n"));
    task.priority = Priority::Low;
    assert!(write(&task, &plain.dav, BERLIN).contains("PRIORITY:9\r\n"));
    assert!(write(&task, &DavLink::default(), BERLIN).contains("PRIORITY:9\r\n"));
}

#[test]
fn alarms_taskward_cannot_hold_are_kept_whole() {
    let alarm = |trigger: &str, more: &str| {
        format!("BEGIN:VALARM\r\nACTION:DISPLAY\r\n{trigger}\r\n{more}END:VALARM")
    };
    let kept = [
        alarm("TRIGGER;RELATED=END:PT5M", ""),
        alarm("TRIGGER;VALUE=DATE-TIME:20261203T180000", ""),
        alarm("TRIGGER:-PT5M", "REPEAT:2\r\nDURATION:PT5M\r\n"),
        "BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-PT5M\r\nEND:VALARM".to_owned(),
    ];
    let mapped: Vec<String> = (1..=6)
        .map(|i| alarm(&format!("TRIGGER:-PT{i}M"), ""))
        .collect();
    let mut lines = vec!["DUE:20261204T170000Z".to_owned()];
    lines.extend(kept.iter().cloned());
    lines.extend(mapped);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let todo = read(&todo_with(&refs), BERLIN).expect("reads");
    let minutes: Vec<Reminder> = (1..=5)
        .map(|i| Reminder::before("r", &format!("PT{i}M")).expect("r"))
        .collect();
    assert_eq!(todo.fields.reminders, Some(minutes));
    let extra = todo.dav.extra.join("\r\n");
    for k in &kept {
        assert!(extra.contains(k.as_str()), "{k}");
    }
    assert!(
        extra.ends_with(&alarm("TRIGGER:-PT6M", "")),
        "the sixth is kept"
    );
    // Without a DUE a relative alarm has nothing to count from; an absolute one maps.
    let todo = read(
        &todo_with(&[
            &alarm("TRIGGER:-PT5M", ""),
            &alarm("TRIGGER;VALUE=DATE-TIME:20261203T180000Z", ""),
        ]),
        BERLIN,
    )
    .expect("reads");
    assert_eq!(
        todo.fields.reminders,
        Some(vec![Reminder::At(datetime!(2026-12-03 18:00 UTC))])
    );
    assert_eq!(todo.dav.extra.len(), 4);
}

#[test]
fn rules_taskward_refuses_are_kept_and_replaced_by_its_own() {
    let todo = read(
        &todo_with(&[
            "DUE:20261204T170000Z",
            "RRULE:FREQ=HOURLY;INTERVAL=2",
            "X-TASKWARD-REPEAT-FROM:COMPLETION",
        ]),
        BERLIN,
    )
    .expect("reads");
    assert_eq!(todo.fields.recurrence, None);
    assert_eq!(todo.dav.extra, ["RRULE:FREQ=HOURLY;INTERVAL=2"]);
    let mut task = task_from(&todo.fields, BERLIN);
    assert!(write(&task, &todo.dav, BERLIN).contains("RRULE:FREQ=HOURLY;INTERVAL=2\r\n"));
    task.recurrence = Some(Recurrence {
        spec: RecurrenceSpec {
            rule: Rule::parse("FREQ=DAILY").expect("rule"),
            from: RecurFrom::Due,
        },
        start: jiff::civil::date(2026, 12, 4).at(18, 0, 0, 0),
        index: 1,
    });
    let body = write(&task, &todo.dav, BERLIN);
    assert!(body.contains("RRULE:FREQ=DAILY\r\n") && !body.contains("HOURLY"));
    // No DUE: a rule has nothing to start from in Taskward.
    let todo = read(&todo_with(&["RRULE:FREQ=DAILY"]), BERLIN).expect("reads");
    assert_eq!((todo.fields.recurrence, todo.dav.extra.len()), (None, 1));
}

fn error_of(body: &str) -> TodoError {
    read(body, BERLIN).expect_err("refused")
}

#[test]
fn every_error_kind_says_what_is_wrong() {
    for body in [
        "",
        "hello",
        "BEGIN:VTODO\r\nUID:u\r\nEND:VTODO\r\n",
        "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\n",
        "BEGIN:VCALENDAR\r\nEND:VTODO\r\n",
    ] {
        assert!(
            matches!(error_of(body), TodoError::NotCalendar(_)),
            "{body:?}"
        );
    }
    let event = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert!(matches!(error_of(event), TodoError::Component(m) if m.contains("VEVENT")));
    let object = |body: &str| match error_of(body) {
        TodoError::Object(m) => m,
        other => panic!("{other:?}"),
    };
    assert!(object("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").contains("no VTODO"));
    assert!(
        object("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nSUMMARY:s\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
            .contains("no UID")
    );
    let two = "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:a\r\nSUMMARY:s\r\nEND:VTODO\r\nBEGIN:VTODO\r\nUID:b\r\nSUMMARY:s\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
    assert!(object(two).contains("different UIDs"));
    assert!(object(&two.replace("UID:b", "UID:a")).contains("one VTODO without a RECURRENCE-ID"));
    assert!(object(&todo_with(&["SUMMARY:again"])).contains("more than one SUMMARY"));
    let field = |lines: &[&str]| match error_of(&todo_with(lines).replace("SUMMARY:s\r\n", "")) {
        TodoError::Field(e) => format!("{} {}", e.field, e.message),
        other => panic!("{other:?}"),
    };
    assert_eq!(field(&["X:1"]), "SUMMARY is missing: a task needs a title");
    assert_eq!(field(&["SUMMARY: "]), "SUMMARY must not be empty");
    assert_eq!(
        field(&[&format!("SUMMARY:{}", "x".repeat(201))]),
        "SUMMARY must be at most 200 characters long"
    );
    assert_eq!(
        field(&["SUMMARY:t", &format!("DESCRIPTION:{}", "d".repeat(2001))]),
        "DESCRIPTION must be at most 2000 characters long"
    );
    let eleven = (0..11)
        .map(|i| format!("t{i}"))
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        field(&["SUMMARY:t", &format!("CATEGORIES:{eleven}")]),
        "CATEGORIES must hold at most 10 different tags"
    );
    assert_eq!(
        field(&[
            "SUMMARY:t",
            "CATEGORIES:ok",
            &format!("CATEGORIES:{}", "x".repeat(33))
        ]),
        format!(
            "CATEGORIES `{}`: the tag must be at most 32 characters long",
            "x".repeat(33)
        )
    );
    assert_eq!(
        field(&["SUMMARY:t", "PRIORITY:12"]),
        "PRIORITY must be a number from 0 to 9"
    );
    assert_eq!(
        field(&["SUMMARY:t", "STATUS:CONFIRMED"]),
        "STATUS must be NEEDS-ACTION, IN-PROCESS, COMPLETED or CANCELLED"
    );
    let many = format!("CATEGORIES:{}", vec!["same"; 50_000].join(","));
    assert_eq!(
        field(&["SUMMARY:t", &many]),
        "CATEGORIES must hold at most 10 different tags"
    );
    let e = error_of(&todo_with(&["PRIORITY:x"]));
    assert_eq!(e.to_string(), "PRIORITY must be a number from 0 to 9");
}

#[test]
fn garbage_and_broken_bodies_never_panic() {
    let body = client_body();
    for cut in 0..=body.len() {
        if let Some(part) = body.get(..cut) {
            let _ = read(part, BERLIN);
        }
    }
    let mut x: u64 = 99;
    let bytes: Vec<char> = body.chars().collect();
    for _ in 0..300 {
        let mut mutated = bytes.clone();
        for _ in 0..8 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let at = (x >> 33) as usize % mutated.len();
            mutated[at] =
                [':', ';', '"', ',', '\\', '\n', ' ', 'Z', '9', 'é'][(x >> 20) as usize % 10];
        }
        let text: String = mutated.into_iter().collect();
        if let Ok(todo) = read(&text, BERLIN) {
            let _ = write(&task_from(&todo.fields, BERLIN), &todo.dav, BERLIN);
        }
    }
    let huge = "X:1\r\n".repeat(lines::MAX_LINES + 1);
    assert!(matches!(
        read(
            &format!("BEGIN:VCALENDAR\r\n{huge}END:VCALENDAR\r\n"),
            BERLIN
        ),
        Err(TodoError::NotCalendar(_))
    ));
}

#[test]
fn a_resource_put_back_unchanged_aligns_with_the_task() {
    let mut f = todo_fields_with_series();
    f.reminders = Some(vec![Reminder::before("r", "PT90M").expect("r")]);
    let mut task = task_from(&f, BERLIN);
    if let Some(r) = task.recurrence.as_mut() {
        r.index = 3;
    }
    let mut read_back = read(&write(&task, &DavLink::default(), BERLIN), BERLIN)
        .expect("reads")
        .fields;
    let count = |f: &TaskFields| f.recurrence.as_ref().and_then(|r| r.rule.count);
    assert_eq!(count(&read_back), Some(8), "the occurrences left");
    assert_eq!(
        read_back.reminders,
        Some(vec![Reminder::before("r", "PT1H30M").expect("r")])
    );
    align(&mut read_back, &task, BERLIN);
    assert_eq!(read_back, f);
    // A real change stays a change.
    let mut changed = read_back.clone();
    changed.recurrence = Some(RecurrenceSpec {
        rule: Rule::parse("FREQ=DAILY;COUNT=8").expect("rule"),
        from: RecurFrom::Due,
    });
    changed.reminders = Some(vec![Reminder::before("r", "PT2H").expect("r")]);
    let before = changed.clone();
    align(&mut changed, &task, BERLIN);
    assert_eq!(changed, before);
}

fn todo_fields_with_series() -> TaskFields {
    let body = todo_with(&["DUE:20261204T170000Z", "RRULE:FREQ=WEEKLY;COUNT=10"]);
    read(&body, BERLIN).expect("reads").fields
}
