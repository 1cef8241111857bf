//! Undo on the task service (issue 21, step 3): restoring a deleted task from the trash
//! within [`UNDO_WINDOW`], and undoing a completion (for a recurring task: the occurrence
//! it recorded removed and the due put back, in one write).

use time::OffsetDateTime;
use uuid::Uuid;

use super::Tasks;
use super::model::Task;
use super::service::{not_found, stale};
use crate::error::{AppError, AppResult};
use crate::precondition::Precondition;
use crate::store::{History, Restore};
use crate::timestamp::now;

/// How long a deleted task can be restored (docs/web.md); the reminder workers sweep the
/// trash of anything older than [`SWEEP_AFTER`].
pub const UNDO_WINDOW: time::Duration = time::Duration::minutes(10);

/// The instant before which a deletion can no longer be undone, at `now`.
fn undo_cutoff(now: OffsetDateTime) -> OffsetDateTime {
    now - UNDO_WINDOW
}

/// How long after its deletion a trash entry is swept: a minute past the window, so that
/// an Undo clicked just too late still hears why rather than "nothing to undo".
pub const SWEEP_AFTER: time::Duration = time::Duration::minutes(11);

impl Tasks {
    /// Restores task `id` that `user_id` deleted less than [`UNDO_WINDOW`] ago, exactly
    /// as it was; `404` when there is nothing of theirs to restore. The other outcomes
    /// (too late, list gone, no longer allowed) are told apart for the page's notice.
    pub async fn restore(&self, user_id: Uuid, id: Uuid) -> AppResult<Restore> {
        match self
            .store
            .task_restore(user_id, id, undo_cutoff(now()))
            .await?
        {
            Restore::NotFound => Err(not_found()),
            other => Ok(other),
        }
    }

    /// Undoes the completion of task `id` by `user_id` that left it at `version`: a task
    /// done for good is pending again; a recurring task that rolled on to its next due
    /// gets the due of the occurrence back and that occurrence leaves its history. `412`
    /// when the task changed since (nothing is done), `404` when it is gone.
    pub async fn uncomplete(&self, user_id: Uuid, id: Uuid, version: i64) -> AppResult<Task> {
        let precondition = Precondition::Versions(vec![version]);
        let current = self.current(user_id, id, Some(&precondition)).await?;
        let recorded = match current.recurrence {
            Some(_) => self
                .store
                .task_history(id)
                .await?
                .into_iter()
                .next()
                // The completion being undone is the write that made this version.
                .filter(|o| o.completed_at == current.updated_at),
            None => None,
        };
        let Some(occurrence) = recorded else {
            if current.recurrence.is_some() && !current.completed {
                return Err(stale());
            }
            return self
                .complete(user_id, id, Some(false), Some(&precondition))
                .await;
        };
        let Some(index) = occurrence.index else {
            return Err(AppError::Conflict(
                "this completion was recorded before it could be undone".into(),
            ));
        };
        let now = now();
        let mut next = current.clone();
        next.due_at = occurrence.due_at;
        next.due_date = occurrence.due_date;
        if let Some(r) = &mut next.recurrence {
            r.index = index;
        }
        next.set_completed(false, now);
        self.follow(user_id, &mut None, &mut next, &current, now)
            .await?;
        let history = History::Unrecord(occurrence.completed_at);
        if self
            .store
            .task_update(user_id, &next, current.version, history)
            .await?
        {
            Ok(next)
        } else {
            Err(stale())
        }
    }
}
