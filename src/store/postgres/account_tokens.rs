//! The links mailed for account recovery, in PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;

use super::PgStore;
use crate::store::StoreResult;
use crate::store::account_tokens::{
    AccountToken, AccountTokenStore, TokenPurpose, insert_sql, live_sql,
};

fn token_from(r: &PgRow) -> Result<Option<AccountToken>, sqlx::Error> {
    let purpose: String = r.try_get("purpose")?;
    let Some(purpose) = TokenPurpose::from_stored(&purpose) else {
        return Ok(None);
    };
    let hash: Vec<u8> = r.try_get("token_hash")?;
    let Ok(token_hash) = <[u8; 32]>::try_from(hash.as_slice()) else {
        return Ok(None);
    };
    Ok(Some(AccountToken {
        token_hash,
        user_id: r.try_get("user_id")?,
        purpose,
        email: r.try_get("email")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
    }))
}

#[async_trait]
impl AccountTokenStore for PgStore {
    async fn account_token_insert(&self, t: &AccountToken) -> StoreResult<()> {
        let [expired, earlier, insert] = insert_sql('$');
        let mut tx = self.pool.begin().await?;
        sqlx::query(sqlx::AssertSqlSafe(expired))
            .bind(t.created_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(earlier))
            .bind(t.user_id)
            .bind(t.purpose.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(insert))
            .bind(&t.token_hash[..])
            .bind(t.user_id)
            .bind(t.purpose.as_str())
            .bind(&t.email)
            .bind(t.created_at)
            .bind(t.expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn account_token_live(
        &self,
        token_hash: [u8; 32],
        purpose: TokenPurpose,
        now: OffsetDateTime,
        take: bool,
    ) -> StoreResult<Option<AccountToken>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(live_sql(take, '$')))
            .bind(&token_hash[..])
            .bind(purpose.as_str())
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(token_from).transpose()?.flatten())
    }
}
