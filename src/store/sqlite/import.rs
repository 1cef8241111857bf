//! Bulk import into SQLite: every row of a batch in one transaction on the writer.

use super::SqliteStore;
use super::tasks::insert_task_row;
use crate::store::{ImportBatch, ImportCounts, StoreError, StoreResult, to_micros};

const EMAIL_TAKEN: &str = "an imported email already belongs to another account";

impl SqliteStore {
    pub(in crate::store) async fn import_batch(
        &self,
        batch: &ImportBatch,
        commit: bool,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportCounts> {
        let mut tx = self.writer.begin().await?;
        let mut counts = ImportCounts::default();
        let mut handled = 0u64;
        for user in &batch.users {
            // ON CONFLICT (id): an id already here was imported before; leave it alone. A
            // different account with the same email is still an error (the importer checks
            // for it first, so reaching it means a concurrent sign-up: nothing is written).
            let done = sqlx::query(
                "INSERT INTO users (id, email, email_lower, name, password_hash, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (id) DO NOTHING",
            )
            .bind(user.id)
            .bind(&user.email)
            .bind(&user.email_lower)
            .bind(&user.name)
            .bind(&user.password_hash)
            .bind(to_micros(user.created_at))
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_sqlx(e, EMAIL_TAKEN))?;
            counts.users += done.rows_affected();
            handled += 1;
            progress(handled);
        }
        for task in &batch.tasks {
            if insert_task_row(&mut tx, task).await? {
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
