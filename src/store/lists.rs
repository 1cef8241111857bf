//! Lists as stored, always as one user sees them: a list the user neither owns nor is an
//! active member of does not exist for that user.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use super::access;
use crate::lists::model::{List, Member, Role};

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

    /// The position after every list `owner_id` owns (0 for the first).
    async fn list_next_position(&self, owner_id: Uuid) -> StoreResult<i64>;

    /// The owner, then the members by email, of list `id` if `user_id` may see it; empty
    /// when they may not.
    async fn members_of(&self, user_id: Uuid, id: Uuid) -> StoreResult<Vec<Member>>;

    /// Shares list `id` of `owner_id` with `email_lower` as `role` (a new share is
    /// pending), or gives an existing share that role; the share as stored, or `None`
    /// when the list is not `owner_id`'s or is an inbox.
    async fn member_put(
        &self,
        owner_id: Uuid,
        id: Uuid,
        email_lower: &str,
        role: Role,
        at: OffsetDateTime,
    ) -> StoreResult<Option<Member>>;

    /// Removes the share of `email_lower` from list `id` when `actor` owns the list or
    /// is that member; `false` when there was no such share for them to remove.
    async fn member_delete(&self, actor: Uuid, id: Uuid, email_lower: &str) -> StoreResult<bool>;

    /// Turns the pending shares of `user_id`'s email into theirs; how many.
    async fn members_activate(&self, user_id: Uuid) -> StoreResult<u64>;
}

/// The owner and the members of the list bound at `id`, if the user bound at `user` may
/// see it: `(email, user_id, role)`, owner first.
pub(super) fn members_sql(user: &str, id: &str) -> String {
    let readable = access::readable(user);
    format!(
        "SELECT u.email_lower AS email, u.id AS user_id, '{owner}' AS role, 0 AS rank
           FROM lists l JOIN users u ON u.id = l.owner_id
          WHERE l.id = {id} AND l.id IN ({readable})
         UNION ALL
         SELECT m.email_lower, m.user_id, m.role, 1 FROM list_members m
          WHERE m.list_id = {id} AND m.list_id IN ({readable})
         ORDER BY rank, email",
        owner = Role::Owner.as_str()
    )
}

/// Removes the share of the email bound at `email` from the list bound at `id` when the
/// user bound at `actor` owns the list or is that member.
pub(super) fn member_delete_sql(actor: &str, id: &str, email: &str) -> String {
    format!(
        "DELETE FROM list_members WHERE list_id = {id} AND email_lower = {email}
            AND ({id} IN ({managed}) OR user_id = {actor})",
        managed = access::managed(actor)
    )
}

/// Makes the pending shares of the email of the user bound at `user` theirs.
pub(super) fn activate_sql(user: &str) -> String {
    format!(
        "UPDATE list_members SET user_id = {user}
          WHERE user_id IS NULL AND email_lower = (SELECT email_lower FROM users WHERE id = {user})"
    )
}

/// The columns every back end selects for a [`List`] seen by the user bound at `p1`, in
/// order: the list's own, then the role (`owner` or the member's) and the pending count.
pub(super) fn visible_lists_sql(p1: &str, extra: &str) -> String {
    format!(
        "SELECT * FROM (
           SELECT l.id, l.owner_id, l.name, l.color, l.position, l.archived, l.is_inbox,
                  l.created_at, l.updated_at, l.version, r.role,
                  (SELECT COUNT(*) FROM tasks t WHERE t.list_id = l.id AND NOT t.completed) AS pending,
                  l.change_seq
             FROM ({roles}) r JOIN lists l ON l.id = r.list_id
         ) v {extra}",
        roles = access::roles(p1)
    )
}
