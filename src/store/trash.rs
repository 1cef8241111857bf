//! The trash of deleted tasks (issue 21, step 3): the SQL that moves a task, with its
//! history, its fires still ahead and the links of its deliveries, into the `deleted_*`
//! tables, puts it back, and sweeps what is older than the undo window. Written once with
//! the placeholders of either database; each back end runs it in one transaction.

use super::tasks::may_write;

/// The columns of a task row besides its id, the same in `tasks` and `deleted_tasks`.
const COLUMNS: &str = "user_id, list_id, title, description, title_lower, description_lower, \
    completed, completed_at, priority, due_at, tags, created_at, updated_at, version, \
    due_date, due_key, recurrence, reminders, dav_name, dav";

/// Moves the task bound at `id` with the version bound at `version` into the trash if
/// the user bound at `actor` may write in its list, as deleted by them at `at`.
pub(super) fn trash_task_sql([id, version, actor, at]: [&str; 4]) -> String {
    format!(
        "INSERT INTO deleted_tasks (id, deleted_by, deleted_at, {COLUMNS}) \
         SELECT id, {actor}, {at}, {COLUMNS} FROM tasks \
         WHERE id = {id} AND version = {version} AND {}",
        may_write(actor, "list_id")
    )
}

/// After [`trash_task_sql`]: what hangs off the task bound at `id` copied to the trash,
/// then the task deleted (its history, fires and tags by cascade).
pub(super) fn trash_rest_sql(id: &str) -> [String; 4] {
    [
        format!(
            "INSERT INTO deleted_task_occurrences (task_id, position, due_at, due_date, completed_at, completed_by, series_index) \
             SELECT task_id, id, due_at, due_date, completed_at, completed_by, series_index FROM task_occurrences WHERE task_id = {id}"
        ),
        format!(
            "INSERT INTO deleted_reminder_fires (task_id, user_id, reminder, fire_at) \
             SELECT task_id, user_id, reminder, fire_at FROM reminder_fires WHERE task_id = {id} AND claim IS NULL"
        ),
        format!(
            "INSERT INTO deleted_task_deliveries (task_id, delivery_id) SELECT task_id, id FROM deliveries WHERE task_id = {id}"
        ),
        format!("DELETE FROM tasks WHERE id = {id}"),
    ]
}

/// Removes a trash entry (and by cascade what hangs off it) under the id bound at `id`.
pub(super) fn trash_drop_sql(id: &str) -> String {
    format!("DELETE FROM deleted_tasks WHERE id = {id}")
}

/// The trash entry bound at `id` deleted by the user bound at `actor`: when, whether its
/// list still exists, and whether they may write in it.
pub(super) fn trash_lookup_sql(id: &str, actor: &str) -> String {
    format!(
        "SELECT d.deleted_at, EXISTS (SELECT 1 FROM lists l WHERE l.id = d.list_id), {} \
         FROM deleted_tasks d WHERE d.id = {id} AND d.deleted_by = {actor}",
        may_write(actor, "d.list_id")
    )
}

/// Puts the trashed task bound at `id` back: its row, history, fires, deliveries' links
/// (in this order), then drops the trash entry. The tag index is rebuilt by the caller.
pub(super) fn restore_sql(id: &str) -> [String; 5] {
    [
        format!(
            "INSERT INTO tasks (id, {COLUMNS}) SELECT id, {COLUMNS} FROM deleted_tasks WHERE id = {id} \
             AND NOT EXISTS (SELECT 1 FROM tasks WHERE id = {id}) ON CONFLICT (id) DO NOTHING"
        ),
        format!(
            "INSERT INTO task_occurrences (task_id, due_at, due_date, completed_at, completed_by, series_index) \
             SELECT task_id, due_at, due_date, completed_at, completed_by, series_index \
             FROM deleted_task_occurrences WHERE task_id = {id} ORDER BY position"
        ),
        format!(
            "INSERT INTO reminder_fires (task_id, user_id, reminder, fire_at) \
             SELECT task_id, user_id, reminder, fire_at FROM deleted_reminder_fires WHERE task_id = {id}"
        ),
        format!(
            "UPDATE deliveries SET task_id = {id} WHERE task_id IS NULL AND id IN \
             (SELECT delivery_id FROM deleted_task_deliveries WHERE task_id = {id})"
        ),
        trash_drop_sql(id),
    ]
}

/// Sweeps the trash entries deleted before the instant bound at `before`.
pub(super) fn sweep_sql(before: &str) -> String {
    format!("DELETE FROM deleted_tasks WHERE deleted_at < {before}")
}

/// When the oldest trash entry left was deleted.
pub(super) const OLDEST_SQL: &str = "SELECT MIN(deleted_at) FROM deleted_tasks";

/// Removes the newest recorded occurrence of the task bound at `id` if it was completed
/// at the instant bound at `at` (the completion being undone).
pub(super) fn unrecord_sql(id: &str, at: &str) -> String {
    format!(
        "DELETE FROM task_occurrences WHERE id = (SELECT id FROM task_occurrences \
         WHERE task_id = {id} ORDER BY completed_at DESC, id DESC LIMIT 1) AND completed_at = {at}"
    )
}
