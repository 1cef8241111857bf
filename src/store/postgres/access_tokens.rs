//! Personal access tokens in PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::PgStore;
use crate::auth::pat::{AccessToken, Scopes};
use crate::store::StoreResult;
use crate::store::access_tokens::{
    AccessTokenStore, FoundToken, TOKEN_COLUMNS, by_hash_sql, insert_sql, touch_sql,
};

fn token_from(r: &PgRow) -> Result<AccessToken, sqlx::Error> {
    let hash: Vec<u8> = r.try_get("token_hash")?;
    let scopes: String = r.try_get("scopes")?;
    Ok(AccessToken {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        token_hash: hash.try_into().unwrap_or([0; 32]),
        scopes: Scopes::from_stored(&scopes),
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        last_used_at: r.try_get("last_used_at")?,
    })
}

#[async_trait]
impl AccessTokenStore for PgStore {
    async fn access_tokens_of(&self, user_id: Uuid) -> StoreResult<Vec<AccessToken>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM access_tokens WHERE user_id = $1 ORDER BY created_at, id"
        )))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(token_from).collect::<Result<_, _>>()?)
    }

    async fn access_token_insert(&self, token: &AccessToken, max: usize) -> StoreResult<bool> {
        // Two inserts for one user at once could both see room for one; the user's row
        // lock makes them take turns.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(token.user_id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query(sqlx::AssertSqlSafe(insert_sql([
            "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8",
        ])))
        .bind(token.id)
        .bind(token.user_id)
        .bind(&token.name)
        .bind(&token.token_hash[..])
        .bind(token.scopes.to_string())
        .bind(token.created_at)
        .bind(token.expires_at)
        .bind(i64::try_from(max).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn access_token_delete(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM access_tokens WHERE user_id = $1 AND id = $2")
            .bind(user_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn access_token_by_hash(&self, token_hash: [u8; 32]) -> StoreResult<Option<FoundToken>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(by_hash_sql("$1")))
            .bind(&token_hash[..])
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(FoundToken {
            token: token_from(&row)?,
            email_lower: row.try_get("email_lower")?,
        }))
    }

    async fn access_token_touch(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        since: OffsetDateTime,
    ) -> StoreResult<bool> {
        let done = sqlx::query(sqlx::AssertSqlSafe(touch_sql(
            "access_tokens",
            ["$1", "$2", "$3"],
        )))
        .bind(id)
        .bind(now)
        .bind(since)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
