//! Reading the calendar object a client `PUT`s into a task's fields and what Taskward
//! keeps for the client (the mapping is in the module's documentation).

use std::collections::BTreeSet;

use jiff::tz::TimeZone;
use time::{Date, OffsetDateTime};

use super::lines::{self, Component, Item, Line};
use super::scalars;
use super::{Todo, TodoError};
use crate::calendars::values::{all_day_base, duration};
use crate::error::FieldError;
use crate::tasks::model::{DavLink, Description, MAX_TAGS, Priority, Tags, TaskFields, TaskTitle};
use crate::tasks::recurrence::{RecurFrom, RecurrenceSpec, Rule};
use crate::tasks::reminders::{MAX_REMINDERS, Reminder};
use crate::zone::{from_civil, from_timestamp, local_instant, zone};

/// The longest `UID` kept.
const MAX_UID: usize = 1000;

/// Most categories read (repeated ones included) before giving up: more cannot fold
/// into [`MAX_TAGS`] tags in any sensible body, and the model's check is quadratic.
const MAX_CATEGORIES: usize = 100;

/// Components a task collection refuses.
const REFUSED: [&str; 4] = ["VEVENT", "VJOURNAL", "VFREEBUSY", "VAVAILABILITY"];

/// Properties Taskward writes anew, dropped when read.
const MANAGED: [&str; 5] = ["UID", "DTSTAMP", "CREATED", "LAST-MODIFIED", "COMPLETED"];

/// Mapped properties that may appear once.
const SINGLE: [&str; 5] = ["SUMMARY", "DESCRIPTION", "DUE", "PRIORITY", "STATUS"];

/// Reads a calendar object holding one task; `zone` is the user's IANA zone, for
/// floating times and zones the database does not know.
pub fn read(body: &str, zone_name: &str) -> Result<Todo, TodoError> {
    let cal = lines::parse(body).map_err(TodoError::NotCalendar)?;
    if cal.name != "VCALENDAR" {
        return Err(TodoError::NotCalendar(format!(
            "the body is a {}, not a VCALENDAR",
            cal.name
        )));
    }
    let todos: Vec<&Component> = cal.children().filter(|c| c.name == "VTODO").collect();
    if let Some(c) = cal.children().find(|c| REFUSED.contains(&c.name.as_str())) {
        return Err(TodoError::Component(format!(
            "a {} cannot be stored here: this calendar holds tasks (VTODO) only",
            c.name
        )));
    }
    let uid = the_uid(&todos)?;
    let mut masters = todos.iter().filter(|t| t.prop("RECURRENCE-ID").is_none());
    let (Some(master), None) = (masters.next(), masters.next()) else {
        return Err(TodoError::Object(
            "the calendar must hold one VTODO without a RECURRENCE-ID (the task); overrides of \
             it may follow"
                .to_owned(),
        ));
    };
    let mut others = Vec::new();
    for c in cal.children() {
        if c.name == "VTIMEZONE" || std::ptr::eq(c, *master) {
            continue;
        }
        c.verbatim(&mut others);
    }
    let mut todo = Reader::new(master, zone_name).read(uid)?;
    todo.dav.others = others;
    keep_unknown_zones(&cal, &mut todo.dav);
    Ok(todo)
}

/// [`read`] of a body as the octets it came in: unfolded first, so that a fold inside a
/// UTF-8 character does no harm (the HTTP layer should call this).
pub fn read_bytes(body: &[u8], zone_name: &str) -> Result<Todo, TodoError> {
    read(
        &lines::text_of(body).map_err(TodoError::NotCalendar)?,
        zone_name,
    )
}

/// The one `UID` of the `VTODO`s.
fn the_uid(todos: &[&Component]) -> Result<String, TodoError> {
    if todos.is_empty() {
        return Err(TodoError::Object("the calendar holds no VTODO".to_owned()));
    }
    let mut uid: Option<&str> = None;
    for t in todos {
        let this = t.prop("UID").map(|l| l.value.trim()).unwrap_or("");
        if this.is_empty() {
            return Err(TodoError::Object("a VTODO has no UID".to_owned()));
        }
        if this.chars().count() > MAX_UID {
            return Err(TodoError::Object(format!(
                "the UID is longer than {MAX_UID} characters"
            )));
        }
        if uid.is_some_and(|u| u != this) {
            return Err(TodoError::Object(
                "the VTODOs have different UIDs: a resource holds one task".to_owned(),
            ));
        }
        uid = Some(this);
    }
    Ok(uid.unwrap_or_default().to_owned())
}

/// The client's `VTIMEZONE`s for the `TZID`s that kept lines use and the zone database
/// does not know (Taskward cannot write those anew), appended to `others`.
fn keep_unknown_zones(cal: &Component, dav: &mut DavLink) {
    let mut used = BTreeSet::new();
    for raw in dav.extra.iter().chain(&dav.others) {
        if let Some(tzid) = lines::parse_line(raw)
            .ok()
            .and_then(|l| l.param("TZID").map(str::to_owned))
        {
            used.insert(tzid);
        }
    }
    for c in cal.children().filter(|c| c.name == "VTIMEZONE") {
        if let Some(tzid) = c.prop("TZID").map(|l| l.value.trim())
            && used.contains(tzid)
            && known_zone(tzid).is_none()
        {
            c.verbatim(&mut dav.others);
        }
    }
}

/// The zone a `TZID` names, when the zone database knows it, also behind a prefix such
/// as `/mozilla.org/20050126_1/` (tried from the longest suffix after a `/`).
pub fn known_zone(tzid: &str) -> Option<TimeZone> {
    let tzid = tzid.trim();
    if tzid.is_empty() || tzid.len() > 200 {
        return None;
    }
    std::iter::once(tzid)
        .chain(tzid.match_indices('/').map(|(i, _)| &tzid[i + 1..]))
        .filter(|name| !name.is_empty())
        .find_map(|name| TimeZone::get(name).ok())
}

/// A `DUE` read.
#[derive(Clone, Copy)]
enum Due {
    At(OffsetDateTime),
    Day(Date),
}

/// Reads the task's `VTODO`.
struct Reader<'a> {
    todo: &'a Component,
    zone: TimeZone,
    due: Option<Due>,
    has_start: bool,
}

fn field(property: &str, message: impl Into<String>) -> TodoError {
    TodoError::Field(FieldError::new(property, message))
}

impl<'a> Reader<'a> {
    fn new(todo: &'a Component, zone_name: &str) -> Self {
        Self {
            todo,
            zone: zone(zone_name),
            due: None,
            has_start: todo.prop("DTSTART").is_some(),
        }
    }

    fn read(mut self, uid: String) -> Result<Todo, TodoError> {
        for name in SINGLE {
            if self.todo.props().filter(|l| l.name == name).count() > 1 {
                return Err(TodoError::Object(format!(
                    "the VTODO has more than one {name}"
                )));
            }
        }
        self.due = self
            .todo
            .prop("DUE")
            .map(|l| self.due_value(l))
            .transpose()?;
        let title = match self.todo.prop("SUMMARY") {
            Some(l) => TaskTitle::parse(&l.text().replace(['\r', '\n', '\t'], " "))
                .map_err(|e| field("SUMMARY", e.message))?,
            None => {
                return Err(field("SUMMARY", "is missing: a task needs a title"));
            }
        };
        let description = match self.todo.prop("DESCRIPTION") {
            Some(l) => {
                Description::parse(&l.text()).map_err(|e| field("DESCRIPTION", e.message))?
            }
            None => Description::default(),
        };
        let mut dav = DavLink {
            uid: Some(uid.clone()),
            ..DavLink::default()
        };
        let (priority, number) = self.priority()?;
        dav.priority = Some(number);
        let completed = self.status(&mut dav)?;
        let tags = self.tags()?;
        let from = match self.todo.prop("X-TASKWARD-REPEAT-FROM") {
            Some(l) if l.value.trim().eq_ignore_ascii_case("COMPLETION") => RecurFrom::Completion,
            _ => RecurFrom::Due,
        };
        let mut recurrence = None;
        let mut reminders = Vec::new();
        for item in &self.todo.items {
            match item {
                Item::Comp(c) if c.name == "VALARM" && reminders.len() < MAX_REMINDERS => {
                    match self.alarm(c) {
                        Some(r) => reminders.push(r),
                        None => c.verbatim(&mut dav.extra),
                    }
                }
                Item::Comp(c) => c.verbatim(&mut dav.extra),
                Item::Prop(l)
                    if l.name == "RRULE" && recurrence.is_none() && self.due.is_some() =>
                {
                    match Rule::parse(&l.value) {
                        Ok(rule) => recurrence = Some(RecurrenceSpec { rule, from }),
                        Err(_) => dav.extra.push(l.raw.clone()),
                    }
                }
                Item::Prop(l) if is_mapped(l) => {}
                Item::Prop(l) => dav.extra.push(l.raw.clone()),
            }
        }
        let fields = TaskFields {
            title,
            description,
            priority,
            due_at: match self.due {
                Some(Due::At(at)) => Some(at),
                _ => None,
            },
            due_date: match self.due {
                Some(Due::Day(day)) => Some(day),
                _ => None,
            },
            tags,
            recurrence,
            reminders: Some(reminders),
            completed: Some(completed),
            list_id: None,
            dav: None,
        };
        Ok(Todo { uid, fields, dav })
    }

    /// `DUE`: a date, a UTC time, a time in a known `TZID`, else in the user's zone.
    fn due_value(&self, line: &Line) -> Result<Due, TodoError> {
        let bad = || {
            field(
                "DUE",
                "must be a date such as 20261224 or a date-time such as 20261224T090000",
            )
        };
        if line.param_is("VALUE", "DATE") || line.value.trim().len() == 8 {
            let day = scalars::date(&line.value)
                .and_then(from_civil)
                .ok_or_else(bad)?;
            return Ok(Due::Day(day));
        }
        let (local, utc) = scalars::date_time(&line.value).ok_or_else(bad)?;
        let zone = if utc {
            TimeZone::UTC
        } else {
            line.param("TZID")
                .and_then(known_zone)
                .unwrap_or_else(|| self.zone.clone())
        };
        local_instant(&zone, local).map(Due::At).ok_or_else(bad)
    }

    /// `PRIORITY`: the task's priority and the client's number (absent: 0).
    fn priority(&self) -> Result<(Priority, u8), TodoError> {
        let Some(line) = self.todo.prop("PRIORITY") else {
            return Ok((Priority::Medium, 0));
        };
        let n: u8 = line
            .value
            .trim()
            .parse()
            .ok()
            .filter(|n| *n <= 9)
            .ok_or_else(|| field("PRIORITY", "must be a number from 0 to 9"))?;
        Ok((priority_of(n), n))
    }

    /// Whether the task is done, from `STATUS` (kept when it is folded) or `COMPLETED`.
    fn status(&self, dav: &mut DavLink) -> Result<bool, TodoError> {
        let Some(line) = self.todo.prop("STATUS") else {
            return Ok(self.todo.prop("COMPLETED").is_some());
        };
        let status = line.value.trim().to_ascii_uppercase();
        let done = match status.as_str() {
            "NEEDS-ACTION" => return Ok(false),
            "COMPLETED" => return Ok(true),
            "IN-PROCESS" => false,
            "CANCELLED" => true,
            _ => {
                return Err(field(
                    "STATUS",
                    "must be NEEDS-ACTION, IN-PROCESS, COMPLETED or CANCELLED",
                ));
            }
        };
        dav.status = Some(status);
        Ok(done)
    }

    /// Every `CATEGORIES` line, as tags.
    fn tags(&self) -> Result<Tags, TodoError> {
        let items: Vec<String> = self
            .todo
            .props()
            .filter(|l| l.name == "CATEGORIES")
            .flat_map(|l| scalars::text_list(&l.value))
            .filter(|t| !t.trim().is_empty())
            .take(MAX_CATEGORIES + 1)
            .collect();
        if items.len() > MAX_CATEGORIES {
            return Err(field(
                "CATEGORIES",
                format!("must hold at most {MAX_TAGS} different tags"),
            ));
        }
        Tags::parse(&items).map_err(|e| {
            let item = e
                .field
                .strip_prefix("tags[")
                .and_then(|i| i.strip_suffix(']'))
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| items.get(i));
            match item {
                Some(tag) => field("CATEGORIES", format!("`{tag}`: the tag {}", e.message)),
                None => field("CATEGORIES", e.message),
            }
        })
    }

    /// The reminder an alarm is, if Taskward can hold it.
    fn alarm(&self, alarm: &Component) -> Option<Reminder> {
        const PLAIN: [&str; 6] = [
            "ACTION",
            "TRIGGER",
            "DESCRIPTION",
            "SUMMARY",
            "UID",
            "X-WR-ALARMUID",
        ];
        if alarm.children().next().is_some()
            || alarm.props().any(|l| !PLAIN.contains(&l.name.as_str()))
        {
            return None;
        }
        let action = alarm.prop("ACTION")?.value.trim().to_ascii_uppercase();
        if action != "DISPLAY" && action != "AUDIO" {
            return None;
        }
        let mut triggers = alarm.props().filter(|l| l.name == "TRIGGER");
        let (Some(trigger), None) = (triggers.next(), triggers.next()) else {
            return None;
        };
        if trigger.param_is("VALUE", "DATE-TIME") {
            let (at, utc) = scalars::date_time(&trigger.value)?;
            let at = TimeZone::UTC
                .to_timestamp(at)
                .ok()
                .and_then(from_timestamp)?;
            return utc.then_some(Reminder::At(at));
        }
        let to_due = match trigger.param("RELATED") {
            Some(r) if r.eq_ignore_ascii_case("END") => true,
            Some(r) if !r.eq_ignore_ascii_case("START") => false,
            _ => !self.has_start,
        };
        let all_day = match self.due? {
            Due::Day(_) => true,
            Due::At(_) => false,
        };
        let offset = scalars::duration_seconds(&trigger.value)?;
        let before = all_day_base(all_day).checked_sub(offset)?;
        if !to_due || before < 0 {
            return None;
        }
        Reminder::before("reminder", &duration(before)).ok()
    }
}

/// Whether a `VTODO` property is mapped or written anew by Taskward (not kept).
fn is_mapped(line: &Line) -> bool {
    SINGLE.contains(&line.name.as_str())
        || MANAGED.contains(&line.name.as_str())
        || line.name == "CATEGORIES"
        || line.name.starts_with("X-TASKWARD-")
}

/// The priority a `PRIORITY` number maps to.
pub fn priority_of(n: u8) -> Priority {
    match n {
        1..=4 => Priority::High,
        6..=9 => Priority::Low,
        _ => Priority::Medium,
    }
}
