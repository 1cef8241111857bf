//! A task's row on PostgreSQL: its columns read into a [`Task`] (and an occurrence, a
//! role), and the tag index written; shared by the task store and the trash.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::lists::model::Role;
use crate::store::tasks::{read_dav, read_recurrence, read_reminders};
use crate::tasks::model::{Priority, Task};
use crate::tasks::recurring::Occurrence;

/// The columns of a task, as [`task_from_row`] reads them.
pub(super) const TASK_COLUMNS: &str = "t.id, t.user_id, t.list_id, t.title, t.description, t.completed, t.priority, t.due_at, t.tags, t.created_at, t.updated_at, t.completed_at, t.version, t.due_date, t.due_key, t.recurrence, t.reminders, t.dav_name, t.dav";

pub(super) fn role_from_row(row: &PgRow) -> Result<Role, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Role::from_name(&role).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: "role".into(),
        source: format!("unknown role `{role}`").into(),
    })
}

pub(super) fn task_from_row(row: &PgRow) -> Result<Task, sqlx::Error> {
    Ok(Task {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        list_id: row.try_get("list_id")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        completed: row.try_get("completed")?,
        priority: Priority::from_rank(i64::from(row.try_get::<i16, _>("priority")?)),
        due_at: row.try_get("due_at")?,
        tags: row.try_get("tags")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        completed_at: row.try_get("completed_at")?,
        version: row.try_get("version")?,
        due_date: row.try_get("due_date")?,
        due_key: row.try_get("due_key")?,
        recurrence: read_recurrence(row.try_get("recurrence")?).map_err(|e| {
            sqlx::Error::ColumnDecode {
                index: "recurrence".into(),
                source: e.into(),
            }
        })?,
        reminders: read_reminders(row.try_get("reminders")?).map_err(|e| {
            sqlx::Error::ColumnDecode {
                index: "reminders".into(),
                source: e.into(),
            }
        })?,
        dav: read_dav(row.try_get("dav_name")?, row.try_get("dav")?).map_err(|e| {
            sqlx::Error::ColumnDecode {
                index: "dav".into(),
                source: e.into(),
            }
        })?,
    })
}

pub(super) fn occurrence_from_row(row: &PgRow) -> Result<Occurrence, sqlx::Error> {
    Ok(Occurrence {
        due_at: row.try_get("due_at")?,
        due_date: row.try_get("due_date")?,
        completed_at: row.try_get("completed_at")?,
        completed_by: row.try_get("completed_by")?,
        index: row
            .try_get::<Option<i32>, _>("series_index")?
            .and_then(|i| u32::try_from(i).ok()),
    })
}

pub(super) async fn write_tags(conn: &mut PgConnection, task: &Task) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM task_tags WHERE task_id = $1")
        .bind(task.id)
        .execute(&mut *conn)
        .await?;
    if !task.tags.is_empty() {
        sqlx::query(
            "INSERT INTO task_tags (list_id, tag, task_id) SELECT $1, tag, $2 FROM UNNEST($3::text[]) AS tag",
        )
        .bind(task.list_id)
        .bind(task.id)
        .bind(&task.tags)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
