//! Skipping an occurrence of a recurring task and reading its history, on the task
//! service (API-2.md section 2: `POST /api/tasks/{id}/skip`, `GET .../history`).

use uuid::Uuid;

use super::Tasks;
use super::model::Task;
use super::recurring::{Occurrence, skip};
use crate::error::{AppError, AppResult, FieldError};
use crate::precondition::Precondition;

/// Skipping and the history, on the service.
impl Tasks {
    /// Moves a recurring task `user_id` may change to its next occurrence without
    /// recording a completion (`POST /api/tasks/{id}/skip`); `422` if it does not recur.
    pub async fn skip(
        &self,
        user_id: Uuid,
        id: Uuid,
        precondition: Option<&Precondition>,
    ) -> AppResult<Task> {
        let name = self.zone_of(user_id).await?;
        let zone = crate::zone::zone(&name);
        self.modify_in(user_id, Some(name), id, precondition, |t, now| {
            skip(t, &zone, now)
                .map(|()| true)
                .map_err(|why| AppError::Validation(vec![FieldError::new("recurrence", why)]))
        })
        .await
    }

    /// The recorded occurrences of a task `user_id` sees, newest first.
    pub async fn history(&self, user_id: Uuid, id: Uuid) -> AppResult<Vec<Occurrence>> {
        let task = self.get(user_id, id).await?;
        Ok(self.store.task_history(task.id).await?)
    }
}
