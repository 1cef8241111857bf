//! Storage: one trait per resource ([`UserStore`], [`SessionStore`], [`IdentityStore`],
//! [`TaskStore`], [`ImportStore`], [`LimitStore`], [`ListStore`], [`NotifyStore`], [`KeptStore`], [`FeedStore`],
//! [`AccessTokenStore`], [`AccountTokenStore`], [`DavStore`], [`OAuthStore`],
//! [`TwoFactorStore`]) and one for the database itself ([`Database`]), each
//! implemented for SQLite and PostgreSQL in a file per resource. [`Store`] is all of them;
//! a service holds only the traits it needs (`Arc<dyn TaskStore>`, ...), upcast from the
//! one [`DynStore`] the app opens. The back end is chosen by the scheme of `DATABASE_URL`.
//!
//! No SQL of Taskward's own database lives outside this module. The store speaks domain
//! records, never HTTP types, and every user-scoped query filters by the user id in SQL:
//! isolation is the store's job, not the handlers'.

mod access;
pub mod access_tokens;
pub mod account_tokens;
mod database;
pub mod dav;
mod due_sql;
mod error;
pub mod feeds;
mod identities;
mod import;
pub mod kept;
mod limits;
pub mod list_sql;
mod list_tags;
mod lists;
pub mod notify;
pub mod oauth;
mod postgres;
mod sessions;
mod sql_param;
mod sqlite;
mod tasks;
mod trash;
pub mod two_factor;
mod users;

use std::sync::Arc;

use crate::config::DatabaseUrl;

pub use crate::metrics::PoolStats;
pub use access_tokens::{AccessTokenStore, FoundToken};
pub use account_tokens::{AccountToken, AccountTokenStore, TokenPurpose};
pub use database::{Backend, Database};
pub use dav::DavStore;
pub use error::{StoreError, StoreResult};
pub use feeds::FeedStore;
pub use identities::{IdentityStore, LinkOutcome, LinkedUser};
pub use import::{ImportBatch, ImportCounts, ImportStore};
pub use kept::{KeptStore, NewKept};
pub use limits::{Hit, LimitStore};
pub use lists::{ListStore, NewList};
pub use notify::{DueFire, NotifyStore};
pub use oauth::{CodeTake, GrantListed, OAuthStore, RefreshTake};
pub use postgres::PgStore;
pub use sessions::{NewSession, Rotation, SessionRecord, SessionStore};
pub use sqlite::SqliteStore;
pub use tasks::{History, Restore, TaskPage, TaskStore};
pub use two_factor::{MfaChallenge, TotpRecord, TwoFactorStore};
pub use users::{NewUser, TokenCutoff, UserRecord, UserStore};

/// Everything Taskward keeps: every resource trait. Implemented for SQLite and PostgreSQL;
/// the conformance suite in `tests/api/store.rs` runs the same checks against both.
pub trait Store:
    Database
    + UserStore
    + SessionStore
    + IdentityStore
    + TaskStore
    + ImportStore
    + LimitStore
    + ListStore
    + NotifyStore
    + KeptStore
    + FeedStore
    + AccessTokenStore
    + AccountTokenStore
    + DavStore
    + OAuthStore
    + TwoFactorStore
{
}

impl<T> Store for T where
    T: Database
        + UserStore
        + SessionStore
        + IdentityStore
        + TaskStore
        + ImportStore
        + LimitStore
        + ListStore
        + NotifyStore
        + KeptStore
        + FeedStore
        + AccessTokenStore
        + AccountTokenStore
        + DavStore
        + OAuthStore
        + TwoFactorStore
{
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

/// A real SQLite store in a temporary directory, for the unit tests of the services.
#[cfg(test)]
pub(crate) struct TempSqlite {
    /// The opened store (migrated).
    pub store: DynStore,
    /// The database file, for a test that writes what no store method writes yet.
    pub path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

#[cfg(test)]
impl TempSqlite {
    /// Creates and opens `t.db` in a new temporary directory.
    pub(crate) async fn open() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).expect("url");
        let options = ConnectOptions {
            pool_size: 2,
            acquire_timeout: std::time::Duration::from_secs(5),
        };
        let store = connect(&url, options).await.expect("store");
        Self {
            store,
            path,
            _dir: dir,
        }
    }
}
