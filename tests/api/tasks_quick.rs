//! `POST /api/tasks/parse` (API-2.md section 2) on both databases: the text read in the
//! caller's zone and lists, answered as a body `POST /api/tasks` takes as it is, nothing
//! created; bad text refused. The grammar itself is tested with a phrase table and
//! properties in `src/tasks/quick_add`.

use reqwest::Method;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::helpers::{Session, TestApp, TestDb, error_fields, problem};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

async fn parse(app: &TestApp, s: &Session, text: &str) -> Value {
    let res = app
        .call(
            Method::POST,
            "/api/tasks/parse",
            &s.access,
            Some(&json!({"text": text})),
        )
        .await;
    assert_eq!(res.status(), 200, "{text}");
    res.json().await.expect("json")
}

async fn create_list(app: &TestApp, s: &Session, name: &str) -> String {
    let res = app
        .call(
            Method::POST,
            "/api/lists",
            &s.access,
            Some(&json!({"name": name})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let list: Value = res.json().await.expect("json");
    list["id"].as_str().expect("id").to_owned()
}

async fn text_is_read_in_the_callers_zone_and_lists(db: TestDb) {
    let app = TestApp::spawn(db).await;
    // UTC+3 all year (Etc/GMT-3 is east of Greenwich), so the expected instants are plain.
    let s = app
        .signup_in("ada@example.com", PASSWORD, "Etc/GMT-3")
        .await;
    let groceries = create_list(&app, &s, "Groceries").await;
    // A list shared with Ada as a viewer: she may not add to it, so `@Family` is a word.
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let family = create_list(&app, &bob, "Family").await;
    let res = app
        .call(
            Method::PUT,
            &format!("/api/lists/{family}/members/ada@example.com"),
            &bob.access,
            Some(&json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get_as("/api/lists", &s.access).await.status(), 200);

    let local = OffsetDateTime::now_utc().to_offset(UtcOffset::from_hms(3, 0, 0).expect("offset"));
    let tomorrow = local.date() + Duration::days(1);

    let task = parse(&app, &s, "Buy oat milk tomorrow @groceries #errands !high").await;
    assert_eq!(
        task,
        json!({"title": "Buy oat milk", "description": "", "priority": "high",
               "due_at": null, "due_date": tomorrow.to_string(), "tags": ["errands"],
               "recurrence": null, "list_id": groceries})
    );
    // A date and a time are an instant in the caller's zone: 17:00 at UTC+3.
    let task = parse(&app, &s, "Call mom tomorrow at 5pm").await;
    assert_eq!(task["title"], "Call mom");
    assert_eq!(task["due_at"], format!("{tomorrow}T14:00:00Z"));
    assert_eq!(task["due_date"], Value::Null);
    // Recurrence from completion, starting today.
    let task = parse(&app, &s, "every! 3 days water the plants").await;
    assert_eq!(task["title"], "water the plants");
    assert_eq!(
        task["recurrence"],
        json!({"rule": "FREQ=DAILY;INTERVAL=3", "from": "completion"})
    );
    assert_eq!(task["due_date"], local.date().to_string());
    // A list they only view, and one that does not exist, stay in the title.
    for (text, title) in [
        ("Plan the trip @Family", "Plan the trip @Family"),
        ("@Nowhere fix the gate", "@Nowhere fix the gate"),
    ] {
        let task = parse(&app, &s, text).await;
        assert_eq!(
            (task["title"].as_str(), &task["list_id"]),
            (Some(title), &Value::Null)
        );
    }

    // Parsing created nothing; what it answers, POST takes as it is.
    let listed: Value = app
        .get_as("/api/tasks", &s.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed, json!([]));
    let body = parse(
        &app,
        &s,
        "Pay rent every month on the 1st 9am #home @Groceries",
    )
    .await;
    let res = app
        .call(Method::POST, "/api/tasks", &s.access, Some(&body))
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.expect("json");
    for member in [
        "title",
        "priority",
        "due_at",
        "due_date",
        "tags",
        "recurrence",
        "list_id",
    ] {
        assert_eq!(created[member], body[member], "{member}");
    }
    assert_eq!(
        created["recurrence"],
        json!({"rule": "FREQ=MONTHLY;BYMONTHDAY=1", "from": "due"})
    );
    app.stop().await;
}

async fn bad_text_is_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("cy@example.com", PASSWORD).await;
    for body in [
        json!({}),
        json!({"text": null}),
        json!({"text": 5}),
        json!({"text": "   "}),
        json!({"text": "x".repeat(501)}),
        json!({"text": "one\nline"}),
        json!({"text": format!("{} tomorrow", "t".repeat(300))}),
    ] {
        let res = app
            .call(Method::POST, "/api/tasks/parse", &s.access, Some(&body))
            .await;
        assert_eq!(error_fields(&problem(res, 422).await), ["text"], "{body}");
    }
    let res = app
        .client
        .post(app.url("/api/tasks/parse"))
        .json(&json!({"text": "tomorrow"}))
        .send()
        .await
        .expect("response");
    problem(res, 401).await;
    app.stop().await;
}

on_both_databases!(
    text_is_read_in_the_callers_zone_and_lists,
    bad_text_is_refused
);
