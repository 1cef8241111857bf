//! A task's row on SQLite: its columns read into a [`Task`] (and an occurrence, a role),
//! and the tag index written; shared by the task store and the trash.

use rusqlite::{Connection, Row, params};
use time::Date;

use crate::lists::model::Role;
use crate::store::tasks::{read_dav, read_recurrence, read_reminders};
use crate::tasks::model::{Priority, Task};
use crate::tasks::recurring::Occurrence;
use crate::timestamp::from_micros;

/// The columns of a task, as [`task_from_row`] reads them.
pub(super) const TASK_COLUMNS: &str = "t.id, t.user_id, t.list_id, t.title, t.description, t.completed, t.priority, t.due_at, t.tags, t.created_at, t.updated_at, t.completed_at, t.version, t.due_date, t.due_key, t.recurrence, t.reminders, t.dav_name, t.dav";

/// An all-day due as stored: its Julian day number.
pub(super) fn day(date: Option<Date>) -> Option<i32> {
    date.map(Date::to_julian_day)
}

/// A stored Julian day number in column `i`, read back.
pub(super) fn read_day(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Date>> {
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

pub(super) fn task_from_row(row: &Row<'_>) -> rusqlite::Result<Task> {
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
        dav: read_dav(row.get(17)?, row.get(18)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(18, rusqlite::types::Type::Text, e.into())
        })?,
    })
}

pub(super) fn occurrence_from_row(row: &Row<'_>) -> rusqlite::Result<Occurrence> {
    Ok(Occurrence {
        due_at: row.get::<_, Option<i64>>(0)?.map(from_micros),
        due_date: read_day(row, 1)?,
        completed_at: from_micros(row.get(2)?),
        completed_by: row.get(3)?,
        index: row.get(4)?,
    })
}

pub(super) fn role_from_row(row: &Row<'_>, i: usize) -> rusqlite::Result<Role> {
    let role: String = row.get(i)?;
    Role::from_name(&role).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown role `{role}`").into(),
        )
    })
}

pub(super) fn tags_json(task: &Task) -> String {
    serde_json::to_string(&task.tags).unwrap_or_else(|_| "[]".into())
}

/// Adds the index rows of a task's tags (the `tags` column holds them for display).
pub(super) fn insert_tags(conn: &Connection, task: &Task) -> rusqlite::Result<()> {
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
