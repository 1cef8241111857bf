//! Lists as stored, always as one user sees them: a list the user neither owns nor is an
//! active member of does not exist for that user.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use crate::lists::model::List;

/// A list to create (never an inbox: accounts get theirs with the user row).
#[derive(Debug, Clone)]
pub struct NewList {
    /// New id.
    pub id: Uuid,
    /// The owner.
    pub owner_id: Uuid,
    /// Name, already checked.
    pub name: String,
    /// `#rrggbb` or none.
    pub color: Option<String>,
    /// Sidebar position.
    pub position: i64,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// The `lists` table (and its members, for what the caller may see).
#[async_trait]
pub trait ListStore: Send + Sync + 'static {
    /// Every list `user_id` owns or is an active member of, with the user's role and the
    /// count of tasks not completed, by position, then name, then id.
    async fn lists_of(&self, user_id: Uuid) -> StoreResult<Vec<List>>;

    /// List `id` as `user_id` sees it; `None` when it is not theirs to see.
    async fn list_get(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<List>>;

    /// Creates a list.
    async fn list_insert(&self, list: &NewList) -> StoreResult<()>;

    /// Writes `list`'s name, colour, position, archived flag and version over the row of
    /// its owner if that row still has `expected_version`; `false` otherwise.
    async fn list_update(&self, list: &List, expected_version: i64) -> StoreResult<bool>;

    /// Deletes list `id` of `owner_id`, with its tasks, unless it is an inbox; `false`
    /// when there is no such list.
    async fn list_delete(&self, owner_id: Uuid, id: Uuid) -> StoreResult<bool>;
}

/// The columns every back end selects for a [`List`] seen by the user bound first, in
/// order: the list's own, then the role (`owner` or the member's) and the pending count.
pub(super) fn visible_lists_sql(p1: &str, extra: &str) -> String {
    const COLUMNS: &str = "l.id, l.owner_id, l.name, l.color, l.position, l.archived, l.is_inbox,
         l.created_at, l.updated_at, l.version, {role} AS role,
         (SELECT COUNT(*) FROM tasks t WHERE t.list_id = l.id AND NOT t.completed) AS pending";
    let owned = COLUMNS.replace("{role}", "'owner'");
    let shared = COLUMNS.replace("{role}", "m.role");
    format!(
        "SELECT * FROM (
           SELECT {owned} FROM lists l WHERE l.owner_id = {p1}
           UNION ALL
           SELECT {shared} FROM list_members m JOIN lists l ON l.id = m.list_id
           WHERE m.user_id = {p1}
         ) v {extra}"
    )
}
