//! A task's row written on SQLite: the insert, the update (of what changes) and the
//! reminder fires; shared by the task store and the import.

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::task_rows::{day, insert_tags, tags_json};
use crate::store::notify::reminder_text;
use crate::store::tasks::{
    dav_text, fire_insert_sql, fires_clear_sql, may_write, recurrence_text, reminders_text,
};
use crate::tasks::model::Task;
use crate::timestamp::to_micros;

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
pub(super) fn write_fires(conn: &Connection, task: &Task) -> rusqlite::Result<bool> {
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
pub(super) fn can_write(conn: &Connection, actor: Uuid, list: Uuid) -> rusqlite::Result<bool> {
    conn.prepare_cached(&format!("SELECT {}", may_write("?1", "?2")))?
        .query_row(params![actor, list], |r| r.get(0))
}

/// The stored values of a task's indexed columns, read before an update.
struct Indexed {
    list_id: Uuid,
    tags: String,
    title_lower: String,
    completed: bool,
    priority: i64,
    due_key: Option<i64>,
    dav_name: Option<String>,
}

/// The `UPDATE` that writes `task` over `old`. SQLite rewrites an index entry when the
/// statement sets one of its columns, whatever the value, so the indexed columns are set
/// only when they change: a toggle rewrites the entries of `completed`, `updated_at` and
/// the stamp, not the title's, the due's or the priority's. The other columns are always
/// set (the row is written anyway). The row brings its CalDAV stamp, so the update trigger
/// does not write it again (migration 0020). Parameters as [`update_row`] binds them;
/// `title_lower` is the new title lower-cased, as bound.
fn update_sql(old: &Indexed, task: &Task, title_lower: &str) -> String {
    let mut set = String::from(
        "UPDATE tasks SET title = ?1, description = ?2, description_lower = ?4, due_at = ?7,
             tags = ?8, updated_at = ?9, completed_at = ?10, version = ?11, due_date = ?14,
             recurrence = ?16, reminders = ?17, dav = ?19,
             dav_seq = COALESCE((SELECT change_seq + 1 FROM lists WHERE id = ?12), 1)",
    );
    let changed = [
        (old.title_lower != title_lower, "title_lower = ?3"),
        (old.completed != task.completed, "completed = ?5"),
        (
            old.priority != i64::from(task.priority.rank()),
            "priority = ?6",
        ),
        (old.list_id != task.list_id, "list_id = ?12"),
        (old.due_key != task.due_key.map(to_micros), "due_key = ?15"),
        (old.dav_name != task.dav.name, "dav_name = ?18"),
    ];
    for (_, column) in changed.iter().filter(|(changed, _)| *changed) {
        set.push_str(", ");
        set.push_str(column);
    }
    set.push_str(" WHERE id = ?13");
    set
}

/// Writes `task` over the stored row if it still has `expected_version` and `actor` may
/// write in its list and in `task`'s; `None` when not, else whether fires were written
/// (to wake the worker). The caller's savepoint makes it one write with what follows.
pub(super) fn update_row(
    tx: &Connection,
    actor: Uuid,
    task: &Task,
    expected_version: i64,
) -> rusqlite::Result<Option<bool>> {
    let tags = tags_json(task);
    // The stored indexed columns, read in the same transaction, where the actor may
    // write: what changes is written (`update_sql`), and the tag index is rewritten only
    // when the tags or the list change.
    let old = tx
        .prepare_cached(&format!(
            "SELECT list_id, tags, title_lower, completed, priority, due_key, dav_name
             FROM tasks WHERE id = ?1 AND version = ?2 AND {}",
            may_write("?3", "list_id")
        ))?
        .query_row(params![task.id, expected_version, actor], |r| {
            Ok(Indexed {
                list_id: r.get(0)?,
                tags: r.get(1)?,
                title_lower: r.get(2)?,
                completed: r.get(3)?,
                priority: r.get(4)?,
                due_key: r.get(5)?,
                dav_name: r.get(6)?,
            })
        })
        .optional()?;
    let Some(old) = old else {
        return Ok(None);
    };
    if old.list_id != task.list_id && !can_write(tx, actor, task.list_id)? {
        return Ok(None);
    }
    let title_lower = task.title.to_lowercase();
    tx.prepare_cached(&update_sql(&old, task, &title_lower))?
        .execute(params![
            task.title,
            task.description,
            title_lower,
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
    if old.tags != tags || old.list_id != task.list_id {
        tx.prepare_cached("DELETE FROM task_tags WHERE task_id = ?1")?
            .execute([task.id])?;
        insert_tags(tx, task)?;
    }
    write_fires(tx, task).map(Some)
}

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, params};
    use uuid::Uuid;

    use super::{insert_task_row, update_row};
    use crate::store::StoreResult;
    use crate::store::sqlite::open::testing::open_file;
    use crate::tasks::model::{Priority, Task};

    fn task(user: Uuid, list: Uuid, tags: &[&str]) -> Task {
        Task {
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            ..Task::sample(user, list, "Buy oat milk", crate::timestamp::now())
        }
    }

    /// Rows written so far, triggers included.
    fn written(c: &Connection) -> rusqlite::Result<i64> {
        c.query_row("SELECT total_changes()", [], |r| r.get(0))
    }

    /// The task's list's change count and the task's stamp.
    fn stamps(c: &Connection, id: Uuid) -> rusqlite::Result<(i64, i64)> {
        c.query_row(
            "SELECT l.change_seq, t.dav_seq FROM tasks t JOIN lists l ON l.id = t.list_id
             WHERE t.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// A user with two lists.
    fn owner(c: &Connection) -> rusqlite::Result<(Uuid, Uuid, Uuid)> {
        let (user, home, work) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        c.execute(
            "INSERT INTO users (id, email, email_lower, name, password_hash, created_at,
                 updated_at) VALUES (?1, 'a@example.com', 'a@example.com', 'A', 'h', 0, 0)",
            [user],
        )?;
        for (list, name) in [(home, "Home"), (work, "Work")] {
            c.execute(
                "INSERT INTO lists (id, owner_id, name, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 0, 0)",
                params![list, user, name],
            )?;
        }
        Ok((user, home, work))
    }

    /// Runs `check` on the writer of a new database with a user who owns two lists.
    async fn with_owner<F>(check: F)
    where
        F: FnOnce(&mut Connection, (Uuid, Uuid, Uuid)) -> StoreResult<()> + Send + 'static,
    {
        let dir = tempfile::tempdir().expect("tempdir");
        let pools = open_file(&dir).expect("open");
        pools
            .writer
            .run(|c| {
                let owner = owner(c)?;
                check(c, owner)
            })
            .await
            .expect("writes");
    }

    #[tokio::test]
    async fn a_new_task_is_written_once_with_its_lists_change_count() {
        with_owner(|c, (user, list, _)| {
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
        .await;
    }

    #[tokio::test]
    async fn an_update_is_written_once_and_sets_what_changed() {
        with_owner(|c, (user, home, work)| {
            let mut t = task(user, home, &["milk"]);
            assert!(insert_task_row(c, &t)?);
            let update = |c: &Connection, t: &mut Task| {
                t.version += 1;
                t.updated_at = crate::timestamp::now();
                let before = written(c)?;
                assert_eq!(update_row(c, user, t, t.version - 1)?, Some(false));
                written(c).map(|after| after - before)
            };
            // A toggle: the row and its list's counts, nothing else.
            t.set_completed(true, crate::timestamp::now());
            assert_eq!(update(c, &mut t)?, 2);
            assert_eq!(stamps(c, t.id)?, (3, 3));
            // Every indexed column at once, and a move (a tombstone in the old list,
            // the tag index rewritten).
            t.title = "Pay the RENT".into();
            t.priority = Priority::High;
            t.due_key = Some(t.updated_at);
            t.due_at = t.due_key;
            t.dav.name = Some("rent.ics".into());
            t.list_id = work;
            assert_eq!(update(c, &mut t)?, 2 + 1 + 1 + 2);
            assert_eq!(stamps(c, t.id)?, (2, 2));
            // Each indexed column finds the task by its new value, and the indexes
            // match the table.
            let found: i64 = c.query_row(
                "SELECT count(*) FROM tasks WHERE list_id = ?1 AND title_lower = 'pay the rent'
                         AND completed = 1 AND priority = 3 AND due_key IS NOT NULL
                         AND dav_name = 'rent.ics'",
                [work],
                |r| r.get(0),
            )?;
            assert_eq!(found, 1);
            let counts: (i64, i64, i64, i64) = c.query_row(
                "SELECT h.task_count, h.done_count, w.task_count, w.done_count
                     FROM lists h, lists w WHERE h.id = ?1 AND w.id = ?2",
                params![home, work],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
            assert_eq!(counts, (0, 0, 1, 1));
            let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            assert_eq!(check, "ok");
            // An update at an old version writes nothing.
            let before = written(c)?;
            assert_eq!(update_row(c, user, &t, 1)?, None);
            assert_eq!(written(c)?, before);
            Ok(())
        })
        .await;
    }
}
