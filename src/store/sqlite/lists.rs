//! Lists in SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::SqliteStore;
use crate::lists::model::{List, Role};
use crate::store::lists::visible_lists_sql;
use crate::store::{ListStore, NewList, StoreResult};
use crate::timestamp::{from_micros, to_micros};

fn list_from_row(row: &Row<'_>) -> rusqlite::Result<List> {
    let role: String = row.get(10)?;
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
        role: Role::from_name(&role).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                10,
                rusqlite::types::Type::Text,
                format!("unknown role `{role}`").into(),
            )
        })?,
        pending_count: u64::try_from(row.get::<_, i64>(11)?).unwrap_or(0),
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
}
