//! SQLite connections and the threads they run on.
//!
//! SQLite is a library: every call blocks the calling thread until the engine is done.
//! A driver that moves each statement to a connection thread of its own pays two thread
//! hand-offs per statement, and on a small machine those hand-offs, not SQLite, were most
//! of the cost of a request (docs/benchmarks.md, "What limits Taskward"). So:
//!
//! - Writes go to one thread that owns the only writing connection and runs whole store
//!   operations from a queue, back to back: under load it never sleeps between them, and
//!   SQLite's one-writer rule becomes an orderly queue instead of lock errors.
//! - Reads run whole on tokio's blocking threads with a connection from a read pool: one
//!   hand-off there and back per operation, however many statements it runs.
//! - Point reads (one row by key: the session check on every request, a user, a task)
//!   run on the calling thread when a read connection is free at once: they take
//!   microseconds, and the connection they use never waits for a lock (its busy timeout
//!   is zero meanwhile; a busy database sends the read to a blocking thread instead).
//!
//! Migrations are the ones PostgreSQL's sqlx migrator uses too (`migrations/sqlite`,
//! embedded at build time), recorded in sqlx's `_sqlx_migrations` table with the same
//! checksums, so a database created by any Taskward version keeps working.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use deadpool::unmanaged::{Pool as Deadpool, PoolConfig, PoolError};
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::store::{PoolStats, StoreError, StoreResult};

/// How long a connection waits for a lock held by another process before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection (the list alone has a statement per mix of
/// filters and order).
const STATEMENT_CACHE: usize = 64;

/// A read connection and the work budget its progress handler enforces.
struct ReadConn {
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
    fn new(conn: Connection) -> rusqlite::Result<Self> {
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
    fn new(conns: Vec<ReadConn>, acquire_timeout: Duration) -> Self {
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
    fn close(&self) -> Vec<Connection> {
        let mut idle = Vec::new();
        while let Ok(read) = self.conns.try_remove() {
            idle.push(read.conn);
        }
        self.conns.close();
        idle
    }

    fn stats(&self) -> PoolStats {
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

/// What is left of an operation once it ran: answering its caller, with the failure of
/// the commit of its batch if that failed.
type Done = Box<dyn FnOnce(Option<&StoreError>) + Send>;
type Job = Box<dyn FnOnce(&mut Connection) -> Done + Send>;

enum Message {
    /// An operation that may share a transaction with those queued beside it.
    Run(Job),
    /// An operation that must run outside any transaction (`VACUUM INTO`).
    Alone(Job),
    /// Stop after the queued jobs; the connection is handed back for closing.
    Close(tokio::sync::oneshot::Sender<Connection>),
}

/// Most operations committed together.
const BATCH: usize = 64;

/// The writer thread: takes what is queued, runs it, answers.
fn writer_loop(mut conn: Connection, queue: &mpsc::Receiver<Message>) {
    let mut next = None;
    loop {
        let message = match next.take() {
            Some(message) => message,
            None => match queue.recv() {
                Ok(message) => message,
                Err(_) => return,
            },
        };
        match message {
            Message::Close(reply) => {
                let _ = reply.send(conn);
                return;
            }
            Message::Alone(job) => {
                if let Some(answer) = guarded(job, &mut conn) {
                    answer(None);
                }
            }
            Message::Run(job) => {
                let mut jobs = vec![job];
                while jobs.len() < BATCH {
                    match queue.try_recv() {
                        Ok(Message::Run(job)) => jobs.push(job),
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                run_batch(&mut conn, jobs);
            }
        }
    }
}

/// Runs one operation; a panic in it (a bug) is contained: its savepoint, if any, was
/// rolled back as the panic unwound, its caller hears of a failure when its answer is
/// dropped, and the writer thread goes on with the next operation.
fn guarded(job: Job, conn: &mut Connection) -> Option<Done> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(conn))) {
        Ok(done) => Some(done),
        Err(_) => {
            tracing::error!("a database write panicked; it was not applied");
            None
        }
    }
}

/// Group commit: the operations queued together run in one transaction, in order, and
/// their callers hear back once it is committed: one commit, and one write of each
/// changed page to the WAL, for many operations. Each operation is atomic on its own
/// (one statement, or a savepoint of its own), so one that fails is undone alone. If the
/// commit fails, every operation of the batch answers its error: none of them happened.
fn run_batch(conn: &mut Connection, jobs: Vec<Job>) {
    if jobs.len() == 1 || conn.execute_batch("BEGIN IMMEDIATE").is_err() {
        // Alone, or the database refuses a transaction now: each operation runs as its
        // own transaction and reports its own error.
        for job in jobs {
            if let Some(answer) = guarded(job, conn) {
                answer(None);
            }
        }
        return;
    }
    let mut done: Vec<Done> = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter();
    while let Some(job) = jobs.next() {
        done.extend(guarded(job, conn));
        if conn.is_autocommit() {
            // Some errors (a full disk, I/O) make SQLite roll the whole transaction back:
            // what ran in it did not happen, and the rest run on their own.
            let undone = StoreError::Unavailable(
                "the database rolled the transaction back; nothing was written".into(),
            );
            for answer in done {
                answer(Some(&undone));
            }
            for job in jobs {
                if let Some(answer) = guarded(job, conn) {
                    answer(None);
                }
            }
            return;
        }
    }
    let failed = conn.execute_batch("COMMIT").err().map(|e| {
        let _ = conn.execute_batch("ROLLBACK");
        StoreError::from(e)
    });
    for answer in done {
        answer(failed.as_ref());
    }
}

/// The one writing connection, owned by a thread that runs queued operations in order.
#[derive(Clone)]
pub(super) struct Writer {
    queue: Arc<Mutex<Option<mpsc::Sender<Message>>>>,
    acquire_timeout: Duration,
    queued: Arc<std::sync::atomic::AtomicUsize>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    fn start(conn: Connection, acquire_timeout: Duration) -> Result<Self, String> {
        let (send, receive) = mpsc::channel::<Message>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, &receive))
            .map_err(|e| format!("cannot start the writer thread: {e}"))?;
        Ok(Self {
            queue: Arc::new(Mutex::new(Some(send))),
            acquire_timeout,
            queued: Arc::default(),
        })
    }

    /// Runs `op` on the writing connection after the operations queued before it,
    /// possibly in one transaction with its neighbours (see [`run_batch`]), so `op` must
    /// be atomic on its own: one statement, or a savepoint. An operation still queued
    /// after the acquire timeout, or whose caller has gone (a request timed out, a client
    /// hung up), is not run at all.
    pub(super) async fn run<T, F>(&self, op: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        self.send(op, Message::Run).await
    }

    /// Runs `op` on the writing connection outside any transaction.
    pub(super) async fn run_alone<T, F>(&self, op: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        self.send(op, Message::Alone).await
    }

    async fn send<T, F>(&self, op: F, kind: fn(Job) -> Message) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let deadline = Instant::now() + self.acquire_timeout;
        let queued = Arc::clone(&self.queued);
        let timeout = self.acquire_timeout;
        let job: Job = Box::new(move |conn| {
            queued.fetch_sub(1, Ordering::Relaxed);
            let result = if reply.is_closed() {
                None
            } else if Instant::now() > deadline {
                Some(Err(StoreError::Unavailable(format!(
                    "the writer was busy for more than {} ms",
                    timeout.as_millis()
                ))))
            } else {
                Some(op(conn))
            };
            Box::new(move |failed: Option<&StoreError>| {
                if let Some(result) = result {
                    let _ = reply.send(match failed {
                        Some(e) => Err(e.clone()),
                        None => result,
                    });
                }
            })
        });
        {
            let queue = self
                .queue
                .lock()
                .map_err(|_| StoreError::Internal("the writer queue is poisoned".into()))?;
            let sender = queue
                .as_ref()
                .ok_or_else(|| StoreError::Unavailable("the database is closed".into()))?;
            self.queued.fetch_add(1, Ordering::Relaxed);
            sender
                .send(kind(job))
                .map_err(|_| StoreError::Internal("the writer thread has stopped".into()))?;
        }
        answer
            .await
            .map_err(|_| StoreError::Internal("a database write panicked".into()))?
    }

    /// Stops taking operations; the connection comes back once those queued are done.
    async fn close(&self) -> Option<Connection> {
        let sender = self.queue.lock().ok()?.take()?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        sender.send(Message::Close(reply)).ok()?;
        answer.await.ok()
    }

    fn stats(&self) -> PoolStats {
        let queued = self.queued.load(Ordering::Relaxed);
        let open = self.queue.lock().is_ok_and(|q| q.is_some());
        PoolStats {
            name: "writer",
            size: u32::from(open),
            idle: u32::from(open && queued == 0),
            max: 1,
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

    fn stats(&self) -> Option<PoolStats> {
        match self {
            Self::Pool(pool) => Some(pool.stats()),
            Self::Writer(_) => None,
        }
    }
}

/// The writer (one connection) and the readers of one database.
pub(super) struct Pools {
    pub writer: Writer,
    pub reader: Readers,
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
        let writer = Writer::start(writer, acquire_timeout)?;
        return Ok(Pools {
            reader: Readers::Writer(writer.clone()),
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
        conns.push(ReadConn::new(conn).map_err(|e| message(&e))?);
    }
    Ok(Pools {
        writer: Writer::start(writer, acquire_timeout)?,
        reader: Readers::Pool(Pool::new(conns, acquire_timeout)),
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn open_file(dir: &tempfile::TempDir) -> Result<Pools, String> {
        open(
            &Location::File(&dir.path().join("t.db")),
            2,
            Duration::from_secs(5),
        )
    }

    /// Counts how often a read ran, and what it answered.
    async fn counted(pools: &Pools, sql: &'static str) -> (i64, usize) {
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

    #[tokio::test]
    async fn writes_run_in_order_and_readers_see_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pools = open_file(&dir).expect("open");
        pools
            .writer
            .run(|c| Ok(c.execute_batch("CREATE TABLE log (n INTEGER)")?))
            .await
            .expect("create");
        let writes = (0..50).map(|n| {
            pools.writer.run(move |c| {
                c.execute("INSERT INTO log (n) VALUES (?1)", [n])?;
                Ok(())
            })
        });
        for w in writes {
            w.await.expect("insert");
        }
        let (count, _) = counted(&pools, "SELECT count(*) FROM log").await;
        assert_eq!(count, 50);
        let (last, _) = counted(&pools, "SELECT n FROM log ORDER BY rowid DESC LIMIT 1").await;
        assert_eq!(last, 49);
        close(&pools.writer, &pools.reader).await;
        let after = pools.writer.run(|_| Ok(())).await;
        assert!(
            matches!(after, Err(StoreError::Unavailable(_))),
            "{after:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_among_concurrent_ones_is_undone_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pools = open_file(&dir).expect("open");
        pools
            .writer
            .run(|c| Ok(c.execute_batch("CREATE TABLE t (n INTEGER UNIQUE)")?))
            .await
            .expect("create");
        // 200 writers at once, so the queue fills and operations share transactions.
        // Every tenth inserts its number and then a duplicate in one savepoint: it must
        // fail, and its first insert must be undone with it, and nothing else.
        let mut tasks = Vec::new();
        for n in 0..200_i64 {
            let writer = pools.writer.clone();
            tasks.push(tokio::spawn(async move {
                writer
                    .run(move |c| {
                        let sp = c.savepoint()?;
                        sp.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                        if n % 10 == 0 {
                            sp.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                        }
                        sp.commit()?;
                        Ok(())
                    })
                    .await
            }));
        }
        for (n, task) in tasks.into_iter().enumerate() {
            let result = task.await.expect("join");
            if n % 10 == 0 {
                assert!(
                    matches!(result, Err(StoreError::Conflict(_))),
                    "{n}: {result:?}"
                );
            } else {
                assert!(result.is_ok(), "{n}: {result:?}");
            }
        }
        let (rows, _) = counted(&pools, "SELECT count(*) FROM t").await;
        assert_eq!(rows, 180);
        let (failed_kept, _) = counted(&pools, "SELECT count(*) FROM t WHERE n % 10 = 0").await;
        assert_eq!(failed_kept, 0, "a failed operation left nothing behind");
    }

    #[tokio::test]
    async fn a_write_that_panics_fails_alone_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pools = open_file(&dir).expect("open");
        pools
            .writer
            .run(|c| Ok(c.execute_batch("CREATE TABLE t (n INTEGER)")?))
            .await
            .expect("create");
        let panicked = pools
            .writer
            .run(|c| -> StoreResult<()> {
                let sp = c.savepoint()?;
                sp.execute("INSERT INTO t (n) VALUES (1)", [])?;
                panic!("a bug in an operation");
            })
            .await;
        assert!(
            matches!(panicked, Err(StoreError::Internal(_))),
            "{panicked:?}"
        );
        pools
            .writer
            .run(|c| Ok(c.execute("INSERT INTO t (n) VALUES (2)", []).map(|_| ())?))
            .await
            .expect("the writer still writes");
        let (rows, _) = counted(&pools, "SELECT count(*) FROM t").await;
        let (sum, _) = counted(&pools, "SELECT sum(n) FROM t").await;
        assert_eq!((rows, sum), (1, 2), "the panicking write left nothing");
    }

    #[tokio::test]
    async fn databases_migrated_by_sqlx_open_and_tampered_ones_are_refused() {
        use sqlx::Connection as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("sqlx");
        sqlx::migrate!("migrations/sqlite")
            .run(&mut conn)
            .await
            .expect("sqlx migrate");
        conn.close().await.expect("close");

        let pools = open_file(&dir).expect("a database sqlx migrated opens");
        let (applied, _) = counted(&pools, "SELECT count(*) FROM _sqlx_migrations").await;
        let known = sqlx::migrate!("migrations/sqlite").iter().count();
        assert_eq!(
            applied,
            i64::try_from(known).expect("small"),
            "nothing re-applied"
        );
        pools
            .writer
            .run(|c| {
                c.execute_batch("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1")?;
                Ok(())
            })
            .await
            .expect("tamper");
        close(&pools.writer, &pools.reader).await;
        let err = open_file(&dir).err().expect("refused");
        assert!(err.contains("was changed after it was applied"), "{err}");

        let other = tempfile::tempdir().expect("tempdir");
        let pools = open_file(&other).expect("open");
        pools
            .writer
            .run(|c| {
                c.execute_batch(
                    "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                     VALUES (99990101000000, 'from the future', TRUE, x'00', 0)",
                )?;
                Ok(())
            })
            .await
            .expect("future migration");
        close(&pools.writer, &pools.reader).await;
        let err = open_file(&other).err().expect("refused");
        assert!(err.contains("newer Taskward"), "{err}");
    }
}
