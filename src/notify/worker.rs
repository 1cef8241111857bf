//! The reminder worker, one per node: claims the reminders that are due and fans each
//! out into a delivery per enabled channel of the user it reminds, then claims the
//! deliveries that are due and sends them, a batch at a time, recording each outcome
//! (docs/reminders.md). Between rounds it sleeps until the earliest time in the queue,
//! woken early when this node (or, on PostgreSQL, any node) writes something due: no
//! polling while nothing is due.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;
use uuid::Uuid;

use super::message::reminder_message;
use super::model::{Channel, Claimed, DeliveryStatus, NewDelivery, Outcome, RETRY_FOR, Settled};
use super::send::Senders;
use crate::metrics::Metrics;
use crate::store::{DueFire, NotifyStore, StoreResult, TaskStore, UserStore};
use crate::tasks::model::Task;
use crate::tasks::undo::SWEEP_AFTER;
use crate::timestamp::now;

/// How long a claim holds a row: longer than any one send (5 s for HTTP, 10 s for mail).
const LEASE: time::Duration = time::Duration::seconds(30);

/// Fires or deliveries claimed at once.
const BATCH: u32 = 64;

/// Deliveries being sent at once, at most: a receiver that takes 500 ms to answer still
/// gets 500 a second.
const IN_FLIGHT: usize = 256;

/// The longest sleep: the queue is looked at again at least this often.
const MAX_SLEEP: Duration = Duration::from_secs(3600);

/// The wait after a round that failed (the database is away).
const AFTER_ERROR: Duration = Duration::from_secs(5);

/// Turns a task into its JSON as clients see it (the API's), for webhook payloads.
pub type Render = Arc<dyn Fn(&Task) -> serde_json::Value + Send + Sync>;

/// What a worker needs.
#[derive(Clone)]
pub struct Worker {
    /// The queue.
    pub queue: Arc<dyn NotifyStore>,
    /// The tasks reminded of, as their user sees them.
    pub tasks: Arc<dyn TaskStore>,
    /// The users reminded (their zone).
    pub users: Arc<dyn UserStore>,
    /// The senders.
    pub senders: Senders,
    /// A task as JSON.
    pub render: Render,
    /// The web app's address, for links to tasks.
    pub public_url: Option<url::Url>,
    /// Counters.
    pub metrics: Arc<Metrics>,
}

impl Worker {
    /// Runs rounds until `stop` is notified; the deliveries being sent are finished first.
    /// A round starts sends and does not wait for them: the worker wakes again when one
    /// ends, so a slow receiver holds one slot, not the deliveries claimed with it.
    pub async fn run(self, stop: Arc<Notify>) {
        if let Err(e) = self.queue.queue_listen().await {
            tracing::warn!(error = %e, "cannot listen for other nodes' reminders; relying on this node's timer");
        }
        let signal = self.queue.queue_signal();
        let mut sending = JoinSet::new();
        let mut freed = false; // woken by the end of a send
        let mut full = false; // every slot was taken when it went to sleep
        let mut sweep_at = Instant::now();
        loop {
            let wait = if freed && !full {
                // Nothing was left to claim when it went to sleep: only the queue's next
                // time may have moved (a failed send's retry), and its depth (the sends
                // that ended settled their deliveries).
                self.record_depth().await;
                self.sleep_time(true).await
            } else {
                match self.step(&mut sending).await {
                    // Every slot taken: the next end of a send wakes it.
                    Ok(_) if sending.len() >= IN_FLIGHT => MAX_SLEEP,
                    Ok(worked) => self.sleep_time(worked).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "a reminder round failed; trying again in 5 s");
                        AFTER_ERROR
                    }
                }
            };
            if !freed || Instant::now() >= sweep_at {
                sweep_at = Instant::now() + self.sweep().await;
            }
            let wait = wait.min(sweep_at.saturating_duration_since(Instant::now()));
            freed = false;
            full = sending.len() >= IN_FLIGHT;
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = signal.notified() => {}
                Some(done) = sending.join_next(), if !sending.is_empty() => {
                    report(done);
                    while let Some(done) = sending.try_join_next() {
                        report(done);
                    }
                    freed = true;
                }
                () = stop.notified() => break,
            }
        }
        while let Some(done) = sending.join_next().await {
            report(done);
        }
    }

    /// How long to sleep: until the earliest time in the queue (at most an hour); a
    /// moment when rows are due but another node holds them.
    async fn sleep_time(&self, worked: bool) -> Duration {
        let next = match self.queue.queue_next().await {
            Ok(next) => next,
            Err(_) => return AFTER_ERROR,
        };
        let Some(next) = next else {
            return MAX_SLEEP;
        };
        let until = next - now();
        if until <= time::Duration::ZERO {
            return if worked {
                Duration::ZERO
            } else {
                Duration::from_millis(200)
            };
        }
        Duration::try_from(until).map_or(MAX_SLEEP, |d| d.min(MAX_SLEEP))
    }

    /// Sweeps the trash of the tasks deleted longer ago than the undo window and a
    /// minute (every node does; a delete of what is already gone is harmless); how long
    /// until the oldest entry left is due for it.
    async fn sweep(&self) -> Duration {
        let at = now();
        match self.tasks.task_trash_sweep(at - SWEEP_AFTER).await {
            Ok(None) => MAX_SLEEP,
            Ok(Some(oldest)) => Duration::try_from(oldest + SWEEP_AFTER - at)
                .map_or(Duration::ZERO, |d| d.min(MAX_SLEEP))
                .max(Duration::from_secs(1)),
            Err(e) => {
                tracing::warn!(error = %e, "sweeping deleted tasks failed; trying again in 5 s");
                AFTER_ERROR
            }
        }
    }

    /// Fans out the due reminders, then sends the due deliveries, each until none is
    /// left, and waits for the sends; whether it did anything.
    pub async fn round(&self) -> StoreResult<bool> {
        let mut sending = JoinSet::new();
        let mut worked = false;
        loop {
            worked |= self.step(&mut sending).await?;
            if sending.is_empty() {
                return Ok(worked);
            }
            while let Some(done) = sending.join_next().await {
                report(done);
            }
        }
    }

    /// Fans out a batch of the due reminders, then claims due deliveries into the free
    /// slots of `sending` (at most [`IN_FLIGHT`] sends at once) and starts them, until
    /// neither is left; whether it did anything. A burst's first deliveries go out while
    /// the rest of it is fanned out.
    async fn step(&self, sending: &mut JoinSet<StoreResult<()>>) -> StoreResult<bool> {
        self.metrics.reminder_round();
        let mut worked = false;
        loop {
            let mut busy = self.fan_out().await?;
            while let Some(done) = sending.try_join_next() {
                report(done);
            }
            while sending.len() < IN_FLIGHT {
                let free = u32::try_from(IN_FLIGHT - sending.len()).unwrap_or(BATCH);
                let at = now();
                let claimed = self
                    .queue
                    .deliveries_claim(at, at + LEASE, free.min(BATCH))
                    .await?;
                if claimed.is_empty() {
                    break;
                }
                busy = true;
                for d in claimed {
                    let this = self.clone();
                    sending.spawn(async move { this.send_one(d).await });
                }
            }
            if !busy {
                break;
            }
            worked = true;
        }
        self.record_depth().await;
        Ok(worked)
    }

    /// Puts the queue's depth into the metrics.
    async fn record_depth(&self) {
        if let Ok((fires, deliveries)) = self.queue.queue_depth().await {
            self.metrics.reminder_queue(fires, deliveries);
        }
    }

    /// Claims one batch of due fires and turns them into deliveries; whether there were
    /// any.
    async fn fan_out(&self) -> StoreResult<bool> {
        let claim = Uuid::now_v7();
        let at = now();
        let fires = self.queue.fires_claim(claim, at, at + LEASE, BATCH).await?;
        if fires.is_empty() {
            return Ok(false);
        }
        let mut channels: HashMap<Uuid, Vec<Channel>> = HashMap::new();
        let mut zones: HashMap<Uuid, String> = HashMap::new();
        let mut deliveries = Vec::new();
        for fire in &fires {
            let Some((task, _)) = self.tasks.task_get(fire.user_id, fire.task_id).await? else {
                continue; // no longer theirs to see
            };
            if task.completed {
                continue;
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = channels.entry(fire.user_id) {
                slot.insert(self.queue.channels_of(fire.user_id).await?);
                let user = self.users.user_by_id(fire.user_id).await?;
                zones.insert(
                    fire.user_id,
                    user.map_or_else(|| "UTC".into(), |u| u.timezone),
                );
            }
            let zone = zones.get(&fire.user_id).map_or("UTC", String::as_str);
            let message = self.message(&task, fire, zone);
            let late = at - fire.fire_at > RETRY_FOR;
            for channel in channels.get(&fire.user_id).into_iter().flatten() {
                if !channel.enabled {
                    continue;
                }
                deliveries.push(NewDelivery {
                    id: Uuid::now_v7(),
                    user_id: fire.user_id,
                    channel_id: channel.id,
                    task_id: Some(task.id),
                    status: if late {
                        DeliveryStatus::Missed
                    } else {
                        DeliveryStatus::Pending
                    },
                    scheduled_at: fire.fire_at,
                    message: message.clone(),
                });
                if late {
                    self.metrics.delivery(channel.kind.name(), "missed", None);
                }
            }
        }
        let ids: Vec<i64> = fires.iter().map(|f| f.id).collect();
        if !self.queue.fires_fan_out(claim, &ids, &deliveries).await? {
            tracing::warn!(
                "reminders claimed by this node were taken over by another; leaving them to it"
            );
        }
        Ok(true)
    }

    fn message(&self, task: &Task, fire: &DueFire, zone: &str) -> super::model::Message {
        let link = self
            .public_url
            .as_ref()
            .and_then(|u| u.join(&format!("tasks/{}/edit", task.id)).ok())
            .map(|u| u.to_string());
        let event = json!({
            "type": "task.reminder",
            "timestamp": crate::timestamp::format_rfc3339(fire.fire_at),
            "data": {
                "task": (self.render)(task),
                "reminder": fire.reminder,
            },
        });
        reminder_message(task, zone, link, event)
    }

    async fn send_one(&self, d: Claimed) -> StoreResult<()> {
        let at = now();
        let kind = d.channel.kind.name();
        let settled = if d.attempt == 1 && at - d.scheduled_at > RETRY_FOR {
            Settled {
                status: DeliveryStatus::Missed,
                last_error: Some("due while no node was running, more than 24 h ago".into()),
                next_attempt_at: None,
                delivered_at: None,
            }
        } else {
            let outcome = self.senders.send(&d, at).await;
            if let Outcome::Transient(e) | Outcome::Permanent(e) = &outcome {
                tracing::info!(delivery = %d.id, channel = kind, attempt = d.attempt, error = %e, "a delivery attempt failed");
            }
            outcome.settle(d.attempt, self.senders.retry_after(), d.scheduled_at, now())
        };
        let lag = settled
            .delivered_at
            .map(|t| (t - d.scheduled_at).as_seconds_f64().max(0.0));
        self.metrics.delivery(kind, settled.status.name(), lag);
        self.queue.delivery_settle(d.id, d.attempt, &settled).await
    }
}

/// Logs how a send ended when it could not be recorded.
fn report(done: Result<StoreResult<()>, tokio::task::JoinError>) {
    match done {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "recording a delivery failed; it will be tried again")
        }
        Err(e) => tracing::error!(error = %e, "a delivery task failed"),
    }
}
