//! The task half of the SQLite store: rows, tags, and the list.

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use uuid::Uuid;

use super::SqliteStore;
use super::task_rows::{
    TASK_COLUMNS, day, insert_tags, occurrence_from_row, role_from_row, tags_json, task_from_row,
};
use crate::lists::model::Role;
use crate::store::access;
use crate::store::list_sql::{self, Dialect, Param, TagPlan};
use crate::store::notify::reminder_text;
use crate::store::tasks::{History, Restore};
use crate::store::tasks::{
    TaskPage, dav_text, fire_insert_sql, fires_clear_sql, history_sql, list_role_sql, may_write,
    record_sql, recurrence_text, reminders_text, tag_names_sql, task_with_role_sql,
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

/// Inserts a task row and its tags unless a task with its id exists; `false` then. The
/// row carries its CalDAV stamp (its list's change count after this insert), so the
/// insert trigger does not write it again (migration 0020).
/// Shared by task creation (whose caller checks the right to write in the list, in the
/// same transaction) and the import (into the owner's inbox).
pub(super) fn insert_task_row(conn: &Connection, task: &Task) -> rusqlite::Result<bool> {
    let done = conn
        .prepare_cached(
            "INSERT INTO tasks (id, user_id, list_id, title, description, title_lower, description_lower,
                 completed, priority, due_at, tags, created_at, updated_at, completed_at, version,
                 due_date, due_key, recurrence, reminders, dav_name, dav, dav_seq)
             VALUES (?1, ?2, ?15, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?16, ?17, ?18, ?19,
                 ?20, ?21, COALESCE((SELECT change_seq + 1 FROM lists WHERE id = ?15), 1))
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
            task.dav.name,
            dav_text(task),
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

/// Writes `task` over the stored row if it still has `expected_version` and `actor` may
/// write in its list and in `task`'s; `None` when not, else whether fires were written
/// (to wake the worker). The caller's savepoint makes it one write with what follows.
fn update_row(
    tx: &Connection,
    actor: Uuid,
    task: &Task,
    expected_version: i64,
) -> rusqlite::Result<Option<bool>> {
    let tags = tags_json(task);
    // The stored list and tags, read in the same transaction, where the actor may write:
    // the tag index is rewritten only when they change (a toggle or a title edit leaves
    // it alone).
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
        return Ok(None);
    };
    if old_list != task.list_id && !can_write(tx, actor, task.list_id)? {
        return Ok(None);
    }
    tx.prepare_cached(
        "UPDATE tasks SET title = ?1, description = ?2, title_lower = ?3,
             description_lower = ?4, completed = ?5, priority = ?6, due_at = ?7,
             tags = ?8, updated_at = ?9, completed_at = ?10, version = ?11,
             list_id = ?12, due_date = ?14, due_key = ?15, recurrence = ?16,
             reminders = ?17, dav_name = ?18, dav = ?19
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
        recurrence_text(task),
        reminders_text(task),
        task.dav.name,
        dav_text(task),
    ])?;
    if old_tags != tags || old_list != task.list_id {
        tx.prepare_cached("DELETE FROM task_tags WHERE task_id = ?1")?
            .execute([task.id])?;
        insert_tags(tx, task)?;
    }
    write_fires(tx, task).map(Some)
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

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, params};
    use uuid::Uuid;

    use super::insert_task_row;
    use crate::store::sqlite::open::testing::open_file;
    use crate::tasks::model::{Priority, Task};

    fn task(user: Uuid, list: Uuid, tags: &[&str]) -> Task {
        let now = crate::timestamp::now();
        Task {
            id: Uuid::now_v7(),
            user_id: user,
            list_id: list,
            title: "Buy oat milk".into(),
            description: String::new(),
            completed: false,
            priority: Priority::Medium,
            due_at: None,
            due_date: None,
            due_key: None,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            recurrence: None,
            reminders: Default::default(),
            created_at: now,
            updated_at: now,
            completed_at: None,
            version: 1,
            dav: Default::default(),
        }
    }

    /// Rows written so far, triggers included.
    fn written(c: &Connection) -> rusqlite::Result<i64> {
        c.query_row("SELECT total_changes()", [], |r| r.get(0))
    }

    /// The list's change count and the task's stamp.
    fn stamps(c: &Connection, id: Uuid) -> rusqlite::Result<(i64, i64)> {
        c.query_row(
            "SELECT l.change_seq, t.dav_seq FROM tasks t JOIN lists l ON l.id = t.list_id
             WHERE t.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    #[tokio::test]
    async fn a_new_task_is_written_once_with_its_lists_change_count() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pools = open_file(&dir).expect("open");
        pools
            .writer
            .run(|c| {
                let (user, list) = (Uuid::now_v7(), Uuid::now_v7());
                c.execute(
                    "INSERT INTO users (id, email, email_lower, name, password_hash, created_at,
                         updated_at) VALUES (?1, 'a@example.com', 'a@example.com', 'A', 'h', 0, 0)",
                    [user],
                )?;
                c.execute(
                    "INSERT INTO lists (id, owner_id, name, created_at, updated_at)
                     VALUES (?1, ?2, 'Home', 0, 0)",
                    params![list, user],
                )?;
                for (n, tags) in [&[][..], &["home", "milk"]].into_iter().enumerate() {
                    let task = task(user, list, tags);
                    let before = written(c)?;
                    assert!(insert_task_row(c, &task)?);
                    // The row, its list's counts and its tags; the row is not written again.
                    let rows = 2 + i64::try_from(tags.len()).expect("small");
                    assert_eq!(written(c)? - before, rows, "task {n}");
                    let n = i64::try_from(n).expect("small");
                    assert_eq!(stamps(c, task.id)?, (2 + n, 2 + n), "task {n}");
                }
                // A row that comes without its stamp (as a task put back from the trash
                // comes with its old one) is stamped by the trigger.
                let id = Uuid::now_v7();
                c.execute(
                    "INSERT INTO tasks (id, user_id, list_id, title, title_lower, created_at,
                         updated_at) VALUES (?1, ?2, ?3, 'x', 'x', 0, 0)",
                    params![id, user, list],
                )?;
                assert_eq!(stamps(c, id)?, (4, 4));
                Ok(())
            })
            .await
            .expect("writes");
    }
}
