//! The task half of the PostgreSQL store: rows, tags, and the list.

use async_trait::async_trait;
use sqlx::postgres::PgArguments;
use sqlx::{AssertSqlSafe, PgConnection, Postgres, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::PgStore;
use super::task_rows::{TASK_COLUMNS, occurrence_from_row, role_from_row, task_from_row};
use crate::lists::model::Role;
use crate::store::access;
use crate::store::list_sql::{self, Dialect, Param};
use crate::store::notify::{WAKE_CHANNEL, reminder_text};
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

/// The list's columns: the task's, and the title key its branches are ordered by again.
const LIST_COLUMNS: &str = "t.id, t.user_id, t.list_id, t.title, t.description, t.completed, t.priority, t.due_at, t.tags, t.created_at, t.updated_at, t.completed_at, t.version, t.due_date, t.due_key, t.recurrence, t.reminders, t.dav_name, t.dav, t.title_lower";

fn bind_param<'q>(
    q: sqlx::query::Query<'q, Postgres, PgArguments>,
    p: &Param,
) -> sqlx::query::Query<'q, Postgres, PgArguments> {
    match p {
        Param::Uuid(u) => q.bind(*u),
        // Ranks are SMALLINT; everything else bound as Int is a rank here (times are Time).
        Param::Int(i) => q.bind(*i),
        Param::Text(s) => q.bind(s.clone()),
        Param::Bool(b) => q.bind(*b),
        Param::Time(t) => q.bind(*t),
        Param::Date(d) => q.bind(*d),
    }
}

/// Inserts a task row and its tags unless a task with its id exists, or `actor` (when
/// given) may not write in its list; `false` then. One statement (the tags in a
/// data-modifying `WITH`), so that a create without reminders needs no transaction. An
/// existing id is skipped before the row is made, not only by `ON CONFLICT`: the trigger
/// that counts a list's tasks runs before the conflict would be found (migration 0019).
/// Shared by task creation (with the creator as `actor`) and the import (into the owner's
/// inbox).
pub(super) async fn insert_task_row<'c, E>(
    conn: E,
    task: &Task,
    actor: Option<Uuid>,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    let guard = match actor {
        Some(_) => may_write("$16", "$15"),
        None => "$16::uuid IS NULL".to_owned(),
    };
    let inserted: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "WITH t AS (
             INSERT INTO tasks (id, user_id, list_id, title, description, title_lower, description_lower,
                 completed, priority, due_at, tags, created_at, updated_at, completed_at, version,
                 due_date, due_key, recurrence, reminders, dav_name, dav)
             SELECT $1, $2, $15, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $17, $18, $19, $20,
                 $21, $22
             WHERE {guard} AND NOT EXISTS (SELECT 1 FROM tasks WHERE id = $1)
             ON CONFLICT (id) DO NOTHING
             RETURNING id, list_id
         ), tagged AS (
             INSERT INTO task_tags (list_id, tag, task_id)
             SELECT t.list_id, tag, t.id FROM t, UNNEST($10::text[]) AS tag
         )
         SELECT COUNT(*) FROM t"
    )))
    .bind(task.id)
    .bind(task.user_id)
    .bind(&task.title)
    .bind(&task.description)
    .bind(task.title.to_lowercase())
    .bind(task.description.to_lowercase())
    .bind(task.completed)
    .bind(task.priority.rank())
    .bind(task.due_at)
    .bind(&task.tags)
    .bind(task.created_at)
    .bind(task.updated_at)
    .bind(task.completed_at)
    .bind(task.version)
    .bind(task.list_id)
    .bind(actor)
    .bind(task.due_date)
    .bind(task.due_key)
    .bind(recurrence_text(task))
    .bind(reminders_text(task))
    .bind(&task.dav.name)
    .bind(dav_text(task))
    .fetch_one(conn)
    .await?;
    Ok(inserted > 0)
}

/// Puts the task's fires in place of those still ahead, when the service worked them
/// out, waking every node's worker at commit when there are any; whether there are.
pub(super) async fn write_fires(conn: &mut PgConnection, task: &Task) -> Result<bool, sqlx::Error> {
    let Some(fires) = &task.reminders.fires else {
        return Ok(false);
    };
    sqlx::query(AssertSqlSafe(fires_clear_sql("$1", "$2")))
        .bind(task.id)
        .bind(task.updated_at)
        .execute(&mut *conn)
        .await?;
    let to = task.reminders.to.unwrap_or(task.user_id);
    for f in fires {
        sqlx::query(AssertSqlSafe(fire_insert_sql(["$1", "$2", "$3", "$4"])))
            .bind(task.id)
            .bind(to)
            .bind(reminder_text(&f.reminder))
            .bind(f.at)
            .execute(&mut *conn)
            .await?;
    }
    if !fires.is_empty() {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(WAKE_CHANNEL)
            .execute(&mut *conn)
            .await?;
    }
    Ok(!fires.is_empty())
}

/// Writes `task` over the stored row if it still has `expected_version` and `actor` may
/// write in the list it is in and in `task`'s; whether it did. One statement: the tag
/// index is changed in the same `WITH`, and only when the tags or the list change (a
/// toggle or a title edit leaves it alone), so that a plain change needs no transaction.
async fn update_row<'c, E>(
    conn: E,
    actor: Uuid,
    task: &Task,
    expected_version: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    // `o` is the row as the statement's snapshot saw it: when the update goes through,
    // the row had `expected_version` then and still has it, so `o` holds the tags and
    // list being replaced. Both lists are checked: the one the task is in, and the one it
    // goes to (the same unless it moves).
    let updated: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "WITH u AS (
             UPDATE tasks t SET title = $1, description = $2, title_lower = $3,
                 description_lower = $4, completed = $5, priority = $6, due_at = $7, tags = $8,
                 updated_at = $9, completed_at = $10, version = $11, list_id = $12,
                 due_date = $16, due_key = $17, recurrence = $18, reminders = $19,
                 dav_name = $20, dav = $21
             FROM tasks o
             WHERE t.id = $13 AND o.id = $13 AND t.version = $14 AND o.version = $14
                 AND {} AND {}
             RETURNING t.id, t.list_id, (o.tags IS DISTINCT FROM t.tags OR o.list_id <> t.list_id) AS retag
         ), untagged AS (
             DELETE FROM task_tags g USING u
             WHERE u.retag AND g.task_id = u.id
                 AND (g.list_id <> u.list_id OR NOT (g.tag = ANY($8::text[])))
         ), tagged AS (
             INSERT INTO task_tags (list_id, tag, task_id)
             SELECT u.list_id, tag, u.id FROM u, UNNEST($8::text[]) AS tag WHERE u.retag
             ON CONFLICT DO NOTHING
         )
         SELECT COUNT(*) FROM u",
        may_write("$15", "t.list_id"),
        may_write("$15", "$12")
    )))
    .bind(&task.title)
    .bind(&task.description)
    .bind(task.title.to_lowercase())
    .bind(task.description.to_lowercase())
    .bind(task.completed)
    .bind(task.priority.rank())
    .bind(task.due_at)
    .bind(&task.tags)
    .bind(task.updated_at)
    .bind(task.completed_at)
    .bind(task.version)
    .bind(task.list_id)
    .bind(task.id)
    .bind(expected_version)
    .bind(actor)
    .bind(task.due_date)
    .bind(task.due_key)
    .bind(recurrence_text(task))
    .bind(reminders_text(task))
    .bind(&task.dav.name)
    .bind(dav_text(task))
    .fetch_one(conn)
    .await?;
    Ok(updated > 0)
}

/// Whether writing `task` puts no reminder fires in place: then an insert is its one
/// statement alone, and so is an update that changes no history.
fn writes_no_fires(task: &Task) -> bool {
    task.reminders.fires.is_none()
}

#[async_trait]
impl TaskStore for PgStore {
    async fn task_insert(&self, actor: Uuid, task: &Task) -> StoreResult<bool> {
        if writes_no_fires(task) {
            return Ok(insert_task_row(&self.pool, task, Some(actor)).await?);
        }
        let mut tx = self.pool.begin().await?;
        if !insert_task_row(&mut *tx, task, Some(actor)).await? {
            return Ok(false);
        }
        let wake = write_fires(&mut tx, task).await?;
        tx.commit().await?;
        if wake {
            self.signal.notify_one();
        }
        Ok(true)
    }

    async fn task_update(
        &self,
        actor: Uuid,
        task: &Task,
        expected_version: i64,
        history: History<'_>,
    ) -> StoreResult<bool> {
        if writes_no_fires(task) && matches!(history, History::Keep) {
            return Ok(update_row(&self.pool, actor, task, expected_version).await?);
        }
        let mut tx = self.pool.begin().await?;
        if !update_row(&mut *tx, actor, task, expected_version).await? {
            return Ok(false);
        }
        let wake = write_fires(&mut tx, task).await?;
        match history {
            History::Keep => {}
            History::Record(o) => {
                sqlx::query(AssertSqlSafe(record_sql([
                    "$1", "$2", "$3", "$4", "$5", "$6",
                ])))
                .bind(task.id)
                .bind(o.due_at)
                .bind(o.due_date)
                .bind(o.completed_at)
                .bind(o.completed_by)
                .bind(o.index.and_then(|i| i32::try_from(i).ok()))
                .execute(&mut *tx)
                .await?;
            }
            History::Unrecord(at) => {
                let removed = sqlx::query(AssertSqlSafe(unrecord_sql("$1", "$2")))
                    .bind(task.id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                if removed.rows_affected() == 0 {
                    // Dropping the transaction rolls the update back.
                    return Ok(false);
                }
            }
        }
        tx.commit().await?;
        if wake {
            self.signal.notify_one();
        }
        Ok(true)
    }

    async fn task_get(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<(Task, Role)>> {
        let row = sqlx::query(AssertSqlSafe(task_with_role_sql(TASK_COLUMNS, "$1", "$2")))
            .bind(user_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .as_ref()
            .map(|r| Ok::<_, sqlx::Error>((task_from_row(r)?, role_from_row(r)?)))
            .transpose()?)
    }

    async fn task_history(&self, id: Uuid) -> StoreResult<Vec<Occurrence>> {
        let rows = sqlx::query(AssertSqlSafe(history_sql("$1")))
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(occurrence_from_row)
            .collect::<Result<_, _>>()?)
    }

    async fn task_list_role(&self, user_id: Uuid, list_id: Uuid) -> StoreResult<Option<Role>> {
        let row = sqlx::query(AssertSqlSafe(list_role_sql("$1", "$2")))
            .bind(user_id)
            .bind(list_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(role_from_row).transpose()?)
    }

    async fn task_delete(
        &self,
        actor: Uuid,
        id: Uuid,
        expected_version: i64,
        at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let done = super::trash::delete(&self.pool, actor, id, expected_version, at).await?;
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
        let (restore, wake) = super::trash::restore(&self.pool, actor, id, since).await?;
        if wake {
            self.signal.notify_one();
        }
        Ok(restore)
    }

    async fn task_trash_sweep(
        &self,
        before: OffsetDateTime,
    ) -> StoreResult<Option<OffsetDateTime>> {
        super::trash::sweep(&self.pool, before).await
    }

    async fn task_list(&self, user_id: Uuid, q: &ListQuery) -> StoreResult<Option<TaskPage>> {
        // One statement, no transaction, for all the lists the user sees: the page, a
        // branch per list through a `LATERAL` join over them, with its total (one
        // snapshot, so the two agree). One list alone is two: is it readable, then its
        // page (a list the user may not see is a 404, not an empty page).
        let sql = match q.list {
            None => list_sql::build_readable(LIST_COLUMNS, user_id, q),
            Some(only) => {
                let lists: Vec<Uuid> =
                    sqlx::query_scalar(AssertSqlSafe(access::readable_ids("$1", Some("$2"))))
                        .bind(user_id)
                        .bind(only)
                        .fetch_all(&self.pool)
                        .await?;
                if lists.is_empty() {
                    return Ok(None);
                }
                list_sql::build(Dialect::Postgres, LIST_COLUMNS, &lists, q)
            }
        };
        let mut page = sqlx::query(AssertSqlSafe(sql.page_with_total()));
        for p in &sql.page_params {
            page = bind_param(page, p);
        }
        let rows = page.fetch_all(&self.pool).await?;
        let total: i64 = match rows.first() {
            Some(row) => row.try_get("total")?,
            // No rows: nothing matches, or the cursor is past the end, when the total
            // takes a statement of its own.
            None if q.cursor.is_none() => 0,
            None => {
                let mut count = sqlx::query(AssertSqlSafe(sql.count()));
                for p in sql.count_params() {
                    count = bind_param(count, p);
                }
                count.fetch_one(&self.pool).await?.try_get(0)?
            }
        };
        let tasks = rows
            .iter()
            .map(task_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some((tasks, u64::try_from(total).unwrap_or(0))))
    }

    async fn task_tag_names(&self, user_id: Uuid, limit: u32) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(AssertSqlSafe(tag_names_sql("$1", "$2")))
            .bind(user_id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?)
    }
}
