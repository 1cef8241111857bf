//! The task half of the SQLite store: rows, tags, and the list.

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use uuid::Uuid;

use super::SqliteStore;
use crate::lists::model::Role;
use crate::store::access;
use crate::store::list_sql::{self, Dialect, Param};
use crate::store::notify::reminder_text;
use crate::store::tasks::{
    TaskPage, fire_insert_sql, fires_clear_sql, history_sql, list_role_sql, may_write,
    read_recurrence, read_reminders, record_sql, recurrence_text, reminders_text,
    task_with_role_sql,
};
use crate::store::{StoreResult, TaskStore};
use crate::tasks::model::{Priority, Task};
use crate::tasks::query::ListQuery;
use crate::tasks::recurring::Occurrence;
use crate::timestamp::{from_micros, to_micros};
use time::Date;

const TASK_COLUMNS: &str = "t.id, t.user_id, t.list_id, t.title, t.description, t.completed, t.priority, t.due_at, t.tags, t.created_at, t.updated_at, t.completed_at, t.version, t.due_date, t.due_key, t.recurrence, t.reminders";

/// The list's columns: the task's, and the title key its branches are ordered by again.
const LIST_COLUMNS: &str = "t.id, t.user_id, t.list_id, t.title, t.description, t.completed, t.priority, t.due_at, t.tags, t.created_at, t.updated_at, t.completed_at, t.version, t.due_date, t.due_key, t.recurrence, t.reminders, t.title_lower";

/// Where `page_with_total` puts the total: after the list's columns.
const TOTAL_COLUMN: usize = 18;

/// Where a task with its role has the role: after the task columns.
const ROLE_COLUMN: usize = 17;

/// An all-day due as stored: its Julian day number.
fn day(date: Option<Date>) -> Option<i32> {
    date.map(Date::to_julian_day)
}

/// A stored Julian day number in column `i`, read back.
fn read_day(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Date>> {
    row.get::<_, Option<i32>>(i)?
        .map(|d| {
            Date::from_julian_day(d).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    i,
                    rusqlite::types::Type::Integer,
                    Box::new(e),
                )
            })
        })
        .transpose()
}

fn task_from_row(row: &Row<'_>) -> rusqlite::Result<Task> {
    let tags: String = row.get(8)?;
    Ok(Task {
        id: row.get(0)?,
        user_id: row.get(1)?,
        list_id: row.get(2)?,
        title: row.get(3)?,
        description: row.get(4)?,
        completed: row.get(5)?,
        priority: Priority::from_rank(row.get(6)?),
        due_at: row.get::<_, Option<i64>>(7)?.map(from_micros),
        tags: serde_json::from_str(&tags).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, Box::new(e))
        })?,
        created_at: from_micros(row.get(9)?),
        updated_at: from_micros(row.get(10)?),
        completed_at: row.get::<_, Option<i64>>(11)?.map(from_micros),
        version: row.get(12)?,
        due_date: read_day(row, 13)?,
        due_key: row.get::<_, Option<i64>>(14)?.map(from_micros),
        recurrence: read_recurrence(row.get(15)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(15, rusqlite::types::Type::Text, e.into())
        })?,
        reminders: read_reminders(row.get(16)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(16, rusqlite::types::Type::Text, e.into())
        })?,
    })
}

fn occurrence_from_row(row: &Row<'_>) -> rusqlite::Result<Occurrence> {
    Ok(Occurrence {
        due_at: row.get::<_, Option<i64>>(0)?.map(from_micros),
        due_date: read_day(row, 1)?,
        completed_at: from_micros(row.get(2)?),
        completed_by: row.get(3)?,
    })
}

fn role_from_row(row: &Row<'_>, i: usize) -> rusqlite::Result<Role> {
    let role: String = row.get(i)?;
    Role::from_name(&role).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown role `{role}`").into(),
        )
    })
}

fn tags_json(task: &Task) -> String {
    serde_json::to_string(&task.tags).unwrap_or_else(|_| "[]".into())
}

/// Adds the index rows of a task's tags (the `tags` column holds them for display).
fn insert_tags(conn: &Connection, task: &Task) -> rusqlite::Result<()> {
    if task.tags.is_empty() {
        return Ok(());
    }
    let mut stmt =
        conn.prepare_cached("INSERT INTO task_tags (list_id, tag, task_id) VALUES (?1, ?2, ?3)")?;
    for tag in &task.tags {
        stmt.execute(params![task.list_id, tag, task.id])?;
    }
    Ok(())
}

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

/// Inserts a task row and its tags unless a task with its id exists; `false` then.
/// Shared by task creation (whose caller checks the right to write in the list, in the
/// same transaction) and the import (into the owner's inbox).
pub(super) fn insert_task_row(conn: &Connection, task: &Task) -> rusqlite::Result<bool> {
    let done = conn
        .prepare_cached(
            "INSERT INTO tasks (id, user_id, list_id, title, description, title_lower, description_lower,
                 completed, priority, due_at, tags, created_at, updated_at, completed_at, version,
                 due_date, due_key, recurrence, reminders)
             VALUES (?1, ?2, ?15, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?16, ?17, ?18, ?19)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            task.id,
            task.user_id,
            task.title,
            task.description,
            task.title.to_lowercase(),
            task.description.to_lowercase(),
            task.completed,
            i64::from(task.priority.rank()),
            task.due_at.map(to_micros),
            tags_json(task),
            to_micros(task.created_at),
            to_micros(task.updated_at),
            task.completed_at.map(to_micros),
            task.version,
            task.list_id,
            day(task.due_date),
            task.due_key.map(to_micros),
            recurrence_text(task),
            reminders_text(task),
        ])?;
    if done == 0 {
        return Ok(false);
    }
    insert_tags(conn, task)?;
    Ok(true)
}

/// Puts the task's fires in place of those still ahead, when the service worked them
/// out; whether there are any (to wake the worker).
fn write_fires(conn: &Connection, task: &Task) -> rusqlite::Result<bool> {
    let Some(fires) = &task.reminders.fires else {
        return Ok(false);
    };
    conn.prepare_cached(&fires_clear_sql("?1", "?2"))?
        .execute(params![task.id, to_micros(task.updated_at)])?;
    let to = task.reminders.to.unwrap_or(task.user_id);
    let mut stmt = conn.prepare_cached(&fire_insert_sql(["?1", "?2", "?3", "?4"]))?;
    for f in fires {
        stmt.execute(params![
            task.id,
            to,
            reminder_text(&f.reminder),
            to_micros(f.at)
        ])?;
    }
    Ok(!fires.is_empty())
}

/// Whether the user `actor` may write in list `list`.
fn can_write(conn: &Connection, actor: Uuid, list: Uuid) -> rusqlite::Result<bool> {
    conn.prepare_cached(&format!("SELECT {}", may_write("?1", "?2")))?
        .query_row(params![actor, list], |r| r.get(0))
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
        occurrence: Option<&Occurrence>,
    ) -> StoreResult<bool> {
        let task = task.clone();
        let occurrence = occurrence.cloned();
        let (done, wake) = self
            .writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let tags = tags_json(&task);
                // The stored list and tags, read in the same transaction, where the actor
                // may write: the tag index is rewritten only when they change (a toggle or
                // a title edit leaves it alone).
                let old: Option<(Uuid, String)> = tx
                    .prepare_cached(&format!(
                        "SELECT list_id, tags FROM tasks WHERE id = ?1 AND version = ?2 AND {}",
                        may_write("?3", "list_id")
                    ))?
                    .query_row(params![task.id, expected_version, actor], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?;
                let Some((old_list, old_tags)) = old else {
                    return Ok((false, false));
                };
                if old_list != task.list_id && !can_write(&tx, actor, task.list_id)? {
                    return Ok((false, false));
                }
                tx.prepare_cached(
                    "UPDATE tasks SET title = ?1, description = ?2, title_lower = ?3,
                         description_lower = ?4, completed = ?5, priority = ?6, due_at = ?7,
                         tags = ?8, updated_at = ?9, completed_at = ?10, version = ?11,
                         list_id = ?12, due_date = ?14, due_key = ?15, recurrence = ?16,
                         reminders = ?17
                     WHERE id = ?13",
                )?
                .execute(params![
                    task.title,
                    task.description,
                    task.title.to_lowercase(),
                    task.description.to_lowercase(),
                    task.completed,
                    i64::from(task.priority.rank()),
                    task.due_at.map(to_micros),
                    tags,
                    to_micros(task.updated_at),
                    task.completed_at.map(to_micros),
                    task.version,
                    task.list_id,
                    task.id,
                    day(task.due_date),
                    task.due_key.map(to_micros),
                    recurrence_text(&task),
                    reminders_text(&task),
                ])?;
                if let Some(o) = &occurrence {
                    tx.prepare_cached(&record_sql(["?1", "?2", "?3", "?4", "?5"]))?
                        .execute(params![
                            task.id,
                            o.due_at.map(to_micros),
                            day(o.due_date),
                            to_micros(o.completed_at),
                            o.completed_by,
                        ])?;
                }
                if old_tags != tags || old_list != task.list_id {
                    tx.prepare_cached("DELETE FROM task_tags WHERE task_id = ?1")?
                        .execute([task.id])?;
                    insert_tags(&tx, &task)?;
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

    async fn task_delete(&self, actor: Uuid, id: Uuid, expected_version: i64) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let sql = format!(
                    "DELETE FROM tasks WHERE id = ?1 AND version = ?2 AND {}",
                    may_write("?3", "list_id")
                );
                let done = c
                    .prepare_cached(&sql)?
                    .execute(params![id, expected_version, actor])?;
                Ok(done > 0)
            })
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
                let sql = list_sql::build(Dialect::Sqlite, LIST_COLUMNS, &lists, &q);
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
}
