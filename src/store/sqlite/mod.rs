//! The embedded SQLite store: one writer connection and a small read-only pool over one
//! file in WAL mode.
//!
//! SQLite allows one writer at a time. Funnelling every write through a single connection
//! turns lock contention (SQLITE_BUSY) into an orderly queue on the writer's thread, while
//! readers proceed in parallel on their own connections thanks to WAL. Where each kind of
//! operation runs, and why, is in `pool.rs`.
//!
//! Durability: `synchronous=NORMAL` in WAL mode. A committed transaction survives a crash
//! of the process (`kill -9`) because it is in the WAL file; a power loss or kernel crash
//! can lose the last transactions before a checkpoint but never corrupts the database.
//! `FULL` would fsync on every commit and cost most of the write throughput; see
//! docs/decisions.md.

use std::path::PathBuf;
use std::str::FromStr;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use sqlx::sqlite::SqliteConnectOptions;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tasks::model::Task;
use crate::tasks::query::ListQuery;

mod identities;
mod import;
mod pool;
mod tasks;

use pool::Location;

use super::{
    Backend, ConnectOptions, ImportBatch, ImportCounts, LinkOutcome, LinkedUser, NewSession,
    NewUser, PoolStats, Rotation, SessionRecord, Store, StoreError, StoreResult, UserRecord,
    from_micros, to_micros,
};

/// SQLite behind a single writer and a read pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: pool::Writer,
    reader: pool::Readers,
}

const EMAIL_TAKEN: &str = "an account with this email already exists";

const USER_COLUMNS: &str = "id, email, name, password_hash, created_at";

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and runs pending migrations.
    pub async fn connect(url: &str, options: ConnectOptions) -> StoreResult<Self> {
        let parsed = SqliteConnectOptions::from_str(url).map_err(|e| {
            StoreError::Open(format!("DATABASE_URL `{url}` is not a SQLite URL: {e}"))
        })?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let path: PathBuf = parsed.get_filename().to_path_buf();
        let readers = usize::try_from(options.pool_size.clamp(2, 8)).unwrap_or(2);
        let timeout = options.acquire_timeout;
        let shown = path.display().to_string();
        let pools = tokio::task::spawn_blocking(move || {
            let location = if in_memory {
                Location::Memory
            } else {
                Location::File(&path)
            };
            pool::open(&location, readers, timeout)
        })
        .await
        .map_err(|e| StoreError::Internal(format!("opening the database panicked: {e}")))?
        .map_err(|e| StoreError::Open(format!("cannot open the SQLite database `{shown}`: {e}")))?;
        Ok(Self {
            writer: pools.writer,
            reader: pools.reader,
        })
    }
}

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        id: row.get(0)?,
        email: row.get(1)?,
        name: row.get(2)?,
        password_hash: row.get(3)?,
        created_at: from_micros(row.get(4)?),
    })
}

const SESSION_COLUMNS: &str =
    "id, user_id, created_at, last_used_at, expires_at, revoked_at, user_agent";

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        id: row.get(0)?,
        user_id: row.get(1)?,
        created_at: from_micros(row.get(2)?),
        last_used_at: from_micros(row.get(3)?),
        expires_at: from_micros(row.get(4)?),
        revoked_at: row.get::<_, Option<i64>>(5)?.map(from_micros),
        user_agent: row.get(6)?,
    })
}

fn revoke_all(
    conn: &Connection,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: i64,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "UPDATE sessions SET revoked_at = ?1
         WHERE user_id = ?2 AND revoked_at IS NULL AND (?3 IS NULL OR id <> ?3)",
    )?
    .execute(params![now, user_id, keep])
}

/// What inserting a user whose id exists does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Existing {
    /// A constraint error.
    Fail,
    /// Nothing: the user was imported before (the row count says 0).
    Keep,
}

/// Inserts a user row; the number of rows written.
fn insert_user(conn: &Connection, user: &NewUser, existing: Existing) -> rusqlite::Result<usize> {
    let sql = match existing {
        Existing::Fail => {
            "INSERT INTO users (id, email, email_lower, name, password_hash, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
        }
        Existing::Keep => {
            "INSERT INTO users (id, email, email_lower, name, password_hash, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (id) DO NOTHING"
        }
    };
    conn.prepare_cached(sql)?.execute(params![
        user.id,
        user.email,
        user.email_lower,
        user.name,
        user.password_hash,
        to_micros(user.created_at)
    ])
}

/// One user by a unique column (`id`, `email_lower`).
fn user_where(
    conn: &Connection,
    column: &str,
    value: &dyn rusqlite::ToSql,
) -> StoreResult<Option<UserRecord>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {column} = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([value], user_from_row)
        .optional()?)
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> StoreResult<()> {
        self.reader
            .read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .await?;
        Ok(())
    }

    async fn close(&self) {
        pool::close(&self.writer, &self.reader).await;
    }

    async fn user_insert(&self, user: &NewUser) -> StoreResult<()> {
        let user = user.clone();
        self.writer
            .run(move |c| {
                insert_user(c, &user, Existing::Fail)
                    .map_err(|e| pool::store_error(e, EMAIL_TAKEN))?;
                Ok(())
            })
            .await
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        self.reader.read(move |c| user_where(c, "id", &id)).await
    }

    async fn user_by_email(&self, email_lower: &str) -> StoreResult<Option<UserRecord>> {
        let email = email_lower.to_owned();
        self.reader
            .read(move |c| user_where(c, "email_lower", &email))
            .await
    }

    async fn user_set_name(
        &self,
        id: Uuid,
        name: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<UserRecord>> {
        let name = name.to_owned();
        self.writer
            .run(move |c| {
                let sql = format!(
                    "UPDATE users SET name = ?1, updated_at = ?2 WHERE id = ?3 RETURNING {USER_COLUMNS}"
                );
                Ok(c.prepare_cached(&sql)?
                    .query_row(params![name, to_micros(now), id], user_from_row)
                    .optional()?)
            })
            .await
    }

    async fn user_set_password_hash(
        &self,
        id: Uuid,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let hash = password_hash.to_owned();
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE id = ?3",
                )?
                .execute(params![hash, to_micros(now), id])?;
                Ok(())
            })
            .await
    }

    async fn user_change_password(
        &self,
        id: Uuid,
        password_hash: &str,
        keep: Option<Uuid>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let hash = password_hash.to_owned();
        let now = to_micros(now);
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let done = tx
                    .prepare_cached(
                        "UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE id = ?3",
                    )?
                    .execute(params![hash, now, id])?;
                if done == 0 {
                    return Err(StoreError::NotFound);
                }
                revoke_all(&tx, id, keep, now)?;
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn user_delete(&self, id: Uuid) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                Ok(c.prepare_cached("DELETE FROM users WHERE id = ?1")?
                    .execute([id])?
                    > 0)
            })
            .await
    }

    async fn user_by_external_identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<UserRecord>> {
        self.user_by_identity(issuer, subject).await
    }

    async fn external_user_create(&self, linked: &LinkedUser) -> StoreResult<LinkOutcome> {
        let outcomes = self.import_linked(vec![linked.clone()], false).await?;
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
        self.import_linked(users.to_vec(), dry_run).await
    }

    async fn session_insert(&self, s: &NewSession) -> StoreResult<()> {
        let s = s.clone();
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, user_agent)
                     VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
                )?
                .execute(params![
                    s.id,
                    s.user_id,
                    &s.refresh_hash[..],
                    to_micros(s.created_at),
                    to_micros(s.expires_at),
                    s.user_agent
                ])?;
                Ok(())
            })
            .await
    }

    async fn session_rotate(
        &self,
        old_hash: &[u8; 32],
        new_hash: &[u8; 32],
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<Rotation> {
        let (old_hash, new_hash) = (*old_hash, *new_hash);
        let now = to_micros(now);
        let expires_at = to_micros(expires_at);
        // One writer connection: this transaction cannot interleave with another rotation.
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let sql = format!(
                    "UPDATE sessions SET refresh_hash = ?1, last_used_at = ?2, expires_at = ?3
                     WHERE refresh_hash = ?4 AND revoked_at IS NULL AND expires_at > ?2
                     RETURNING {SESSION_COLUMNS}"
                );
                let rotated = tx
                    .prepare_cached(&sql)?
                    .query_row(
                        params![&new_hash[..], now, expires_at, &old_hash[..]],
                        session_from_row,
                    )
                    .optional()?;
                let outcome = if let Some(session) = rotated {
                    tx.prepare_cached(
                        "INSERT INTO used_refresh_tokens (hash, session_id, used_at) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![&old_hash[..], session.id, now])?;
                    Rotation::Rotated(session)
                } else {
                    let reused: Option<Uuid> = tx
                        .prepare_cached("SELECT session_id FROM used_refresh_tokens WHERE hash = ?1")?
                        .query_row([&old_hash[..]], |r| r.get(0))
                        .optional()?;
                    match reused {
                        Some(session_id) => {
                            tx.prepare_cached(
                                "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                            )?
                            .execute(params![now, session_id])?;
                            Rotation::Reused
                        }
                        None => Rotation::Invalid,
                    }
                };
                tx.commit()?;
                Ok(outcome)
            })
            .await
    }

    async fn session_is_active(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(
                    "SELECT 1 FROM sessions
                     WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL AND expires_at > ?3",
                )?
                .exists(params![id, user_id, to_micros(now)])?)
            })
            .await
    }

    async fn session_revoke(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(
                        "UPDATE sessions SET revoked_at = ?1
                         WHERE id = ?2 AND user_id = ?3 AND revoked_at IS NULL",
                    )?
                    .execute(params![to_micros(now), id, user_id])?;
                Ok(done > 0)
            })
            .await
    }

    async fn sessions_revoke_all(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<u64> {
        self.writer
            .run(move |c| {
                let n = revoke_all(c, user_id, None, to_micros(now))?;
                Ok(u64::try_from(n).unwrap_or(u64::MAX))
            })
            .await
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
        let target = path.to_owned();
        // VACUUM cannot run inside a transaction: not in a batch.
        self.writer
            .run_alone(move |c| {
                c.execute("VACUUM INTO ?1", [&target]).map_err(|e| {
                    StoreError::Open(format!(
                        "cannot back up to `{target}`: {}",
                        pool::message(&e)
                    ))
                })?;
                Ok(())
            })
            .await
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        pool::stats(&self.writer, &self.reader)
    }
}
