//! `kill -9` in the middle of sending reminders (API-2.md section 3): the real binary is
//! killed while a slow webhook receiver holds its deliveries; a new process on the same
//! database sends every reminder, and the only ones sent twice are those in flight at the
//! kill, with the same `webhook-id`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::node::Node;
use crate::helpers::TestDb;
use crate::receivers::Receivers;

const TASKS: usize = 40;

fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("OUTBOUND_ALLOW_HOSTS", "127.0.0.1"),
        ("REMINDER_RETRY_AFTER", "1s"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_delivery_loses_no_reminder() {
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let db = TestDb::sqlite();
    let client = crate::helpers::http_client();
    let first = Node::start(&db.url, &env());

    let res = client
        .post(first.url("/api/auth/signup"))
        .json(&json!({"email": "ada@example.com", "password": "a long enough password"}))
        .send()
        .await
        .expect("signup");
    assert_eq!(res.status(), 201);
    let token = res.json::<Value>().await.expect("json")["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let res = client
        .post(first.url("/api/notifications/channels"))
        .bearer_auth(&token)
        .json(&json!({"kind": "webhook", "target": receivers.webhook_url("slow")}))
        .send()
        .await
        .expect("channel");
    assert_eq!(res.status(), 201);
    let channel: Value = res.json().await.expect("json");
    receivers
        .set_secret("slow", channel["secret"].as_str().expect("secret"))
        .await;
    // Every webhook is held 3 s before its answer: the node is mid-delivery meanwhile.
    receivers.delay("slow", 3.0).await;

    let fire = (OffsetDateTime::now_utc() + time::Duration::seconds(3))
        .format(&Rfc3339)
        .expect("format");
    let mut ids = BTreeSet::new();
    for i in 0..TASKS {
        let res = client
            .post(first.url("/api/tasks"))
            .bearer_auth(&token)
            .json(&json!({"title": format!("Task {i}"), "reminders": [{"at": fire}]}))
            .send()
            .await
            .expect("task");
        assert_eq!(res.status(), 201);
        let task: Value = res.json().await.expect("json");
        ids.insert(task["id"].as_str().expect("id").to_owned());
    }

    // The first webhooks have arrived and wait for their answers: kill -9.
    receivers
        .wait_for(|r| !r.webhooks.is_empty(), Duration::from_secs(30))
        .await;
    first.kill9();
    let in_flight = receivers.received().await.webhooks.len();

    // A new process on the same database takes over once the dead one's claims run out.
    receivers.delay("slow", 0.0).await;
    let started = Instant::now();
    let second = Node::start(&db.url, &env());
    let per_task = |hooks: &[crate::receivers::Webhook]| {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for w in hooks.iter().filter(|w| w.verified) {
            let task = w
                .payload
                .as_ref()
                .and_then(|p| p["data"]["task"]["id"].as_str());
            if let (Some(task), Some(id)) = (task, &w.webhook_id) {
                m.entry(task.to_owned()).or_default().push(id.clone());
            }
        }
        m
    };
    // None was answered before the kill (each waits 3 s), so every one is sent again.
    let got = receivers
        .wait_for(
            |r| per_task(r.webhooks.get(in_flight..).unwrap_or_default()).len() == TASKS,
            Duration::from_secs(90),
        )
        .await;
    eprintln!(
        "{in_flight} webhooks were in flight at the kill; every reminder arrived {:.1} s after the restart",
        started.elapsed().as_secs_f64()
    );
    let by_task = per_task(&got.webhooks);
    assert_eq!(
        by_task.keys().cloned().collect::<BTreeSet<_>>(),
        ids,
        "none lost"
    );
    for ids in by_task.values() {
        let distinct: BTreeSet<_> = ids.iter().collect();
        assert_eq!(
            distinct.len(),
            1,
            "a resend carries the same webhook-id: {ids:?}"
        );
    }
    // Nothing more: each was accepted by the second node, which recorded it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        receivers.received().await.webhooks.len(),
        got.webhooks.len()
    );
    let res = client
        .get(second.url("/api/notifications/deliveries?limit=100"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("deliveries");
    let deliveries: Vec<Value> = res.json().await.expect("json");
    assert_eq!(deliveries.len(), TASKS);
    for d in &deliveries {
        assert_eq!(d["status"], "delivered", "{d}");
    }
}
