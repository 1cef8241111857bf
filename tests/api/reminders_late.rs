//! Reminders due while no node ran (API-2.md section 3), on both databases: at the next
//! start a reminder less than 24 h late is sent, one more than 24 h late is recorded as
//! `missed`. The worker's round runs here on a store whose fires were written hours ago,
//! as if every node had been down since; mail goes to the log (no `SMTP_URL`).

use std::sync::Arc;

use taskward::metrics::Metrics;
use taskward::notify::Worker;
use taskward::notify::model::{Channel, ChannelKind, DeliveryStatus};
use taskward::notify::send::Senders;
use taskward::store::{DynStore, NewUser};
use taskward::timestamp::truncate_to_micros;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::TestDb;
use crate::on_both_databases;

fn now() -> OffsetDateTime {
    truncate_to_micros(OffsetDateTime::now_utc())
}

/// A task whose one reminder, at `at`, was written at `written`.
async fn task_written_at(
    store: &DynStore,
    user: Uuid,
    at: OffsetDateTime,
    written: OffsetDateTime,
) -> Uuid {
    let task = crate::notify_store::task_reminding(user, at, written);
    assert!(store.task_insert(user, &task).await.expect("insert"));
    task.id
}

async fn reminders_due_while_no_node_ran_are_sent_late_or_missed(db: TestDb) {
    let store = db.open_store().await;
    let ada = Uuid::now_v7();
    store
        .user_insert(&NewUser {
            id: ada,
            email: "ada@example.com".into(),
            email_lower: "ada@example.com".into(),
            name: "Ada".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            created_at: now(),
        })
        .await
        .expect("user");
    let channel = Channel {
        id: Uuid::now_v7(),
        user_id: ada,
        kind: ChannelKind::Email,
        target: "ada@example.com".into(),
        secret: None,
        token: None,
        enabled: true,
        created_at: now(),
    };
    assert!(store.channel_insert(&channel, 10).await.expect("channel"));
    let t = now();
    let late = task_written_at(&store, ada, t - Duration::hours(2), t - Duration::hours(3)).await;
    let lost = task_written_at(
        &store,
        ada,
        t - Duration::hours(30),
        t - Duration::hours(31),
    )
    .await;

    let config = db.config();
    let worker = Worker {
        queue: store.clone(),
        tasks: store.clone(),
        users: store.clone(),
        senders: Senders::new(&config).expect("senders"),
        render: Arc::new(|task| serde_json::json!({"id": task.id})),
        public_url: None,
        metrics: Arc::new(Metrics::new()),
    };
    assert!(worker.round().await.expect("round"), "there was work");

    let deliveries = store
        .deliveries_of(ada, None, 10)
        .await
        .expect("deliveries");
    let status = |task: Uuid| {
        deliveries
            .iter()
            .find(|d| d.task_id == Some(task))
            .map(|d| (d.status, d.attempts))
    };
    assert_eq!(
        status(late),
        Some((DeliveryStatus::Delivered, 1)),
        "2 h late: sent"
    );
    assert_eq!(
        status(lost),
        Some((DeliveryStatus::Missed, 0)),
        "30 h late: missed"
    );
    assert_eq!(deliveries.len(), 2);
    assert!(!worker.round().await.expect("round"), "nothing left");
}

on_both_databases!(reminders_due_while_no_node_ran_are_sent_late_or_missed);
