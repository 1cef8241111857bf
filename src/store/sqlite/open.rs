//! Opening a database: the writer and the read pool over one file (or one in-memory
//! connection), their settings, and closing them.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::error::message;
use super::migrate::migrate;
use super::readers::{BUSY_TIMEOUT, Pool, ReadConn, Readers};
use super::writer::Writer;
use crate::store::PoolStats;

/// Prepared statements kept per connection (the list alone has a statement per mix of
/// filters and order).
const STATEMENT_CACHE: usize = 64;

/// The writer (one connection) and the readers of one database.
pub(super) struct Pools {
    pub(super) writer: Writer,
    pub(super) reader: Readers,
}

/// Closes the read connections, then the writer after the writes queued before, running
/// `PRAGMA optimize` on it as SQLite recommends for long-lived connections.
pub(super) async fn close(writer: &Writer, reader: &Readers) {
    let readers = match reader {
        Readers::Pool(pool) => pool.close(),
        Readers::Writer(_) => Vec::new(),
    };
    let writer = writer.close().await;
    let _ = tokio::task::spawn_blocking(move || {
        drop(readers);
        if let Some(conn) = writer {
            let _ = conn.execute_batch("PRAGMA optimize");
        }
    })
    .await;
}

/// The occupancy of the writer and the read pool, for the metrics.
pub(super) fn stats(writer: &Writer, reader: &Readers) -> Vec<PoolStats> {
    let mut stats = vec![writer.stats()];
    stats.extend(reader.stats());
    stats
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
        let writer = Writer::start(writer, None, acquire_timeout)?;
        return Ok(Pools {
            reader: Readers::Writer(writer.clone()),
            writer,
        });
    };
    let mut conns = Vec::with_capacity(readers);
    for _ in 0..readers {
        let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conns.push(ReadConn::new(conn).map_err(|e| message(&e))?);
    }
    let checkpoints = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    Ok(Pools {
        writer: Writer::start(writer, Some(checkpoints), acquire_timeout)?,
        reader: Readers::Pool(Pool::new(conns, acquire_timeout)),
    })
}

/// A further connection to the database file at `path`, configured like the writer's.
fn connect(path: &Path, flags: OpenFlags) -> Result<Connection, String> {
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| message(&e))?;
    configure(&conn).map_err(|e| message(&e))?;
    Ok(conn)
}

/// WAL (readers never wait for the writer), `synchronous=NORMAL` (see the store's module
/// notes), foreign keys, and a busy timeout for locks held by other processes. The writer
/// keeps its temporary files in memory: every operation of a group commit runs in a
/// savepoint, whose statement journal SQLite otherwise writes to a temporary file once it
/// passes 64 KiB; those `pwrite`s were 15 % of the writer thread's time under a stream of
/// creates (perf). The journal lives as long as the batch's transaction.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    if !conn.is_readonly(rusqlite::MAIN_DB)? {
        // journal_mode answers with a row; WAL is a property of the file.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.execute_batch("PRAGMA temp_store = MEMORY;")?;
    }
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
}

/// What the tests of the SQLite store's parts share: a database file, and a counted read.
#[cfg(test)]
pub(super) mod testing {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::{Location, Pools, open};

    pub(in crate::store::sqlite) fn open_file(dir: &tempfile::TempDir) -> Result<Pools, String> {
        open(
            &Location::File(&dir.path().join("t.db")),
            2,
            Duration::from_secs(5),
        )
    }

    /// Counts how often a read ran, and what it answered.
    pub(in crate::store::sqlite) async fn counted(
        pools: &Pools,
        sql: &'static str,
    ) -> (i64, usize) {
        let runs = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&runs);
        let n = pools
            .reader
            .read(move |c| {
                seen.fetch_add(1, Ordering::Relaxed);
                Ok(c.query_row(sql, [], |r| r.get::<_, i64>(0))?)
            })
            .await
            .expect("read");
        (n, runs.load(Ordering::Relaxed))
    }
}
