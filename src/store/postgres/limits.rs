//! Rate-limit counters in PostgreSQL: one upsert per hit, atomic across nodes.

use async_trait::async_trait;
use sqlx::Row;
use time::OffsetDateTime;

use super::PgStore;
use crate::store::limits::MAX_HITS;
use crate::store::{Hit, LimitStore, StoreResult};

#[async_trait]
impl LimitStore for PgStore {
    async fn limit_hit(
        &self,
        key: &[u8],
        now: OffsetDateTime,
        expires: OffsetDateTime,
    ) -> StoreResult<Hit> {
        // Every SET expression sees the row as it was, so the three CASEs agree.
        let row = sqlx::query(
            "INSERT INTO rate_limits AS r (key, expires, hits) VALUES ($1, $3, 1)
             ON CONFLICT (key) DO UPDATE SET
               hits = CASE WHEN r.expires <= $2 THEN 1 ELSE LEAST(r.hits + 1, $4) END,
               expires = CASE WHEN r.expires <= $2 THEN $3 ELSE r.expires END
             RETURNING hits, expires",
        )
        .bind(key)
        .bind(now)
        .bind(expires)
        .bind(MAX_HITS as i32)
        .fetch_one(&self.pool)
        .await?;
        let hits: i32 = row.try_get("hits")?;
        Ok(Hit {
            hits: u32::try_from(hits).unwrap_or(u32::MAX),
            expires: row.try_get("expires")?,
        })
    }

    async fn limit_clear(&self, key: &[u8]) -> StoreResult<()> {
        sqlx::query("DELETE FROM rate_limits WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn limit_sweep(&self, now: OffsetDateTime) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM rate_limits WHERE expires <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
