//! Reminders on the task service: after a change, when each of a task's reminders fires
//! (API-2.md section 3), worked out in the zone of the user who writes it, so that the
//! store puts the fires in place in the same write; and the rest that follows a change.

use time::OffsetDateTime;
use uuid::Uuid;

use super::Tasks;
use super::model::Task;
use crate::error::{AppError, AppResult, FieldError};

impl Tasks {
    /// What follows a change from `current` to `next`: due key, fires, time, version.
    pub(super) async fn follow(
        &self,
        user_id: Uuid,
        zone: &mut Option<String>,
        next: &mut Task,
        current: &Task,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        self.set_due_key(user_id, zone, next, Some(current)).await?;
        self.schedule_reminders(user_id, zone, next, Some(current), now)
            .await?;
        next.updated_at = now;
        next.version = current.version + 1;
        Ok(())
    }

    /// Works out `task`'s fires after a change by `user_id` from `before` (`None`: a new
    /// task): `422` when the change sets a reminder before the due of a task without
    /// one; a recurring task rolled on to its next occurrence takes its `at` reminders
    /// along. A task that neither had nor has reminders is left alone.
    pub(super) async fn schedule_reminders(
        &self,
        user_id: Uuid,
        zone: &mut Option<String>,
        task: &mut Task,
        before: Option<&Task>,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let had = before.is_some_and(|b| !b.reminders.is_empty());
        if task.reminders.is_empty() && !had {
            return Ok(());
        }
        let changed = before.is_none_or(|b| b.reminders.items != task.reminders.items);
        if changed && task.reminders.needs_due() && task.due_key.is_none() {
            return Err(AppError::Validation(vec![FieldError::new(
                "reminders",
                "a reminder `before` the due needs a due (due_at or due_date); give one or use `at`",
            )]));
        }
        if let Some(b) = before
            && rolled(b, task)
            && let (Some(old), Some(new)) = (b.due_key, task.due_key)
        {
            task.reminders.follow(new - old);
        }
        let zone = crate::zone::zone(self.zone_once(user_id, zone).await?);
        task.reminders
            .schedule(task.due_at, task.due_date, task.completed, &zone, now);
        Ok(())
    }
}

/// Whether the change from `before` rolled a recurring task on to another occurrence
/// (completed or skipped): the same series, at another due. A due the user sets starts
/// the series again there, at a new start.
fn rolled(before: &Task, after: &Task) -> bool {
    match (&before.recurrence, &after.recurrence) {
        (Some(b), Some(a)) => {
            b.spec == a.spec && b.start == a.start && before.due_key != after.due_key
        }
        _ => false,
    }
}
