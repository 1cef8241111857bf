//! A task as a CalDAV resource (issue 18, API-2.md section 4): [`read_bytes`] (or
//! [`read`] of text) takes the calendar object a client `PUT`s and gives the task's fields and what Taskward keeps
//! for the client ([`DavLink`]); [`write`] gives a task back as a calendar object. Pure:
//! no HTTP, no database. Content lines are read by [`lines`].
//!
//! The mapping, read and written alike:
//! - `SUMMARY` the title (required; line breaks in it read as spaces), `DESCRIPTION`,
//!   every `CATEGORIES` line the tags (empty items skipped), through the model's checks.
//! - `STATUS:COMPLETED` completes the task, or a `COMPLETED` property when there is no
//!   `STATUS`. `IN-PROCESS` is pending and `CANCELLED` is done (Taskward has no
//!   cancelled state; a cancelled task is out of the way like a done one); either is kept
//!   in [`DavLink::status`] and written back while the task's done state still matches
//!   (`CANCELLED` without a `COMPLETED` time). `NEEDS-ACTION` is the default.
//! - `PRIORITY` 1-4 high, 5 medium, 6-9 low, 0 medium; the client's number is kept in
//!   [`DavLink::priority`] (an absent `PRIORITY` as 0, "undefined") and written back while
//!   it still maps to the task's priority, else 1, 5 or 9.
//! - `DUE`: `VALUE=DATE` an all-day due; a UTC time (`Z`) that instant; a `TZID` naming
//!   an IANA zone (also behind a prefix such as `/mozilla.org/.../Europe/Berlin`) that
//!   wall-clock time there. **A floating time, or a `TZID` the zone database does not
//!   know (a Windows zone name), is read in the user's zone.** Written: `VALUE=DATE`, or
//!   `TZID=<user's zone>` with its `VTIMEZONE` (UTC: `Z`).
//! - `RRULE` the recurrence when Taskward's rule subset takes it and there is a `DUE`
//!   (from the due, or from completion with `X-TASKWARD-REPEAT-FROM:COMPLETION`); any
//!   other `RRULE` is kept, and the task does not recur in Taskward. Written from the
//!   current due as the feeds do (the occurrences left of a `COUNT`).
//! - `VALARM`: a display or audio alarm of only `ACTION`, `TRIGGER`, `DESCRIPTION`,
//!   `SUMMARY`, `UID`, `X-WR-ALARMUID`, whose trigger is an absolute UTC time (an "at"
//!   reminder) or, with a `DUE`, a duration relative to the due (`RELATED=END`, or
//!   relative to the start when the task has no `DTSTART`) that lies before it (a
//!   "before" reminder): up to five. An all-day due counts from its day's start, and a
//!   "before" from 09:00 of that day, as Taskward sends it. Any other alarm is kept.
//! - `UID` is the resource's (kept in [`DavLink::uid`]); `DTSTAMP`, `CREATED`,
//!   `LAST-MODIFIED`, `COMPLETED` and `X-TASKWARD-*` are Taskward's and written anew.
//! - Every other property (`X-` ones, `LOCATION`, `URL`, `DTSTART`, `PERCENT-COMPLETE`,
//!   `EXDATE`, ...) is kept as written, in order, in [`DavLink::extra`], and written back
//!   after the mapped ones; other components with the same `UID` (overrides with a
//!   `RECURRENCE-ID`) in [`DavLink::others`]. `VTIMEZONE`s are written anew for the
//!   zones the resource uses (a zone the database does not know keeps the client's).

use std::fmt;

use crate::error::FieldError;
use crate::tasks::model::{DavLink, TaskFields};

pub mod lines;
mod read;
mod scalars;
pub mod span;
mod write;

#[cfg(test)]
mod tests;

pub use read::{read, read_bytes};
pub use write::{align, write};

/// The `PRODID` of the resources Taskward writes.
pub const PRODID: &str = "-//Taskward//CalDAV//EN";

/// A client's `VTODO`, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Todo {
    /// Its `UID`.
    pub uid: String,
    /// The task's fields (`list_id` is `None`: the collection says; `dav` is `None`: the
    /// caller sets it to [`Todo::dav`] once it has given it its name).
    pub fields: TaskFields,
    /// What Taskward keeps for the client (`uid` always set, even when it is the task's
    /// id: the caller decides; `name` left to the caller).
    pub dav: DavLink,
}

/// Why a body is refused, by the CalDAV precondition (RFC 4791 section 5.3.2) it fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TodoError {
    /// Not iCalendar text: `valid-calendar-data`.
    NotCalendar(String),
    /// A component this collection does not hold (`VEVENT`, `VJOURNAL`, ...):
    /// `supported-calendar-component`.
    Component(String),
    /// iCalendar, but not one task (no `VTODO`, no `UID`, two `UID`s):
    /// `valid-calendar-object-resource`.
    Object(String),
    /// A mapped value Taskward refuses (`field` is the property).
    Field(FieldError),
}

impl fmt::Display for TodoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotCalendar(why) => write!(f, "not iCalendar data: {why}"),
            Self::Component(why) | Self::Object(why) => f.write_str(why),
            Self::Field(e) => write!(f, "{} {}", e.field, e.message),
        }
    }
}

impl std::error::Error for TodoError {}
