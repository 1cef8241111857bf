//! Sign-in sessions and their refresh tokens.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;

/// A sign-in session: one per device, carrying the current refresh token's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Session id, the `sid` claim of its access tokens.
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// When it started.
    pub created_at: OffsetDateTime,
    /// Last refresh.
    pub last_used_at: OffsetDateTime,
    /// When its refresh token stops working.
    pub expires_at: OffsetDateTime,
    /// When it was ended, if it was.
    pub revoked_at: Option<OffsetDateTime>,
    /// The `User-Agent` that started it.
    pub user_agent: Option<String>,
    /// The client address that started it (after trusted proxies).
    pub ip: Option<String>,
}

/// A session to create.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// New id.
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// SHA-256 of the first refresh token.
    pub refresh_hash: [u8; 32],
    /// Start time.
    pub created_at: OffsetDateTime,
    /// End of the refresh token's life.
    pub expires_at: OffsetDateTime,
    /// Client description.
    pub user_agent: Option<String>,
    /// The client's address.
    pub ip: Option<String>,
}

/// What presenting a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current: it is now used, and the session carries the new hash.
    Rotated(SessionRecord),
    /// The token had been used before: the session is now revoked (RFC 9700 reuse detection).
    Reused,
    /// Unknown, expired, or its session is over.
    Invalid,
}

/// The `sessions` and `used_refresh_tokens` tables.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Starts a session.
    async fn session_insert(&self, session: &NewSession) -> StoreResult<()>;

    /// Exchanges a refresh token: atomically marks `old_hash` used and stores `new_hash`,
    /// extending the session to `expires_at`. Of two concurrent calls with the same token
    /// at most one is `Rotated`.
    async fn session_rotate(
        &self,
        old_hash: &[u8; 32],
        new_hash: &[u8; 32],
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<Rotation>;

    /// Whether session `id` of `user_id` is neither revoked nor expired.
    async fn session_is_active(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// The sessions of `user_id` that are neither revoked nor expired at `now`, newest
    /// first.
    async fn sessions_active_of(
        &self,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<SessionRecord>>;

    /// Ends one session of a user; `false` when it was not active.
    async fn session_revoke(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// Ends every active session of a user and sets their token cut-off; returns how many
    /// sessions it ended.
    async fn sessions_revoke_all(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<u64>;
}

/// The columns a [`SessionRecord`] is read from, in order.
pub(super) const SESSION_COLUMNS: &str =
    "id, user_id, created_at, last_used_at, expires_at, revoked_at, user_agent, ip";

/// The active sessions of a user, newest first; binds the user and now.
pub(super) fn active_of_sql(user: &str, now: &str) -> String {
    format!(
        "SELECT {SESSION_COLUMNS} FROM sessions
         WHERE user_id = {user} AND revoked_at IS NULL AND expires_at > {now}
         ORDER BY created_at DESC, id DESC"
    )
}
