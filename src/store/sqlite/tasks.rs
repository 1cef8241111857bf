//! The task half of the SQLite store: rows, tags, and the list.

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use uuid::Uuid;

use super::SqliteStore;
use crate::store::list_sql::{self, Dialect, Param};
use crate::store::{StoreError, StoreResult, TaskStore};
use crate::tasks::model::{Priority, Task};
use crate::tasks::query::ListQuery;
use crate::timestamp::{from_micros, to_micros};

const TASK_COLUMNS: &str = "t.id, t.user_id, t.title, t.description, t.completed, t.priority, t.due_at, t.tags, t.created_at, t.updated_at, t.completed_at, t.version";

/// Where `page_with_total` puts the total: after the task columns.
const TOTAL_COLUMN: usize = 12;

fn task_from_row(row: &Row<'_>) -> rusqlite::Result<Task> {
    let tags: String = row.get(7)?;
    Ok(Task {
        id: row.get(0)?,
        user_id: row.get(1)?,
        title: row.get(2)?,
        description: row.get(3)?,
        completed: row.get(4)?,
        priority: Priority::from_rank(row.get(5)?),
        due_at: row.get::<_, Option<i64>>(6)?.map(from_micros),
        tags: serde_json::from_str(&tags).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
        })?,
        created_at: from_micros(row.get(8)?),
        updated_at: from_micros(row.get(9)?),
        completed_at: row.get::<_, Option<i64>>(10)?.map(from_micros),
        version: row.get(11)?,
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
        conn.prepare_cached("INSERT INTO task_tags (user_id, tag, task_id) VALUES (?1, ?2, ?3)")?;
    for tag in &task.tags {
        stmt.execute(params![task.user_id, tag, task.id])?;
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
    }
}

/// Inserts a task row and its tags unless a task with its id exists; `false` then.
/// Shared by task creation and the import. The task goes into its creator's inbox, whose
/// id is the creator's (lists in the API come with the next steps of issue 15).
pub(super) fn insert_task_row(conn: &Connection, task: &Task) -> rusqlite::Result<bool> {
    let done = conn
        .prepare_cached(
            "INSERT INTO tasks (id, user_id, list_id, title, description, title_lower, description_lower,
                 completed, priority, due_at, tags, created_at, updated_at, completed_at, version)
             VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
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
        ])?;
    if done == 0 {
        return Ok(false);
    }
    insert_tags(conn, task)?;
    Ok(true)
}

#[async_trait]
impl TaskStore for SqliteStore {
    async fn task_insert(&self, task: &Task) -> StoreResult<()> {
        let task = task.clone();
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                if !insert_task_row(&tx, &task)? {
                    return Err(StoreError::Conflict("a task with this id already exists"));
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn task_update(&self, task: &Task, expected_version: i64) -> StoreResult<bool> {
        let task = task.clone();
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let tags = tags_json(&task);
                // The stored tags, read in the same transaction: the tag index is rewritten
                // only when they change (a toggle or a title edit leaves it alone).
                let old_tags: Option<String> = tx
                    .prepare_cached(
                        "SELECT tags FROM tasks WHERE id = ?1 AND user_id = ?2 AND version = ?3",
                    )?
                    .query_row(params![task.id, task.user_id, expected_version], |r| {
                        r.get(0)
                    })
                    .optional()?;
                let Some(old_tags) = old_tags else {
                    return Ok(false);
                };
                tx.prepare_cached(
                    "UPDATE tasks SET title = ?1, description = ?2, title_lower = ?3,
                         description_lower = ?4, completed = ?5, priority = ?6, due_at = ?7,
                         tags = ?8, updated_at = ?9, completed_at = ?10, version = ?11
                     WHERE id = ?12 AND user_id = ?13",
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
                    task.id,
                    task.user_id,
                ])?;
                if old_tags != tags {
                    tx.prepare_cached("DELETE FROM task_tags WHERE task_id = ?1")?
                        .execute([task.id])?;
                    insert_tags(&tx, &task)?;
                }
                tx.commit()?;
                Ok(true)
            })
            .await
    }

    async fn task_get(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Task>> {
        self.reader
            .read(move |c| {
                let sql = format!(
                    "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.id = ?1 AND t.user_id = ?2"
                );
                Ok(c.prepare_cached(&sql)?
                    .query_row(params![id, user_id], task_from_row)
                    .optional()?)
            })
            .await
    }

    async fn task_delete(
        &self,
        user_id: Uuid,
        id: Uuid,
        expected_version: i64,
    ) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(
                        "DELETE FROM tasks WHERE id = ?1 AND user_id = ?2 AND version = ?3",
                    )?
                    .execute(params![id, user_id, expected_version])?;
                Ok(done > 0)
            })
            .await
    }

    async fn task_list(&self, user_id: Uuid, q: &ListQuery) -> StoreResult<(Vec<Task>, u64)> {
        let sql = list_sql::build(Dialect::Sqlite, TASK_COLUMNS, user_id, q);
        let first_page = q.cursor.is_none();
        self.reader
            .read(move |c| {
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
                    None if first_page => 0,
                    None => c.prepare_cached(&sql.count())?.query_row(
                        params_from_iter(sql.count_params().iter().map(value)),
                        |r| r.get(0),
                    )?,
                };
                Ok((tasks, u64::try_from(total).unwrap_or(0)))
            })
            .await
    }
}
