//! Users in SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::SqliteStore;
use super::error::store_error;
use super::sessions::{revoke_all, set_token_cutoff};
use crate::store::users::{change_email_sql, drop_links_sql, set_verified_sql, user_columns};
use crate::store::{NewUser, StoreError, StoreResult, TokenCutoff, UserRecord, UserStore};
use crate::timestamp::{from_micros, to_micros};

const EMAIL_TAKEN: &str = "an account with this email already exists";

pub(super) fn user_from_row(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        id: row.get(0)?,
        email: row.get(1)?,
        name: row.get(2)?,
        password_hash: row.get(3)?,
        created_at: from_micros(row.get(4)?),
        timezone: row.get(5)?,
        email_verified: row.get(6)?,
        two_factor: row.get(7)?,
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
pub(super) fn insert_user(
    conn: &Connection,
    user: &NewUser,
    existing: Existing,
) -> rusqlite::Result<usize> {
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
    let written = conn.prepare_cached(sql)?.execute(params![
        user.id,
        user.email,
        user.email_lower,
        user.name,
        user.password_hash,
        to_micros(user.created_at)
    ])?;
    if written > 0 {
        // Every account has an inbox, whose id is the account's. The writer runs this
        // operation in one savepoint: the user and the inbox come together or not at all.
        conn.prepare_cached(
            "INSERT INTO lists (id, owner_id, name, is_inbox, created_at, updated_at)
             VALUES (?1, ?1, 'Inbox', 1, ?2, ?2)",
        )?
        .execute(params![user.id, to_micros(user.created_at)])?;
        claim_invitations(conn, user.id, &user.email_lower)?;
    }
    Ok(written)
}

/// Lists shared with `email_lower` before an account had it are now `user_id`'s.
fn claim_invitations(conn: &Connection, user_id: Uuid, email_lower: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE list_members SET user_id = ?1 WHERE email_lower = ?2 AND user_id IS NULL",
    )?
    .execute(params![user_id, email_lower])?;
    Ok(())
}

/// One user by a unique column (`id`, `email_lower`).
fn user_where(
    conn: &Connection,
    column: &str,
    value: &dyn rusqlite::ToSql,
) -> StoreResult<Option<UserRecord>> {
    let sql = format!(
        "SELECT {} FROM users WHERE {column} = ?1",
        user_columns("users")
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([value], user_from_row)
        .optional()?)
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn user_insert(&self, user: &NewUser) -> StoreResult<()> {
        let user = user.clone();
        self.writer
            .run(move |c| {
                insert_user(c, &user, Existing::Fail).map_err(|e| store_error(e, EMAIL_TAKEN))?;
                Ok(())
            })
            .await
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        self.reader.read(move |c| user_where(c, "id", &id)).await
    }

    async fn user_token_cutoff(&self, id: Uuid) -> StoreResult<Option<TokenCutoff>> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(
                    "SELECT c.not_before FROM users u
                     LEFT JOIN token_cutoffs c ON c.user_id = u.id WHERE u.id = ?1",
                )?
                .query_row([id], |r| {
                    Ok(TokenCutoff {
                        not_before: r.get::<_, Option<i64>>(0)?.map(from_micros),
                    })
                })
                .optional()?)
            })
            .await
    }

    async fn user_by_email(&self, email_lower: &str) -> StoreResult<Option<UserRecord>> {
        let email = email_lower.to_owned();
        self.reader
            .read(move |c| user_where(c, "email_lower", &email))
            .await
    }

    async fn user_set_profile(
        &self,
        id: Uuid,
        name: Option<&str>,
        timezone: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<Option<UserRecord>> {
        let (name, timezone) = (name.map(str::to_owned), timezone.map(str::to_owned));
        self.writer
            .run(move |c| {
                let sql = format!(
                    "UPDATE users SET name = COALESCE(?1, name), timezone = COALESCE(?4, timezone),
                                      updated_at = ?2
                     WHERE id = ?3 RETURNING {}",
                    user_columns("users")
                );
                Ok(c.prepare_cached(&sql)?
                    .query_row(params![name, to_micros(now), id, timezone], user_from_row)
                    .optional()?)
            })
            .await
    }

    async fn user_upgrade_password_hash(
        &self,
        id: Uuid,
        verified: &str,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let (verified, hash) = (verified.to_owned(), password_hash.to_owned());
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(
                        "UPDATE users SET password_hash = ?1, updated_at = ?2
                         WHERE id = ?3 AND password_hash = ?4",
                    )?
                    .execute(params![hash, to_micros(now), id, verified])?;
                Ok(done > 0)
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
                tx.prepare_cached(&drop_links_sql("?1"))?.execute([id])?;
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn user_delete(&self, id: Uuid) -> StoreResult<bool> {
        let now = to_micros(crate::timestamp::now());
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let deleted = tx
                    .prepare_cached("DELETE FROM users WHERE id = ?1")?
                    .execute([id])?
                    > 0;
                if deleted {
                    set_token_cutoff(&tx, id, now)?;
                }
                tx.commit()?;
                Ok(deleted)
            })
            .await
    }

    async fn user_set_email_verified(
        &self,
        id: Uuid,
        email_lower: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let email = email_lower.to_owned();
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(&set_verified_sql(["?1", "?2", "?3"]))?
                    .execute(params![to_micros(now), id, email])?;
                Ok(done > 0)
            })
            .await
    }

    async fn user_change_email(
        &self,
        id: Uuid,
        email: &str,
        email_lower: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let (email, lower) = (email.to_owned(), email_lower.to_owned());
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let done = tx
                    .prepare_cached(&change_email_sql(["?1", "?2", "?3", "?4"]))?
                    .execute(params![email, lower, to_micros(now), id])
                    .map_err(|e| store_error(e, EMAIL_TAKEN))?;
                if done > 0 {
                    claim_invitations(&tx, id, &lower)?;
                }
                tx.commit()?;
                Ok(done > 0)
            })
            .await
    }
}
