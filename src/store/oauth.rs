//! OAuth 2.1 for MCP clients (API-2.md section 5): registered clients, single-use
//! authorization codes, the grants users gave (connected applications) and their access
//! and refresh tokens, every code and token found by the SHA-256 of its secret.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use crate::oauth::model::{CodeRecord, Grant, OAuthClient, TokenRecord};

/// What taking a code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeTake {
    /// The code, marked used by this take (it may have expired: the caller checks).
    Fresh(CodeRecord),
    /// A code used before: the grant it started, if any, to revoke (OAuth 2.1 4.1.3).
    Replayed(Option<Uuid>),
    /// No such code.
    Unknown,
}

/// What taking a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshTake {
    /// A live refresh token, spent by this take, and its grant; the new tokens were
    /// added in the same transaction.
    Rotated(Grant),
    /// A refresh token spent before (a stolen copy, or the client's): its grant, to
    /// revoke.
    Reused(Uuid),
    /// No such token, or an expired one; nothing was written.
    Unknown,
}

/// A grant with its client's name, for the connected applications list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantListed {
    /// The grant.
    pub grant: Grant,
    /// The client's name.
    pub client_name: String,
}

/// The `oauth_*` tables.
#[async_trait]
pub trait OAuthStore: Send + Sync + 'static {
    /// Adds a client.
    async fn oauth_client_insert(&self, client: &OAuthClient) -> StoreResult<()>;

    /// Client `id`.
    async fn oauth_client(&self, id: Uuid) -> StoreResult<Option<OAuthClient>>;

    /// Adds a code.
    async fn oauth_code_insert(&self, code: &CodeRecord) -> StoreResult<()>;

    /// Marks the code with `code_hash` used at `now` and gives it, unless it was used
    /// before.
    async fn oauth_code_take(
        &self,
        code_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<CodeTake>;

    /// Starts `grant` from the code with `code_hash` (remembered on the code, so a replay
    /// can revoke it) with its first `tokens`, in one transaction.
    async fn oauth_grant_start(
        &self,
        grant: &Grant,
        code_hash: [u8; 32],
        tokens: &[TokenRecord],
    ) -> StoreResult<()>;

    /// Spends the refresh token with `token_hash` at `now` and adds `tokens` (whose
    /// `grant_id` this fills in) to its grant, in one transaction.
    async fn oauth_refresh_take(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
        tokens: &[TokenRecord],
    ) -> StoreResult<RefreshTake>;

    /// The grant of the live access token with `token_hash` at `now`.
    async fn oauth_access(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<Option<Grant>>;

    /// Sets grant `id`'s last use to `now` unless it was used after `since`.
    async fn oauth_grant_touch(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        since: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// The grants of `user_id`, newest first, with their clients' names.
    async fn oauth_grants_of(&self, user_id: Uuid) -> StoreResult<Vec<GrantListed>>;

    /// Deletes grant `id` (and its tokens), of `user_id` when given; `false` if there is
    /// none.
    async fn oauth_grant_delete(&self, user_id: Option<Uuid>, id: Uuid) -> StoreResult<bool>;

    /// Deletes the grant whose token (access or refresh) hashes to `token_hash`, when it
    /// belongs to `client_id` (RFC 7009); `false` if there is none.
    async fn oauth_revoke_by_token(
        &self,
        token_hash: [u8; 32],
        client_id: Uuid,
    ) -> StoreResult<bool>;

    /// Deletes tokens and codes that ended before `now`, and clients that registered
    /// before `idle_before` and hold no grant; how many rows went.
    async fn oauth_sweep(
        &self,
        now: OffsetDateTime,
        idle_before: OffsetDateTime,
    ) -> StoreResult<u64>;
}

/// The columns a [`Grant`] is read from, in order, for a grant aliased `g`.
pub(super) const GRANT_COLUMNS: &str =
    "g.id, g.user_id, g.client_id, g.scopes, g.created_at, g.last_used_at";

/// The code columns [`CodeRecord`] is read from after its hash, in order.
pub(super) const CODE_COLUMNS: &str =
    "code_hash, client_id, user_id, scopes, redirect_uri, code_challenge, expires_at";

/// Marks an unused code used; binds hash, now; returns [`CODE_COLUMNS`].
pub(super) fn code_take_sql(p: [&str; 2]) -> String {
    let [hash, now] = p;
    format!(
        "UPDATE oauth_codes SET used_at = {now}
         WHERE code_hash = {hash} AND used_at IS NULL
         RETURNING {CODE_COLUMNS}"
    )
}

/// Spends a live refresh token; binds hash, now; returns the grant id.
pub(super) fn refresh_take_sql(p: [&str; 2]) -> String {
    let [hash, now] = p;
    format!(
        "UPDATE oauth_tokens SET used_at = {now}
         WHERE token_hash = {hash} AND kind = 'refresh' AND used_at IS NULL
           AND expires_at > {now}
         RETURNING grant_id"
    )
}

/// The grant of a live access token; binds hash, now.
pub(super) fn access_sql(p: [&str; 2]) -> String {
    let [hash, now] = p;
    format!(
        "SELECT {GRANT_COLUMNS} FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id
         WHERE t.token_hash = {hash} AND t.kind = 'access' AND t.expires_at > {now}"
    )
}

/// The grants of a user with their clients' names; binds the user.
pub(super) fn grants_of_sql(user: &str) -> String {
    format!(
        "SELECT {GRANT_COLUMNS}, c.name FROM oauth_grants g
         JOIN oauth_clients c ON c.id = g.client_id
         WHERE g.user_id = {user} ORDER BY g.created_at DESC, g.id"
    )
}

/// Deletes the grant of a token of a client; binds hash, client.
pub(super) fn revoke_by_token_sql(p: [&str; 2]) -> String {
    let [hash, client] = p;
    format!(
        "DELETE FROM oauth_grants WHERE client_id = {client}
           AND id = (SELECT grant_id FROM oauth_tokens WHERE token_hash = {hash})"
    )
}

/// The sweep's statements: the first two bind now, the third the idle cut-off.
pub(super) fn sweep_sql(now: &str, idle_before: &str) -> [String; 3] {
    [
        format!("DELETE FROM oauth_tokens WHERE expires_at < {now}"),
        format!("DELETE FROM oauth_codes WHERE expires_at < {now}"),
        format!(
            "DELETE FROM oauth_clients WHERE created_at < {idle_before}
               AND NOT EXISTS (SELECT 1 FROM oauth_grants g WHERE g.client_id = oauth_clients.id)
               AND NOT EXISTS (SELECT 1 FROM oauth_codes c WHERE c.client_id = oauth_clients.id)"
        ),
    ]
}
