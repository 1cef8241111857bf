//! Writing a task as a calendar object (the mapping is in the module's documentation).
//! The same task, link and zone always give the same octets: the ETag is their hash.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;

use super::PRODID;
use super::lines::{self, Line};
use super::read::{known_zone, priority_of};
use crate::calendars::ics::Ics;
use crate::calendars::{values, vtimezone};
use crate::tasks::model::{DavLink, Priority, Task, TaskFields};
use crate::tasks::reminders::Reminder;
use crate::zone::zone;

/// Years a kept time may place its zone's `VTIMEZONE` in.
const YEARS: std::ops::RangeInclusive<i16> = 1900..=2100;

/// The calendar object of `task` with what is kept for the client, times in the user's
/// `zone`.
pub fn write(task: &Task, dav: &DavLink, zone_name: &str) -> String {
    let tz = zone(zone_name);
    let utc = values::is_utc(&tz);
    let mut ics = Ics::new();
    ics.begin("VCALENDAR");
    ics.raw("VERSION", "2.0");
    ics.raw("PRODID", PRODID);
    for (tzid, (zone, from, to)) in zones(task, dav, (&tz, zone_name, utc)) {
        vtimezone::write(&mut ics, &zone, &tzid, from, to);
    }
    ics.begin("VTODO");
    let id = task.id.to_string();
    ics.raw("UID", dav.uid.as_deref().unwrap_or(&id));
    ics.raw("DTSTAMP", &values::utc_time(task.updated_at));
    ics.raw("CREATED", &values::utc_time(task.created_at));
    ics.raw("LAST-MODIFIED", &values::utc_time(task.updated_at));
    ics.text("SUMMARY", &task.title);
    if !task.description.is_empty() {
        ics.text("DESCRIPTION", &task.description);
    }
    status(&mut ics, task, dav);
    let priority = dav
        .priority
        .filter(|n| priority_of(*n) == task.priority)
        .unwrap_or(match task.priority {
            Priority::High => 1,
            Priority::Medium => 5,
            Priority::Low => 9,
        });
    ics.raw("PRIORITY", &priority.to_string());
    if !task.tags.is_empty() {
        ics.text_list("CATEGORIES", &task.tags);
    }
    values::due(&mut ics, "DUE", task, (&tz, zone_name, utc));
    if let Some(rule) = values::series_rule(task, &tz) {
        ics.raw("RRULE", &rule.to_string());
        if task
            .recurrence
            .as_ref()
            .is_some_and(|r| r.spec.from == crate::tasks::recurrence::RecurFrom::Completion)
        {
            ics.raw("X-TASKWARD-REPEAT-FROM", "COMPLETION");
        }
    }
    for reminder in &task.reminders.items {
        let all_day = task.due_at.is_none();
        let Some((name, value)) = values::trigger(reminder, all_day, "TRIGGER;RELATED=END") else {
            continue;
        };
        ics.begin("VALARM");
        ics.raw("ACTION", "DISPLAY");
        ics.text("DESCRIPTION", &task.title);
        ics.raw(&name, &value);
        ics.end("VALARM");
    }
    let mut depth = 0_usize;
    for raw in &dav.extra {
        let name = lines::parse_line(raw).map(|l| l.name).unwrap_or_default();
        match name.as_str() {
            "BEGIN" => depth += 1,
            "END" => depth = depth.saturating_sub(1),
            // The task's own rule replaces one it could not read.
            "RRULE" if depth == 0 && task.recurrence.is_some() => continue,
            _ => {}
        }
        ics.line(raw);
    }
    ics.end("VTODO");
    for raw in &dav.others {
        ics.line(raw);
    }
    ics.end("VCALENDAR");
    ics.finish()
}

/// `STATUS` (and `COMPLETED`): the client's `IN-PROCESS` or `CANCELLED` while the done
/// state still matches it, else `NEEDS-ACTION` or `COMPLETED` with its time.
fn status(ics: &mut Ics, task: &Task, dav: &DavLink) {
    match (task.completed, dav.status.as_deref()) {
        (true, Some("CANCELLED")) => ics.raw("STATUS", "CANCELLED"),
        (true, _) => {
            ics.raw("STATUS", "COMPLETED");
            let at = task.completed_at.unwrap_or(task.updated_at);
            ics.raw("COMPLETED", &values::utc_time(at));
        }
        (false, Some("IN-PROCESS")) => ics.raw("STATUS", "IN-PROCESS"),
        (false, _) => ics.raw("STATUS", "NEEDS-ACTION"),
    }
}

/// The `VTIMEZONE`s to write, by `TZID`: the user's when the due is timed (not UTC), and
/// those of the kept lines the zone database knows, over the years their times are in
/// (ten more for a recurring task); not those whose `VTIMEZONE` the client's is kept.
fn zones(
    task: &Task,
    dav: &DavLink,
    (tz, zone_name, utc): (&TimeZone, &str, bool),
) -> BTreeMap<String, (TimeZone, i16, i16)> {
    let mut out: BTreeMap<String, (TimeZone, i16, i16)> = BTreeMap::new();
    if !utc && let Some((from, to)) = values::zone_years(std::iter::once(task), tz) {
        out.insert(zone_name.to_owned(), (tz.clone(), from, to));
    }
    let later = if task.recurrence.is_some() { 10 } else { 0 };
    let mut kept: Vec<String> = Vec::new();
    let mut used: Vec<Line> = Vec::new();
    let mut in_zone = false;
    for raw in dav.extra.iter().chain(&dav.others) {
        let Ok(line) = lines::parse_line(raw) else {
            continue;
        };
        match (line.name.as_str(), line.value.trim()) {
            ("BEGIN", v) if v.eq_ignore_ascii_case("VTIMEZONE") => in_zone = true,
            ("END", v) if v.eq_ignore_ascii_case("VTIMEZONE") => in_zone = false,
            ("TZID", v) if in_zone => kept.push(v.to_owned()),
            _ if !in_zone && line.param("TZID").is_some() => used.push(line),
            _ => {}
        }
    }
    for line in used {
        let Some(tzid) = line.param("TZID").map(str::trim) else {
            continue;
        };
        if kept.iter().any(|k| k == tzid) {
            continue;
        }
        let Some(zone) = known_zone(tzid) else {
            continue;
        };
        for year in line
            .value
            .split(',')
            .filter_map(|v| v.get(..4)?.parse::<i16>().ok())
        {
            if !YEARS.contains(&year) {
                continue;
            }
            let last = year.saturating_add(later);
            out.entry(tzid.to_owned())
                .and_modify(|(_, a, b)| {
                    *a = (*a).min(year);
                    *b = (*b).max(last);
                })
                .or_insert((zone.clone(), year, last));
        }
    }
    out
}

/// Where fields read from a resource say in other words what `task` already holds (its
/// rule as written from the current due, with the occurrences left of a `COUNT`; its
/// reminders spelled otherwise, `PT90M` read back as `PT1H30M`), puts the task's own
/// back: a client that `PUT`s a resource unchanged then changes nothing (the series is
/// not restarted, the reminders keep whom they remind). For the caller of [`super::read`]
/// on an existing task.
pub fn align(fields: &mut TaskFields, task: &Task, zone_name: &str) {
    if let (Some(read), Some(current)) = (&fields.recurrence, &task.recurrence)
        && read.from == current.spec.from
        && values::series_rule(task, &zone(zone_name)).as_ref() == Some(&read.rule)
    {
        fields.recurrence = Some(current.spec.clone());
    }
    let same = |a: &Reminder, b: &Reminder| match (a, b) {
        (Reminder::Before(x), Reminder::Before(y)) => {
            values::span_seconds(x).is_some() && values::span_seconds(x) == values::span_seconds(y)
        }
        _ => a == b,
    };
    if let Some(read) = &fields.reminders
        && read.len() == task.reminders.items.len()
        && read
            .iter()
            .zip(&task.reminders.items)
            .all(|(a, b)| same(a, b))
    {
        fields.reminders = Some(task.reminders.items.clone());
    }
}
