//! Rate-limit counters in SQLite: one upsert per hit on the writer thread.

use async_trait::async_trait;
use rusqlite::params;
use time::OffsetDateTime;

use super::SqliteStore;
use crate::store::limits::MAX_HITS;
use crate::store::{Hit, LimitStore, StoreResult};
use crate::timestamp::{from_micros, to_micros};

#[async_trait]
impl LimitStore for SqliteStore {
    async fn limit_hit(
        &self,
        key: &[u8],
        now: OffsetDateTime,
        expires: OffsetDateTime,
    ) -> StoreResult<Hit> {
        let key = key.to_vec();
        self.writer
            .run(move |c| {
                // Every SET expression sees the row as it was, so the two CASEs agree.
                let (hits, expires) = c
                    .prepare_cached(
                        "INSERT INTO rate_limits AS r (key, expires, hits) VALUES (?1, ?3, 1)
                         ON CONFLICT (key) DO UPDATE SET
                           hits = CASE WHEN r.expires <= ?2 THEN 1 ELSE min(r.hits + 1, ?4) END,
                           expires = CASE WHEN r.expires <= ?2 THEN ?3 ELSE r.expires END
                         RETURNING hits, expires",
                    )?
                    .query_row(
                        params![key, to_micros(now), to_micros(expires), MAX_HITS],
                        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
                    )?;
                Ok(Hit {
                    hits: u32::try_from(hits).unwrap_or(u32::MAX),
                    expires: from_micros(expires),
                })
            })
            .await
    }

    async fn limit_clear(&self, key: &[u8]) -> StoreResult<()> {
        let key = key.to_vec();
        self.writer
            .run(move |c| {
                c.prepare_cached("DELETE FROM rate_limits WHERE key = ?1")?
                    .execute([key])?;
                Ok(())
            })
            .await
    }

    async fn limit_sweep(&self, now: OffsetDateTime) -> StoreResult<u64> {
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached("DELETE FROM rate_limits WHERE expires <= ?1")?
                    .execute([to_micros(now)])?;
                Ok(n as u64)
            })
            .await
    }
}
