//! Calendar feeds (API-2.md section 4): a user's private `.ics` URLs, found on each fetch
//! by the SHA-256 of their token (the token itself is never stored).

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::calendars::model::Feed;

/// The `calendar_feeds` table.
#[async_trait]
pub trait FeedStore: Send + Sync + 'static {
    /// The feeds of `user_id`, oldest first.
    async fn feeds_of(&self, user_id: Uuid) -> StoreResult<Vec<Feed>>;

    /// Adds `feed` unless its user has `max` already; `false` then.
    async fn feed_insert(&self, feed: &Feed, max: usize) -> StoreResult<bool>;

    /// Deletes feed `id` of `user_id`; `false` if there is none.
    async fn feed_delete(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool>;

    /// The feed whose token hashes to `token_hash`.
    async fn feed_by_token(&self, token_hash: [u8; 32]) -> StoreResult<Option<Feed>>;
}

/// The columns a [`Feed`] is read from, in order.
pub(super) const FEED_COLUMNS: &str = "id, user_id, list_id, token_hash, created_at";

/// Adds a feed unless its user has as many as the limit; binds id, user, list, hash,
/// created, max.
pub(super) fn insert_sql(p: [&str; 6]) -> String {
    let [id, user, list, hash, created, max] = p;
    format!(
        "INSERT INTO calendar_feeds ({FEED_COLUMNS})
         SELECT {id}, {user}, {list}, {hash}, {created}
         WHERE (SELECT count(*) FROM calendar_feeds WHERE user_id = {user}) < {max}"
    )
}
