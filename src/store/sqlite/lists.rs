//! Lists in SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::SqliteStore;
use time::OffsetDateTime;

use crate::lists::model::{List, Member, Role};
use crate::store::lists::{activate_sql, member_delete_sql, members_sql, visible_lists_sql};
use crate::store::{ListStore, NewList, StoreResult};
use crate::timestamp::{from_micros, to_micros};

/// The role in column `i`.
fn role_at(row: &Row<'_>, i: usize) -> rusqlite::Result<Role> {
    let role: String = row.get(i)?;
    Role::from_name(&role).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown role `{role}`").into(),
        )
    })
}

fn member_from_row(row: &Row<'_>) -> rusqlite::Result<Member> {
    Ok(Member {
        email: row.get(0)?,
        user_id: row.get(1)?,
        role: role_at(row, 2)?,
    })
}

fn list_from_row(row: &Row<'_>) -> rusqlite::Result<List> {
    Ok(List {
        id: row.get(0)?,
        owner_id: row.get(1)?,
        name: row.get(2)?,
        color: row.get(3)?,
        position: row.get(4)?,
        archived: row.get(5)?,
        is_inbox: row.get(6)?,
        created_at: from_micros(row.get(7)?),
        updated_at: from_micros(row.get(8)?),
        version: row.get(9)?,
        role: role_at(row, 10)?,
        pending_count: u64::try_from(row.get::<_, i64>(11)?).unwrap_or(0),
        change_seq: row.get(12)?,
    })
}

#[async_trait]
impl ListStore for SqliteStore {
    async fn lists_of(&self, user_id: Uuid) -> StoreResult<Vec<List>> {
        self.reader
            .read(move |c| {
                let sql = visible_lists_sql("?1", "ORDER BY v.position, v.name, v.id");
                let lists = c
                    .prepare_cached(&sql)?
                    .query_map([user_id], list_from_row)?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(lists)
            })
            .await
    }

    async fn list_get(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<List>> {
        self.reader
            .read(move |c| {
                let sql = visible_lists_sql("?1", "WHERE v.id = ?2");
                Ok(c.prepare_cached(&sql)?
                    .query_row(params![user_id, id], list_from_row)
                    .optional()?)
            })
            .await
    }

    async fn list_insert(&self, list: &NewList) -> StoreResult<()> {
        let list = list.clone();
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "INSERT INTO lists (id, owner_id, name, color, position, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                )?
                .execute(params![
                    list.id,
                    list.owner_id,
                    list.name,
                    list.color,
                    list.position,
                    to_micros(list.created_at)
                ])?;
                Ok(())
            })
            .await
    }

    async fn list_update(&self, list: &List, expected_version: i64) -> StoreResult<bool> {
        let list = list.clone();
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached(
                        "UPDATE lists SET name = ?1, color = ?2, position = ?3, archived = ?4,
                                          updated_at = ?5, version = ?6
                         WHERE id = ?7 AND owner_id = ?8 AND version = ?9",
                    )?
                    .execute(params![
                        list.name,
                        list.color,
                        list.position,
                        list.archived,
                        to_micros(list.updated_at),
                        list.version,
                        list.id,
                        list.owner_id,
                        expected_version
                    ])?;
                Ok(n > 0)
            })
            .await
    }

    async fn list_delete(&self, owner_id: Uuid, id: Uuid) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached(
                        "DELETE FROM lists WHERE id = ?1 AND owner_id = ?2 AND is_inbox = 0",
                    )?
                    .execute(params![id, owner_id])?;
                Ok(n > 0)
            })
            .await
    }

    async fn list_next_position(&self, owner_id: Uuid) -> StoreResult<i64> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM lists WHERE owner_id = ?1",
                )?
                .query_row([owner_id], |r| r.get(0))?)
            })
            .await
    }

    async fn members_of(&self, user_id: Uuid, id: Uuid) -> StoreResult<Vec<Member>> {
        self.reader
            .read(move |c| {
                let members = c
                    .prepare_cached(&members_sql("?1", "?2"))?
                    .query_map(params![user_id, id], member_from_row)?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(members)
            })
            .await
    }

    async fn member_put(
        &self,
        owner_id: Uuid,
        id: Uuid,
        email_lower: &str,
        role: Role,
        at: OffsetDateTime,
    ) -> StoreResult<Option<Member>> {
        let email = email_lower.to_owned();
        self.writer
            .run(move |c| {
                Ok(c.prepare_cached(
                    "INSERT INTO list_members (list_id, email_lower, role, created_at)
                     SELECT ?1, ?2, ?3, ?4 WHERE EXISTS
                         (SELECT 1 FROM lists WHERE id = ?1 AND owner_id = ?5 AND is_inbox = 0)
                     ON CONFLICT (list_id, email_lower) DO UPDATE SET role = excluded.role
                     RETURNING email_lower, user_id, role",
                )?
                .query_row(
                    params![id, email, role.as_str(), to_micros(at), owner_id],
                    member_from_row,
                )
                .optional()?)
            })
            .await
    }

    async fn member_delete(&self, actor: Uuid, id: Uuid, email_lower: &str) -> StoreResult<bool> {
        let email = email_lower.to_owned();
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached(&member_delete_sql("?1", "?2", "?3"))?
                    .execute(params![actor, id, email])?;
                Ok(n > 0)
            })
            .await
    }

    async fn members_activate(&self, user_id: Uuid) -> StoreResult<u64> {
        // Read first: almost always there is nothing to activate, and a read does not
        // wait for the single writer.
        let pending: bool = self
            .reader
            .read(move |c| {
                Ok(c.prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM list_members m JOIN users u
                        ON u.email_lower = m.email_lower WHERE u.id = ?1 AND m.user_id IS NULL)",
                )?
                .query_row([user_id], |r| r.get(0))?)
            })
            .await?;
        if !pending {
            return Ok(0);
        }
        self.writer
            .run(move |c| {
                let n = c.prepare_cached(&activate_sql("?1"))?.execute([user_id])?;
                Ok(u64::try_from(n).unwrap_or(0))
            })
            .await
    }
}
