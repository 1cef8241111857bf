//! Whether a task matches a `calendar-query` filter (RFC 4791 section 9.7): the
//! component, a `time-range` on the task (section 9.9, for a `VTODO` with a `DUE` and
//! `CREATED`, `COMPLETED` when done, and the `DTSTART` and `DURATION` a client wrote), and `prop-filter`s on the properties task
//! clients filter by: `COMPLETED`, `STATUS`, `DUE`, `SUMMARY`, `DESCRIPTION`,
//! `CATEGORIES`, `UID`, `PRIORITY`. Another property is refused (`supported-filter`)
//! rather than matched wrongly.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::xml::{Filter, PropFilter, TextMatch, TimeRange};
use crate::calendars::vtodo::span;
use crate::tasks::model::{Priority, Task};
use crate::tasks::recurrence::{Due, RecurFrom, Roll};
use crate::zone::to_timestamp;

/// The properties a `prop-filter` may name.
const FILTERABLE: &[&str] = &[
    "COMPLETED",
    "STATUS",
    "DUE",
    "SUMMARY",
    "DESCRIPTION",
    "CATEGORIES",
    "UID",
    "PRIORITY",
];

/// The first property the filter names that cannot be matched, if any.
pub fn unsupported(filter: &Filter) -> Option<&str> {
    filter
        .props
        .iter()
        .map(|p| p.name.as_str())
        .find(|name| !FILTERABLE.contains(name))
}

/// A task's due: an instant, or a date (all day).
fn due(task: &Task) -> Option<Due> {
    if let Some(at) = task.due_at {
        return Some(Due::At(to_timestamp(at)));
    }
    let day = task.due_date?;
    Some(Due::On(jiff::civil::date(
        day.year().try_into().ok()?,
        i8::try_from(u8::from(day.month())).ok()?,
        i8::try_from(day.day()).ok()?,
    )))
}

/// The span of a due: an instant, or the day of an all-day due in `zone`.
fn span_of(due: Due, zone: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    match due {
        Due::At(at) => Some((at, at)),
        Due::On(day) => {
            let start = zone.to_timestamp(day.at(0, 0, 0, 0)).ok()?;
            let end = zone
                .to_timestamp(day.tomorrow().ok()?.at(0, 0, 0, 0))
                .ok()?;
            Some((start, end))
        }
    }
}

/// The span of a task's due.
fn due_span(task: &Task, zone: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    span_of(due(task)?, zone)
}

/// Most later occurrences of a recurring task a `time-range` looks at.
const MAX_OCCURRENCES: usize = 1000;

/// Whether `task` overlaps `range` (RFC 4791 section 9.9), with the `DTSTART` and
/// `DURATION` a client wrote (kept, not mapped) where the table reads them: the task as
/// it is, or, for a pending series from the due, one of its later occurrences (its due
/// and `DTSTART` moved along the rule; at most [`MAX_OCCURRENCES`], none starting after
/// the range). A series from completion has no later dates before it is completed.
fn overlaps(task: &Task, range: &TimeRange, zone: &TimeZone) -> bool {
    let kept = span::start(&task.dav, zone);
    let current = due_span(task, zone);
    if overlaps_one(task, kept, current, range) {
        return true;
    }
    let (Some(recurrence), Some(mut due), Some((first, _))) =
        (&task.recurrence, due(task), current)
    else {
        return false;
    };
    if task.completed || recurrence.spec.from == RecurFrom::Completion {
        return false;
    }
    let end = range.end.unwrap_or(Timestamp::MAX);
    let mut index = recurrence.index;
    for _ in 0..MAX_OCCURRENCES {
        let roll = Roll {
            rule: &recurrence.spec.rule,
            from_completion: false,
            start: recurrence.start,
            index,
            zone,
        };
        let Some((at, _)) = span_of(due, zone) else {
            return false;
        };
        let Some((next, number)) = roll.next(due, at) else {
            return false;
        };
        let Some(span) = span_of(next, zone) else {
            return false;
        };
        if span.0 >= end {
            return false;
        }
        let moved = kept.and_then(|(from, until)| {
            let shift = span.0.duration_since(first);
            let from = from.checked_add(shift).ok()?;
            Some((from, until.and_then(|u| u.checked_add(shift).ok())))
        });
        if overlaps_one(task, moved, Some(span), range) {
            return true;
        }
        (due, index) = (next, number);
    }
    false
}

/// Whether one occurrence overlaps `range`: its kept `DTSTART` (and the end a `DURATION`
/// gives), its due's span, else the task's `CREATED` and `COMPLETED`.
fn overlaps_one(
    task: &Task,
    kept: Option<(Timestamp, Option<Timestamp>)>,
    due: Option<(Timestamp, Timestamp)>,
    range: &TimeRange,
) -> bool {
    let start = range.start.unwrap_or(Timestamp::MIN);
    let end = range.end.unwrap_or(Timestamp::MAX);
    match (kept, due) {
        // DTSTART and DURATION: (start <= DTSTART+DURATION) AND
        // ((end > DTSTART) OR (end >= DTSTART+DURATION)).
        (Some((at, Some(until))), None) => return start <= until && (end > at || end >= until),
        // DTSTART and DUE: ((start <= DTSTART) OR (start < DUE)) AND
        // ((end > DTSTART) OR (end >= DUE)).
        (Some((at, _)), Some((from, to))) => {
            return (start <= at || start < to) && (end > at || end >= from);
        }
        // DTSTART alone: (start <= DTSTART) AND (end > DTSTART).
        (Some((at, None)), None) => return start <= at && end > at,
        (None, _) => {}
    }
    if let Some((from, to)) = due {
        return if from == to {
            // DUE alone: (start < DUE) AND (end >= DUE).
            start < from && end >= from
        } else {
            start < to && end > from
        };
    }
    let created = to_timestamp(task.created_at);
    match task.completed_at.map(to_timestamp) {
        Some(done) => (start <= created || start <= done) && (end >= created || end >= done),
        None => end > created,
    }
}

fn text_matches(value: &str, m: &TextMatch) -> bool {
    let found = if m.case_sensitive {
        value.contains(&m.text)
    } else {
        value.to_lowercase().contains(&m.text.to_lowercase())
    };
    found != m.negate
}

/// The task's `STATUS` as written.
fn status(task: &Task) -> String {
    let kept = task.dav.status.as_deref();
    match (task.completed, kept) {
        (true, Some("CANCELLED")) => "CANCELLED".into(),
        (true, _) => "COMPLETED".into(),
        (false, Some(s)) if s != "CANCELLED" => s.into(),
        (false, _) => "NEEDS-ACTION".into(),
    }
}

fn in_range(at: Option<Timestamp>, range: &TimeRange) -> bool {
    at.is_some_and(|at| range.start.is_none_or(|s| at >= s) && range.end.is_none_or(|e| at < e))
}

fn prop_matches(task: &Task, p: &PropFilter, zone: &TimeZone) -> bool {
    let texts: Vec<String> = match p.name.as_str() {
        "COMPLETED" if task.completed => vec![String::new()],
        "STATUS" => vec![status(task)],
        "DUE" if task.due_at.is_some() || task.due_date.is_some() => vec![String::new()],
        "SUMMARY" => vec![task.title.clone()],
        "DESCRIPTION" if !task.description.is_empty() => vec![task.description.clone()],
        "CATEGORIES" => task.tags.clone(),
        "UID" => vec![task.dav.uid.clone().unwrap_or_else(|| task.id.to_string())],
        "PRIORITY" => vec![
            match task.priority {
                Priority::High => "1",
                Priority::Medium => "5",
                Priority::Low => "9",
            }
            .to_owned(),
        ],
        _ => Vec::new(),
    };
    if p.is_not_defined {
        return texts.is_empty();
    }
    if texts.is_empty() {
        return false;
    }
    if let Some(range) = &p.time_range {
        let at = match p.name.as_str() {
            "COMPLETED" => task.completed_at.map(to_timestamp),
            "DUE" => due_span(task, zone).map(|(from, _)| from),
            _ => None,
        };
        if !in_range(at, range) {
            return false;
        }
    }
    match &p.text_match {
        Some(m) => texts.iter().any(|t| text_matches(t, m)),
        None => true,
    }
}

/// Whether `task` (written in `zone`) matches `filter`.
pub fn matches(filter: &Filter, task: &Task, zone: &TimeZone) -> bool {
    if filter.component.as_deref().is_some_and(|c| c != "VTODO") {
        return false;
    }
    if filter
        .time_range
        .as_ref()
        .is_some_and(|r| !overlaps(task, r, zone))
    {
        return false;
    }
    filter.props.iter().all(|p| prop_matches(task, p, zone))
}
