//! Channels, reminder fires and deliveries in SQLite: one node, one writer, so a claim is
//! an update in one savepoint of the writer thread.

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;
use tokio::sync::Notify;
use uuid::Uuid;

use super::SqliteStore;
use crate::notify::model::{
    Channel, ChannelKind, Claimed, Delivery, DeliveryStatus, Message, NewDelivery, Settled,
};
use crate::store::notify::{
    DueFire, deliveries_claim_sql, fires_claim_sql, read_reminder, settle_sql,
};
use crate::store::{NotifyStore, StoreResult};
use crate::timestamp::{from_micros, to_micros};

const CHANNEL_COLUMNS: &str = "id, user_id, kind, target, secret, token, enabled, created_at";

/// A text column that must parse, as a conversion error otherwise.
fn parsed<T>(i: usize, v: Option<T>, text: &str) -> rusqlite::Result<T> {
    v.ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unexpected value `{text}`").into(),
        )
    })
}

fn channel_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Channel> {
    let kind: String = row.get(at + 2)?;
    Ok(Channel {
        id: row.get(at)?,
        user_id: row.get(at + 1)?,
        kind: parsed(at + 2, ChannelKind::from_name(&kind), &kind)?,
        target: row.get(at + 3)?,
        secret: row.get(at + 4)?,
        token: row.get(at + 5)?,
        enabled: row.get(at + 6)?,
        created_at: from_micros(row.get(at + 7)?),
    })
}

fn delivery_from(row: &Row<'_>) -> rusqlite::Result<Delivery> {
    let status: String = row.get(3)?;
    let (title, test) = Message::about(&row.get::<_, String>(8)?);
    Ok(Delivery {
        id: row.get(0)?,
        channel_id: row.get(1)?,
        task_id: row.get(2)?,
        status: parsed(3, DeliveryStatus::from_name(&status), &status)?,
        attempts: row.get(4)?,
        last_error: row.get(5)?,
        scheduled_at: from_micros(row.get(6)?),
        delivered_at: row.get::<_, Option<i64>>(7)?.map(from_micros),
        title,
        test,
    })
}

fn message_text(m: &Message) -> String {
    serde_json::to_string(m).unwrap_or_default()
}

fn insert_deliveries(conn: &Connection, deliveries: &[NewDelivery]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO deliveries (id, user_id, channel_id, task_id, status, scheduled_at,
             next_attempt_at, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for d in deliveries {
        let next = (d.status == DeliveryStatus::Pending).then(|| to_micros(d.scheduled_at));
        stmt.execute(params![
            d.id,
            d.user_id,
            d.channel_id,
            d.task_id,
            d.status.name(),
            to_micros(d.scheduled_at),
            next,
            message_text(&d.message),
        ])?;
    }
    Ok(())
}

#[async_trait]
impl NotifyStore for SqliteStore {
    async fn channels_of(&self, user_id: Uuid) -> StoreResult<Vec<Channel>> {
        self.reader
            .read(move |c| {
                let sql = format!(
                    "SELECT {CHANNEL_COLUMNS} FROM notification_channels WHERE user_id = ?1 ORDER BY created_at, id"
                );
                Ok(c.prepare_cached(&sql)?
                    .query_map([user_id], |r| channel_from(r, 0))?
                    .collect::<rusqlite::Result<_>>()?)
            })
            .await
    }

    async fn channel_insert(&self, ch: &Channel, max: usize) -> StoreResult<bool> {
        let ch = ch.clone();
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(
                        "INSERT INTO notification_channels (id, user_id, kind, target, secret, token, enabled, created_at)
                         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
                         WHERE (SELECT count(*) FROM notification_channels WHERE user_id = ?2) < ?9",
                    )?
                    .execute(params![
                        ch.id,
                        ch.user_id,
                        ch.kind.name(),
                        ch.target,
                        ch.secret,
                        ch.token,
                        ch.enabled,
                        to_micros(ch.created_at),
                        max,
                    ])?;
                Ok(done == 1)
            })
            .await
    }

    async fn channel_get(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Channel>> {
        self.reader
            .read(move |c| {
                let sql = format!(
                    "SELECT {CHANNEL_COLUMNS} FROM notification_channels WHERE user_id = ?1 AND id = ?2"
                );
                Ok(c.prepare_cached(&sql)?
                    .query_row(params![user_id, id], |r| channel_from(r, 0))
                    .optional()?)
            })
            .await
    }

    async fn channel_delete(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(
                        "DELETE FROM notification_channels WHERE user_id = ?1 AND id = ?2",
                    )?
                    .execute(params![user_id, id])?;
                Ok(done > 0)
            })
            .await
    }

    async fn deliveries_of(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(
                    "SELECT id, channel_id, task_id, status, attempts, last_error, scheduled_at, delivered_at,
                            payload
                     FROM deliveries WHERE user_id = ?1 AND (?2 IS NULL OR id < ?2)
                     ORDER BY id DESC LIMIT ?3",
                )?
                .query_map(params![user_id, before, limit], delivery_from)?
                .collect::<rusqlite::Result<_>>()?)
            })
            .await
    }

    async fn deliveries_insert(&self, deliveries: &[NewDelivery]) -> StoreResult<()> {
        let deliveries = deliveries.to_vec();
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                insert_deliveries(&tx, &deliveries)?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        self.signal.notify_one();
        Ok(())
    }

    async fn fires_claim(
        &self,
        claim: Uuid,
        now: OffsetDateTime,
        until: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<DueFire>> {
        let rows: Vec<(i64, Uuid, Uuid, String, i64)> = self
            .writer
            .run(move |c| {
                Ok(
                    c.prepare_cached(&fires_claim_sql(["?1", "?2", "?3", "?4"], ""))?
                        .query_map(
                            params![claim, to_micros(until), to_micros(now), limit],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                        )?
                        .collect::<rusqlite::Result<_>>()?,
                )
            })
            .await?;
        rows.into_iter()
            .map(|(id, task_id, user_id, reminder, fire_at)| {
                Ok(DueFire {
                    id,
                    task_id,
                    user_id,
                    reminder: read_reminder(&reminder)
                        .map_err(crate::store::StoreError::Internal)?,
                    fire_at: from_micros(fire_at),
                })
            })
            .collect()
    }

    async fn fires_fan_out(
        &self,
        claim: Uuid,
        ids: &[i64],
        deliveries: &[NewDelivery],
    ) -> StoreResult<bool> {
        let ids = ids.to_vec();
        let any = !deliveries.is_empty();
        let deliveries = deliveries.to_vec();
        let done = self
            .writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let mut removed = 0;
                {
                    let mut stmt = tx.prepare_cached(
                        "DELETE FROM reminder_fires WHERE id = ?1 AND claim = ?2",
                    )?;
                    for id in &ids {
                        removed += stmt.execute(params![id, claim])?;
                    }
                }
                if removed != ids.len() {
                    // Dropping the savepoint rolls it back.
                    return Ok(false);
                }
                insert_deliveries(&tx, &deliveries)?;
                tx.commit()?;
                Ok(true)
            })
            .await?;
        if done && any {
            self.signal.notify_one();
        }
        Ok(done)
    }

    async fn deliveries_claim(
        &self,
        now: OffsetDateTime,
        until: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<Claimed>> {
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let claimed: Vec<(Uuid, Uuid, i64, i64, String)> = tx
                    .prepare_cached(&deliveries_claim_sql(["?1", "?2", "?3"], ""))?
                    .query_map(params![to_micros(until), to_micros(now), limit], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                let mut out = Vec::with_capacity(claimed.len());
                {
                    let sql = format!(
                        "SELECT {CHANNEL_COLUMNS} FROM notification_channels WHERE id = ?1"
                    );
                    let mut stmt = tx.prepare_cached(&sql)?;
                    for (id, via, attempt, scheduled_at, payload) in claimed {
                        let channel = stmt.query_row([via], |r| channel_from(r, 0))?;
                        let message: Message = serde_json::from_str(&payload).map_err(|e| {
                            rusqlite::Error::FromSqlConversionFailure(
                                3,
                                rusqlite::types::Type::Text,
                                Box::new(e),
                            )
                        })?;
                        out.push(Claimed {
                            id,
                            attempt,
                            scheduled_at: from_micros(scheduled_at),
                            channel,
                            message,
                        });
                    }
                }
                tx.commit()?;
                Ok(out)
            })
            .await
    }

    async fn delivery_settle(&self, id: Uuid, attempt: i64, s: &Settled) -> StoreResult<()> {
        let s = s.clone();
        self.writer
            .run(move |c| {
                c.prepare_cached(&settle_sql(["?1", "?2", "?3", "?4", "?5", "?6"]))?
                    .execute(params![
                        s.status.name(),
                        s.last_error,
                        s.next_attempt_at.map(to_micros),
                        s.delivered_at.map(to_micros),
                        id,
                        attempt,
                    ])?;
                Ok(())
            })
            .await
    }

    async fn queue_next(&self) -> StoreResult<Option<OffsetDateTime>> {
        self.reader
            .read(|c| {
                let next: Option<i64> = c
                    .prepare_cached(
                        "SELECT min(t) FROM (
                             SELECT min(fire_at) AS t FROM reminder_fires WHERE claimed_until IS NULL
                             UNION ALL SELECT min(claimed_until) FROM reminder_fires WHERE claimed_until IS NOT NULL
                             UNION ALL SELECT min(max(next_attempt_at, coalesce(claimed_until, next_attempt_at)))
                                 FROM deliveries WHERE next_attempt_at IS NOT NULL)",
                    )?
                    .query_row([], |r| r.get(0))?;
                Ok(next.map(from_micros))
            })
            .await
    }

    async fn queue_depth(&self) -> StoreResult<(u64, u64)> {
        let now = to_micros(crate::timestamp::now());
        self.reader
            .read(move |c| {
                let (fires, deliveries): (i64, i64) = c
                    .prepare_cached(
                        "SELECT (SELECT count(*) FROM reminder_fires WHERE fire_at <= ?1),
                                (SELECT count(*) FROM deliveries WHERE next_attempt_at IS NOT NULL)",
                    )?
                    .query_row([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
                Ok((
                    u64::try_from(fires).unwrap_or(0),
                    u64::try_from(deliveries).unwrap_or(0),
                ))
            })
            .await
    }

    fn queue_signal(&self) -> Arc<Notify> {
        Arc::clone(&self.signal)
    }

    async fn queue_listen(&self) -> StoreResult<()> {
        Ok(())
    }
}
