//! Calendar feeds in PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::PgStore;
use crate::calendars::model::Feed;
use crate::store::StoreResult;
use crate::store::feeds::{FEED_COLUMNS, FeedStore, insert_sql};

fn feed_from(r: &PgRow) -> Result<Feed, sqlx::Error> {
    let hash: Vec<u8> = r.try_get("token_hash")?;
    Ok(Feed {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        list_id: r.try_get("list_id")?,
        token_hash: hash.try_into().unwrap_or([0; 32]),
        created_at: r.try_get("created_at")?,
    })
}

#[async_trait]
impl FeedStore for PgStore {
    async fn feeds_of(&self, user_id: Uuid) -> StoreResult<Vec<Feed>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FEED_COLUMNS} FROM calendar_feeds WHERE user_id = $1 ORDER BY created_at, id"
        )))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(feed_from).collect::<Result<_, _>>()?)
    }

    async fn feed_insert(&self, feed: &Feed, max: usize) -> StoreResult<bool> {
        // Two inserts for one user at once could both see room for one; the user's row
        // lock makes them take turns.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(feed.user_id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query(sqlx::AssertSqlSafe(insert_sql([
            "$1", "$2", "$3", "$4", "$5", "$6",
        ])))
        .bind(feed.id)
        .bind(feed.user_id)
        .bind(feed.list_id)
        .bind(&feed.token_hash[..])
        .bind(feed.created_at)
        .bind(i64::try_from(max).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn feed_delete(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1 AND id = $2")
            .bind(user_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn feed_by_token(&self, token_hash: [u8; 32]) -> StoreResult<Option<Feed>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FEED_COLUMNS} FROM calendar_feeds WHERE token_hash = $1"
        )))
        .bind(&token_hash[..])
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(feed_from).transpose()?)
    }
}
