//! Sessions and refresh-token rotation in PostgreSQL.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::PgStore;
use crate::store::sessions::{SESSION_COLUMNS, active_of_sql};
use crate::store::{NewSession, Rotation, SessionRecord, SessionStore, StoreResult};

fn session_from_row(row: &PgRow) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        user_agent: row.try_get("user_agent")?,
        ip: row.try_get("ip")?,
    })
}

/// Ends every active session of `user_id` but `keep` and sets the user's token cut-off to
/// `now`, in one statement; how many sessions it ended.
pub(super) async fn revoke_all(
    conn: &mut PgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "WITH cutoff AS (
             INSERT INTO token_cutoffs (user_id, not_before) VALUES ($2, $1)
             ON CONFLICT (user_id)
             DO UPDATE SET not_before = GREATEST(token_cutoffs.not_before, EXCLUDED.not_before)
         )
         UPDATE sessions SET revoked_at = $1
         WHERE user_id = $2 AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3)",
    )
    .bind(now)
    .bind(user_id)
    .bind(keep)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

#[async_trait]
impl SessionStore for PgStore {
    async fn session_insert(&self, s: &NewSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, user_agent, ip)
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
        )
        .bind(s.id)
        .bind(s.user_id)
        .bind(&s.refresh_hash[..])
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(s.user_agent.as_deref())
        .bind(s.ip.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session_rotate(
        &self,
        old_hash: &[u8; 32],
        new_hash: &[u8; 32],
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<Rotation> {
        let mut tx = self.pool.begin().await?;
        // The row lock taken by UPDATE serialises concurrent rotations of one session: the
        // second one re-checks `refresh_hash` after the first commits and finds it changed.
        let rotated = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE sessions SET refresh_hash = $1, last_used_at = $2, expires_at = $3
             WHERE refresh_hash = $4 AND revoked_at IS NULL AND expires_at > $2
             RETURNING {SESSION_COLUMNS}"
        )))
        .bind(&new_hash[..])
        .bind(now)
        .bind(expires_at)
        .bind(&old_hash[..])
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = if let Some(row) = rotated {
            let session = session_from_row(&row)?;
            sqlx::query(
                "INSERT INTO used_refresh_tokens (hash, session_id, used_at) VALUES ($1, $2, $3)",
            )
            .bind(&old_hash[..])
            .bind(session.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Rotation::Rotated(session)
        } else {
            let revoked = sqlx::query(
                "UPDATE sessions SET revoked_at = COALESCE(revoked_at, $1)
                 WHERE id = (SELECT session_id FROM used_refresh_tokens WHERE hash = $2)
                 RETURNING id",
            )
            .bind(now)
            .bind(&old_hash[..])
            .fetch_optional(&mut *tx)
            .await?;
            if revoked.is_some() {
                Rotation::Reused
            } else {
                Rotation::Invalid
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn session_is_active(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let found: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM sessions
             WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3",
        )
        .bind(id)
        .bind(user_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    async fn sessions_active_of(
        &self,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<SessionRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(active_of_sql("$1", "$2")))
            .bind(user_id)
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(session_from_row)
            .collect::<Result<_, _>>()?)
    }

    async fn session_revoke(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn sessions_revoke_all(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<u64> {
        let mut conn = self.pool.acquire().await?;
        Ok(revoke_all(&mut conn, user_id, None, now).await?)
    }
}
