//! Bulk import into PostgreSQL: every row of a batch in one transaction.

use async_trait::async_trait;

use super::PgStore;
use super::tasks::insert_task_row;
use super::users::{Existing, insert_user};
use crate::store::{ImportBatch, ImportCounts, ImportStore, StoreError, StoreResult};

const EMAIL_TAKEN: &str = "an imported email already belongs to another account";

#[async_trait]
impl ImportStore for PgStore {
    async fn import(
        &self,
        batch: &ImportBatch,
        commit: bool,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportCounts> {
        let mut tx = self.pool.begin().await?;
        // One import at a time: the rows it skips as already there (see insert_task_row)
        // cannot be written by another import between its look and its insert.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('taskward.import'))")
            .execute(&mut *tx)
            .await?;
        let mut counts = ImportCounts::default();
        let mut handled = 0u64;
        for user in &batch.users {
            // ON CONFLICT (id): an id already here was imported before; leave it alone. A
            // different account with the same email is still an error (see the SQLite twin).
            counts.users += insert_user(&mut tx, user, Existing::Keep)
                .await
                .map_err(|e| StoreError::from_sqlx(e, EMAIL_TAKEN))?;
            handled += 1;
            progress(handled);
        }
        for task in &batch.tasks {
            if insert_task_row(&mut *tx, task, None).await? {
                counts.tasks += 1;
            }
            handled += 1;
            progress(handled);
        }
        if commit {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(counts)
    }
}
