//! Kept forms in PostgreSQL: shared by every node, so a form refused by one node is shown
//! by whichever node serves the redirect.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::PgStore;
use crate::store::StoreResult;
use crate::store::kept::{KeptStore, NewKept};

#[async_trait]
impl KeptStore for PgStore {
    async fn kept_put(&self, kept: NewKept, now: OffsetDateTime) -> StoreResult<()> {
        sqlx::query("DELETE FROM kept_forms WHERE expires <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO kept_forms (id, owner, user_id, page, data, expires)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&kept.id[..])
        .bind(&kept.owner[..])
        .bind(kept.user_id)
        .bind(&kept.page)
        .bind(&kept.data)
        .bind(kept.expires)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn kept_take(
        &self,
        id: [u8; 32],
        owner: [u8; 32],
        user_id: Option<Uuid>,
        page: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<String>> {
        let data = sqlx::query_scalar::<_, String>(
            "DELETE FROM kept_forms
             WHERE id = $1 AND owner = $2 AND (user_id IS NULL OR user_id = $3)
               AND page = $4 AND expires > $5
             RETURNING data",
        )
        .bind(&id[..])
        .bind(&owner[..])
        .bind(user_id)
        .bind(page)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(data)
    }
}
