//! Two-factor sign-in in PostgreSQL: TOTP secrets, recovery codes, challenges.

use std::sync::LazyLock;

use async_trait::async_trait;
use sqlx::{AssertSqlSafe, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::PgStore;
use crate::store::StoreResult;
use crate::store::two_factor::{MfaChallenge, TotpRecord, TwoFactorSql, TwoFactorStore};

static SQL: LazyLock<TwoFactorSql> = LazyLock::new(|| TwoFactorSql::new('$'));

#[async_trait]
impl TwoFactorStore for PgStore {
    async fn totp_get(&self, user_id: Uuid) -> StoreResult<Option<TotpRecord>> {
        let row = sqlx::query(
            "SELECT secret, created_at, enabled_at, last_step FROM totp WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        Ok(Some(TotpRecord {
            secret: r.try_get("secret")?,
            created_at: r.try_get("created_at")?,
            enabled_at: r.try_get("enabled_at")?,
            last_step: r.try_get("last_step")?,
        }))
    }

    async fn totp_set_pending(
        &self,
        user_id: Uuid,
        secret: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let done = sqlx::query(AssertSqlSafe(SQL.set_pending.as_str()))
            .bind(user_id)
            .bind(secret)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn totp_enable(
        &self,
        user_id: Uuid,
        secret: &[u8],
        step: i64,
        recovery_hashes: &[[u8; 32]],
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let enabled = sqlx::query(AssertSqlSafe(SQL.enable.as_str()))
            .bind(now)
            .bind(step)
            .bind(user_id)
            .bind(secret)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if !enabled {
            return Ok(false);
        }
        sqlx::query(AssertSqlSafe(SQL.drop_codes.as_str()))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for hash in recovery_hashes {
            sqlx::query(AssertSqlSafe(SQL.insert_code.as_str()))
                .bind(user_id)
                .bind(&hash[..])
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn totp_use_step(&self, user_id: Uuid, step: i64) -> StoreResult<bool> {
        let done = sqlx::query(AssertSqlSafe(SQL.use_step.as_str()))
            .bind(step)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn totp_delete(&self, user_id: Uuid) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let [challenges, codes, totp] = &SQL.delete;
        for sql in [challenges, codes] {
            sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        let deleted = sqlx::query(AssertSqlSafe(totp.as_str()))
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        tx.commit().await?;
        Ok(deleted)
    }

    async fn recovery_code_use(
        &self,
        user_id: Uuid,
        code_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let done = sqlx::query(AssertSqlSafe(SQL.use_code.as_str()))
            .bind(now)
            .bind(user_id)
            .bind(&code_hash[..])
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn recovery_codes_left(&self, user_id: Uuid) -> StoreResult<u32> {
        let left: i64 = sqlx::query_scalar(AssertSqlSafe(SQL.codes_left.as_str()))
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(u32::try_from(left).unwrap_or(u32::MAX))
    }

    async fn mfa_challenge_insert(&self, ch: &MfaChallenge) -> StoreResult<()> {
        let [sweep, insert] = &SQL.insert_challenge;
        let mut tx = self.pool.begin().await?;
        sqlx::query(AssertSqlSafe(sweep.as_str()))
            .bind(ch.created_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(AssertSqlSafe(insert.as_str()))
            .bind(&ch.token_hash[..])
            .bind(ch.user_id)
            .bind(ch.created_at)
            .bind(ch.expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn mfa_challenge_attempt(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
        max_attempts: u32,
    ) -> StoreResult<Option<Uuid>> {
        let max = i32::try_from(max_attempts).unwrap_or(i32::MAX);
        Ok(sqlx::query_scalar(AssertSqlSafe(SQL.attempt.as_str()))
            .bind(&token_hash[..])
            .bind(now)
            .bind(max)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn mfa_challenge_take(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<Option<Uuid>> {
        Ok(sqlx::query_scalar(AssertSqlSafe(SQL.take.as_str()))
            .bind(&token_hash[..])
            .bind(now)
            .fetch_optional(&self.pool)
            .await?)
    }
}
