//! Windows of due dates (`due=overdue|today|upcoming|none`, API-2.md section 2): the
//! value the query names, and the bounds the task service resolves it to in the caller's
//! time zone for the store.

use time::OffsetDateTime;

use crate::error::FieldError;

/// `due=`: a window of due dates, reckoned in the caller's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueWindow {
    /// Due before now.
    Overdue,
    /// Due today.
    Today,
    /// Due in the 7 days after today.
    Upcoming,
    /// Without a due date.
    None,
}

impl DueWindow {
    /// `overdue`, `today`, `upcoming` or `none`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "overdue" => Ok(Self::Overdue),
            "today" => Ok(Self::Today),
            "upcoming" => Ok(Self::Upcoming),
            "none" => Ok(Self::None),
            _ => Err(FieldError::new(
                "due",
                "must be one of overdue, today, upcoming, none",
            )),
        }
    }
}

/// A due window for the store, resolved in the caller's zone: timed tasks due in
/// `[from, before)`, all-day tasks due on a day in `[from_date, before_date)`, or
/// (`missing`) tasks without a due. `key_from`/`key_before` bound `due_key` loosely
/// (an all-day task's key is its date's start in its writer's zone, up to 26 hours from
/// the caller's), so that the index narrows the rows the exact test reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DueBounds {
    /// Timed: due at or after this.
    pub from: Option<OffsetDateTime>,
    /// Timed: due strictly before this.
    pub before: Option<OffsetDateTime>,
    /// All day: on or after this day.
    pub from_date: Option<time::Date>,
    /// All day: strictly before this day.
    pub before_date: Option<time::Date>,
    /// The index range: `due_key` at or after this.
    pub key_from: Option<OffsetDateTime>,
    /// The index range: `due_key` strictly before this.
    pub key_before: Option<OffsetDateTime>,
    /// Only tasks without a due.
    pub missing: bool,
}
