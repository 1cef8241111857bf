//! Kept forms in SQLite: one insert (with the sweep) and one delete-returning, on the
//! writer thread.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::SqliteStore;
use crate::store::StoreResult;
use crate::store::kept::{KeptStore, NewKept};
use crate::timestamp::to_micros;

#[async_trait]
impl KeptStore for SqliteStore {
    async fn kept_put(&self, kept: NewKept, now: OffsetDateTime) -> StoreResult<()> {
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                tx.prepare_cached("DELETE FROM kept_forms WHERE expires <= ?1")?
                    .execute([to_micros(now)])?;
                tx.prepare_cached(
                    "INSERT INTO kept_forms (id, owner, user_id, page, data, expires)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    kept.id,
                    kept.owner,
                    kept.user_id,
                    kept.page,
                    kept.data,
                    to_micros(kept.expires)
                ])?;
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn kept_take(
        &self,
        id: [u8; 32],
        owner: [u8; 32],
        user_id: Option<Uuid>,
        page: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<String>> {
        let page = page.to_owned();
        self.writer
            .run(move |c| {
                Ok(c.prepare_cached(
                    "DELETE FROM kept_forms
                     WHERE id = ?1 AND owner = ?2 AND (user_id IS NULL OR user_id = ?3)
                       AND page = ?4 AND expires > ?5
                     RETURNING data",
                )?
                .query_row(params![id, owner, user_id, page, to_micros(now)], |r| {
                    r.get::<_, String>(0)
                })
                .optional()?)
            })
            .await
    }
}
