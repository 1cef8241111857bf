//! The reminder queue's conformance suite (`NotifyStore`), the same checks against SQLite
//! and PostgreSQL: fires written with their task, claimed once, taken back when a lease
//! runs out (and then the first claim's fan-out writes nothing), deliveries claimed with
//! their attempt counted, a late settle of an old attempt ignored, the wake-up time.

use std::collections::BTreeSet;

use serde_json::json;
use taskward::notify::model::{
    Channel, ChannelKind, DeliveryStatus, Message, NewDelivery, Outcome,
};
use taskward::store::{DynStore, History, NewUser};
use taskward::tasks::model::Task;
use taskward::tasks::reminders::{Reminder, Reminders};
use taskward::timestamp::truncate_to_micros;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::TestDb;
use crate::on_both_databases;

fn now() -> OffsetDateTime {
    truncate_to_micros(OffsetDateTime::now_utc())
}

async fn user(store: &DynStore) -> Uuid {
    let id = Uuid::now_v7();
    store
        .user_insert(&NewUser {
            id,
            email: format!("{id}@example.com"),
            email_lower: format!("{id}@example.com"),
            name: "Ada".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            created_at: now(),
        })
        .await
        .expect("user");
    id
}

fn task(user: Uuid, at: OffsetDateTime, written: OffsetDateTime) -> Task {
    task_reminding(user, at, written)
}

fn channel(user: Uuid) -> Channel {
    Channel {
        id: Uuid::now_v7(),
        user_id: user,
        kind: ChannelKind::Webhook,
        target: "https://hooks.example.com/t".into(),
        secret: Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
        token: None,
        enabled: true,
        created_at: now(),
    }
}

fn delivery(user: Uuid, channel: Uuid, task: Option<Uuid>, at: OffsetDateTime) -> NewDelivery {
    NewDelivery {
        id: Uuid::now_v7(),
        user_id: user,
        channel_id: channel,
        task_id: task,
        status: DeliveryStatus::Pending,
        scheduled_at: at,
        message: Message {
            title: "Stand up".into(),
            text: "Due now.".into(),
            link: None,
            event: json!({"type": "task.reminder"}),
        },
    }
}

async fn fires_are_claimed_once_and_a_lost_lease_is_taken_over(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store).await;
    let written = now();
    let at = written + Duration::seconds(1);
    let mut tasks = BTreeSet::new();
    for _ in 0..30 {
        let t = task(ada, at, written);
        assert!(store.task_insert(ada, &t).await.expect("insert"));
        tasks.insert(t.id);
    }
    assert_eq!(store.queue_next().await.expect("next"), Some(at));
    assert!(
        store
            .fires_claim(
                Uuid::now_v7(),
                written,
                written + Duration::seconds(30),
                100
            )
            .await
            .expect("claim")
            .is_empty(),
        "nothing is due yet"
    );

    // Two claims at the fire time share out the fires without overlap.
    let due = at + Duration::milliseconds(1);
    let lease = due + Duration::seconds(30);
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let first = store.fires_claim(a, due, lease, 20).await.expect("claim a");
    let second = store.fires_claim(b, due, lease, 20).await.expect("claim b");
    assert_eq!((first.len(), second.len()), (20, 10));
    let claimed: BTreeSet<Uuid> = first.iter().chain(&second).map(|f| f.task_id).collect();
    assert_eq!(claimed, tasks);
    assert!(
        first
            .iter()
            .all(|f| f.user_id == ada && f.fire_at == at && f.reminder == Reminder::At(at))
    );
    assert!(
        store
            .fires_claim(Uuid::now_v7(), due, lease, 100)
            .await
            .expect("claim")
            .is_empty(),
        "all held"
    );
    assert_eq!(
        store.queue_next().await.expect("next"),
        Some(lease),
        "the next time is the leases' end"
    );

    // `a`'s lease runs out and `c` takes its fires: `a`'s fan-out then writes nothing.
    let hook = channel(ada);
    assert!(store.channel_insert(&hook, 10).await.expect("channel"));
    let c = Uuid::now_v7();
    let taken = store
        .fires_claim(
            c,
            lease + Duration::seconds(1),
            lease + Duration::seconds(60),
            100,
        )
        .await
        .expect("claim c");
    assert_eq!(taken.len(), 30, "every lease ran out");
    let ids: Vec<i64> = first.iter().map(|f| f.id).collect();
    let late = vec![delivery(ada, hook.id, Some(first[0].task_id), at)];
    assert!(
        !store
            .fires_fan_out(a, &ids, &late)
            .await
            .expect("fan out a")
    );
    assert!(
        store
            .deliveries_of(ada, None, 100)
            .await
            .expect("list")
            .is_empty()
    );

    let ids: Vec<i64> = taken.iter().map(|f| f.id).collect();
    let fanned: Vec<NewDelivery> = taken
        .iter()
        .map(|f| delivery(ada, hook.id, Some(f.task_id), f.fire_at))
        .collect();
    assert!(
        store
            .fires_fan_out(c, &ids, &fanned)
            .await
            .expect("fan out c")
    );
    assert!(
        !store.fires_fan_out(c, &ids, &fanned).await.expect("again"),
        "fires fan out once"
    );
    let listed = store.deliveries_of(ada, None, 100).await.expect("list");
    assert_eq!(listed.len(), 30);
    assert!(listed.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert_eq!(
        (listed[0].title.as_str(), listed[0].test),
        ("Stand up", false),
        "what each one said, read back from its message"
    );
    let page = store
        .deliveries_of(ada, Some(listed[9].id), 5)
        .await
        .expect("page");
    assert_eq!(
        page.iter().map(|d| d.id).collect::<Vec<_>>(),
        listed[10..15].iter().map(|d| d.id).collect::<Vec<_>>()
    );
    assert_eq!(store.queue_depth().await.expect("depth"), (0, 30));
}

async fn rewriting_a_task_replaces_the_fires_ahead_and_keeps_those_due(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store).await;
    let written = now();
    let soon = written + Duration::milliseconds(300);
    let mut t = task(ada, soon, written);
    assert!(store.task_insert(ada, &t).await.expect("insert"));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;

    // Rewritten after its fire time with a new reminder an hour on: the due fire stays
    // (the worker has not taken it yet), the new one is added.
    let rewritten = now();
    let later = rewritten + Duration::hours(1);
    t.reminders = Reminders::set(vec![Reminder::At(soon), Reminder::At(later)], ada);
    t.reminders
        .schedule(None, None, false, &jiff::tz::TimeZone::UTC, rewritten);
    t.updated_at = rewritten;
    t.version = 2;
    assert!(
        store
            .task_update(ada, &t, 1, History::Keep)
            .await
            .expect("update")
    );
    let due = store
        .fires_claim(
            Uuid::now_v7(),
            rewritten,
            rewritten + Duration::seconds(30),
            10,
        )
        .await
        .expect("claim");
    assert_eq!(due.iter().map(|f| f.fire_at).collect::<Vec<_>>(), [soon]);
    let ahead = store
        .fires_claim(Uuid::now_v7(), later, later + Duration::seconds(30), 10)
        .await
        .expect("claim");
    assert_eq!(
        ahead.iter().map(|f| f.fire_at).collect::<BTreeSet<_>>(),
        BTreeSet::from([soon, later]),
        "the new fire, and the due one whose lease ran out"
    );

    // Completing removes what is ahead; deleting the task removes the rest.
    let mut u = task(ada, later, now());
    assert!(store.task_insert(ada, &u).await.expect("insert"));
    u.completed = true;
    u.completed_at = Some(now());
    u.updated_at = now();
    u.version = 2;
    u.reminders
        .schedule(None, None, true, &jiff::tz::TimeZone::UTC, u.updated_at);
    assert!(
        store
            .task_update(ada, &u, 1, History::Keep)
            .await
            .expect("complete")
    );
    assert!(
        store
            .fires_claim(Uuid::now_v7(), later, later + Duration::seconds(30), 10)
            .await
            .expect("claim")
            .is_empty()
    );
    assert_eq!(
        store.queue_next().await.expect("next"),
        Some(later + Duration::seconds(30)),
        "only the leases held on the first task's fires"
    );
}

async fn deliveries_count_attempts_and_ignore_a_late_settle(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store).await;
    let hook = channel(ada);
    assert!(store.channel_insert(&hook, 10).await.expect("channel"));
    let at = now();
    let d = delivery(ada, hook.id, None, at);
    store
        .deliveries_insert(std::slice::from_ref(&d))
        .await
        .expect("insert");
    assert_eq!(store.queue_next().await.expect("next"), Some(at));

    let lease = at + Duration::seconds(30);
    let claimed = store.deliveries_claim(at, lease, 10).await.expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!((claimed[0].id, claimed[0].attempt), (d.id, 1));
    assert_eq!(
        claimed[0].channel.secret, hook.secret,
        "the channel comes with it"
    );
    assert_eq!(claimed[0].message, d.message);
    assert!(
        store
            .deliveries_claim(at, lease, 10)
            .await
            .expect("claim")
            .is_empty()
    );

    // The lease runs out; a second worker makes attempt 2; the first one's late answer
    // is ignored; the second's is recorded.
    let again = store
        .deliveries_claim(
            lease + Duration::seconds(1),
            lease + Duration::seconds(60),
            10,
        )
        .await
        .expect("claim");
    assert_eq!(again[0].attempt, 2);
    let first = Outcome::Delivered.settle(1, Duration::seconds(30), at, now());
    store
        .delivery_settle(d.id, 1, &first)
        .await
        .expect("settle 1");
    assert_eq!(
        store.deliveries_of(ada, None, 10).await.expect("list")[0].status,
        DeliveryStatus::Pending
    );
    let retry = Outcome::Transient("503".into()).settle(2, Duration::seconds(30), at, now());
    store
        .delivery_settle(d.id, 2, &retry)
        .await
        .expect("settle 2");
    let shown = &store.deliveries_of(ada, None, 10).await.expect("list")[0];
    assert_eq!(
        (shown.status, shown.attempts, shown.last_error.as_deref()),
        (DeliveryStatus::Retrying, 2, Some("503"))
    );
    assert_eq!(
        store.queue_next().await.expect("next"),
        retry.next_attempt_at
    );

    // Deleting the channel deletes its deliveries; a missed one is never claimed.
    let mut missed = delivery(ada, hook.id, None, at);
    missed.status = DeliveryStatus::Missed;
    store.deliveries_insert(&[missed]).await.expect("insert");
    assert!(
        store
            .deliveries_claim(at + Duration::days(2), at + Duration::days(3), 10)
            .await
            .expect("claim")
            .len()
            == 1,
        "only the retrying one"
    );
    assert!(store.channel_delete(ada, hook.id).await.expect("delete"));
    assert!(
        store
            .deliveries_of(ada, None, 10)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(store.queue_next().await.expect("next"), None);
}

async fn a_user_has_at_most_the_channels_allowed(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store).await;
    let bob = user(&store).await;
    for _ in 0..3 {
        assert!(
            store
                .channel_insert(&channel(ada), 3)
                .await
                .expect("insert")
        );
    }
    assert!(
        !store
            .channel_insert(&channel(ada), 3)
            .await
            .expect("insert")
    );
    assert!(
        store
            .channel_insert(&channel(bob), 3)
            .await
            .expect("insert"),
        "per user"
    );
    let theirs = store.channels_of(ada).await.expect("list");
    assert_eq!(theirs.len(), 3);
    assert!(
        store
            .channel_get(bob, theirs[0].id)
            .await
            .expect("get")
            .is_none()
    );
    assert!(
        !store
            .channel_delete(bob, theirs[0].id)
            .await
            .expect("delete")
    );
}

on_both_databases!(
    fires_are_claimed_once_and_a_lost_lease_is_taken_over,
    rewriting_a_task_replaces_the_fires_ahead_and_keeps_those_due,
    deliveries_count_attempts_and_ignore_a_late_settle,
    a_user_has_at_most_the_channels_allowed,
);

/// A pending task of `user` in their inbox with one reminder `at`, its fire worked out as
/// if the task was written at `written` (for the store-level reminder tests).
pub fn task_reminding(
    user: uuid::Uuid,
    at: time::OffsetDateTime,
    written: time::OffsetDateTime,
) -> taskward::tasks::model::Task {
    use taskward::tasks::reminders::{Reminder, Reminders};
    let mut reminders = Reminders::set(vec![Reminder::At(at)], user);
    reminders.schedule(None, None, false, &jiff::tz::TimeZone::UTC, written);
    taskward::tasks::model::Task {
        id: uuid::Uuid::now_v7(),
        user_id: user,
        list_id: user,
        title: "Stand up".into(),
        description: String::new(),
        completed: false,
        priority: taskward::tasks::model::Priority::Medium,
        due_at: None,
        due_date: None,
        due_key: None,
        tags: vec![],
        recurrence: None,
        reminders,
        created_at: written,
        updated_at: written,
        completed_at: None,
        version: 1,
        dav: Default::default(),
    }
}
