//! External identities in SQLite: issuer subjects linked to Taskward users.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::SqliteStore;
use super::error::store_error;
use super::users::{Existing, insert_user, user_from_row};
use crate::store::users::user_columns;
use crate::store::{IdentityStore, LinkOutcome, LinkedUser, StoreResult, UserRecord};
use crate::timestamp::to_micros;

const LINK_TAKEN: &str = "this identity is already linked";

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn user_by_external_identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<UserRecord>> {
        let (issuer, subject) = (issuer.to_owned(), subject.to_owned());
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(&format!(
                    "SELECT {} FROM external_identities e JOIN users u ON u.id = e.user_id
                     WHERE e.issuer = ?1 AND e.subject = ?2",
                    user_columns("u")
                ))?
                .query_row(params![issuer, subject], user_from_row)
                .optional()?)
            })
            .await
    }

    async fn external_identity_link(
        &self,
        issuer: &str,
        subject: &str,
        user_id: Uuid,
    ) -> StoreResult<bool> {
        let (issuer, subject) = (issuer.to_owned(), subject.to_owned());
        let at = to_micros(crate::timestamp::now());
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(
                        "INSERT INTO external_identities (issuer, subject, user_id, created_at)
                         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                    )?
                    .execute(params![issuer, subject, user_id, at])?;
                Ok(done == 1)
            })
            .await
    }

    async fn external_users_import(
        &self,
        users: &[LinkedUser],
        dry_run: bool,
    ) -> StoreResult<Vec<LinkOutcome>> {
        let users = users.to_vec();
        self.writer
            .run(move |c| {
                let mut tx = c.savepoint()?;
                let mut outcomes = Vec::with_capacity(users.len());
                for linked in &users {
                    outcomes.push(link_one(&tx, linked)?);
                }
                if dry_run {
                    tx.rollback()?;
                } else {
                    tx.commit()?;
                }
                Ok(outcomes)
            })
            .await
    }
}

fn link_one(conn: &Connection, linked: &LinkedUser) -> StoreResult<LinkOutcome> {
    let existing: Option<uuid::Uuid> = conn
        .prepare_cached(
            "SELECT user_id FROM external_identities WHERE issuer = ?1 AND subject = ?2",
        )?
        .query_row(params![linked.issuer, linked.subject], |r| r.get(0))
        .optional()?;
    if let Some(user_id) = existing {
        return Ok(LinkOutcome::AlreadyLinked(user_id));
    }
    let taken = conn
        .prepare_cached("SELECT 1 FROM users WHERE email_lower = ?1")?
        .exists([&linked.user.email_lower])?;
    if taken {
        return Ok(LinkOutcome::EmailTaken);
    }
    let user = &linked.user;
    insert_user(conn, user, Existing::Fail).map_err(|e| store_error(e, LINK_TAKEN))?;
    conn.prepare_cached(
        "INSERT INTO external_identities (issuer, subject, user_id, created_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        linked.issuer,
        linked.subject,
        user.id,
        to_micros(user.created_at)
    ])
    .map_err(|e| store_error(e, LINK_TAKEN))?;
    Ok(LinkOutcome::Created)
}
