//! Notification channels, reminder fires and deliveries (API-2.md section 3): the queue
//! the reminder workers of every node share. Claims are leases (`claimed_until`): a node
//! that dies mid-delivery gives its rows back when the lease runs out, and a claim taken
//! on PostgreSQL skips rows another node has locked (`FOR UPDATE SKIP LOCKED`).

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;
use tokio::sync::Notify;
use uuid::Uuid;

use super::StoreResult;
use crate::notify::model::{Channel, Claimed, Delivery, NewDelivery, Settled};
use crate::tasks::reminders::Reminder;

/// A reminder that is due, claimed by a worker to fan out into deliveries.
#[derive(Debug, Clone)]
pub struct DueFire {
    /// The fire's row.
    pub id: i64,
    /// The task.
    pub task_id: Uuid,
    /// Whom it reminds.
    pub user_id: Uuid,
    /// The reminder.
    pub reminder: Reminder,
    /// When it was due.
    pub fire_at: OffsetDateTime,
}

/// The channels, the fires of reminders, and the deliveries.
#[async_trait]
pub trait NotifyStore: Send + Sync + 'static {
    /// The channels of `user_id`, oldest first.
    async fn channels_of(&self, user_id: Uuid) -> StoreResult<Vec<Channel>>;

    /// Adds a channel unless its user has `max` already; `false` then.
    async fn channel_insert(&self, channel: &Channel, max: usize) -> StoreResult<bool>;

    /// Channel `id` of `user_id`.
    async fn channel_get(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Channel>>;

    /// Deletes channel `id` of `user_id` with its deliveries; `false` if there is none.
    async fn channel_delete(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool>;

    /// Up to `limit` deliveries of `user_id`, newest first, older than `before` when given.
    async fn deliveries_of(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>>;

    /// Adds deliveries (a test notification) and wakes the workers.
    async fn deliveries_insert(&self, deliveries: &[NewDelivery]) -> StoreResult<()>;

    /// Claims up to `limit` reminder fires due at `now` (unclaimed, or whose lease ran
    /// out) until `until`, under `claim`.
    async fn fires_claim(
        &self,
        claim: Uuid,
        now: OffsetDateTime,
        until: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<DueFire>>;

    /// In one transaction: removes the fires `ids` still held by `claim` and adds their
    /// deliveries; nothing at all (and `false`) if any of them is no longer held.
    async fn fires_fan_out(
        &self,
        claim: Uuid,
        ids: &[i64],
        deliveries: &[NewDelivery],
    ) -> StoreResult<bool>;

    /// Claims up to `limit` deliveries due at `now` (not final, unclaimed or whose lease
    /// ran out) until `until`, counting the attempt.
    async fn deliveries_claim(
        &self,
        now: OffsetDateTime,
        until: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<Claimed>>;

    /// Records how attempt `attempt` of delivery `id` ended, unless another attempt
    /// started since (its lease ran out and another worker took it).
    async fn delivery_settle(&self, id: Uuid, attempt: i64, settled: &Settled) -> StoreResult<()>;

    /// The earliest time a fire or delivery becomes claimable (its time, or the end of
    /// the lease that holds it), if any.
    async fn queue_next(&self) -> StoreResult<Option<OffsetDateTime>>;

    /// Fires due and deliveries not yet final: the queue's depth, for the metrics.
    async fn queue_depth(&self) -> StoreResult<(u64, u64)>;

    /// Woken when this node writes a fire or a delivery, and on PostgreSQL when any node
    /// does (after [`NotifyStore::queue_listen`]).
    fn queue_signal(&self) -> Arc<Notify>;

    /// Starts listening for other nodes' writes (PostgreSQL `LISTEN`); nothing on SQLite.
    async fn queue_listen(&self) -> StoreResult<()>;
}

/// The name of the PostgreSQL channel that wakes the workers.
pub(super) const WAKE_CHANNEL: &str = "taskward_reminders";

/// `FOR UPDATE SKIP LOCKED` on PostgreSQL: a claim passes over the rows another node is
/// claiming. SQLite has one writer and needs nothing.
pub(super) const SKIP_LOCKED: &str = "FOR UPDATE SKIP LOCKED";

/// Claims due fires; binds claim, until, now, limit; `lock` is [`SKIP_LOCKED`] or empty.
pub(super) fn fires_claim_sql(p: [&str; 4], lock: &str) -> String {
    let [claim, until, now, limit] = p;
    format!(
        "UPDATE reminder_fires SET claim = {claim}, claimed_until = {until}
         WHERE id IN (SELECT id FROM reminder_fires
                      WHERE fire_at <= {now} AND (claimed_until IS NULL OR claimed_until < {now})
                      ORDER BY fire_at LIMIT {limit} {lock})
         RETURNING id, task_id, user_id, reminder, fire_at"
    )
}

/// Claims due deliveries, counting the attempt; binds until, now, limit; returns the
/// delivery's id, attempt, due time and payload (named for PostgreSQL's join).
pub(super) fn deliveries_claim_sql(p: [&str; 3], lock: &str) -> String {
    let [until, now, limit] = p;
    format!(
        "UPDATE deliveries SET claimed_until = {until}, attempts = attempts + 1
         WHERE id IN (SELECT id FROM deliveries
                      WHERE next_attempt_at <= {now}
                        AND (claimed_until IS NULL OR claimed_until < {now})
                      ORDER BY next_attempt_at LIMIT {limit} {lock})
         RETURNING id AS delivery_id, channel_id AS via, attempts AS attempt, scheduled_at, payload"
    )
}

/// Records an attempt's end unless a later attempt started; binds status, last_error,
/// next_attempt_at, delivered_at, id, attempt.
pub(super) fn settle_sql(p: [&str; 6]) -> String {
    let [status, error, next, delivered, id, attempt] = p;
    format!(
        "UPDATE deliveries SET status = {status}, last_error = {error}, next_attempt_at = {next},
             delivered_at = {delivered}, claimed_until = NULL
         WHERE id = {id} AND attempts = {attempt}"
    )
}

/// The stored form of a reminder of a fire.
pub(super) fn reminder_text(r: &Reminder) -> String {
    serde_json::to_string(r).unwrap_or_default()
}

/// A stored reminder of a fire, read back.
pub(super) fn read_reminder(text: &str) -> Result<Reminder, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}
