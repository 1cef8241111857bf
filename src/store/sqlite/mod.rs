//! The embedded SQLite store: one writer connection and a small read-only pool over one
//! file in WAL mode, with a file per resource (`users.rs`, `sessions.rs`, ...) and a file
//! per part of the machinery (`writer.rs`, `checkpoint.rs`, `readers.rs`, `open.rs`,
//! `migrate.rs`).
//!
//! SQLite is a library: every call blocks the calling thread until the engine is done.
//! A driver that moves each statement to a connection thread of its own pays two thread
//! hand-offs per statement, and on a small machine those hand-offs, not SQLite, were most
//! of the cost of a request (docs/benchmarks.md, "What limits Taskward"). So:
//!
//! - Writes go to one thread that owns the only writing connection and runs whole store
//!   operations from a queue, back to back (`writer.rs`): under load it never sleeps
//!   between them, and SQLite's one-writer rule becomes an orderly queue instead of lock
//!   errors. The WAL's checkpoints run on a thread beside it (`checkpoint.rs`), so the
//!   writer does not wait for the disk's syncs.
//! - Reads run whole on tokio's blocking threads with a connection from a read pool
//!   (`readers.rs`): one hand-off there and back per operation, however many statements
//!   it runs.
//! - Point reads (one row by key: the session check on every request, a user, a task)
//!   run on the calling thread when a read connection is free at once: they take
//!   microseconds, and the connection they use never waits for a lock (its busy timeout
//!   is zero meanwhile; a busy database sends the read to a blocking thread instead).
//!
//! Migrations are the ones PostgreSQL's sqlx migrator uses too (`migrations/sqlite`,
//! embedded at build time), recorded in sqlx's `_sqlx_migrations` table with the same
//! checksums, so a database created by any Taskward version keeps working (`migrate.rs`).
//!
//! Durability: `synchronous=NORMAL` in WAL mode. A committed transaction survives a crash
//! of the process (`kill -9`) because it is in the WAL file; a power loss or kernel crash
//! can lose the last transactions before a checkpoint but never corrupts the database.
//! `FULL` would fsync on every commit and cost most of the write throughput; see
//! docs/decisions.md.

mod access_tokens;
mod account_tokens;
mod checkpoint;
mod database;
mod dav;
mod error;
mod feeds;
mod identities;
mod import;
mod kept;
mod limits;
mod lists;
mod migrate;
mod notify;
mod oauth;
mod open;
mod readers;
mod sessions;
mod task_rows;
mod task_writes;
mod tasks;
mod trash;
mod two_factor;
mod users;
mod writer;

use std::path::PathBuf;
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;

use super::{ConnectOptions, StoreError, StoreResult};
use open::Location;

/// SQLite behind a single writer and a read pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: writer::Writer,
    reader: readers::Readers,
    /// Wakes the reminder worker when a fire or a delivery is written.
    signal: std::sync::Arc<tokio::sync::Notify>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and runs pending migrations.
    pub async fn connect(url: &str, options: ConnectOptions) -> StoreResult<Self> {
        let parsed = SqliteConnectOptions::from_str(url).map_err(|e| {
            StoreError::Open(format!("DATABASE_URL `{url}` is not a SQLite URL: {e}"))
        })?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let path: PathBuf = parsed.get_filename().to_path_buf();
        let readers = usize::try_from(options.pool_size.clamp(2, 8)).unwrap_or(2);
        let timeout = options.acquire_timeout;
        let shown = path.display().to_string();
        let pools = tokio::task::spawn_blocking(move || {
            let location = if in_memory {
                Location::Memory
            } else {
                Location::File(&path)
            };
            open::open(&location, readers, timeout)
        })
        .await
        .map_err(|e| StoreError::Internal(format!("opening the database panicked: {e}")))?
        .map_err(|e| StoreError::Open(format!("cannot open the SQLite database `{shown}`: {e}")))?;
        Ok(Self {
            writer: pools.writer,
            reader: pools.reader,
            signal: std::sync::Arc::default(),
        })
    }
}
