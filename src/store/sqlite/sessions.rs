//! Sessions and refresh-token rotation in SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::SqliteStore;
use crate::store::sessions::{SESSION_COLUMNS, active_of_sql};
use crate::store::{NewSession, Rotation, SessionRecord, SessionStore, StoreResult};
use crate::timestamp::{from_micros, to_micros};

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        id: row.get(0)?,
        user_id: row.get(1)?,
        created_at: from_micros(row.get(2)?),
        last_used_at: from_micros(row.get(3)?),
        expires_at: from_micros(row.get(4)?),
        revoked_at: row.get::<_, Option<i64>>(5)?.map(from_micros),
        user_agent: row.get(6)?,
        ip: row.get(7)?,
    })
}

/// Ends every active session of `user_id` but `keep` and sets the user's token cut-off to
/// `now`; how many sessions it ended. Run it inside a transaction.
pub(super) fn revoke_all(
    conn: &Connection,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: i64,
) -> rusqlite::Result<usize> {
    set_token_cutoff(conn, user_id, now)?;
    conn.prepare_cached(
        "UPDATE sessions SET revoked_at = ?1
         WHERE user_id = ?2 AND revoked_at IS NULL AND (?3 IS NULL OR id <> ?3)",
    )?
    .execute(params![now, user_id, keep])
}

/// Refuses the user's tokens without a session issued up to `now` (it never moves back).
pub(super) fn set_token_cutoff(conn: &Connection, user_id: Uuid, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO token_cutoffs (user_id, not_before) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET not_before = max(not_before, excluded.not_before)",
    )?
    .execute(params![user_id, now])?;
    Ok(())
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn session_insert(&self, s: &NewSession) -> StoreResult<()> {
        let s = s.clone();
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, user_agent, ip)
                     VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    s.id,
                    s.user_id,
                    &s.refresh_hash[..],
                    to_micros(s.created_at),
                    to_micros(s.expires_at),
                    s.user_agent,
                    s.ip
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

    async fn sessions_active_of(
        &self,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<SessionRecord>> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(&active_of_sql("?1", "?2"))?
                    .query_map(params![user_id, to_micros(now)], session_from_row)?
                    .collect::<rusqlite::Result<_>>()?)
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
                let tx = c.savepoint()?;
                let n = revoke_all(&tx, user_id, None, to_micros(now))?;
                tx.commit()?;
                Ok(u64::try_from(n).unwrap_or(u64::MAX))
            })
            .await
    }
}
