//! Bulk import into SQLite: every row of a batch in one transaction on the writer.

use async_trait::async_trait;

use super::SqliteStore;
use super::error::store_error;
use super::task_writes::insert_task_row;
use super::users::{Existing, insert_user};
use crate::store::{ImportBatch, ImportCounts, ImportStore, StoreResult};

const EMAIL_TAKEN: &str = "an imported email already belongs to another account";

/// Rows between two progress reports from the blocking thread.
const PROGRESS_EVERY: u64 = 1_000;

#[async_trait]
impl ImportStore for SqliteStore {
    async fn import(
        &self,
        batch: &ImportBatch,
        commit: bool,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportCounts> {
        let batch = batch.clone();
        // The rows are written on a blocking thread; it reports how far it got here.
        let (report, mut reports) = tokio::sync::mpsc::unbounded_channel::<u64>();
        let work = self.writer.run(move |c| {
            let mut tx = c.savepoint()?;
            let mut counts = ImportCounts::default();
            let mut handled = 0u64;
            let handled_one = |handled: &mut u64| {
                *handled += 1;
                if handled.is_multiple_of(PROGRESS_EVERY) {
                    let _ = report.send(*handled);
                }
            };
            for user in &batch.users {
                // ON CONFLICT (id): an id already here was imported before; leave it alone.
                // A different account with the same email is still an error (the importer
                // checks for it first, so reaching it means a concurrent sign-up: nothing
                // is written).
                let done = insert_user(&tx, user, Existing::Keep)
                    .map_err(|e| store_error(e, EMAIL_TAKEN))?;
                counts.users += u64::try_from(done).unwrap_or(0);
                handled_one(&mut handled);
            }
            for task in &batch.tasks {
                if insert_task_row(&tx, task)? {
                    counts.tasks += 1;
                }
                handled_one(&mut handled);
            }
            if commit {
                tx.commit()?;
            } else {
                tx.rollback()?;
            }
            let _ = report.send(handled);
            Ok(counts)
        });
        tokio::pin!(work);
        loop {
            tokio::select! {
                Some(handled) = reports.recv() => progress(handled),
                result = &mut work => {
                    while let Ok(handled) = reports.try_recv() {
                        progress(handled);
                    }
                    return result;
                }
            }
        }
    }
}
