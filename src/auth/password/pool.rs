//! The threads that hash passwords (one per core but one, at least one), taking work
//! from one queue, at a lower scheduling priority than the threads serving requests.
//!
//! Lower priority: with a sign-in storm the hashing thread is always runnable. At the same
//! priority the scheduler shares a core fairly between it and the runtime's threads, so a
//! list request waited behind argon2 whenever both runtime threads were busy (list p99
//! 1.77x under a storm). With nice 10 the hashing thread weighs about a tenth of a request
//! thread: it still takes every idle cycle, but yields the core to requests within the
//! scheduler's slice. Sign-ins lose throughput only while the machine is saturated.
//!
//! Idle release: the threads give the argon2 work areas back when no hash has run for
//! `idle`, so a server that saw a burst of sign-ins does not hold 19 MiB per thread for the
//! rest of its life; the next hash faults its area in again (a few milliseconds). A thread
//! that released waits without a timeout: an idle server has no wake-ups here.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use flume::{Receiver, RecvTimeoutError, Sender};

use super::argon2id::WorkAreas;
use crate::error::{AppError, AppResult};

/// How much lower than the server's other threads the hashing threads run (nice steps).
pub(super) const HASHING_NICE: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

/// The queue of hashing work and the threads that take from it. Dropping it ends the
/// threads once the queued work is done.
pub(super) struct HashingThreads {
    jobs: Sender<Job>,
}

impl HashingThreads {
    /// Starts `threads` hashing threads that release the free areas of `areas` after `idle`
    /// without work.
    pub(super) fn start(
        threads: usize,
        areas: Arc<WorkAreas>,
        idle: Duration,
    ) -> Result<Self, String> {
        let (jobs, queue) = flume::unbounded::<Job>();
        for n in 0..threads.max(1) {
            let (queue, areas) = (queue.clone(), Arc::clone(&areas));
            std::thread::Builder::new()
                .name(format!("taskward-hash-{n}"))
                .spawn(move || work(&queue, &areas, idle))
                .map_err(|e| format!("cannot start a password hashing thread: {e}"))?;
        }
        Ok(Self { jobs })
    }

    /// Runs `work` on a hashing thread and waits for its answer. Work whose caller has gone
    /// (the request was dropped while queued) is skipped.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            if !answer.is_closed() {
                // The caller may have gone meanwhile; then nobody needs the answer.
                let _ = answer.send(work());
            }
        });
        self.jobs.send(job).map_err(|_| AppError::Unavailable)?;
        answered
            .await
            .map_err(|_| AppError::Internal("a password hashing job failed".into()))
    }
}

/// One hashing thread: lowers its own priority, then runs jobs until the queue's sender is
/// dropped.
fn work(queue: &Receiver<Job>, areas: &WorkAreas, idle: Duration) {
    lower_priority();
    let mut holding = false;
    loop {
        let job = if holding {
            match queue.recv_timeout(idle) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    areas.release();
                    return_freed_memory();
                    holding = false;
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        // A panicking job drops its answer (its caller gets an error); the thread goes on.
        if catch_unwind(AssertUnwindSafe(job)).is_err() {
            tracing::error!("a password hashing job panicked");
        }
        holding = true;
    }
}

/// Makes the calling thread `HASHING_NICE` steps nicer (on Linux the nice value belongs to
/// the thread). Raising it needs no privilege; failing leaves the default priority.
fn lower_priority() {
    #[cfg(unix)]
    if let Err(e) = rustix::process::nice(HASHING_NICE) {
        tracing::warn!(error = %e, "password hashing runs at the server's priority");
    }
}

/// Has the allocator give this thread's freed memory back to the system now. mimalloc
/// delays returning freed pages until the thread allocates again, and an idle hashing
/// thread does not: without this the released areas stayed resident.
fn return_freed_memory() {
    // SAFETY: `mi_collect` takes no pointers and may be called from any thread at any
    // time; it only walks the allocator's own structures of the calling thread.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
