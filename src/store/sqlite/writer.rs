//! The one writing connection and the thread that owns it: operations from a queue, run
//! back to back, with group commit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::checkpoint::Checkpointer;
use crate::store::{PoolStats, StoreError, StoreResult};

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
fn writer_loop(
    mut conn: Connection,
    queue: &mpsc::Receiver<Message>,
    mut checkpointer: Option<Checkpointer>,
) {
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
                if let Some(checkpointer) = checkpointer.take() {
                    checkpointer.stop();
                }
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
        if let Some(checkpointer) = &mut checkpointer {
            checkpointer.after_commit(&conn);
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
    queued: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    /// Starts the writer thread on `conn`, and with `checkpoints` (a second connection
    /// to a database file) the thread that checkpoints the WAL beside it.
    pub(super) fn start(
        conn: Connection,
        checkpoints: Option<Connection>,
        acquire_timeout: Duration,
    ) -> Result<Self, String> {
        let checkpointer = checkpoints
            .map(|c| Checkpointer::start(&conn, c))
            .transpose()?;
        let (send, receive) = mpsc::channel::<Message>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, &receive, checkpointer))
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
    pub(super) async fn close(&self) -> Option<Connection> {
        let sender = self.queue.lock().ok()?.take()?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        sender.send(Message::Close(reply)).ok()?;
        answer.await.ok()
    }

    pub(super) fn stats(&self) -> PoolStats {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::open::close;
    use crate::store::sqlite::open::testing::{counted, open_file};

    #[tokio::test]
    async fn the_writer_keeps_its_statement_journals_in_memory_and_readers_do_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pools = open_file(&dir).expect("open");
        let temp_store =
            |c: &mut Connection| Ok(c.query_row("PRAGMA temp_store", [], |r| r.get::<_, i64>(0))?);
        assert_eq!(
            pools.writer.run(temp_store).await.expect("writer"),
            2_i64,
            "MEMORY"
        );
        assert_eq!(counted(&pools, "PRAGMA temp_store").await.0, 0, "DEFAULT");
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
}
