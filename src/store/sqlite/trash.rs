//! The trash of deleted tasks on SQLite (`store/trash.rs`), on the writer thread: each
//! operation one savepoint.

use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::task_rows::{TASK_COLUMNS, insert_tags, task_from_row};
use crate::store::StoreResult;
use crate::store::dav;
use crate::store::tasks::Restore;
use crate::store::trash::{
    OLDEST_SQL, restore_sql, sweep_sql, trash_drop_sql, trash_lookup_sql, trash_rest_sql,
    trash_task_sql,
};
use crate::timestamp::{from_micros, to_micros};

/// Moves task `id` at `expected_version` into the trash if `actor` may write in its list.
pub(super) fn delete(
    c: &mut Connection,
    actor: Uuid,
    id: Uuid,
    expected_version: i64,
    at: OffsetDateTime,
) -> StoreResult<bool> {
    let tx = c.savepoint()?;
    tx.prepare_cached(&trash_drop_sql("?1"))?.execute([id])?;
    let moved = tx
        .prepare_cached(&trash_task_sql(["?1", "?2", "?3", "?4"]))?
        .execute(params![id, expected_version, actor, to_micros(at)])?;
    if moved == 0 {
        return Ok(false);
    }
    for sql in trash_rest_sql("?1") {
        tx.prepare_cached(&sql)?.execute([id])?;
    }
    tx.commit()?;
    Ok(true)
}

/// Puts task `id` back for `actor` if deleted at `since` or later; whether fires came
/// back (to wake the worker).
pub(super) fn restore(
    c: &mut Connection,
    actor: Uuid,
    id: Uuid,
    since: OffsetDateTime,
) -> StoreResult<(Restore, bool)> {
    let tx = c.savepoint()?;
    let found: Option<(i64, bool, bool)> = tx
        .prepare_cached(&trash_lookup_sql("?1", "?2"))?
        .query_row(params![id, actor], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((deleted_at, list_exists, writable)) = found else {
        return Ok((Restore::NotFound, false));
    };
    if from_micros(deleted_at) < since {
        return Ok((Restore::Expired, false));
    }
    if !list_exists {
        return Ok((Restore::NoList, false));
    }
    if !writable {
        return Ok((Restore::NoAccess, false));
    }
    let [task_row, history, fires, deliveries, drop] = restore_sql("?1");
    if tx.prepare_cached(&task_row)?.execute([id])? == 0 {
        return Ok((Restore::NotFound, false));
    }
    tx.prepare_cached(&history)?.execute([id])?;
    let fired = tx.prepare_cached(&fires)?.execute([id])?;
    tx.prepare_cached(&deliveries)?.execute([id])?;
    tx.prepare_cached(&drop)?.execute([id])?;
    let task = tx
        .prepare_cached(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.id = ?1"
        ))?
        .query_row([id], task_from_row)?;
    insert_tags(&tx, &task)?;
    tx.commit()?;
    Ok((Restore::Restored(Box::new(task)), fired > 0))
}

/// Removes the entries deleted before `before`; when the oldest left was deleted.
pub(super) fn sweep(
    c: &mut Connection,
    before: OffsetDateTime,
) -> StoreResult<Option<OffsetDateTime>> {
    c.prepare_cached(&sweep_sql("?1"))?
        .execute([to_micros(before)])?;
    // CalDAV's tombstones go on the same round, after a month. A savepoint, not a
    // transaction: the writer may be running this inside its batch's transaction.
    let tx = c.savepoint()?;
    for sql in dav::sweep_sql("?1") {
        tx.prepare_cached(&sql)?
            .execute([to_micros(before - dav::TOMBSTONE_KEEP)])?;
    }
    tx.commit()?;
    let oldest: Option<i64> = c.prepare_cached(OLDEST_SQL)?.query_row([], |r| r.get(0))?;
    Ok(oldest.map(from_micros))
}
