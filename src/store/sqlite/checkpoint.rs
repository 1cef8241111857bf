//! Checkpoints beside the writer rather than in its way.
//!
//! In WAL mode a commit appends the pages it changed to the WAL file, and a checkpoint
//! copies them back into the database file and syncs both files. SQLite runs its automatic
//! checkpoint inside the commit that takes the WAL past 1 000 pages, on the committing
//! connection: under a stream of creates the writer thread then spent more than half of
//! its time waiting for the disk (the syncs, and pages still being written back), and
//! every write queued behind it waited with it.
//!
//! So the writer turns SQLite's automatic checkpoint off (a WAL hook of its own replaces
//! it) and, each time the WAL has grown by [`WAKE_PAGES`], wakes a thread with a
//! connection of its own that runs a PASSIVE checkpoint: it copies the frames no reader
//! still needs without locking the writer out, and the writer goes on committing.
//!
//! A WAL starts again from its beginning only when a write begins while every frame in it
//! has been copied, which a stream of writes never leaves time for: the file would grow
//! as long as the stream lasts. So once the WAL holds [`CATCH_UP_PAGES`], the thread's
//! last checkpoint left at most [`TAIL_PAGES`] uncopied and the thread is not at it
//! again, the writer checkpoints that short tail itself between two batches, and the
//! next write starts the WAL again: so it goes when writes come now and then. Under a
//! steady stream the thread is always at it, and the writer waits for its run at
//! [`LIMIT_PAGES`] and copies the rest (2 to 4 ms, measured): the writes wait for the
//! disk now and then, rather than the file growing without end.

use std::cell::Cell;
use std::os::raw::c_int;
use std::sync::{Arc, Mutex, PoisonError, TryLockError, mpsc};
use std::thread::JoinHandle;

use rusqlite::Connection;
use rusqlite::hooks::Wal;

/// The WAL's growth, in pages, that wakes the checkpoint thread. Short runs keep the
/// tail it leaves short, and the writer's waits at the limit with it.
pub(super) const WAKE_PAGES: i32 = 250;

/// The WAL's size, in pages, from which the writer starts it again once the tail left
/// to copy is short (16 MiB of 4 KiB pages).
pub(super) const CATCH_UP_PAGES: i32 = 4000;

/// A tail short enough for the writer to copy itself (about 2 ms).
pub(super) const TAIL_PAGES: i32 = 2 * WAKE_PAGES;

/// The WAL's size, in pages, from which the writer copies what is left however long it
/// is (32 MiB of 4 KiB pages), and again after each [`WAKE_PAGES`] more should a reader
/// still hold old frames.
pub(super) const LIMIT_PAGES: i32 = 2 * CATCH_UP_PAGES;

thread_local! {
    /// The WAL's size after the last commit of the writer that runs on this thread.
    static WAL_PAGES: Cell<i32> = const { Cell::new(0) };
}

/// The WAL hook: notes the WAL's size (SQLite calls it after each commit, on the
/// committing thread, the writer's).
#[allow(clippy::unnecessary_wraps)] // the hook's signature
fn note_pages(_wal: &Wal, pages: c_int) -> rusqlite::Result<()> {
    WAL_PAGES.set(pages);
    Ok(())
}

/// What a checkpoint reports: the WAL's size and how much of it is copied, in pages.
#[derive(Debug, Clone, Copy, Default)]
struct Progress {
    wal: i32,
    copied: i32,
}

/// The checkpoint thread, and what the writer remembers of the WAL.
pub(super) struct Checkpointer {
    wake: mpsc::SyncSender<()>,
    thread: JoinHandle<()>,
    /// The last checkpoint's [`Progress`], held by whoever checkpoints: SQLite answers a
    /// second checkpoint that it is busy, but the writer at the limit must wait for the
    /// thread's and then copy the rest.
    last: Arc<Mutex<Progress>>,
    /// The WAL's size when the thread was last woken.
    woken_at: i32,
    /// The WAL's size when the writer last checkpointed at the limit.
    forced_at: i32,
}

impl Checkpointer {
    /// Replaces SQLite's automatic checkpoint on `writer` and starts the thread that
    /// checkpoints on `conn`.
    pub(super) fn start(writer: &Connection, conn: Connection) -> Result<Self, String> {
        // Setting a WAL hook turns the automatic checkpoint off (it is a WAL hook too);
        // `PRAGMA wal_autocheckpoint` would in turn remove this hook.
        writer.wal_hook(Some(note_pages));
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        let last = Arc::new(Mutex::new(Progress::default()));
        let turn = Arc::clone(&last);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    let mut last = turn.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Some(p) = checkpoint(&conn) {
                        *last = p;
                    }
                }
            })
            .map_err(|e| format!("cannot start the checkpoint thread: {e}"))?;
        Ok(Self {
            wake,
            thread,
            last,
            woken_at: 0,
            forced_at: 0,
        })
    }

    /// Called by the writer after each commit: wakes the checkpoint thread, or copies the
    /// tail itself (see the module's notes).
    pub(super) fn after_commit(&mut self, writer: &Connection) {
        let pages = WAL_PAGES.get();
        if pages < self.woken_at {
            // The WAL started again from its beginning.
            self.woken_at = 0;
            self.forced_at = 0;
        }
        let at_limit = pages >= LIMIT_PAGES && pages >= self.forced_at + WAKE_PAGES;
        let turn = if at_limit {
            self.forced_at = pages;
            // Waits for the thread's checkpoint, if one runs.
            Some(self.last.lock().unwrap_or_else(PoisonError::into_inner))
        } else {
            match self.last.try_lock() {
                Ok(turn) => Some(turn),
                Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
                // The thread is at it: its report comes next.
                Err(TryLockError::WouldBlock) => None,
            }
        };
        if let Some(mut last) = turn {
            // A report about a longer WAL is about the one before it started again.
            let copied = if last.wal <= pages { last.copied } else { 0 };
            let short_tail = pages >= CATCH_UP_PAGES && pages - copied <= TAIL_PAGES;
            if short_tail || at_limit {
                if let Some(p) = checkpoint(writer) {
                    *last = p;
                }
                return;
            }
        }
        if pages >= self.woken_at + WAKE_PAGES {
            self.woken_at = pages;
            // Full: a wake-up is pending already.
            let _ = self.wake.try_send(());
        }
    }

    /// Stops the thread once its checkpoint, if one runs, is done, and closes its
    /// connection, so that the writer's is the last to close (and removes the WAL).
    pub(super) fn stop(self) {
        drop(self.wake);
        if self.thread.join().is_err() {
            tracing::error!("the checkpoint thread panicked");
        }
    }
}

/// Copies what it can of the WAL into the database file, waiting for no one; `None` if
/// another checkpoint was running or it failed (the next one retries).
fn checkpoint(conn: &Connection) -> Option<Progress> {
    let answer = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i32>(1)?,
            r.get::<_, i32>(2)?,
        ))
    });
    match answer {
        Ok((0, wal, copied)) => Some(Progress { wal, copied }),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(error = %e, "a WAL checkpoint failed; the next one retries");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::store::sqlite::open::testing::{counted, open_file};
    use crate::store::sqlite::open::{Pools, close};

    /// A WAL frame: its header and a page.
    const FRAME: u64 = 24 + 4096;

    fn size(path: &Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }

    /// A database file with an empty table of blobs.
    async fn blobs() -> (tempfile::TempDir, Pools) {
        let dir = tempfile::tempdir().expect("tempdir");
        let pools = open_file(&dir).expect("open");
        pools
            .writer
            .run(|c| Ok(c.execute_batch("CREATE TABLE blobs (b BLOB NOT NULL)")?))
            .await
            .expect("create");
        (dir, pools)
    }

    /// Commits `commits` transactions of `rows` rows of nearly a page each.
    async fn write(pools: &Pools, commits: usize, rows: usize) {
        for _ in 0..commits {
            pools
                .writer
                .run(move |c| {
                    let sp = c.savepoint()?;
                    for _ in 0..rows {
                        sp.execute("INSERT INTO blobs (b) VALUES (randomblob(3900))", [])?;
                    }
                    sp.commit()?;
                    Ok(())
                })
                .await
                .expect("write");
        }
    }

    #[tokio::test]
    async fn a_thread_beside_the_writer_copies_the_wal_into_the_database() {
        let (dir, pools) = blobs().await;
        let db = dir.path().join("t.db");
        let before = size(&db);
        // About 600 pages: past the thread's wake-up, short of both SQLite's automatic
        // checkpoint (1 000, turned off) and the writer's own (4 000).
        write(&pools, 60, 10).await;
        let wal = size(&dir.path().join("t.db-wal")) / FRAME;
        assert!(
            wal > 550 && wal < i64::from(CATCH_UP_PAGES).cast_unsigned(),
            "{wal}"
        );
        // Only a checkpoint makes the database file grow.
        let deadline = Instant::now() + Duration::from_secs(10);
        while size(&db) < before + 400 * 4096 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            size(&db) >= before + 400 * 4096,
            "{} -> {}",
            before,
            size(&db)
        );
        close(&pools.writer, &pools.reader).await;
    }

    #[tokio::test]
    async fn under_a_stream_of_writes_the_wal_starts_again_and_stays_bounded() {
        let (dir, pools) = blobs().await;
        // 24 000 pages of writes, three times the limit, as fast as the writer takes them.
        let (commits, rows) = (1200, 20);
        write(&pools, commits, rows).await;
        let wal = size(&dir.path().join("t.db-wal")) / FRAME;
        let bound = u64::from(LIMIT_PAGES.cast_unsigned()) + 2 * 25;
        assert!(wal <= bound, "the WAL grew to {wal} pages");
        let (count, _) = counted(&pools, "SELECT count(*) FROM blobs").await;
        assert_eq!(count, i64::try_from(commits * rows).expect("small"));
        close(&pools.writer, &pools.reader).await;
        assert!(
            !dir.path().join("t.db-wal").exists(),
            "the last connection to close checkpoints and removes the WAL"
        );
    }
}
