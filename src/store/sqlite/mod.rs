//! The embedded SQLite store: one writer connection and a small read-only pool over one
//! file in WAL mode.
//!
//! SQLite allows one writer at a time. Funnelling every write through a single connection
//! turns lock contention (SQLITE_BUSY) into an orderly queue in the pool, while readers
//! proceed in parallel on their own connections thanks to WAL.
//!
//! Durability: `synchronous=NORMAL` in WAL mode. A committed transaction survives a crash
//! of the process (`kill -9`) because it is in the WAL file; a power loss or kernel crash
//! can lose the last transactions before a checkpoint but never corrupts the database.
//! `FULL` would fsync on every commit and cost most of the write throughput; see
//! docs/decisions.md.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tasks::model::Task;
use crate::tasks::query::ListQuery;

mod identities;
mod import;
mod tasks;

use super::{
    Backend, ConnectOptions, ImportBatch, ImportCounts, LinkOutcome, LinkedUser, NewSession,
    NewUser, PoolStats, Rotation, SessionRecord, Store, StoreError, StoreResult, UserRecord,
    from_micros, to_micros,
};

/// How long a connection waits for a lock held by another process before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite behind a single writer and a read pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(super) writer: SqlitePool,
    pub(super) reader: SqlitePool,
}

const EMAIL_TAKEN: &str = "an account with this email already exists";

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and runs pending migrations.
    pub async fn connect(url: &str, options: ConnectOptions) -> StoreResult<Self> {
        let base = SqliteConnectOptions::from_str(url)
            .map_err(|e| {
                StoreError::Open(format!("DATABASE_URL `{url}` is not a SQLite URL: {e}"))
            })?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .optimize_on_close(true, None);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let path = base.get_filename().display().to_string();
        let open_error = |e: sqlx::Error| {
            StoreError::Open(format!(
                "cannot open the SQLite database `{path}`: {} (check that its directory exists and is writable)",
                describe(&e)
            ))
        };

        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(options.acquire_timeout)
            // An in-memory database lives only as long as its connection.
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(base.clone().create_if_missing(true))
            .await
            .map_err(open_error)?;
        // Prove the file is writable now rather than on the first sign-up.
        sqlx::query("PRAGMA user_version = 0")
            .execute(&writer)
            .await
            .map_err(open_error)?;
        sqlx::migrate!("migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|e| {
                StoreError::Open(format!("cannot migrate the SQLite database `{path}`: {e}"))
            })?;

        let reader = if in_memory {
            writer.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(options.pool_size.clamp(2, 8))
                .acquire_timeout(options.acquire_timeout)
                .connect_with(base.read_only(true))
                .await
                .map_err(open_error)?
        };
        Ok(Self { writer, reader })
    }
}

/// The driver's message without the SQL it may quote.
fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}

fn user_from_row(row: &SqliteRow) -> Result<UserRecord, sqlx::Error> {
    Ok(UserRecord {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
        created_at: from_micros(row.try_get("created_at")?),
    })
}

fn session_from_row(row: &SqliteRow) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        created_at: from_micros(row.try_get("created_at")?),
        last_used_at: from_micros(row.try_get("last_used_at")?),
        expires_at: from_micros(row.try_get("expires_at")?),
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(from_micros),
        user_agent: row.try_get("user_agent")?,
    })
}

async fn revoke_all(
    conn: &mut SqliteConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = ?1
         WHERE user_id = ?2 AND revoked_at IS NULL AND (?3 IS NULL OR id <> ?3)",
    )
    .bind(now)
    .bind(user_id)
    .bind(keep)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    async fn user_insert(&self, user: &NewUser) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO users (id, email, email_lower, name, password_hash, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        )
        .bind(user.id)
        .bind(&user.email)
        .bind(&user.email_lower)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(to_micros(user.created_at))
        .execute(&self.writer)
        .await
        .map_err(|e| StoreError::from_sqlx(e, EMAIL_TAKEN))?;
        Ok(())
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT id, email, name, password_hash, created_at FROM users WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    async fn user_by_email(&self, email_lower: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT id, email, name, password_hash, created_at FROM users WHERE email_lower = ?1",
        )
        .bind(email_lower)
        .fetch_optional(&self.reader)
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
            "UPDATE users SET name = ?1, updated_at = ?2 WHERE id = ?3
             RETURNING id, email, name, password_hash, created_at",
        )
        .bind(name)
        .bind(to_micros(now))
        .bind(id)
        .fetch_optional(&self.writer)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    async fn user_set_password_hash(
        &self,
        id: Uuid,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE id = ?3")
            .bind(password_hash)
            .bind(to_micros(now))
            .bind(id)
            .execute(&self.writer)
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
        let now = to_micros(now);
        let mut tx = self.writer.begin().await?;
        let done =
            sqlx::query("UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE id = ?3")
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
        let done = sqlx::query("DELETE FROM users WHERE id = ?1")
            .bind(id)
            .execute(&self.writer)
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
             VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
        )
        .bind(s.id)
        .bind(s.user_id)
        .bind(&s.refresh_hash[..])
        .bind(to_micros(s.created_at))
        .bind(to_micros(s.expires_at))
        .bind(s.user_agent.as_deref())
        .execute(&self.writer)
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
        let now = to_micros(now);
        // One writer connection: this transaction cannot interleave with another rotation.
        let mut tx = self.writer.begin().await?;
        let rotated = sqlx::query(
            "UPDATE sessions SET refresh_hash = ?1, last_used_at = ?2, expires_at = ?3
             WHERE refresh_hash = ?4 AND revoked_at IS NULL AND expires_at > ?2
             RETURNING id, user_id, created_at, last_used_at, expires_at, revoked_at, user_agent",
        )
        .bind(&new_hash[..])
        .bind(now)
        .bind(to_micros(expires_at))
        .bind(&old_hash[..])
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = if let Some(row) = rotated {
            let session = session_from_row(&row)?;
            sqlx::query(
                "INSERT INTO used_refresh_tokens (hash, session_id, used_at) VALUES (?1, ?2, ?3)",
            )
            .bind(&old_hash[..])
            .bind(session.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Rotation::Rotated(session)
        } else {
            let reused: Option<Uuid> =
                sqlx::query_scalar("SELECT session_id FROM used_refresh_tokens WHERE hash = ?1")
                    .bind(&old_hash[..])
                    .fetch_optional(&mut *tx)
                    .await?;
            match reused {
                Some(session_id) => {
                    sqlx::query(
                        "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                    )
                    .bind(now)
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                    Rotation::Reused
                }
                None => Rotation::Invalid,
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
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sessions
             WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL AND expires_at > ?3",
        )
        .bind(id)
        .bind(user_id)
        .bind(to_micros(now))
        .fetch_optional(&self.reader)
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
            "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND user_id = ?3 AND revoked_at IS NULL",
        )
        .bind(to_micros(now))
        .bind(id)
        .bind(user_id)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn sessions_revoke_all(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<u64> {
        let mut conn = self.writer.acquire().await?;
        Ok(revoke_all(&mut conn, user_id, None, to_micros(now)).await?)
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

    async fn backup(&self, path: &str) -> StoreResult<()> {
        // An online, consistent copy: readers and the writer carry on meanwhile.
        sqlx::query("VACUUM INTO ?1")
            .bind(path)
            .execute(&self.writer)
            .await
            .map_err(|e| {
                StoreError::Open(format!("cannot back up to `{path}`: {}", describe(&e)))
            })?;
        Ok(())
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        vec![
            super::pool_stats("writer", &self.writer),
            super::pool_stats("reader", &self.reader),
        ]
    }
}
