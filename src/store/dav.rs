//! What CalDAV (issue 18) reads beyond the task store: a list's changes since a sync
//! token, and a task by the resource name a client gave it. The counting itself is done
//! by the database's triggers (migration 0015), so every writer is counted.

use async_trait::async_trait;
use time::Duration;
use uuid::Uuid;

use super::StoreResult;
use super::access;
use crate::lists::model::Role;
use crate::tasks::model::Task;

/// How long a task that left a list is remembered there: a client that last synced
/// longer ago starts again.
pub const TOMBSTONE_KEEP: Duration = Duration::days(30);

/// A list's changes after a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavChanges {
    /// The list's count, read before the tasks: the next sync token.
    pub seq: i64,
    /// The newest count whose tombstones were swept: a token below it must start again.
    pub floor: i64,
    /// The tasks written into the list after the count, oldest change first.
    pub tasks: Vec<Task>,
    /// The tasks that left the list after the count and are not back in it.
    pub gone: Vec<Gone>,
}

/// A task that left a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gone {
    /// Its id.
    pub task_id: Uuid,
    /// The resource name it had there, when not `<id>.ics`.
    pub name: Option<String>,
}

/// The reads of CalDAV.
#[async_trait]
pub trait DavStore: Send + Sync + 'static {
    /// The changes of list `list_id` after count `since` (every task with 0); `None` when
    /// `user_id` does not see the list.
    async fn dav_changes(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        since: i64,
    ) -> StoreResult<Option<DavChanges>>;

    /// The task of list `list_id` whose resource is `name` (its own, or `<id>.ics`), with
    /// `user_id`'s role; `None` when there is none they see.
    async fn dav_find(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        name: &str,
    ) -> StoreResult<Option<(Task, Role)>>;

    /// The resource name of the task of list `list_id` (seen by `user_id`) whose `UID`
    /// is `uid`: the client's, or its id for a task without one.
    async fn dav_uid_taken(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        uid: &str,
    ) -> StoreResult<Option<String>>;
}

/// The task id a resource name stands for when the task has no name of its own.
pub(super) fn id_of_name(name: &str) -> Uuid {
    name.strip_suffix(".ics")
        .and_then(|id| Uuid::parse_str(id).ok())
        .unwrap_or(Uuid::nil())
}

/// The list's count and floor, if the user bound at `user` sees the list bound at `list`.
pub(super) fn seq_sql(user: &str, list: &str) -> String {
    format!(
        "SELECT l.change_seq, l.dav_floor FROM ({}) r JOIN lists l ON l.id = r.list_id \
         WHERE l.id = {list}",
        access::roles(user)
    )
}

/// The tasks of the list bound at `list` stamped after the count bound at `since`.
pub(super) fn changed_sql(columns: &str, list: &str, since: &str) -> String {
    format!(
        "SELECT {columns} FROM tasks t WHERE t.list_id = {list} AND t.dav_seq > {since} \
         ORDER BY t.dav_seq"
    )
}

/// The tombstones of the list bound at `list` after the count bound at `since`, of tasks
/// not back in it.
pub(super) fn gone_sql(list: &str, since: &str) -> String {
    format!(
        "SELECT d.task_id, d.dav_name FROM dav_tombstones d \
         WHERE d.list_id = {list} AND d.seq > {since} \
         AND NOT EXISTS (SELECT 1 FROM tasks x WHERE x.id = d.task_id AND x.list_id = d.list_id) \
         ORDER BY d.seq"
    )
}

/// The task at a resource name (bound at `name`, or the id bound at `id` for a task
/// without one) in the list bound at `list`, with the role of the user bound at `user`.
pub(super) fn find_sql(columns: &str, [user, list, name, id]: [&str; 4]) -> String {
    format!(
        "SELECT {columns}, r.role FROM tasks t JOIN ({}) r ON r.list_id = t.list_id \
         WHERE t.list_id = {list} AND (t.dav_name = {name} OR (t.dav_name IS NULL AND t.id = {id}))",
        access::roles(user)
    )
}

/// The id and name of the task whose `UID` (read from the `dav` JSON by `uid_of`) is
/// bound at `uid` (or, without one, whose id is bound at `id`) in the list bound at `list`
/// the user bound at `user` sees.
pub(super) fn uid_sql(uid_of: &str, [user, list, uid, id]: [&str; 4]) -> String {
    format!(
        "SELECT t.id, t.dav_name FROM tasks t JOIN ({}) r ON r.list_id = t.list_id \
         WHERE t.list_id = {list} AND ({uid_of} = {uid} OR ({uid_of} IS NULL AND t.id = {id}))",
        access::roles(user)
    )
}

/// The resource name of a task found by id and name.
pub(super) fn name_or_id(id: Uuid, name: Option<String>) -> String {
    name.unwrap_or_else(|| format!("{id}.ics"))
}

/// Sweeping the tombstones older than the instant bound at `before`: each list's floor
/// rises to the newest swept count, then they go.
pub(super) fn sweep_sql(before: &str) -> [String; 2] {
    [
        format!(
            "UPDATE lists SET dav_floor = (SELECT MAX(d.seq) FROM dav_tombstones d \
             WHERE d.list_id = lists.id AND d.at < {before}) \
             WHERE id IN (SELECT list_id FROM dav_tombstones WHERE at < {before})"
        ),
        format!("DELETE FROM dav_tombstones WHERE at < {before}"),
    ]
}

/// Keeps the first tombstone of each task (a task may leave a list twice).
pub(super) fn dedup(mut gone: Vec<Gone>) -> Vec<Gone> {
    let mut seen = std::collections::HashSet::new();
    gone.retain(|g| seen.insert(g.task_id));
    gone
}
