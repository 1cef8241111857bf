//! The SQLite database as a whole: ping, close, pool occupancy, online backup.

use async_trait::async_trait;

use super::SqliteStore;
use super::error::message;
use super::open;
use crate::store::{Backend, Database, PoolStats, StoreError, StoreResult};

#[async_trait]
impl Database for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> StoreResult<()> {
        self.reader
            .read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .await?;
        Ok(())
    }

    async fn close(&self) {
        open::close(&self.writer, &self.reader).await;
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        open::stats(&self.writer, &self.reader)
    }

    async fn backup(&self, path: &str) -> StoreResult<()> {
        // An online, consistent copy: readers and the writer carry on meanwhile.
        let target = path.to_owned();
        // VACUUM cannot run inside a transaction: not in a batch.
        self.writer
            .run_alone(move |c| {
                c.execute("VACUUM INTO ?1", [&target]).map_err(|e| {
                    StoreError::Open(format!("cannot back up to `{target}`: {}", message(&e)))
                })?;
                Ok(())
            })
            .await
    }
}
