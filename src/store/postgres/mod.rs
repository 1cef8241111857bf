//! The PostgreSQL store: a connection pool shared by the handlers of one node; several
//! nodes may share one database because no state lives in the process.
//!
//! Migrations take PostgreSQL's advisory lock (sqlx does this), so nodes started at the
//! same time do not run them twice.

mod identities;
mod import;
mod tasks;

use std::str::FromStr;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tasks::model::Task;
use crate::tasks::query::ListQuery;

use super::{
    Backend, ConnectOptions, ImportBatch, ImportCounts, LinkOutcome, LinkedUser, NewSession,
    NewUser, PoolStats, Rotation, SessionRecord, Store, StoreError, StoreResult, UserRecord,
};
use crate::config::redact_url;

/// PostgreSQL behind a pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(super) pool: PgPool,
}

const EMAIL_TAKEN: &str = "an account with this email already exists";

impl PgStore {
    /// Connects to `url` and runs pending migrations.
    pub async fn connect(url: &str, options: ConnectOptions) -> StoreResult<Self> {
        let shown = redact_url(url);
        let connect = PgConnectOptions::from_str(url).map_err(|e| {
            StoreError::Open(format!(
                "DATABASE_URL `{shown}` is not a PostgreSQL URL: {e}"
            ))
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(options.pool_size)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect.application_name("taskward"))
            .await
            .map_err(|e| {
                StoreError::Open(format!(
                    "cannot connect to PostgreSQL at `{shown}`: {}",
                    describe(&e)
                ))
            })?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| {
                StoreError::Open(format!(
                    "cannot migrate the PostgreSQL database `{shown}`: {e}"
                ))
            })?;
        Ok(Self { pool })
    }

    /// The pool, for tests and tools that need raw access.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::PoolTimedOut => {
            "no answer in time (is the server running and reachable?)".into()
        }
        other => other.to_string(),
    }
}

fn user_from_row(row: &PgRow) -> Result<UserRecord, sqlx::Error> {
    Ok(UserRecord {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
    })
}

fn session_from_row(row: &PgRow) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        user_agent: row.try_get("user_agent")?,
    })
}

async fn revoke_all(
    conn: &mut PgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1
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
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn user_insert(&self, user: &NewUser) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO users (id, email, email_lower, name, password_hash, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(user.id)
        .bind(&user.email)
        .bind(&user.email_lower)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(user.created_at)
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::from_sqlx(e, EMAIL_TAKEN))?;
        Ok(())
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT id, email, name, password_hash, created_at FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    async fn user_by_email(&self, email_lower: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT id, email, name, password_hash, created_at FROM users WHERE email_lower = $1",
        )
        .bind(email_lower)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    async fn user_set_name(
        &self,
        id: Uuid,
        name: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(
            "UPDATE users SET name = $1, updated_at = $2 WHERE id = $3
             RETURNING id, email, name, password_hash, created_at",
        )
        .bind(name)
        .bind(now)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    async fn user_set_password_hash(
        &self,
        id: Uuid,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
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
        tx.commit().await?;
        Ok(())
    }

    async fn user_delete(&self, id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn user_by_external_identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<UserRecord>> {
        self.user_by_identity(issuer, subject).await
    }

    async fn external_user_create(&self, linked: &LinkedUser) -> StoreResult<LinkOutcome> {
        let outcomes = self
            .import_linked(std::slice::from_ref(linked), false)
            .await?;
        outcomes
            .first()
            .copied()
            .ok_or_else(|| StoreError::Internal("no outcome for one user".into()))
    }

    async fn external_users_import(
        &self,
        users: &[LinkedUser],
        dry_run: bool,
    ) -> StoreResult<Vec<LinkOutcome>> {
        self.import_linked(users, dry_run).await
    }

    async fn session_insert(&self, s: &NewSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, user_agent)
             VALUES ($1, $2, $3, $4, $4, $5, $6)",
        )
        .bind(s.id)
        .bind(s.user_id)
        .bind(&s.refresh_hash[..])
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(s.user_agent.as_deref())
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
        let rotated = sqlx::query(
            "UPDATE sessions SET refresh_hash = $1, last_used_at = $2, expires_at = $3
             WHERE refresh_hash = $4 AND revoked_at IS NULL AND expires_at > $2
             RETURNING id, user_id, created_at, last_used_at, expires_at, revoked_at, user_agent",
        )
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

    async fn task_insert(&self, task: &Task) -> StoreResult<()> {
        self.insert_task(task).await
    }

    async fn task_get(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Task>> {
        self.get_task(user_id, id).await
    }

    async fn task_update(&self, task: &Task, expected_version: i64) -> StoreResult<bool> {
        self.update_task(task, expected_version).await
    }

    async fn task_delete(
        &self,
        user_id: Uuid,
        id: Uuid,
        expected_version: i64,
    ) -> StoreResult<bool> {
        self.delete_task(user_id, id, expected_version).await
    }

    async fn task_list(&self, user_id: Uuid, query: &ListQuery) -> StoreResult<(Vec<Task>, u64)> {
        self.list_tasks(user_id, query).await
    }

    async fn import(
        &self,
        batch: &ImportBatch,
        commit: bool,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportCounts> {
        self.import_batch(batch, commit, progress).await
    }

    async fn backup(&self, _path: &str) -> StoreResult<()> {
        Err(StoreError::Open(
            "`taskward backup` copies SQLite databases; back up PostgreSQL with pg_dump (docs/operations.md)".into(),
        ))
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        vec![super::pool_stats("main", &self.pool)]
    }
}
