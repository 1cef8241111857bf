//! Tasks, their tags, and the list query.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::tasks::model::Task;
use crate::tasks::query::ListQuery;

/// The `tasks` and `task_tags` tables. Every query is scoped to the user in SQL.
#[async_trait]
pub trait TaskStore: Send + Sync + 'static {
    /// Stores a new task (with its tags).
    async fn task_insert(&self, task: &Task) -> StoreResult<()>;

    /// The task `id` of `user_id`; `None` when it does not exist or is someone else's.
    async fn task_get(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Task>>;

    /// Writes `task` (owner, fields, version) over the stored row if that row still has
    /// `expected_version`; `false` when it changed meanwhile or is gone.
    async fn task_update(&self, task: &Task, expected_version: i64) -> StoreResult<bool>;

    /// Deletes task `id` of `user_id` if it still has `expected_version`.
    async fn task_delete(
        &self,
        user_id: Uuid,
        id: Uuid,
        expected_version: i64,
    ) -> StoreResult<bool>;

    /// One page of the user's tasks (up to `limit + 1` rows, to tell whether more follow)
    /// and the number of all matches.
    async fn task_list(&self, user_id: Uuid, query: &ListQuery) -> StoreResult<(Vec<Task>, u64)>;
}
