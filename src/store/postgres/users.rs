//! Users in PostgreSQL.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::PgStore;
use super::sessions::revoke_all;
use crate::store::users::{change_email_sql, drop_links_sql, set_verified_sql, user_columns};
use crate::store::{NewUser, StoreError, StoreResult, TokenCutoff, UserRecord, UserStore};

const EMAIL_TAKEN: &str = "an account with this email already exists";

pub(super) fn user_from_row(row: &PgRow) -> Result<UserRecord, sqlx::Error> {
    Ok(UserRecord {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
        timezone: row.try_get("timezone")?,
        email_verified: row.try_get("email_verified")?,
        two_factor: row.try_get("two_factor")?,
    })
}

/// What inserting a user whose id exists does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Existing {
    /// A constraint error.
    Fail,
    /// Nothing: the user was imported before (the row count says 0).
    Keep,
}

/// Inserts a user row; the number of rows written. Shared by sign-up, external
/// identities and the import.
pub(super) async fn insert_user(
    conn: &mut PgConnection,
    user: &NewUser,
    existing: Existing,
) -> Result<u64, sqlx::Error> {
    // Every account has an inbox, whose id is the account's: one statement writes both.
    let sql = match existing {
        Existing::Fail => {
            "WITH u AS (
                 INSERT INTO users (id, email, email_lower, name, password_hash, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id)
             INSERT INTO lists (id, owner_id, name, is_inbox, created_at, updated_at)
             SELECT id, id, 'Inbox', TRUE, $6, $6 FROM u"
        }
        Existing::Keep => {
            "WITH u AS (
                 INSERT INTO users (id, email, email_lower, name, password_hash, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING RETURNING id)
             INSERT INTO lists (id, owner_id, name, is_inbox, created_at, updated_at)
             SELECT id, id, 'Inbox', TRUE, $6, $6 FROM u"
        }
    };
    let done = sqlx::query(sql)
        .bind(user.id)
        .bind(&user.email)
        .bind(&user.email_lower)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(user.created_at)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() > 0 {
        claim_invitations(conn, user.id, &user.email_lower).await?;
    }
    Ok(done.rows_affected())
}

/// Lists shared with `email_lower` before an account had it are now `user_id`'s.
async fn claim_invitations(
    conn: &mut PgConnection,
    user_id: Uuid,
    email_lower: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE list_members SET user_id = $1 WHERE email_lower = $2 AND user_id IS NULL")
        .bind(user_id)
        .bind(email_lower)
        .execute(conn)
        .await?;
    Ok(())
}

#[async_trait]
impl UserStore for PgStore {
    async fn user_insert(&self, user: &NewUser) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await?;
        insert_user(&mut conn, user, Existing::Fail)
            .await
            .map_err(|e| StoreError::from_sqlx(e, EMAIL_TAKEN))?;
        Ok(())
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        let sql = format!("SELECT {} FROM users WHERE id = $1", user_columns("users"));
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    async fn user_token_cutoff(&self, id: Uuid) -> StoreResult<Option<TokenCutoff>> {
        let row = sqlx::query(
            "SELECT c.not_before FROM users u
             LEFT JOIN token_cutoffs c ON c.user_id = u.id WHERE u.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|r| r.try_get("not_before"))
            .transpose()?
            .map(|not_before| TokenCutoff { not_before }))
    }

    async fn user_by_email(&self, email_lower: &str) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "SELECT {} FROM users WHERE email_lower = $1",
            user_columns("users")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(email_lower)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    async fn user_set_profile(
        &self,
        id: Uuid,
        name: Option<&str>,
        timezone: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "UPDATE users SET name = COALESCE($1, name), timezone = COALESCE($4, timezone),
                              updated_at = $2 WHERE id = $3
             RETURNING {}",
            user_columns("users")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(name)
            .bind(now)
            .bind(id)
            .bind(timezone)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    async fn user_upgrade_password_hash(
        &self,
        id: Uuid,
        verified: &str,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, updated_at = $2
             WHERE id = $3 AND password_hash = $4",
        )
        .bind(password_hash)
        .bind(now)
        .bind(id)
        .bind(verified)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn user_change_password(
        &self,
        id: Uuid,
        password_hash: &str,
        keep: Option<Uuid>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let done =
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        revoke_all(&mut tx, id, keep, now).await?;
        sqlx::query(sqlx::AssertSqlSafe(drop_links_sql("$1")))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn user_delete(&self, id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query(
            "WITH gone AS (DELETE FROM users WHERE id = $1 RETURNING id)
             INSERT INTO token_cutoffs (user_id, not_before) SELECT id, $2 FROM gone
             ON CONFLICT (user_id)
             DO UPDATE SET not_before = GREATEST(token_cutoffs.not_before, EXCLUDED.not_before)",
        )
        .bind(id)
        .bind(crate::timestamp::now())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn user_set_email_verified(
        &self,
        id: Uuid,
        email_lower: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let done = sqlx::query(sqlx::AssertSqlSafe(set_verified_sql(["$1", "$2", "$3"])))
            .bind(now)
            .bind(id)
            .bind(email_lower)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn user_change_email(
        &self,
        id: Uuid,
        email: &str,
        email_lower: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(sqlx::AssertSqlSafe(change_email_sql([
            "$1", "$2", "$3", "$4",
        ])))
        .bind(email)
        .bind(email_lower)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_sqlx(e, EMAIL_TAKEN))?;
        if done.rows_affected() > 0 {
            claim_invitations(&mut tx, id, email_lower).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }
}
