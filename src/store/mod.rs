//! Storage: one [`Store`] trait, a SQLite and a PostgreSQL implementation, chosen by the
//! scheme of `DATABASE_URL`. No SQL lives outside this module.
//!
//! The store speaks domain records, never HTTP types, and every user-scoped query filters
//! by the user id in SQL: isolation is the store's job, not the handlers'.

pub mod better_auth;
pub mod list;
mod postgres;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::config::DatabaseUrl;
use crate::tasks::model::Task;
use crate::tasks::query::ListQuery;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// A failure of the store, already sorted by what the caller can do about it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database does not answer (connection refused, pool timed out, I/O): retry later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness rule was broken; the text names it for the client.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The row does not exist (or belongs to someone else).
    #[error("not found")]
    NotFound,
    /// The database cannot be opened or migrated at start; the text says why.
    #[error("{0}")]
    Open(String),
    /// Anything else: a bug or a broken database. Logged, never shown.
    #[error("database error: {0}")]
    Internal(String),
}

impl StoreError {
    /// Sorts a driver error. `unique` is the sentence for a unique-constraint violation.
    pub(crate) fn from_sqlx(e: sqlx::Error, unique: &'static str) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable(e.to_string()),
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(db) => {
                if db.is_unique_violation() {
                    Self::Conflict(unique)
                } else if is_unavailable_code(db.code().as_deref()) {
                    Self::Unavailable(e.to_string())
                } else {
                    Self::Internal(e.to_string())
                }
            }
            _ => Self::Internal(e.to_string()),
        }
    }
}

/// Database error codes that mean "not now" rather than "never": SQLite busy/locked,
/// PostgreSQL connection failures, shutdowns and serialization failures.
fn is_unavailable_code(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("5" | "6" | "261" | "517") // SQLITE_BUSY, SQLITE_LOCKED and extended forms
            | Some("57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01")
    ) || code.is_some_and(|c| c.starts_with("08"))
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::from_sqlx(e, "this value is already taken")
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::Execute(inner) => Self::from(inner),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// UUID (v7 for users created here, any version for imported ones).
    pub id: Uuid,
    /// The email as the user typed it, trimmed.
    pub email: String,
    /// Display name.
    pub name: String,
    /// PHC string (argon2id) or modular crypt string (bcrypt, imported).
    pub password_hash: String,
    /// When the account was created.
    pub created_at: OffsetDateTime,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// New id.
    pub id: Uuid,
    /// The email as typed, trimmed.
    pub email: String,
    /// The email folded to lower case: the unique key.
    pub email_lower: String,
    /// Display name.
    pub name: String,
    /// Password hash.
    pub password_hash: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A user of an external token issuer to create together with its link: the issuer's
/// `sub` (any string) becomes an external identity of a new Taskward user.
#[derive(Debug, Clone)]
pub struct LinkedUser {
    /// The Taskward user to create.
    pub user: NewUser,
    /// The issuer (`iss`) the subject belongs to.
    pub issuer: String,
    /// The issuer's user id (`sub`).
    pub subject: String,
}

/// What creating a [`LinkedUser`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOutcome {
    /// The user and its link were created.
    Created,
    /// The identity was linked before, to this Taskward user; nothing changed.
    AlreadyLinked(Uuid),
    /// Another account already has the email; nothing changed. Linking to it by email
    /// would let whoever controls the issuer take over a local account.
    EmailTaken,
}

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

/// Users and tasks brought in from another system (`taskward import`), already validated
/// and normalised by the importer.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    /// Accounts, with their ids and password hashes kept.
    pub users: Vec<NewUser>,
    /// Tasks, with their ids kept; every owner is in `users` or already stored.
    pub tasks: Vec<Task>,
}

/// How many rows an import wrote; rows whose id was already stored are left untouched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Users inserted.
    pub users: u64,
    /// Tasks inserted.
    pub tasks: u64,
}

/// The occupancy of one connection pool, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Which pool (`writer`, `reader` on SQLite; `main` on PostgreSQL).
    pub name: &'static str,
    /// Connections open.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Most connections the pool may open.
    pub max: u32,
}

/// Everything Taskward keeps. Implemented for SQLite and PostgreSQL; the conformance suite
/// in `tests/api/store.rs` runs the same checks against both.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which database this is.
    fn backend(&self) -> Backend;

    /// Answers when the database does (used by `/readyz`).
    async fn ping(&self) -> StoreResult<()>;

    /// Closes every connection; in-flight queries finish first.
    async fn close(&self);

    /// Creates a user; `Conflict` when the email is taken.
    async fn user_insert(&self, user: &NewUser) -> StoreResult<()>;

    /// Finds a user by id.
    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>>;

    /// Finds a user by the lower-cased email.
    async fn user_by_email(&self, email_lower: &str) -> StoreResult<Option<UserRecord>>;

    /// Renames a user; `None` when the user does not exist.
    async fn user_set_name(
        &self,
        id: Uuid,
        name: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<UserRecord>>;

    /// Replaces the password hash and nothing else (bcrypt to argon2id upgrades).
    async fn user_set_password_hash(
        &self,
        id: Uuid,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;

    /// Replaces the password hash and, in the same transaction, revokes every active
    /// session of the user except `keep`.
    async fn user_change_password(
        &self,
        id: Uuid,
        password_hash: &str,
        keep: Option<Uuid>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;

    /// Deletes a user with their sessions and tasks; `false` when there was no such user.
    async fn user_delete(&self, id: Uuid) -> StoreResult<bool>;

    /// The user linked to `subject` of `issuer`, if any.
    async fn user_by_external_identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<UserRecord>>;

    /// Creates the user and its external identity in one transaction, unless the identity
    /// is already linked or the email is taken. Two concurrent calls for one identity may
    /// end in `Conflict` for one of them; the caller then looks the identity up again.
    async fn external_user_create(&self, linked: &LinkedUser) -> StoreResult<LinkOutcome>;

    /// [`Store::external_user_create`] for every entry, all in one transaction: committed
    /// unless `dry_run`, in which case nothing is written. One outcome per entry, in order.
    async fn external_users_import(
        &self,
        users: &[LinkedUser],
        dry_run: bool,
    ) -> StoreResult<Vec<LinkOutcome>>;

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

    /// Ends one session of a user; `false` when it was not active.
    async fn session_revoke(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// Ends every active session of a user; returns how many.
    async fn sessions_revoke_all(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<u64>;

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

    /// Inserts `batch` in ONE transaction, skipping every user and task whose id is already
    /// stored (so a second run changes nothing). With `commit == false` the transaction is
    /// rolled back: the counts say what a real run would write. `progress` is called with
    /// the number of rows handled so far.
    async fn import(
        &self,
        batch: &ImportBatch,
        commit: bool,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportCounts>;

    /// The occupancy of each connection pool.
    fn pool_stats(&self) -> Vec<PoolStats>;

    /// Writes a consistent copy of the whole database to the new file `path` while the
    /// service runs (SQLite `VACUUM INTO`). PostgreSQL answers `Open` naming `pg_dump`.
    async fn backup(&self, path: &str) -> StoreResult<()>;
}

/// A shared, type-erased store.
pub type DynStore = Arc<dyn Store>;

/// Opening options shared by both back ends.
#[derive(Debug, Clone, Copy)]
pub struct ConnectOptions {
    /// Maximum connections (PostgreSQL; SQLite sizes its read pool from it too).
    pub pool_size: u32,
    /// How long a request waits for a free connection before the store says `Unavailable`.
    pub acquire_timeout: std::time::Duration,
}

/// Opens the database named by `url` and brings its schema up to date.
pub async fn connect(url: &DatabaseUrl, options: ConnectOptions) -> StoreResult<DynStore> {
    let store: DynStore = match url {
        DatabaseUrl::Sqlite(u) => Arc::new(SqliteStore::connect(u, options).await?),
        DatabaseUrl::Postgres(u) => Arc::new(PgStore::connect(u, options).await?),
    };
    Ok(store)
}

/// Reads the occupancy of a sqlx pool of any database.
fn pool_stats<DB: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<DB>) -> PoolStats {
    PoolStats {
        name,
        size: pool.size(),
        idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
        max: pool.options().get_max_connections(),
    }
}

/// Microseconds since the epoch, the unit of every SQLite timestamp column.
pub(crate) fn to_micros(t: OffsetDateTime) -> i64 {
    // Floor, not truncation towards zero: instants before 1970 round down too.
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000)).unwrap_or(i64::MAX)
}

/// The inverse of [`to_micros`].
pub(crate) fn from_micros(us: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Truncates a timestamp to whole microseconds, the precision both databases keep, so a
/// value read back equals the value written.
pub fn truncate_to_micros(t: OffsetDateTime) -> OffsetDateTime {
    from_micros(to_micros(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_trip() {
        let t = truncate_to_micros(OffsetDateTime::now_utc());
        assert_eq!(from_micros(to_micros(t)), t);
        assert_eq!(t.nanosecond() % 1_000, 0);
    }

    #[test]
    fn busy_and_connection_codes_mean_unavailable() {
        assert!(is_unavailable_code(Some("5")));
        assert!(is_unavailable_code(Some("08006")));
        assert!(is_unavailable_code(Some("57P01")));
        assert!(!is_unavailable_code(Some("23505")));
        assert!(!is_unavailable_code(None));
    }
}
