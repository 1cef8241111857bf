//! A slow receiver holds back no one else's reminders (issue 22): the worker sends up to
//! 256 deliveries at once and claims the next ones as soon as they are due, without
//! waiting for a slow answer to the ones it claimed before (it used to send a batch and
//! wait for all of it, so one receiver taking 4 s delayed every reminder due meanwhile).

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use time::OffsetDateTime;

use crate::helpers::TestDb;
use crate::on_both_databases;
use crate::receivers::Receivers;
use crate::reminders_delivery::{PASSWORD, config_for, stamp, webhook};

async fn a_slow_receiver_holds_back_no_one_else(db: TestDb) {
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let config = config_for(&db, &receivers);
    let app = crate::helpers::TestApp::spawn_with(db, config).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    webhook(&app, &ada, &receivers, "ada").await;
    webhook(&app, &bob, &receivers, "bob").await;
    // Ada's receiver answers 4 s after her reminder arrives (within the 5 s limit).
    receivers.delay("ada", 4.0).await;

    let due = OffsetDateTime::now_utc() + time::Duration::seconds(2);
    for (s, at) in [(&ada, due), (&bob, due + time::Duration::seconds(1))] {
        app.ok(
            s,
            Method::POST,
            "/api/tasks",
            Some(json!({"title": "Call back", "reminders": [{"at": stamp(at)}]})),
        )
        .await;
    }

    let got = receivers
        .wait_for(
            |r| r.webhooks.iter().any(|w| w.name == "bob"),
            Duration::from_secs(30),
        )
        .await;
    let late = OffsetDateTime::now_utc() - due;
    assert!(
        got.webhooks.iter().any(|w| w.name == "ada"),
        "ada's reminder, due first, arrived first: {got:#?}"
    );
    assert!(
        late < time::Duration::seconds(3),
        "bob's reminder, due 1 s after ada's, arrived {late} after ada's was due: \
         it waited for ada's slow receiver"
    );

    // Ada's answer still counts: delivered once, and bob's once.
    let deliveries = |s| {
        let app = &app;
        async move {
            app.ok(s, Method::GET, "/api/notifications/deliveries", None)
                .await
        }
    };
    let began = std::time::Instant::now();
    loop {
        let list = deliveries(&ada).await;
        if list[0]["status"] == "delivered" {
            assert_eq!(list.as_array().map(Vec::len), Some(1), "{list:#}");
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "ada's delivery was not recorded: {list:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(deliveries(&bob).await[0]["status"], "delivered");
    let received = receivers.received().await;
    for name in ["ada", "bob"] {
        let n = received.webhooks.iter().filter(|w| w.name == name).count();
        assert_eq!(n, 1, "{name}: {received:#?}");
    }
}

on_both_databases!(a_slow_receiver_holds_back_no_one_else);
