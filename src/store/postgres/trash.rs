//! The trash of deleted tasks on PostgreSQL (`store/trash.rs`): each operation one
//! transaction.

use sqlx::{AssertSqlSafe, PgPool, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::task_rows::{TASK_COLUMNS, task_from_row, write_tags};
use crate::store::StoreResult;
use crate::store::dav;
use crate::store::notify::WAKE_CHANNEL;
use crate::store::tasks::Restore;
use crate::store::trash::{
    OLDEST_SQL, restore_sql, sweep_sql, trash_drop_sql, trash_lookup_sql, trash_rest_sql,
    trash_task_sql,
};

/// Moves task `id` at `expected_version` into the trash if `actor` may write in its list.
pub(super) async fn delete(
    pool: &PgPool,
    actor: Uuid,
    id: Uuid,
    expected_version: i64,
    at: OffsetDateTime,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    sqlx::query(AssertSqlSafe(trash_drop_sql("$1")))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let moved = sqlx::query(AssertSqlSafe(trash_task_sql(["$1", "$2", "$3", "$4"])))
        .bind(id)
        .bind(expected_version)
        .bind(actor)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    if moved.rows_affected() == 0 {
        return Ok(false);
    }
    for sql in trash_rest_sql("$1") {
        sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Puts task `id` back for `actor` if deleted at `since` or later; whether fires came
/// back (every node's worker is woken at commit then).
pub(super) async fn restore(
    pool: &PgPool,
    actor: Uuid,
    id: Uuid,
    since: OffsetDateTime,
) -> StoreResult<(Restore, bool)> {
    let mut tx = pool.begin().await?;
    // Locks the entry: two restores of one task wait for each other.
    let found = sqlx::query(AssertSqlSafe(format!(
        "{} FOR UPDATE OF d",
        trash_lookup_sql("$1", "$2")
    )))
    .bind(id)
    .bind(actor)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(found) = found else {
        return Ok((Restore::NotFound, false));
    };
    let deleted_at: OffsetDateTime = found.try_get(0)?;
    let list_exists: bool = found.try_get(1)?;
    let writable: bool = found.try_get(2)?;
    if deleted_at < since {
        return Ok((Restore::Expired, false));
    }
    if !list_exists {
        return Ok((Restore::NoList, false));
    }
    if !writable {
        return Ok((Restore::NoAccess, false));
    }
    let [task_row, history, fires, deliveries, drop] = restore_sql("$1");
    let inserted = sqlx::query(AssertSqlSafe(task_row))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if inserted.rows_affected() == 0 {
        return Ok((Restore::NotFound, false));
    }
    let mut fired = 0;
    for (i, sql) in [history, fires, deliveries, drop].into_iter().enumerate() {
        let done = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if i == 1 {
            fired = done.rows_affected();
        }
    }
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.id = $1"
    )))
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let task = task_from_row(&row)?;
    write_tags(&mut tx, &task).await?;
    if fired > 0 {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(WAKE_CHANNEL)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok((Restore::Restored(Box::new(task)), fired > 0))
}

/// Removes the entries deleted before `before`; when the oldest left was deleted.
pub(super) async fn sweep(
    pool: &PgPool,
    before: OffsetDateTime,
) -> StoreResult<Option<OffsetDateTime>> {
    sqlx::query(AssertSqlSafe(sweep_sql("$1")))
        .bind(before)
        .execute(pool)
        .await?;
    // CalDAV's tombstones go on the same round, after a month.
    let mut tx = pool.begin().await?;
    for sql in dav::sweep_sql("$1") {
        sqlx::query(AssertSqlSafe(sql))
            .bind(before - dav::TOMBSTONE_KEEP)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(sqlx::query_scalar(OLDEST_SQL).fetch_one(pool).await?)
}
