//! The task half of the SQLite store: reads, the list, and the writes of `task_writes.rs`
//! in the writer's savepoints.

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};
use uuid::Uuid;

use super::SqliteStore;
use super::task_rows::{TASK_COLUMNS, day, occurrence_from_row, role_from_row, task_from_row};
use super::task_writes::{can_write, insert_task_row, update_row, write_fires};
use crate::lists::model::Role;
use crate::store::access;
use crate::store::list_sql::{self, Dialect, Param, TagPlan};
use crate::store::tasks::{History, Restore};
use crate::store::tasks::{
    TaskPage, history_sql, list_role_sql, record_sql, tag_names_sql, task_with_role_sql,
};
use crate::store::trash::unrecord_sql;
use crate::store::{StoreResult, TaskStore};
use crate::tasks::model::Task;
use crate::tasks::query::ListQuery;
use crate::tasks::recurring::Occurrence;
use crate::timestamp::to_micros;
use time::OffsetDateTime;

/// The list's columns: the task's, and the title key its branches are ordered by again.
const LIST_COLUMNS: &str = "t.id, t.user_id, t.list_id, t.title, t.description, t.completed, t.priority, t.due_at, t.tags, t.created_at, t.updated_at, t.completed_at, t.version, t.due_date, t.due_key, t.recurrence, t.reminders, t.dav_name, t.dav, t.title_lower";

/// Where `page_with_total` puts the total: after the list's columns.
const TOTAL_COLUMN: usize = 20;

/// Where a task with its role has the role: after the task columns.
const ROLE_COLUMN: usize = 19;

fn value(p: &Param) -> Value {
    match p {
        Param::Uuid(u) => Value::Blob(u.as_bytes().to_vec()),
        Param::Int(i) => Value::Integer(*i),
        Param::Text(s) => Value::Text(s.clone()),
        Param::Bool(b) => Value::Integer(i64::from(*b)),
        Param::Time(t) => Value::Integer(to_micros(*t)),
        Param::Date(d) => Value::Integer(i64::from(d.to_julian_day())),
    }
}

#[async_trait]
impl TaskStore for SqliteStore {
    async fn task_insert(&self, actor: Uuid, task: &Task) -> StoreResult<bool> {
        let task = task.clone();
        let (done, wake) = self
            .writer
            .run(move |c| {
                // The check and the insert in one savepoint of the single writer.
                let tx = c.savepoint()?;
                if !can_write(&tx, actor, task.list_id)? || !insert_task_row(&tx, &task)? {
                    return Ok((false, false));
                }
                let wake = write_fires(&tx, &task)?;
                tx.commit()?;
                Ok((true, wake))
            })
            .await?;
        if wake {
            self.signal.notify_one();
        }
        Ok(done)
    }

    async fn task_update(
        &self,
        actor: Uuid,
        task: &Task,
        expected_version: i64,
        history: History<'_>,
    ) -> StoreResult<bool> {
        let task = task.clone();
        let (recorded, unrecord) = match history {
            History::Keep => (None, None),
            History::Record(o) => (Some(o.clone()), None),
            History::Unrecord(at) => (None, Some(at)),
        };
        let (done, wake) = self
            .writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let Some(wake) = update_row(&tx, actor, &task, expected_version)? else {
                    return Ok((false, false));
                };
                if let Some(o) = &recorded {
                    tx.prepare_cached(&record_sql(["?1", "?2", "?3", "?4", "?5", "?6"]))?
                        .execute(params![
                            task.id,
                            o.due_at.map(to_micros),
                            day(o.due_date),
                            to_micros(o.completed_at),
                            o.completed_by,
                            o.index,
                        ])?;
                }
                if let Some(at) = unrecord {
                    let removed = tx
                        .prepare_cached(&unrecord_sql("?1", "?2"))?
                        .execute(params![task.id, to_micros(at)])?;
                    if removed == 0 {
                        // Dropping the savepoint rolls the update back.
                        return Ok((false, false));
                    }
                }
                tx.commit()?;
                Ok((true, wake))
            })
            .await?;
        if wake {
            self.signal.notify_one();
        }
        Ok(done)
    }

    async fn task_get(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<(Task, Role)>> {
        self.reader
            .read(move |c| {
                let sql = task_with_role_sql(TASK_COLUMNS, "?1", "?2");
                Ok(c.prepare_cached(&sql)?
                    .query_row(params![user_id, id], |r| {
                        Ok((task_from_row(r)?, role_from_row(r, ROLE_COLUMN)?))
                    })
                    .optional()?)
            })
            .await
    }

    async fn task_history(&self, id: Uuid) -> StoreResult<Vec<Occurrence>> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(&history_sql("?1"))?
                    .query_map([id], occurrence_from_row)?
                    .collect::<rusqlite::Result<_>>()?)
            })
            .await
    }

    async fn task_list_role(&self, user_id: Uuid, list_id: Uuid) -> StoreResult<Option<Role>> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(&list_role_sql("?1", "?2"))?
                    .query_row(params![user_id, list_id], |r| role_from_row(r, 0))
                    .optional()?)
            })
            .await
    }

    async fn task_delete(
        &self,
        actor: Uuid,
        id: Uuid,
        expected_version: i64,
        at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let done = self
            .writer
            .run(move |c| super::trash::delete(c, actor, id, expected_version, at))
            .await?;
        if done {
            // The worker's next sleep takes the sweep of this entry into account.
            self.signal.notify_one();
        }
        Ok(done)
    }

    async fn task_restore(
        &self,
        actor: Uuid,
        id: Uuid,
        since: OffsetDateTime,
    ) -> StoreResult<Restore> {
        let (restore, wake) = self
            .writer
            .run(move |c| super::trash::restore(c, actor, id, since))
            .await?;
        if wake {
            self.signal.notify_one();
        }
        Ok(restore)
    }

    async fn task_trash_sweep(
        &self,
        before: OffsetDateTime,
    ) -> StoreResult<Option<OffsetDateTime>> {
        self.writer
            .run(move |c| super::trash::sweep(c, before))
            .await
    }

    async fn task_list(&self, user_id: Uuid, q: &ListQuery) -> StoreResult<Option<TaskPage>> {
        let q = q.clone();
        self.reader
            .read(move |c| {
                let lists: Vec<Uuid> = match q.list {
                    None => c
                        .prepare_cached(&access::readable_ids("?1", None))?
                        .query_map([user_id], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?,
                    Some(only) => c
                        .prepare_cached(&access::readable_ids("?1", Some("?2")))?
                        .query_map(params![user_id, only], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?,
                };
                if lists.is_empty() {
                    return Ok(q.list.is_none().then(|| (Vec::new(), 0)));
                }
                let mut sql = list_sql::build(Dialect::Sqlite, LIST_COLUMNS, &lists, &q);
                // A tag: SQLite's planner cannot tell a common tag from a rare one (no
                // STAT4), so the store looks at the two counts and chooses.
                if let Some((stats, params)) = sql.tag_stats() {
                    let (tagged, tasks): (i64, i64) = c
                        .prepare_cached(stats)?
                        .query_row(params_from_iter(params.iter().map(value)), |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })?;
                    let plan = TagPlan::for_counts(tagged, tasks);
                    if plan != TagPlan::Planner {
                        sql = list_sql::build_with(Dialect::Sqlite, LIST_COLUMNS, &lists, &q, plan);
                    }
                }
                // One statement, one snapshot: the page and the total agree.
                let mut total = None;
                let tasks = c
                    .prepare_cached(&sql.page_with_total())?
                    .query_map(params_from_iter(sql.page_params.iter().map(value)), |row| {
                        total = Some(row.get::<_, i64>(TOTAL_COLUMN)?);
                        task_from_row(row)
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let total = match total {
                    Some(n) => n,
                    // No rows: nothing matches, or the cursor is past the end, when the
                    // total takes a statement of its own.
                    None if q.cursor.is_none() => 0,
                    None => c.prepare_cached(&sql.count())?.query_row(
                        params_from_iter(sql.count_params().iter().map(value)),
                        |r| r.get(0),
                    )?,
                };
                Ok(Some((tasks, u64::try_from(total).unwrap_or(0))))
            })
            .await
    }

    async fn task_tag_names(&self, user_id: Uuid, limit: u32) -> StoreResult<Vec<String>> {
        self.reader
            .read(move |c| {
                let names = c
                    .prepare_cached(&tag_names_sql("?1", "?2"))?
                    .query_map(params![user_id, limit], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(names)
            })
            .await
    }
}
