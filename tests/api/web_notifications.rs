//! The notifications page of the web app, over plain HTTP with the web forms, on both
//! databases: add a channel, the webhook's secret shown once, a private address refused,
//! a test and its delivery, delete; another user's channel is not found.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use taskward::outbound::OutboundPolicy;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::helpers::{Session, TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, PASSWORD, location};

/// The page at `path` once `done` holds for it (the worker sends in the background).
async fn page_when(browser: &mut Browser<'_>, path: &str, done: impl Fn(&str) -> bool) -> String {
    let mut page = String::new();
    for _ in 0..100 {
        page = browser.get(path).await.text().await.expect("page");
        if done(&page) {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never came: {page}");
}

/// A node that may send to 127.0.0.1 (nothing listens on port 9: a webhook there fails
/// and is retried after a second) and writes mail to its log.
fn config_for(db: &TestDb) -> taskward::config::Config {
    let mut config = db.config();
    config.notify.outbound_allow_hosts = OutboundPolicy::parse("127.0.0.1").expect("policy");
    config.notify.reminder_retry_after = Duration::from_secs(1);
    config.check().expect("valid config");
    config
}

async fn channels(app: &TestApp, s: &Session) -> Vec<Value> {
    app.get_as("/api/notifications/channels", &s.access)
        .await
        .json()
        .await
        .expect("json")
}

async fn the_notifications_page_adds_tests_and_deletes_channels(db: TestDb) {
    let config = config_for(&db);
    let app = TestApp::spawn_with(db, config).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_up("cy@example.com").await.status(), 303);
    let api = app.signin("cy@example.com", PASSWORD).await;
    let origin = app.url("");
    let page = browser
        .get("/notifications")
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("No channels yet"), "{page}");
    assert!(page.contains(r#"id="mail-note""#), "no SMTP_URL: {page}");
    assert!(page.contains(r#"<a href="/notifications" aria-current="page">"#));
    let csrf = browser.csrf("/notifications").await;
    let add = |kind: &'static str, target: &'static str, token: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("kind", kind.to_owned()),
            ("target", target.to_owned()),
            ("token", token.to_owned()),
        ]
    };

    // A webhook to a private address: refused on the field, what was typed kept.
    let form = add("webhook", "https://10.1.2.3/hook", "");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = browser
        .post("/notifications/channels", &pairs, Some(&origin))
        .await;
    let page = browser.follow_refusal(res).await;
    for shown in [
        r#"id="target-error">The address or URL must not point at a private"#,
        r#"value="https://10.1.2.3/hook""#,
        r#"<option value="webhook" selected>"#,
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    // A token on an email channel is refused on its field.
    let form = add("email", "", "tk_abc");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = browser
        .post("/notifications/channels", &pairs, Some(&origin))
        .await;
    let page = browser.follow_refusal(res).await;
    assert!(
        page.contains(r#"id="token-error">The token is only for ntfy"#),
        "{page}"
    );
    assert!(channels(&app, &api).await.is_empty());

    // A webhook the operator allows: its secret on the page made by the form, this once.
    let form = add("webhook", "http://127.0.0.1:9/hook", "");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = browser
        .post("/notifications/channels", &pairs, Some(&origin))
        .await;
    assert_eq!(res.status(), 201);
    let page = res.text().await.expect("page");
    let marker = r#"<code id="webhook-secret">"#;
    let start = page.find(marker).expect("the secret") + marker.len();
    let secret = page[start..].split('<').next().expect("secret");
    assert!(
        secret.starts_with("whsec_") && secret.len() > 30,
        "{secret}"
    );
    assert!(page.contains("shown only this once"), "{page}");
    let page = browser
        .get("/notifications")
        .await
        .text()
        .await
        .expect("page");
    assert!(!page.contains(secret) && !page.contains("webhook-secret"));
    assert!(page.contains("http://127.0.0.1:9/hook"), "{page}");

    // An email channel to the account's own address, through a redirect and a notice.
    let form = add("email", "", "");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = browser
        .post("/notifications/channels", &pairs, Some(&origin))
        .await;
    assert_eq!(
        (res.status().as_u16(), location(&res)),
        (303, "/notifications")
    );
    let page = browser
        .get("/notifications")
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("Channel added"), "{page}");
    assert!(page.contains(r#"<span class="channel-target">cy@example.com</span>"#));
    let all = channels(&app, &api).await;
    let id_of = |kind: &str| {
        all.iter()
            .find(|c| c["kind"] == kind)
            .and_then(|c| c["id"].as_str())
            .expect("channel")
            .to_owned()
    };
    let (hook, mail) = (id_of("webhook"), id_of("email"));

    // A test through each: the email is delivered (to the log), the webhook fails and is
    // retried, with the reason shown.
    for id in [&mail, &hook] {
        let res = browser
            .post(
                &format!("/notifications/channels/{id}/test"),
                &[("csrf", &csrf)],
                Some(&origin),
            )
            .await;
        assert_eq!(
            (res.status().as_u16(), location(&res)),
            (303, "/notifications")
        );
    }
    let page = browser
        .get("/notifications")
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("A test notification is on its way; see its delivery below."),
        "{page}"
    );
    let page = page_when(&mut browser, "/notifications", |p| {
        p.contains("status-delivered") && p.contains("status-retrying")
    })
    .await;
    assert_eq!(
        page.matches(r#"<td dir="auto">Test</td>"#).count(),
        2,
        "{page}"
    );
    assert!(page.contains("Email: cy@example.com"), "{page}");
    assert!(page.contains("Failed, will try again"), "{page}");

    // A reminder of a task: its delivery names the task and links to it.
    let soon = (OffsetDateTime::now_utc() + time::Duration::seconds(1))
        .format(&Rfc3339)
        .expect("format");
    let res = app
        .call(
            Method::POST,
            "/api/tasks",
            &api.access,
            Some(&json!({"title": "Water the ferns", "reminders": [{"at": soon}]})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let task_id = res.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    page_when(&mut browser, "/notifications", |p| {
        p.contains(&format!(
            r#"<a href="/tasks/{task_id}/edit?back=/notifications">Water the ferns</a>"#
        ))
    })
    .await;

    // Delete asks first, then deletes.
    let confirm = browser
        .get(&format!("/notifications/channels/{hook}/delete"))
        .await;
    assert_eq!(confirm.status(), 200);
    let confirm = confirm.text().await.expect("page");
    assert!(
        confirm.contains("Webhook: http://127.0.0.1:9/hook"),
        "{confirm}"
    );
    let res = browser
        .post(
            &format!("/notifications/channels/{hook}/delete"),
            &[("csrf", &csrf)],
            Some(&origin),
        )
        .await;
    assert_eq!(
        (res.status().as_u16(), location(&res)),
        (303, "/notifications")
    );
    let page = browser
        .get("/notifications")
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("Channel deleted."), "{page}");
    assert!(
        !page.contains("127.0.0.1:9"),
        "the channel and its deliveries are gone"
    );
    assert_eq!(channels(&app, &api).await.len(), 1);

    // Someone else cannot test, delete, or even see the confirmation of Cy's channel.
    let mut other = Browser::new(&app);
    assert_eq!(other.sign_up("dee@example.com").await.status(), 303);
    let other_csrf = other.csrf("/notifications").await;
    for action in ["test", "delete"] {
        let res = other
            .post(
                &format!("/notifications/channels/{mail}/{action}"),
                &[("csrf", &other_csrf)],
                Some(&origin),
            )
            .await;
        assert_eq!(res.status(), 404, "{action}");
    }
    let res = other
        .get(&format!("/notifications/channels/{mail}/delete"))
        .await;
    assert_eq!(res.status(), 404);
    let page = other
        .get("/notifications")
        .await
        .text()
        .await
        .expect("page");
    assert!(!page.contains("cy@example.com") && page.contains("Nothing sent yet"));
    assert_eq!(channels(&app, &api).await.len(), 1);
    app.stop().await;
}

on_both_databases!(the_notifications_page_adds_tests_and_deletes_channels,);
