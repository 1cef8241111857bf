//! The PostgreSQL database as a whole: ping, close, pool occupancy; backups are pg_dump's.

use async_trait::async_trait;

use super::PgStore;
use crate::store::{Backend, Database, PoolStats, StoreError, StoreResult};

#[async_trait]
impl Database for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        vec![PoolStats {
            name: "main",
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }]
    }

    async fn backup(&self, _path: &str) -> StoreResult<()> {
        Err(StoreError::Open(
            "`taskward backup` copies SQLite databases; back up PostgreSQL with pg_dump (docs/operations.md)".into(),
        ))
    }
}
