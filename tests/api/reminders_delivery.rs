//! Reminders reaching real receivers (API-2.md section 3), started by the tests
//! (`receivers.rs`: aiosmtpd, a Standard Webhooks receiver verifying with the reference
//! `standardwebhooks` library, an ntfy publish endpoint), on both databases: one reminder
//! reaches every channel of its user once; the test button; a receiver failing twice gets
//! the same `webhook-id` three times; ten thousand reminders due in one minute across two
//! nodes on PostgreSQL arrive once each within 60 s.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use taskward::config::Config;
use taskward::config::notify::SmtpUrl;
use taskward::outbound::OutboundPolicy;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::helpers::{Session, TestApp, TestDb};
use crate::on_both_databases;
use crate::receivers::{Received, Receivers};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// The configuration of a node that may reach the receivers on 127.0.0.1 and sends mail
/// to their SMTP server.
pub(crate) fn config_for(db: &TestDb, receivers: &Receivers) -> Config {
    let mut config = db.config();
    config.notify.outbound_allow_hosts = OutboundPolicy::parse("127.0.0.1").expect("policy");
    config.notify.smtp_url = Some(
        SmtpUrl::parse(&format!("smtp://127.0.0.1:{}?tls=off", receivers.smtp_port)).expect("url"),
    );
    config.notify.smtp_from = Some("Taskward <taskward@example.com>".into());
    config.notify.reminder_retry_after = std::time::Duration::from_secs(1);
    config.public_url = Some(url::Url::parse("https://tasks.example.com/").expect("url"));
    config.metrics = true;
    config.check().expect("valid config");
    config
}

async fn send(
    app: &TestApp,
    s: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    app.ok(s, method, path, body).await
}

async fn channel(app: &TestApp, s: &Session, body: Value) -> Value {
    send(
        app,
        s,
        Method::POST,
        "/api/notifications/channels",
        Some(body),
    )
    .await
}

/// A webhook channel to the receiver `name`, its secret handed to the receiver.
pub(crate) async fn webhook(
    app: &TestApp,
    s: &Session,
    receivers: &Receivers,
    name: &str,
) -> Value {
    let c = channel(
        app,
        s,
        json!({"kind": "webhook", "target": receivers.webhook_url(name)}),
    )
    .await;
    receivers
        .set_secret(name, c["secret"].as_str().expect("secret"))
        .await;
    c
}

pub(crate) fn stamp(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("format")
}

async fn deliveries(app: &TestApp, s: &Session) -> Vec<Value> {
    send(
        app,
        s,
        Method::GET,
        "/api/notifications/deliveries?limit=100",
        None,
    )
    .await
    .as_array()
    .expect("array")
    .clone()
}

async fn one_reminder_reaches_every_channel_once(db: TestDb) {
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let config = config_for(&db, &receivers);
    let app = TestApp::spawn_with(db, config).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    webhook(&app, &s, &receivers, "ada").await;
    channel(&app, &s, json!({"kind": "ntfy", "target": receivers.ntfy_topic_url("ada-tasks"), "token": "tk_secret"})).await;
    channel(&app, &s, json!({"kind": "email"})).await;

    let due = OffsetDateTime::now_utc() + time::Duration::seconds(3);
    let task = send(
        &app,
        &s,
        Method::POST,
        "/api/tasks",
        Some(
            json!({"title": "Take the cake out", "description": "Gas mark 4",
            "due_at": stamp(due), "reminders": [{"before": "PT2S"}]}),
        ),
    )
    .await;
    let id = task["id"].as_str().expect("id");

    let got = receivers
        .wait_for(
            |r| !r.webhooks.is_empty() && !r.ntfy.is_empty() && !r.mail.is_empty(),
            Duration::from_secs(30),
        )
        .await;
    let hook = &got.webhooks[0];
    assert!(
        hook.verified,
        "the reference library verifies the signature: {hook:?}"
    );
    assert_eq!(hook.name, "ada");
    assert_eq!(hook.content_type.as_deref(), Some("application/json"));
    assert!(
        hook.signature
            .as_deref()
            .is_some_and(|s| s.starts_with("v1,")),
        "{hook:?}"
    );
    let sent_at: i64 = hook
        .timestamp
        .as_deref()
        .and_then(|t| t.parse().ok())
        .expect("whole seconds");
    assert!((OffsetDateTime::now_utc().unix_timestamp() - sent_at).abs() < 60);
    assert!(!hook.body.is_empty());
    let payload = hook.payload.as_ref().expect("payload");
    assert_eq!(payload["type"], "task.reminder");
    assert_eq!(payload["data"]["task"]["id"], id);
    assert_eq!(payload["data"]["task"]["title"], "Take the cake out");
    assert_eq!(payload["data"]["reminder"], json!({"before": "PT2S"}));

    let n = &got.ntfy[0];
    assert_eq!((n.via.as_str(), n.failed_on_purpose), ("json", false));
    assert_eq!(n.topic, "ada-tasks");
    assert_eq!(
        (n.priority, n.tags.as_slice()),
        (4, ["alarm_clock".to_owned()].as_slice())
    );
    assert_eq!(
        n.json.as_ref().map(|j| j["topic"].clone()),
        Some(json!("ada-tasks"))
    );
    assert_eq!(n.title.as_deref(), Some("Take the cake out"));
    assert!(n.message.starts_with("Due "), "{}", n.message);
    assert!(n.message.contains("Gas mark 4"), "{}", n.message);
    assert_eq!(n.authorization.as_deref(), Some("Bearer tk_secret"));
    assert_eq!(
        n.click.as_deref(),
        Some(format!("https://tasks.example.com/tasks/{id}/edit").as_str())
    );

    let mail = &got.mail[0];
    assert_eq!(mail.rcpt_tos, ["ada@example.com"]);
    assert_eq!(mail.mail_from, "taskward@example.com");
    assert_eq!(mail.subject.as_deref(), Some("Take the cake out"));
    assert!(
        mail.headers.contains_key("Message-ID") && mail.headers.contains_key("Date"),
        "{mail:?}"
    );
    assert_eq!(mail.html, None, "plain text only");
    assert!(
        mail.text
            .as_deref()
            .is_some_and(|t| t.contains("Gas mark 4")),
        "{mail:?}"
    );

    // Once: nothing more arrives, and the deliveries say so.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = receivers.received().await;
    assert_eq!(
        (after.webhooks.len(), after.ntfy.len(), after.mail.len()),
        (1, 1, 1)
    );
    let list = deliveries(&app, &s).await;
    assert_eq!(list.len(), 3, "{list:?}");
    for d in &list {
        assert_eq!(d["status"], "delivered", "{d}");
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["task_id"], id);
        assert!(d["delivered_at"].is_string());
    }
    assert_eq!(
        list[2]["id"].as_str(),
        hook.webhook_id.as_deref(),
        "the delivery's id is the webhook-id (oldest last)"
    );

    // A completed task reminds no more.
    let later = OffsetDateTime::now_utc() + time::Duration::seconds(2);
    let done = send(
        &app,
        &s,
        Method::POST,
        "/api/tasks",
        Some(json!({"title": "Done already", "reminders": [{"at": stamp(later)}]})),
    )
    .await;
    send(
        &app,
        &s,
        Method::PATCH,
        &format!("/api/tasks/{}/complete", done["id"].as_str().expect("id")),
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(receivers.received().await.webhooks.len(), 1);
}

async fn the_test_button_and_a_receiver_that_fails_twice(db: TestDb) {
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let config = config_for(&db, &receivers);
    let app = TestApp::spawn_with(db, config).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let hook = webhook(&app, &s, &receivers, "flaky").await;
    receivers.fail_next("flaky", 2).await;
    let path = format!(
        "/api/notifications/channels/{}/test",
        hook["id"].as_str().expect("id")
    );
    let res = app.call(Method::POST, &path, &s.access, None).await;
    assert_eq!(res.status(), 202);
    let queued: Value = res.json().await.expect("json");
    assert_eq!(queued["status"], "pending");

    // 500, 500 (retried after 1 s, then 2 s: REMINDER_RETRY_AFTER=1s), then accepted.
    let got = receivers
        .wait_for(
            |r| {
                r.webhooks
                    .iter()
                    .any(|w| w.verified && !w.failed_on_purpose)
            },
            Duration::from_secs(30),
        )
        .await;
    assert_eq!(got.webhooks.len(), 3, "{:?}", got.webhooks);
    let ids: BTreeSet<_> = got.webhooks.iter().map(|w| w.webhook_id.clone()).collect();
    assert_eq!(
        ids.len(),
        1,
        "the same webhook-id on every attempt: {ids:?}"
    );
    assert_eq!(
        ids.first().cloned().flatten().as_deref(),
        queued["id"].as_str()
    );
    assert!(
        got.webhooks.iter().all(|w| w.verified),
        "every attempt is signed afresh"
    );
    let payload = got.webhooks[2].payload.as_ref().expect("payload");
    assert_eq!(payload["type"], "notification.test");

    let mut list = Vec::new();
    for _ in 0..50 {
        list = deliveries(&app, &s).await;
        if list[0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(list[0]["status"], "delivered", "{list:?}");
    assert_eq!(list[0]["attempts"], 3);
    assert_eq!(list[0]["task_id"], Value::Null);

    // The metrics count each attempt by its outcome, and the lag of the delivered one.
    // The round records the queue's depth just after the outcome: read until it has.
    let mut metrics = String::new();
    for _ in 0..50 {
        metrics = app.get("/metrics").await.text().await.expect("metrics");
        if metrics.contains(r#"taskward_reminder_queue{queue="deliveries"} 0"#) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for line in [
        r#"taskward_reminder_deliveries_total{channel="webhook",outcome="retrying"} 2"#,
        r#"taskward_reminder_deliveries_total{channel="webhook",outcome="delivered"} 1"#,
        "taskward_reminder_lag_seconds_count 1",
        r#"taskward_reminder_queue{queue="deliveries"} 0"#,
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in:\n{metrics}");
    }
}

/// The worker's rounds, from the metrics.
async fn rounds(app: &TestApp) -> u64 {
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("taskward_reminder_worker_rounds_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// No polling: an idle node's worker sleeps; a task without reminders does not wake it,
/// one with a reminder does, once, and it sleeps again until that reminder's time.
async fn an_idle_worker_sleeps_until_something_is_due(db: TestDb) {
    let mut config = db.config();
    config.metrics = true;
    let app = TestApp::spawn_with(db, config).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rounds(&app).await;
    assert!(idle >= 1, "the first round at start");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(rounds(&app).await, idle, "asleep while nothing is due");
    send(
        &app,
        &s,
        Method::POST,
        "/api/tasks",
        Some(json!({"title": "No reminder"})),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        rounds(&app).await,
        idle,
        "a task without reminders does not wake it"
    );
    let later = OffsetDateTime::now_utc() + time::Duration::hours(1);
    send(
        &app,
        &s,
        Method::POST,
        "/api/tasks",
        Some(json!({"title": "Later", "reminders": [{"at": stamp(later)}]})),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let woken = rounds(&app).await;
    assert!(woken > idle, "a reminder written wakes it");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        rounds(&app).await,
        woken,
        "and it sleeps until the reminder's time"
    );
}

on_both_databases!(
    one_reminder_reaches_every_channel_once,
    the_test_button_and_a_receiver_that_fails_twice,
    an_idle_worker_sleeps_until_something_is_due,
);

/// The webhook deliveries received per task id.
fn per_task(received: &Received) -> BTreeMap<String, Vec<Option<String>>> {
    let mut out: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
    for w in &received.webhooks {
        if let Some(id) = w
            .payload
            .as_ref()
            .and_then(|p| p["data"]["task"]["id"].as_str())
        {
            out.entry(id.to_owned())
                .or_default()
                .push(w.webhook_id.clone());
        }
    }
    out
}

/// Ten thousand reminders due in the same minute, two nodes on one PostgreSQL: each
/// arrives exactly once, all within 60 s of their time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_reminders_across_two_nodes_arrive_once_each() {
    const TASKS: usize = 10_000;
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let second = db.second_node();
    let config = config_for(&db, &receivers);
    let a = TestApp::spawn_with(db, config.clone()).await;
    let b = TestApp::spawn_with(second, config).await;
    let s = a.signup("ada@example.com", PASSWORD).await;
    webhook(&a, &s, &receivers, "load").await;

    // Every reminder at the same instant, far enough ahead for the tasks to be made.
    let fire = OffsetDateTime::now_utc() + time::Duration::seconds(45);
    let body = json!({"title": "Stand up", "reminders": [{"at": stamp(fire)}]});
    let mut made = tokio::task::JoinSet::new();
    for worker in 0..16 {
        let (client, token, body) = (a.client.clone(), s.access.clone(), body.clone());
        let base = if worker % 2 == 0 {
            a.url("/api/tasks")
        } else {
            b.url("/api/tasks")
        };
        made.spawn(async move {
            let mut ids = Vec::new();
            for _ in (worker..TASKS).step_by(16) {
                let res = client
                    .post(&base)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .expect("post");
                assert_eq!(res.status(), 201);
                let task: Value = res.json().await.expect("json");
                ids.push(task["id"].as_str().expect("id").to_owned());
            }
            ids
        });
    }
    let mut ids = BTreeSet::new();
    while let Some(part) = made.join_next().await {
        ids.extend(part.expect("creator"));
    }
    assert_eq!(ids.len(), TASKS);
    assert!(
        OffsetDateTime::now_utc() < fire,
        "making the tasks took past their reminder time: this machine is too slow for this test"
    );

    let deadline =
        Duration::try_from(fire + time::Duration::seconds(60) - OffsetDateTime::now_utc())
            .expect("ahead");
    let got = receivers
        .wait_for(|r| r.webhooks.len() >= TASKS, deadline)
        .await;
    eprintln!(
        "{TASKS} reminders due at one instant, two nodes: all received {:.1} s after it",
        (OffsetDateTime::now_utc() - fire).as_seconds_f64()
    );
    // Let any duplicate arrive before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = receivers
        .received()
        .await
        .webhooks
        .len()
        .max(got.webhooks.len());
    let received = receivers.received().await;
    assert_eq!(got, TASKS, "each reminder once");
    assert!(received.webhooks.iter().all(|w| w.verified));
    let by_task = per_task(&received);
    assert_eq!(by_task.keys().cloned().collect::<BTreeSet<_>>(), ids);
    assert!(by_task.values().all(|w| w.len() == 1));
    a.stop().await;
    b.stop().await;
}
