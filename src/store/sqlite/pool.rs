//! SQLite connections and the threads they run on.
//!
//! SQLite is a library: every call blocks the calling thread until the engine is done.
//! The store keeps rusqlite connections in pools and runs each store operation, whole,
//! on tokio's blocking threads: one hand-off to a blocking thread and one back per
//! operation, however many statements it runs (a list runs three, a write with tags
//! several). A driver that moves each statement to a connection thread of its own pays
//! that hand-off per statement, and on a small machine the hand-offs, not SQLite, were
//! most of the cost of a request (docs/benchmarks.md, "What limits Taskward").
//!
//! Migrations are the ones PostgreSQL's sqlx migrator uses too (`migrations/sqlite`,
//! embedded at build time), recorded in sqlx's `_sqlx_migrations` table with the same
//! checksums, so a database created by any Taskward version keeps working.

use std::path::Path;
use std::time::{Duration, Instant};

use deadpool::unmanaged::{Pool as Deadpool, PoolConfig, PoolError};
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::store::{PoolStats, StoreError, StoreResult};

/// How long a connection waits for a lock held by another process before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection (the list alone has a statement per mix of
/// filters and order).
const STATEMENT_CACHE: usize = 64;

/// A fixed set of open connections, handed to blocking threads one operation at a time.
#[derive(Clone)]
pub(super) struct Pool {
    name: &'static str,
    conns: Deadpool<Connection>,
    acquire_timeout: Duration,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("name", &self.name)
            .field("status", &self.conns.status())
            .finish()
    }
}

impl Pool {
    fn new(name: &'static str, conns: Vec<Connection>, acquire_timeout: Duration) -> Self {
        let config = PoolConfig {
            max_size: conns.len(),
            timeout: Some(acquire_timeout),
            runtime: Some(deadpool::Runtime::Tokio1),
        };
        let pool = Deadpool::from_config(&config);
        for conn in conns {
            // The pool was sized for exactly these connections: adding cannot wait.
            if pool.try_add(conn).is_err() {
                break;
            }
        }
        Self {
            name,
            conns: pool,
            acquire_timeout,
        }
    }

    /// Runs `op` on a connection of this pool, on a blocking thread. Waits at most the
    /// acquire timeout for a free connection (`Unavailable` after it).
    pub(super) async fn run<T, F>(&self, op: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let mut conn = self.conns.get().await.map_err(|e| match e {
            PoolError::Timeout => StoreError::Unavailable(format!(
                "no {} connection free within {} ms",
                self.name,
                self.acquire_timeout.as_millis()
            )),
            PoolError::Closed => StoreError::Unavailable("the database is closed".into()),
            PoolError::NoRuntimeSpecified => StoreError::Internal(e.to_string()),
        })?;
        // The connection goes back to the pool when `conn` drops, on the blocking thread.
        tokio::task::spawn_blocking(move || op(&mut conn))
            .await
            .map_err(|e| StoreError::Internal(format!("a database operation panicked: {e}")))?
    }

    /// Closes the idle connections and refuses new operations; connections in use close
    /// when their operation ends.
    pub(super) fn close(&self) -> Vec<Connection> {
        let mut idle = Vec::new();
        while let Ok(conn) = self.conns.try_remove() {
            idle.push(conn);
        }
        self.conns.close();
        idle
    }

    pub(super) fn stats(&self) -> PoolStats {
        let status = self.conns.status();
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        PoolStats {
            name: self.name,
            size: to_u32(status.size),
            idle: to_u32(status.available),
            max: to_u32(status.max_size),
        }
    }
}

/// The writer (one connection) and the readers of one database.
pub(super) struct Pools {
    pub writer: Pool,
    pub reader: Pool,
}

/// Where the database lives.
pub(super) enum Location<'a> {
    File(&'a Path),
    Memory,
}

/// Opens the database, migrates it, and opens `readers` read-only connections beside the
/// writer (none for an in-memory database, which lives in its one connection).
pub(super) fn open(
    location: &Location<'_>,
    readers: usize,
    acquire_timeout: Duration,
) -> Result<Pools, String> {
    let mut writer = match location {
        Location::File(path) => Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ),
        Location::Memory => Connection::open_in_memory(),
    }
    .map_err(|e| {
        format!(
            "{} (check that its directory exists and is writable)",
            message(&e)
        )
    })?;
    configure(&writer).map_err(|e| message(&e))?;
    // Prove the file is writable now rather than on the first sign-up.
    writer
        .execute_batch("PRAGMA user_version = 0")
        .map_err(|e| format!("{} (check that the file is writable)", message(&e)))?;
    migrate(&mut writer)?;

    let Location::File(path) = location else {
        let writer = Pool::new("writer", vec![writer], acquire_timeout);
        return Ok(Pools {
            reader: writer.clone(),
            writer,
        });
    };
    let mut conns = Vec::with_capacity(readers);
    for _ in 0..readers {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| message(&e))?;
        configure(&conn).map_err(|e| message(&e))?;
        conns.push(conn);
    }
    Ok(Pools {
        writer: Pool::new("writer", vec![writer], acquire_timeout),
        reader: Pool::new("reader", conns, acquire_timeout),
    })
}

/// WAL (readers never wait for the writer), `synchronous=NORMAL` (see the store's module
/// notes), foreign keys, and a busy timeout for locks held by other processes.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    if !conn.is_readonly(rusqlite::MAIN_DB)? {
        // journal_mode answers with a row; WAL is a property of the file.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    }
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
}

/// Applies the embedded migrations not yet applied, each in its own transaction, and
/// refuses a database changed by hand or migrated by a newer Taskward.
fn migrate(conn: &mut Connection) -> Result<(), String> {
    let migrator = sqlx::migrate!("migrations/sqlite");
    let fail = |e: rusqlite::Error| format!("cannot migrate: {}", message(&e));
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
             version BIGINT PRIMARY KEY,
             description TEXT NOT NULL,
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
             success BOOLEAN NOT NULL,
             checksum BLOB NOT NULL,
             execution_time BIGINT NOT NULL
         )",
    )
    .map_err(fail)?;
    let applied: Vec<(i64, bool, Vec<u8>)> = {
        let mut stmt = conn
            .prepare("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
            .map_err(fail)?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?
    };
    for (version, success, checksum) in &applied {
        let known = migrator
            .iter()
            .find(|m| m.version == *version && m.migration_type.is_up_migration());
        match known {
            None => {
                return Err(format!(
                    "the database was migrated by a newer Taskward (migration {version} is unknown to this one)"
                ));
            }
            Some(_) if !success => {
                return Err(format!(
                    "migration {version} failed part-way earlier; restore a backup"
                ));
            }
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => {
                return Err(format!(
                    "migration {version} ({}) was changed after it was applied",
                    m.description
                ));
            }
            Some(_) => {}
        }
    }
    for m in migrator.iter() {
        if !m.migration_type.is_up_migration() || applied.iter().any(|a| a.0 == m.version) {
            continue;
        }
        let started = Instant::now();
        let tx = conn.transaction().map_err(fail)?;
        tx.execute_batch(m.sql.as_str()).map_err(fail)?;
        tx.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (?1, ?2, TRUE, ?3, ?4)",
            rusqlite::params![
                m.version,
                m.description.as_ref(),
                m.checksum.as_ref(),
                i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX)
            ],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    Ok(())
}

/// The engine's message, without the SQL it may quote.
pub(super) fn message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(err, Some(msg)) => format!("{msg} ({err})"),
        rusqlite::Error::SqliteFailure(err, None) => err.to_string(),
        other => other.to_string(),
    }
}

/// Sorts a SQLite error. `unique` is the sentence for a unique-constraint violation.
pub(super) fn store_error(e: rusqlite::Error, unique: &'static str) -> StoreError {
    match &e {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        rusqlite::Error::SqliteFailure(err, _) => match err.code {
            ErrorCode::ConstraintViolation
                if err.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || err.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                StoreError::Conflict(unique)
            }
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::SystemIoFailure
            | ErrorCode::CannotOpen
            | ErrorCode::DiskFull => StoreError::Unavailable(message(&e)),
            _ => StoreError::Internal(message(&e)),
        },
        _ => StoreError::Internal(message(&e)),
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        store_error(e, "this value is already taken")
    }
}

/// `PRAGMA optimize` before a connection closes, as SQLite recommends for long-lived ones.
pub(super) fn optimize_and_close(conns: Vec<Connection>) {
    for conn in conns {
        if !conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true) {
            let _ = conn.execute_batch("PRAGMA optimize");
        }
        drop(conn);
    }
}
