//! Channels, reminder fires and deliveries in PostgreSQL, shared by the workers of every
//! node: claims skip the rows another node holds locked (`FOR UPDATE SKIP LOCKED`) and
//! every write that gives the workers something to do sends `NOTIFY taskward_reminders`
//! in its transaction.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::postgres::{PgListener, PgRow};
use sqlx::{AssertSqlSafe, Postgres, Row, Transaction};
use time::OffsetDateTime;
use tokio::sync::Notify;
use uuid::Uuid;

use super::PgStore;
use crate::notify::model::{
    Channel, ChannelKind, Claimed, Delivery, DeliveryStatus, Message, NewDelivery, Settled,
};
use crate::store::notify::{
    DueFire, SKIP_LOCKED, WAKE_CHANNEL, deliveries_claim_sql, fires_claim_sql, read_reminder,
    settle_sql,
};
use crate::store::{NotifyStore, StoreError, StoreResult};

fn decode<T>(column: &str, v: Option<T>, text: &str) -> Result<T, sqlx::Error> {
    v.ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: format!("unexpected value `{text}`").into(),
    })
}

fn channel_from(row: &PgRow) -> Result<Channel, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(Channel {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        kind: decode("kind", ChannelKind::from_name(&kind), &kind)?,
        target: row.try_get("target")?,
        secret: row.try_get("secret")?,
        token: row.try_get("token")?,
        enabled: row.try_get("enabled")?,
        created_at: row.try_get("created_at")?,
    })
}

fn delivery_from(row: &PgRow) -> Result<Delivery, sqlx::Error> {
    let status: String = row.try_get("status")?;
    let (title, test) = Message::about(row.try_get("payload")?);
    Ok(Delivery {
        id: row.try_get("id")?,
        channel_id: row.try_get("channel_id")?,
        task_id: row.try_get("task_id")?,
        status: decode("status", DeliveryStatus::from_name(&status), &status)?,
        attempts: i64::from(row.try_get::<i32, _>("attempts")?),
        last_error: row.try_get("last_error")?,
        scheduled_at: row.try_get("scheduled_at")?,
        delivered_at: row.try_get("delivered_at")?,
        title,
        test,
    })
}

/// Inserts `deliveries` in one statement and wakes every node's worker at commit.
async fn insert_deliveries(
    tx: &mut Transaction<'_, Postgres>,
    deliveries: &[NewDelivery],
) -> Result<(), sqlx::Error> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::new();
    let mut users = Vec::new();
    let mut channels = Vec::new();
    let mut tasks: Vec<Option<Uuid>> = Vec::new();
    let mut statuses = Vec::new();
    let mut scheduled = Vec::new();
    let mut next: Vec<Option<OffsetDateTime>> = Vec::new();
    let mut payloads = Vec::new();
    for d in deliveries {
        ids.push(d.id);
        users.push(d.user_id);
        channels.push(d.channel_id);
        tasks.push(d.task_id);
        statuses.push(d.status.name().to_owned());
        scheduled.push(d.scheduled_at);
        next.push((d.status == DeliveryStatus::Pending).then_some(d.scheduled_at));
        payloads.push(serde_json::to_string(&d.message).unwrap_or_default());
    }
    sqlx::query(
        "INSERT INTO deliveries (id, user_id, channel_id, task_id, status, scheduled_at,
             next_attempt_at, payload)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[],
             $6::timestamptz[], $7::timestamptz[], $8::text[])",
    )
    .bind(ids)
    .bind(users)
    .bind(channels)
    .bind(tasks)
    .bind(statuses)
    .bind(scheduled)
    .bind(next)
    .bind(payloads)
    .execute(&mut **tx)
    .await?;
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(WAKE_CHANNEL)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl NotifyStore for PgStore {
    async fn channels_of(&self, user_id: Uuid) -> StoreResult<Vec<Channel>> {
        let rows = sqlx::query(
            "SELECT * FROM notification_channels WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(channel_from).collect::<Result<_, _>>()?)
    }

    async fn channel_insert(&self, ch: &Channel, max: usize) -> StoreResult<bool> {
        // Two inserts for one user at once could both see room for one; the user's row
        // lock makes them take turns.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(ch.user_id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query(
            "INSERT INTO notification_channels (id, user_id, kind, target, secret, token, enabled, created_at)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8
             WHERE (SELECT count(*) FROM notification_channels WHERE user_id = $2) < $9",
        )
        .bind(ch.id)
        .bind(ch.user_id)
        .bind(ch.kind.name())
        .bind(&ch.target)
        .bind(&ch.secret)
        .bind(&ch.token)
        .bind(ch.enabled)
        .bind(ch.created_at)
        .bind(i64::try_from(max).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn channel_get(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Channel>> {
        let row = sqlx::query("SELECT * FROM notification_channels WHERE user_id = $1 AND id = $2")
            .bind(user_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(channel_from).transpose()?)
    }

    async fn channel_delete(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM notification_channels WHERE user_id = $1 AND id = $2")
            .bind(user_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn deliveries_of(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT id, channel_id, task_id, status, attempts, last_error, scheduled_at, delivered_at,
                    payload
             FROM deliveries WHERE user_id = $1 AND ($2::uuid IS NULL OR id < $2)
             ORDER BY id DESC LIMIT $3",
        )
        .bind(user_id)
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(delivery_from).collect::<Result<_, _>>()?)
    }

    async fn deliveries_insert(&self, deliveries: &[NewDelivery]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        insert_deliveries(&mut tx, deliveries).await?;
        tx.commit().await?;
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
        let sql = fires_claim_sql(["$1", "$2", "$3", "$4"], SKIP_LOCKED);
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(claim)
            .bind(until)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let reminder: String = r.try_get("reminder")?;
                Ok(DueFire {
                    id: r.try_get("id")?,
                    task_id: r.try_get("task_id")?,
                    user_id: r.try_get("user_id")?,
                    reminder: read_reminder(&reminder).map_err(StoreError::Internal)?,
                    fire_at: r.try_get("fire_at")?,
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
        let mut tx = self.pool.begin().await?;
        let removed = sqlx::query("DELETE FROM reminder_fires WHERE id = ANY($1) AND claim = $2")
            .bind(ids)
            .bind(claim)
            .execute(&mut *tx)
            .await?;
        if usize::try_from(removed.rows_affected()).ok() != Some(ids.len()) {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_deliveries(&mut tx, deliveries).await?;
        tx.commit().await?;
        if !deliveries.is_empty() {
            self.signal.notify_one();
        }
        Ok(true)
    }

    async fn deliveries_claim(
        &self,
        now: OffsetDateTime,
        until: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<Claimed>> {
        let sql = format!(
            "WITH claimed AS ({})
             SELECT claimed.*, c.* FROM claimed JOIN notification_channels c ON c.id = claimed.via",
            deliveries_claim_sql(["$1", "$2", "$3"], SKIP_LOCKED)
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(until)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let payload: String = r.try_get("payload")?;
                let message: Message = serde_json::from_str(&payload)
                    .map_err(|e| StoreError::Internal(format!("a stored delivery: {e}")))?;
                Ok(Claimed {
                    id: r.try_get("delivery_id")?,
                    attempt: i64::from(r.try_get::<i32, _>("attempt")?),
                    scheduled_at: r.try_get("scheduled_at")?,
                    channel: channel_from(r)?,
                    message,
                })
            })
            .collect()
    }

    async fn delivery_settle(&self, id: Uuid, attempt: i64, s: &Settled) -> StoreResult<()> {
        sqlx::query(AssertSqlSafe(settle_sql([
            "$1", "$2", "$3", "$4", "$5", "$6",
        ])))
        .bind(s.status.name())
        .bind(&s.last_error)
        .bind(s.next_attempt_at)
        .bind(s.delivered_at)
        .bind(id)
        .bind(i32::try_from(attempt).unwrap_or(i32::MAX))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn queue_next(&self) -> StoreResult<Option<OffsetDateTime>> {
        Ok(sqlx::query_scalar(
            "SELECT min(t) FROM (
                 SELECT min(fire_at) AS t FROM reminder_fires WHERE claimed_until IS NULL
                 UNION ALL SELECT min(claimed_until) FROM reminder_fires WHERE claimed_until IS NOT NULL
                 UNION ALL SELECT min(GREATEST(next_attempt_at, claimed_until))
                     FROM deliveries WHERE next_attempt_at IS NOT NULL) AS times",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    async fn queue_depth(&self) -> StoreResult<(u64, u64)> {
        let (fires, deliveries): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM reminder_fires WHERE fire_at <= now()),
                    (SELECT count(*) FROM deliveries WHERE next_attempt_at IS NOT NULL)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((
            u64::try_from(fires).unwrap_or(0),
            u64::try_from(deliveries).unwrap_or(0),
        ))
    }

    fn queue_signal(&self) -> Arc<Notify> {
        Arc::clone(&self.signal)
    }

    async fn queue_listen(&self) -> StoreResult<()> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(WAKE_CHANNEL).await?;
        let signal = Arc::clone(&self.signal);
        tokio::spawn(async move {
            loop {
                // `None`: the connection was lost (and is made again on the next call);
                // what was sent meanwhile is gone, so look at the queue anyway.
                match listener.try_recv().await {
                    Ok(_) => signal.notify_one(),
                    // The store is closing: give the connection back.
                    Err(sqlx::Error::PoolClosed) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "listening for reminder wake-ups failed; retrying in 5 s");
                        signal.notify_one();
                        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                    }
                }
            }
        });
        Ok(())
    }
}
