//! External identities in PostgreSQL: issuer subjects linked to Taskward users.

use async_trait::async_trait;
use sqlx::PgConnection;
use uuid::Uuid;

use super::PgStore;
use super::users::{Existing, insert_user, user_from_row};
use crate::store::users::user_columns;
use crate::store::{IdentityStore, LinkOutcome, LinkedUser, StoreError, StoreResult, UserRecord};

const LINK_TAKEN: &str = "this identity is already linked";

#[async_trait]
impl IdentityStore for PgStore {
    async fn user_by_external_identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM external_identities e JOIN users u ON u.id = e.user_id
                     WHERE e.issuer = $1 AND e.subject = $2",
            user_columns("u")
        )))
        .bind(issuer)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    async fn external_identity_link(
        &self,
        issuer: &str,
        subject: &str,
        user_id: Uuid,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO external_identities (issuer, subject, user_id, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(issuer)
        .bind(subject)
        .bind(user_id)
        .bind(crate::timestamp::now())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn external_users_import(
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
    insert_user(conn, user, Existing::Fail)
        .await
        .map_err(|e| StoreError::from_sqlx(e, LINK_TAKEN))?;
    sqlx::query(
        "INSERT INTO external_identities (issuer, subject, user_id, created_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(&linked.issuer)
    .bind(&linked.subject)
    .bind(user.id)
    .bind(user.created_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::from_sqlx(e, LINK_TAKEN))?;
    Ok(LinkOutcome::Created)
}
