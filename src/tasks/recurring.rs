//! Recurring tasks (API-2.md section 2): the series a task carries, how a change restarts
//! it, and what completing or skipping does: record the occurrence and move the due to
//! the next one ([`super::recurrence::next`]), or complete the task for good when the
//! series has ended. Pure functions on tasks; the service runs them inside its
//! optimistic-concurrency loop, so the occurrence and the new due are written together.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::model::Task;
use super::recurrence::{Due, Roll};
pub use super::recurrence::{Occurrence, RecurFrom, Recurrence, RecurrenceSpec};
use crate::error::FieldError;
use crate::zone::{from_civil, from_timestamp, to_civil, to_timestamp};

impl Task {
    /// Sets the recurrence a client asked for, keeping the series when it is the same.
    pub fn set_recurrence(&mut self, spec: Option<RecurrenceSpec>) {
        self.recurrence = match (self.recurrence.take(), spec) {
            (Some(current), Some(spec)) if current.spec == spec => Some(current),
            (_, Some(spec)) => Some(Recurrence {
                spec,
                start: DateTime::default(),
                index: 0,
            }),
            (_, None) => None,
        };
    }

    /// Sets the due a client asked for (at most one of the two); a different due starts
    /// the series again there.
    pub fn set_due_by_user(&mut self, due_at: Option<OffsetDateTime>, due_date: Option<Date>) {
        if (self.due_at, self.due_date) != (due_at, due_date) {
            self.due_at = due_at;
            self.due_date = due_date;
            if let Some(r) = &mut self.recurrence {
                r.index = 0;
            }
        }
    }

    /// The due, in jiff's terms.
    fn due(&self) -> Option<Due> {
        match (self.due_at, self.due_date) {
            (Some(at), _) => Some(Due::At(to_timestamp(at))),
            (None, Some(day)) => to_civil(day).map(Due::On),
            (None, None) => None,
        }
    }

    fn set_due(&mut self, due: Due) {
        match due {
            Due::At(at) => {
                self.due_at = from_timestamp(at).or(self.due_at);
            }
            Due::On(day) => {
                self.due_date = from_civil(day).or(self.due_date);
            }
        }
    }
}

fn needs_due() -> FieldError {
    FieldError::new(
        "recurrence",
        "a recurring task needs a due (due_at or due_date); remove the recurrence or give a due",
    )
}

/// Settles `task`'s series after a change: a recurring task needs a due, and a series
/// the change restarted (a new rule or mode, or a due the user set: index 0) starts again
/// at the due.
pub fn restart(task: &mut Task, zone: &TimeZone) -> Result<(), FieldError> {
    let due = task.due();
    let Some(recurrence) = &mut task.recurrence else {
        return Ok(());
    };
    let due = due.ok_or_else(needs_due)?;
    if recurrence.index == 0 {
        recurrence.start = match due {
            Due::At(at) => zone.to_datetime(at),
            Due::On(day) => day.into(),
        };
        recurrence.index = 1;
    }
    Ok(())
}

/// Moves a recurring task to its next occurrence after `now`; `false` when the series has
/// ended (no due left).
fn advance(task: &mut Task, zone: &TimeZone, now: jiff::Timestamp) -> bool {
    let (Some(recurrence), Some(due)) = (&task.recurrence, task.due()) else {
        return false;
    };
    let roll = Roll {
        rule: &recurrence.spec.rule,
        from_completion: recurrence.spec.from == RecurFrom::Completion,
        start: recurrence.start,
        index: recurrence.index,
        zone,
    };
    let Some((next, index)) = roll.next(due, now) else {
        return false;
    };
    task.set_due(next);
    if let Some(r) = &mut task.recurrence {
        r.index = index;
    }
    true
}

/// When the change from `before` completes a recurring task: the occurrence to record,
/// with the task moved to its next due and pending again, or left completed for good when
/// `COUNT` or `UNTIL` ends the series.
pub fn complete(
    task: &mut Task,
    before: &Task,
    zone: &TimeZone,
    now: OffsetDateTime,
    by: Uuid,
) -> Option<Occurrence> {
    if before.completed || !task.completed || task.recurrence.is_none() {
        return None;
    }
    let occurrence = Occurrence {
        due_at: task.due_at,
        due_date: task.due_date,
        completed_at: now,
        completed_by: by,
        index: task.recurrence.as_ref().map(|r| r.index),
    };
    if advance(task, zone, to_timestamp(now)) {
        task.set_completed(false, now);
    }
    Some(occurrence)
}

/// Skips the current occurrence of a pending recurring task without recording it: the
/// next due (for a series from completion: one interval after the later of now and the
/// current due), or completed for good when there is none. `Err` names why it cannot.
pub fn skip(task: &mut Task, zone: &TimeZone, now: OffsetDateTime) -> Result<(), &'static str> {
    if task.recurrence.is_none() {
        return Err("the task does not recur: only a recurring task can skip an occurrence");
    }
    if task.completed {
        return Err("the task is completed: its series has ended");
    }
    // Skipping is completing the current occurrence unrecorded, as if at the later of
    // now and that occurrence: a series counted from completion moves one interval past
    // a due still ahead, not to the same date again.
    let at = match task.due() {
        Some(Due::At(t)) => t,
        Some(Due::On(day)) => zone
            .to_timestamp(day.at(12, 0, 0, 0))
            .unwrap_or(jiff::Timestamp::MIN),
        None => jiff::Timestamp::MIN,
    };
    if !advance(task, zone, at.max(to_timestamp(now))) {
        task.set_completed(true, now);
    }
    Ok(())
}
