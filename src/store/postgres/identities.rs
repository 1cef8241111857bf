//! External identities in PostgreSQL: issuer subjects linked to Taskward users.

use sqlx::PgConnection;

use super::{PgStore, user_from_row};
use crate::store::{LinkOutcome, LinkedUser, StoreError, StoreResult, UserRecord};

const LINK_TAKEN: &str = "this identity is already linked";

impl PgStore {
    pub(super) async fn user_by_identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.password_hash, u.created_at
             FROM external_identities e JOIN users u ON u.id = e.user_id
             WHERE e.issuer = $1 AND e.subject = $2",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    pub(super) async fn import_linked(
        &self,
        users: &[LinkedUser],
        dry_run: bool,
    ) -> StoreResult<Vec<LinkOutcome>> {
        let mut tx = self.pool.begin().await?;
        let mut outcomes = Vec::with_capacity(users.len());
        for linked in users {
            outcomes.push(link_one(&mut tx, linked).await?);
        }
        if dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(outcomes)
    }
}

async fn link_one(conn: &mut PgConnection, linked: &LinkedUser) -> StoreResult<LinkOutcome> {
    let existing: Option<uuid::Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM external_identities WHERE issuer = $1 AND subject = $2",
    )
    .bind(&linked.issuer)
    .bind(&linked.subject)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(user_id) = existing {
        return Ok(LinkOutcome::AlreadyLinked(user_id));
    }
    let taken: Option<i32> = sqlx::query_scalar("SELECT 1 FROM users WHERE email_lower = $1")
        .bind(&linked.user.email_lower)
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Ok(LinkOutcome::EmailTaken);
    }
    let user = &linked.user;
    let created = user.created_at;
    sqlx::query(
        "INSERT INTO users (id, email, email_lower, name, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(user.id)
    .bind(&user.email)
    .bind(&user.email_lower)
    .bind(&user.name)
    .bind(&user.password_hash)
    .bind(created)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::from_sqlx(e, LINK_TAKEN))?;
    sqlx::query(
        "INSERT INTO external_identities (issuer, subject, user_id, created_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(&linked.issuer)
    .bind(&linked.subject)
    .bind(user.id)
    .bind(created)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::from_sqlx(e, LINK_TAKEN))?;
    Ok(LinkOutcome::Created)
}
