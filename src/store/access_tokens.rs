//! Personal access tokens (API-2.md section 5): a user's tokens, found on each use by the
//! SHA-256 of their secret (the secret itself is never stored).

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use crate::auth::pat::AccessToken;

/// A token found by its hash, with its owner's lower-cased email (CalDAV's Basic
/// authentication names the owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundToken {
    /// The token.
    pub token: AccessToken,
    /// Its owner's email, lower-cased.
    pub email_lower: String,
}

/// The `access_tokens` table.
#[async_trait]
pub trait AccessTokenStore: Send + Sync + 'static {
    /// The tokens of `user_id`, oldest first.
    async fn access_tokens_of(&self, user_id: Uuid) -> StoreResult<Vec<AccessToken>>;

    /// Adds `token` unless its user has `max` already; `false` then.
    async fn access_token_insert(&self, token: &AccessToken, max: usize) -> StoreResult<bool>;

    /// Deletes token `id` of `user_id`; `false` if there is none.
    async fn access_token_delete(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool>;

    /// The token whose secret hashes to `token_hash`, expired or not, with its owner.
    async fn access_token_by_hash(&self, token_hash: [u8; 32]) -> StoreResult<Option<FoundToken>>;

    /// Sets token `id`'s last use to `now` unless it was used after `since` already (one
    /// conditional write, so a busy client does not write on every request); `false`
    /// when nothing was written.
    async fn access_token_touch(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        since: OffsetDateTime,
    ) -> StoreResult<bool>;
}

/// The columns an [`AccessToken`] is read from, in order.
pub(super) const TOKEN_COLUMNS: &str =
    "id, user_id, name, token_hash, scopes, created_at, expires_at, last_used_at";

/// Adds a token unless its user has as many as the limit; binds id, user, name, hash,
/// scopes, created, expires, max.
pub(super) fn insert_sql(p: [&str; 8]) -> String {
    let [id, user, name, hash, scopes, created, expires, max] = p;
    format!(
        "INSERT INTO access_tokens (id, user_id, name, token_hash, scopes, created_at, expires_at)
         SELECT {id}, {user}, {name}, {hash}, {scopes}, {created}, {expires}
         WHERE (SELECT count(*) FROM access_tokens WHERE user_id = {user}) < {max}"
    )
}

/// The token with a hash and its owner's email; binds the hash.
pub(super) fn by_hash_sql(hash: &str) -> String {
    format!(
        "SELECT t.id, t.user_id, t.name, t.token_hash, t.scopes, t.created_at, t.expires_at,
                t.last_used_at, u.email_lower
         FROM access_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = {hash}"
    )
}

/// Sets the last use of row `id` of `table` (personal access tokens, OAuth grants) unless
/// it is recent; binds id, now, since.
pub(super) fn touch_sql(table: &str, p: [&str; 3]) -> String {
    let [id, now, since] = p;
    format!(
        "UPDATE {table} SET last_used_at = {now}
         WHERE id = {id} AND (last_used_at IS NULL OR last_used_at < {since})"
    )
}
