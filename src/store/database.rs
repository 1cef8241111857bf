//! The database as a whole: which one, whether it answers, its pools, backups, closing.

use async_trait::async_trait;

use super::StoreResult;
use crate::metrics::PoolStats;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Operations on the database itself rather than on a resource.
#[async_trait]
pub trait Database: Send + Sync + 'static {
    /// Which database this is.
    fn backend(&self) -> Backend;

    /// Answers when the database does (used by `/readyz`).
    async fn ping(&self) -> StoreResult<()>;

    /// Closes every connection; in-flight queries finish first.
    async fn close(&self);

    /// The occupancy of each connection pool.
    fn pool_stats(&self) -> Vec<PoolStats>;

    /// Writes a consistent copy of the whole database to the new file `path` while the
    /// service runs (SQLite `VACUUM INTO`). PostgreSQL answers `Open` naming `pg_dump`.
    async fn backup(&self, path: &str) -> StoreResult<()>;
}
