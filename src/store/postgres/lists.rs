//! Lists in PostgreSQL.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use super::PgStore;
use time::OffsetDateTime;

use crate::lists::model::{List, Member, Role};
use crate::store::lists::{activate_sql, member_delete_sql, members_sql, visible_lists_sql};
use crate::store::{ListStore, NewList, StoreResult};

fn role_of(row: &PgRow) -> Result<Role, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Role::from_name(&role).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: "role".into(),
        source: format!("unknown role `{role}`").into(),
    })
}

fn member_from_row(row: &PgRow) -> Result<Member, sqlx::Error> {
    Ok(Member {
        email: row.try_get(0)?,
        user_id: row.try_get(1)?,
        role: role_of(row)?,
    })
}

fn list_from_row(row: &PgRow) -> Result<List, sqlx::Error> {
    let pending: i64 = row.try_get("pending")?;
    Ok(List {
        id: row.try_get("id")?,
        owner_id: row.try_get("owner_id")?,
        name: row.try_get("name")?,
        color: row.try_get("color")?,
        position: i64::from(row.try_get::<i32, _>("position")?),
        archived: row.try_get("archived")?,
        is_inbox: row.try_get("is_inbox")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
        role: role_of(row)?,
        pending_count: u64::try_from(pending).unwrap_or(0),
        change_seq: row.try_get("change_seq")?,
    })
}

#[async_trait]
impl ListStore for PgStore {
    async fn lists_of(&self, user_id: Uuid) -> StoreResult<Vec<List>> {
        let sql = visible_lists_sql("$1", "ORDER BY v.position, v.name COLLATE \"C\", v.id");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(list_from_row).collect::<Result<_, _>>()?)
    }

    async fn list_get(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<List>> {
        let sql = visible_lists_sql("$1", "WHERE v.id = $2");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(user_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(list_from_row).transpose()?)
    }

    async fn list_insert(&self, list: &NewList) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO lists (id, owner_id, name, color, position, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(list.id)
        .bind(list.owner_id)
        .bind(&list.name)
        .bind(&list.color)
        .bind(i32::try_from(list.position).unwrap_or(i32::MAX))
        .bind(list.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn list_update(&self, list: &List, expected_version: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE lists SET name = $1, color = $2, position = $3, archived = $4,
                              updated_at = $5, version = $6
             WHERE id = $7 AND owner_id = $8 AND version = $9",
        )
        .bind(&list.name)
        .bind(&list.color)
        .bind(i32::try_from(list.position).unwrap_or(i32::MAX))
        .bind(list.archived)
        .bind(list.updated_at)
        .bind(list.version)
        .bind(list.id)
        .bind(list.owner_id)
        .bind(expected_version)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_delete(&self, owner_id: Uuid, id: Uuid) -> StoreResult<bool> {
        let done =
            sqlx::query("DELETE FROM lists WHERE id = $1 AND owner_id = $2 AND NOT is_inbox")
                .bind(id)
                .bind(owner_id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_next_position(&self, owner_id: Uuid) -> StoreResult<i64> {
        let next: i32 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM lists WHERE owner_id = $1",
        )
        .bind(owner_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(i64::from(next))
    }

    async fn members_of(&self, user_id: Uuid, id: Uuid) -> StoreResult<Vec<Member>> {
        let rows = sqlx::query(AssertSqlSafe(members_sql("$1", "$2")))
            .bind(user_id)
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(member_from_row).collect::<Result<_, _>>()?)
    }

    async fn member_put(
        &self,
        owner_id: Uuid,
        id: Uuid,
        email_lower: &str,
        role: Role,
        at: OffsetDateTime,
    ) -> StoreResult<Option<Member>> {
        let row = sqlx::query(
            "INSERT INTO list_members (list_id, email_lower, role, created_at)
             SELECT $1, $2, $3, $4 WHERE EXISTS
                 (SELECT 1 FROM lists WHERE id = $1 AND owner_id = $5 AND NOT is_inbox)
             ON CONFLICT (list_id, email_lower) DO UPDATE SET role = excluded.role
             RETURNING email_lower, user_id, role",
        )
        .bind(id)
        .bind(email_lower)
        .bind(role.as_str())
        .bind(at)
        .bind(owner_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(member_from_row).transpose()?)
    }

    async fn member_delete(&self, actor: Uuid, id: Uuid, email_lower: &str) -> StoreResult<bool> {
        let done = sqlx::query(AssertSqlSafe(member_delete_sql("$1", "$2", "$3")))
            .bind(actor)
            .bind(id)
            .bind(email_lower)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn members_activate(&self, user_id: Uuid) -> StoreResult<u64> {
        let done = sqlx::query(AssertSqlSafe(activate_sql("$1")))
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
