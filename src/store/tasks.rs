//! Tasks, their tags, and the list query.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use super::access;
use crate::lists::model::Role;
use crate::tasks::model::{DavLink, Task};
use crate::tasks::query::ListQuery;
use crate::tasks::recurring::{Occurrence, Recurrence};
use crate::tasks::reminders::Reminders;

/// The `tasks` and `task_tags` tables. Every query joins who may do what
/// (`store/access.rs`): a task is read only through a list the caller sees, and written
/// only in lists the caller may write in.
#[async_trait]
pub trait TaskStore: Send + Sync + 'static {
    /// Stores a new task (with its tags) if `actor` may write in its list; `false` when
    /// they may not (or a task with its id exists).
    async fn task_insert(&self, actor: Uuid, task: &Task) -> StoreResult<bool>;

    /// Task `id` and `user_id`'s role in its list; `None` when it does not exist or is
    /// in no list they see.
    async fn task_get(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<(Task, Role)>>;

    /// `user_id`'s role in list `list_id`; `None` when they do not see it.
    async fn task_list_role(&self, user_id: Uuid, list_id: Uuid) -> StoreResult<Option<Role>>;

    /// Writes `task` (fields, list, version) over the stored row if that row still has
    /// `expected_version` and `actor` may write in the list it is in and in `task`'s,
    /// changing its history as `history` says in the same transaction; `false` (and
    /// nothing written) otherwise.
    async fn task_update(
        &self,
        actor: Uuid,
        task: &Task,
        expected_version: i64,
        history: History<'_>,
    ) -> StoreResult<bool>;

    /// The recorded occurrences of task `id`, newest first (the caller has checked that
    /// the task is visible).
    async fn task_history(&self, id: Uuid) -> StoreResult<Vec<Occurrence>>;

    /// Deletes task `id` if it still has `expected_version` and `actor` may write in its
    /// list: moves it, with its history, its fires still ahead and the links of its
    /// deliveries, into the trash as deleted by `actor` at `at` (`store/trash.rs`).
    async fn task_delete(
        &self,
        actor: Uuid,
        id: Uuid,
        expected_version: i64,
        at: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// Puts task `id` back from the trash, exactly as it was, if `actor` deleted it at
    /// `since` or later and may still write in its list (which must still exist).
    async fn task_restore(
        &self,
        actor: Uuid,
        id: Uuid,
        since: OffsetDateTime,
    ) -> StoreResult<Restore>;

    /// Removes the trash entries deleted before `before`; when the oldest left was
    /// deleted. Safe to run on every node at once.
    async fn task_trash_sweep(&self, before: OffsetDateTime)
    -> StoreResult<Option<OffsetDateTime>>;

    /// One page of the tasks of every list `user_id` sees, or of `query.list` alone (up
    /// to `limit + 1` rows, to tell whether more follow), and the number of all matches;
    /// `None` when `query.list` is a list the user does not see.
    async fn task_list(&self, user_id: Uuid, query: &ListQuery) -> StoreResult<Option<TaskPage>>;

    /// The different tags on the tasks of every list `user_id` sees, in order, at most
    /// `limit` (read from the `(list_id, tag)` index, list by list).
    async fn task_tag_names(&self, user_id: Uuid, limit: u32) -> StoreResult<Vec<String>>;
}

/// The statement of [`TaskStore::task_tag_names`], the user bound at `user` and the
/// limit at `limit`.
pub(super) fn tag_names_sql(user: &str, limit: &str) -> String {
    format!(
        "SELECT DISTINCT g.tag FROM task_tags g WHERE g.list_id IN ({}) ORDER BY g.tag LIMIT {limit}",
        super::access::readable(user)
    )
}

/// What restoring a deleted task came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Restore {
    /// Back in its list, as it was.
    Restored(Box<Task>),
    /// Nothing in the trash under this id deleted by this user (never, someone else's,
    /// already restored, or swept).
    NotFound,
    /// Deleted longer ago than the undo window.
    Expired,
    /// Its list was deleted meanwhile.
    NoList,
    /// The user may no longer write in its list.
    NoAccess,
}

/// What a task's write does to its history.
#[derive(Debug, Clone, Copy)]
pub enum History<'a> {
    /// Nothing.
    Keep,
    /// Records a completed occurrence of a recurring task.
    Record(&'a Occurrence),
    /// Undoes a completion: removes the newest occurrence, which must have been completed
    /// at this instant (else nothing is written).
    Unrecord(OffsetDateTime),
}

/// Up to `limit + 1` tasks of the list, and the number of all matches.
pub type TaskPage = (Vec<Task>, u64);

/// The stored form of a task's recurrence.
pub(super) fn recurrence_text(task: &Task) -> Option<String> {
    task.recurrence.as_ref().map(Recurrence::to_stored)
}

/// A stored recurrence, read back.
pub(super) fn read_recurrence(text: Option<String>) -> Result<Option<Recurrence>, String> {
    text.map(|t| Recurrence::from_stored(&t)).transpose()
}

/// The stored form of a task's reminders.
pub(super) fn reminders_text(task: &Task) -> Option<String> {
    task.reminders.to_stored()
}

/// Stored reminders, read back.
pub(super) fn read_reminders(text: Option<String>) -> Result<Reminders, String> {
    Reminders::from_stored(text.as_deref())
}

/// A task's CalDAV link read back from its `dav_name` and `dav` columns.
pub(super) fn read_dav(name: Option<String>, text: Option<String>) -> Result<DavLink, String> {
    let mut dav: DavLink = match text {
        Some(text) => serde_json::from_str(&text).map_err(|e| e.to_string())?,
        None => DavLink::default(),
    };
    dav.name = name;
    Ok(dav)
}

/// The `dav` column of a task: NULL when nothing is kept besides the name.
pub(super) fn dav_text(task: &Task) -> Option<String> {
    if task.dav.is_empty() {
        return None;
    }
    serde_json::to_string(&task.dav).ok()
}

/// Removes the fires of the task bound at `task` still ahead of the instant bound at
/// `now` and not claimed (the task's write puts its new ones in their place; fires
/// already due are left to the worker).
pub(super) fn fires_clear_sql(task: &str, now: &str) -> String {
    format!(
        "DELETE FROM reminder_fires WHERE task_id = {task} AND fire_at > {now} AND claim IS NULL"
    )
}

/// Adds a fire; binds task, user, reminder, fire_at.
pub(super) fn fire_insert_sql(p: [&str; 4]) -> String {
    let [task, user, reminder, at] = p;
    format!(
        "INSERT INTO reminder_fires (task_id, user_id, reminder, fire_at) VALUES ({task}, {user}, {reminder}, {at})"
    )
}

/// The history of the task bound at `id`, newest first.
pub(super) fn history_sql(id: &str) -> String {
    format!(
        "SELECT due_at, due_date, completed_at, completed_by, series_index FROM task_occurrences WHERE task_id = {id} ORDER BY completed_at DESC, id DESC"
    )
}

/// Records an occurrence; binds task, due_at, due_date, completed_at, completed_by,
/// series_index.
pub(super) fn record_sql(p: [&str; 6]) -> String {
    let [task, at, date, done, by, index] = p;
    format!(
        "INSERT INTO task_occurrences (task_id, due_at, due_date, completed_at, completed_by, series_index) VALUES ({task}, {at}, {date}, {done}, {by}, {index})"
    )
}

/// The task bound at `id` with the role in its list of the user bound at `user`.
pub(super) fn task_with_role_sql(columns: &str, user: &str, id: &str) -> String {
    format!(
        "SELECT {columns}, r.role FROM tasks t JOIN ({}) r ON r.list_id = t.list_id WHERE t.id = {id}",
        access::roles(user)
    )
}

/// The role of the user bound at `user` in the list bound at `list`.
pub(super) fn list_role_sql(user: &str, list: &str) -> String {
    format!(
        "SELECT r.role FROM ({}) r WHERE r.list_id = {list}",
        access::roles(user)
    )
}

/// The condition that the user bound at `actor` may write in the list bound at (or the
/// column) `list`.
pub(super) fn may_write(actor: &str, list: &str) -> String {
    format!("{list} IN ({})", access::writable(actor))
}
