//! The read connections: a small pool of read-only connections, and where each read runs.
//!
//! A read runs on the calling (runtime) thread when a connection is free at once, with a
//! busy timeout of zero and a work budget; a read that would wait for a lock or runs over
//! the budget is interrupted and run again whole on a blocking thread (see the module
//! notes of `sqlite`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use deadpool::unmanaged::{Pool as Deadpool, PoolConfig, PoolError};
use rusqlite::Connection;

use super::writer::Writer;
use crate::store::{PoolStats, StoreError, StoreResult};

/// How long a connection waits for a lock held by another process before giving up.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A read connection and the work budget its progress handler enforces.
pub(super) struct ReadConn {
    conn: Connection,
    /// Progress-handler calls left before SQLite interrupts the statement running.
    budget: Arc<AtomicU32>,
}

/// Progress-handler calls a read on the calling thread may use, each after
/// [`OPS_PER_CALL`] virtual-machine steps: about 50 000 steps, a few hundred
/// microseconds. A page of 50 tasks and its count take a few thousand.
const INLINE_BUDGET: u32 = 50;
const OPS_PER_CALL: i32 = 1_000;

impl ReadConn {
    pub(super) fn new(conn: Connection) -> rusqlite::Result<Self> {
        let budget = Arc::new(AtomicU32::new(u32::MAX));
        let left = Arc::clone(&budget);
        conn.progress_handler(
            OPS_PER_CALL,
            Some(move || {
                // `true` interrupts; u32::MAX means no budget (blocking threads).
                let before = left.load(Ordering::Relaxed);
                if before == u32::MAX {
                    return false;
                }
                left.store(before.saturating_sub(1), Ordering::Relaxed);
                before == 0
            }),
        )?;
        Ok(Self { conn, budget })
    }
}

/// The read connections, handed out one operation at a time.
#[derive(Clone)]
pub(super) struct Pool {
    conns: Deadpool<ReadConn>,
    acquire_timeout: Duration,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("status", &self.conns.status())
            .finish()
    }
}

impl Pool {
    pub(super) fn new(conns: Vec<ReadConn>, acquire_timeout: Duration) -> Self {
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
            conns: pool,
            acquire_timeout,
        }
    }

    /// Runs the read `op`: on the calling thread if a connection is free right now, the
    /// database makes it wait for no lock and it fits in the work budget; otherwise from
    /// the start on a blocking thread, waiting at most the acquire timeout for a
    /// connection (`Unavailable` after it).
    pub(super) async fn read<T, F>(&self, op: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> StoreResult<T> + Send + 'static,
    {
        if let Ok(read) = self.conns.try_get() {
            read.conn.busy_timeout(Duration::ZERO)?;
            read.budget.store(INLINE_BUDGET, Ordering::Relaxed);
            let result = op(&read.conn);
            let exhausted = read.budget.swap(u32::MAX, Ordering::Relaxed) == 0;
            read.conn.busy_timeout(BUSY_TIMEOUT)?;
            match result {
                Err(StoreError::Unavailable(_)) => {}
                Err(_) if exhausted => {}
                done => return done,
            }
        }
        let read = self.conns.get().await.map_err(|e| match e {
            PoolError::Timeout => StoreError::Unavailable(format!(
                "no read connection free within {} ms",
                self.acquire_timeout.as_millis()
            )),
            PoolError::Closed => StoreError::Unavailable("the database is closed".into()),
            PoolError::NoRuntimeSpecified => StoreError::Internal(e.to_string()),
        })?;
        // The connection goes back to the pool when `read` drops, on the blocking thread.
        tokio::task::spawn_blocking(move || op(&read.conn))
            .await
            .map_err(|e| StoreError::Internal(format!("a database read panicked: {e}")))?
    }

    /// Closes the idle connections and refuses new operations; connections in use close
    /// when their operation ends.
    pub(super) fn close(&self) -> Vec<Connection> {
        let mut idle = Vec::new();
        while let Ok(read) = self.conns.try_remove() {
            idle.push(read.conn);
        }
        self.conns.close();
        idle
    }

    pub(super) fn stats(&self) -> PoolStats {
        let status = self.conns.status();
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        PoolStats {
            name: "reader",
            size: to_u32(status.size),
            idle: to_u32(status.available),
            max: to_u32(status.max_size),
        }
    }
}

/// Where reads go: the read pool, or, for an in-memory database, its one connection.
#[derive(Clone, Debug)]
pub(super) enum Readers {
    Pool(Pool),
    Writer(Writer),
}

impl Readers {
    /// Runs the read `op` (see the module notes for where).
    pub(super) async fn read<T, F>(&self, op: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> StoreResult<T> + Send + 'static,
    {
        match self {
            Self::Pool(pool) => pool.read(op).await,
            Self::Writer(writer) => writer.run(move |c| op(c)).await,
        }
    }

    pub(super) fn stats(&self) -> Option<PoolStats> {
        match self {
            Self::Pool(pool) => Some(pool.stats()),
            Self::Writer(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::sqlite::open::testing::{counted, open_file};

    #[tokio::test]
    async fn a_read_over_the_inline_budget_is_run_again_on_a_blocking_thread() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pools = open_file(&dir).expect("open");
        let (n, runs) = counted(&pools, "SELECT 1").await;
        assert_eq!((n, runs), (1, 1), "a small read runs once, inline");
        let (n, runs) = counted(
            &pools,
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000)
             SELECT count(*) FROM c",
        )
        .await;
        assert_eq!(n, 300_000, "the interrupted read still answers in full");
        assert_eq!(runs, 2, "interrupted inline, then run whole elsewhere");
    }
}
