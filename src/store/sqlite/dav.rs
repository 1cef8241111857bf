//! CalDAV's reads in SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::SqliteStore;
use super::task_rows::{TASK_COLUMNS, role_from_row, task_from_row};
use crate::lists::model::Role;
use crate::store::StoreResult;
use crate::store::dav::{
    DavChanges, DavStore, Gone, changed_sql, dedup, find_sql, gone_sql, id_of_name, name_or_id,
    seq_sql, uid_sql,
};
use crate::tasks::model::Task;

/// Where [`find_sql`] puts the role: after the task's columns.
const ROLE_COLUMN: usize = 19;

#[async_trait]
impl DavStore for SqliteStore {
    async fn dav_changes(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        since: i64,
    ) -> StoreResult<Option<DavChanges>> {
        self.reader
            .read(move |c| {
                // The count first: a task stamped after it is found now or next time.
                let Some((seq, floor)) = c
                    .prepare_cached(&seq_sql("?1", "?2"))?
                    .query_row(params![user_id, list_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?
                else {
                    return Ok(None);
                };
                let tasks = c
                    .prepare_cached(&changed_sql(TASK_COLUMNS, "?1", "?2"))?
                    .query_map(params![list_id, since], task_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let gone = if since == 0 {
                    Vec::new()
                } else {
                    c.prepare_cached(&gone_sql("?1", "?2"))?
                        .query_map(params![list_id, since], |r| {
                            Ok(Gone {
                                task_id: r.get(0)?,
                                name: r.get(1)?,
                            })
                        })?
                        .collect::<rusqlite::Result<Vec<_>>>()?
                };
                Ok(Some(DavChanges {
                    seq,
                    floor,
                    tasks,
                    gone: dedup(gone),
                }))
            })
            .await
    }

    async fn dav_find(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        name: &str,
    ) -> StoreResult<Option<(Task, Role)>> {
        let name = name.to_owned();
        self.reader
            .read(move |c| {
                Ok(
                    c.prepare_cached(&find_sql(TASK_COLUMNS, ["?1", "?2", "?3", "?4"]))?
                        .query_row(params![user_id, list_id, name, id_of_name(&name)], |r| {
                            Ok((task_from_row(r)?, role_from_row(r, ROLE_COLUMN)?))
                        })
                        .optional()?,
                )
            })
            .await
    }

    async fn dav_uid_taken(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        uid: &str,
    ) -> StoreResult<Option<String>> {
        let uid = uid.to_owned();
        self.reader
            .read(move |c| {
                let id = Uuid::parse_str(&uid).unwrap_or(Uuid::nil());
                let sql = uid_sql("json_extract(t.dav, '$.uid')", ["?1", "?2", "?3", "?4"]);
                Ok(c.prepare_cached(&sql)?
                    .query_row(params![user_id, list_id, uid, id], |r| {
                        Ok(name_or_id(r.get(0)?, r.get(1)?))
                    })
                    .optional()?)
            })
            .await
    }
}
