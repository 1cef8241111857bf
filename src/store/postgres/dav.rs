//! CalDAV's reads in PostgreSQL.

use async_trait::async_trait;
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use super::PgStore;
use super::task_rows::{TASK_COLUMNS, role_from_row, task_from_row};
use crate::lists::model::Role;
use crate::store::StoreResult;
use crate::store::dav::{
    DavChanges, DavStore, Gone, changed_sql, dedup, find_sql, gone_sql, id_of_name, name_or_id,
    seq_sql, uid_sql,
};
use crate::tasks::model::Task;

#[async_trait]
impl DavStore for PgStore {
    async fn dav_changes(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        since: i64,
    ) -> StoreResult<Option<DavChanges>> {
        // The count first: a task stamped after it (under the list's row lock) is found
        // now or next time.
        let Some(row) = sqlx::query(AssertSqlSafe(seq_sql("$1", "$2")))
            .bind(user_id)
            .bind(list_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let (seq, floor): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        let tasks = sqlx::query(AssertSqlSafe(changed_sql(TASK_COLUMNS, "$1", "$2")))
            .bind(list_id)
            .bind(since)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(task_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let gone = if since == 0 {
            Vec::new()
        } else {
            sqlx::query(AssertSqlSafe(gone_sql("$1", "$2")))
                .bind(list_id)
                .bind(since)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| {
                    Ok::<_, sqlx::Error>(Gone {
                        task_id: r.try_get(0)?,
                        name: r.try_get(1)?,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        Ok(Some(DavChanges {
            seq,
            floor,
            tasks,
            gone: dedup(gone),
        }))
    }

    async fn dav_find(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        name: &str,
    ) -> StoreResult<Option<(Task, Role)>> {
        let row = sqlx::query(AssertSqlSafe(find_sql(
            TASK_COLUMNS,
            ["$1", "$2", "$3", "$4"],
        )))
        .bind(user_id)
        .bind(list_id)
        .bind(name)
        .bind(id_of_name(name))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .as_ref()
            .map(|r| Ok::<_, sqlx::Error>((task_from_row(r)?, role_from_row(r)?)))
            .transpose()?)
    }

    async fn dav_uid_taken(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        uid: &str,
    ) -> StoreResult<Option<String>> {
        let sql = uid_sql("(t.dav::jsonb ->> 'uid')", ["$1", "$2", "$3", "$4"]);
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(user_id)
            .bind(list_id)
            .bind(uid)
            .bind(Uuid::parse_str(uid).unwrap_or(Uuid::nil()))
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| Ok::<_, sqlx::Error>(name_or_id(r.try_get(0)?, r.try_get(1)?)))
            .transpose()?)
    }
}
