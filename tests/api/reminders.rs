//! Reminders on tasks and notification channels over HTTP (API-2.md section 3), on both
//! databases: reminders are checked, shown, replaced and cleared; a recurring task's `at`
//! reminders follow it; channels are checked (private targets refused), a webhook's
//! secret is shown once, other users see nothing; bad input changes nothing. Sending them
//! to real receivers is `reminders_delivery.rs`.

use reqwest::Method;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::helpers::{Session, TestApp, TestDb, error_fields, problem};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

async fn send(
    app: &TestApp,
    s: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    app.ok(s, method, path, body).await
}

async fn refused(
    app: &TestApp,
    s: &Session,
    method: Method,
    path: &str,
    body: Value,
    status: u16,
) -> Value {
    problem(app.call(method, path, &s.access, Some(&body)).await, status).await
}

fn stamp(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("format")
}

async fn reminders_are_checked_shown_and_replaced(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let due = OffsetDateTime::now_utc() + Duration::days(2);
    let at = "2030-01-02T09:00:00Z";
    let task = send(
        &app,
        &s,
        Method::POST,
        "/api/tasks",
        Some(json!({"title": "Dentist", "due_at": stamp(due),
            "reminders": [{"before": "pt30m"}, {"at": "2030-01-02T10:00:00+01:00"}]})),
    )
    .await;
    assert_eq!(
        task["reminders"],
        json!([{"before": "PT30M"}, {"at": at}]),
        "durations in their canonical spelling, instants in UTC"
    );
    let id = task["id"].as_str().expect("id").to_owned();
    let path = format!("/api/tasks/{id}");

    // Every way of getting them wrong is a 422 naming the member, and changes nothing.
    let bad = [
        (
            json!({"reminders": [{"before": "half an hour"}]}),
            "reminders[0].before",
        ),
        (
            json!({"reminders": [{"before": "-PT5M"}]}),
            "reminders[0].before",
        ),
        (
            json!({"reminders": [{"before": "P2M"}]}),
            "reminders[0].before",
        ),
        (
            json!({"reminders": [{"at": "tomorrow"}]}),
            "reminders[0].at",
        ),
        (
            json!({"reminders": [{}, {"before": "PT1H", "at": at}]}),
            "reminders[0]",
        ),
        (
            json!({"reminders": vec![json!({"before": "PT1M"}); 6]}),
            "reminders",
        ),
        (json!({"reminders": "PT30M"}), "reminders"),
        (
            json!({"due_at": null, "reminders": [{"before": "PT1H"}]}),
            "reminders",
        ),
    ];
    for (body, field) in bad {
        let res = app.call(Method::PATCH, &path, &s.access, Some(&body)).await;
        assert_eq!(res.status(), 422, "{body}");
        let p: Value = res.json().await.expect("json");
        assert!(error_fields(&p).contains(&field), "{body}: {p}");
    }
    let unchanged = send(&app, &s, Method::GET, &path, None).await;
    assert_eq!(unchanged["reminders"], task["reminders"]);
    assert_eq!(unchanged["updated_at"], task["updated_at"]);

    // A new task needs a due for a reminder before it; `at` needs none.
    let p = refused(
        &app,
        &s,
        Method::POST,
        "/api/tasks",
        json!({"title": "x", "reminders": [{"before": "PT10M"}]}),
        422,
    )
    .await;
    assert_eq!(error_fields(&p), ["reminders"]);
    let floating = send(
        &app,
        &s,
        Method::POST,
        "/api/tasks",
        Some(json!({"title": "Call back", "reminders": [{"at": at}]})),
    )
    .await;
    assert_eq!(floating["reminders"], json!([{"at": at}]));

    // PATCH replaces them; removing the due keeps a reminder before it (it waits for a
    // due); `null` clears them; PUT without them clears them too.
    let patched = send(
        &app,
        &s,
        Method::PATCH,
        &path,
        Some(json!({"reminders": [{"before": "1 day"}]})),
    )
    .await;
    assert_eq!(
        patched["reminders"],
        json!([{"before": "P1D"}]),
        "jiff's friendly spelling, answered in ISO 8601"
    );
    let no_due = send(
        &app,
        &s,
        Method::PATCH,
        &path,
        Some(json!({"due_at": null})),
    )
    .await;
    assert_eq!(no_due["reminders"], json!([{"before": "P1D"}]));
    let cleared = send(
        &app,
        &s,
        Method::PATCH,
        &path,
        Some(json!({"reminders": null})),
    )
    .await;
    assert_eq!(cleared["reminders"], json!([]));
    send(
        &app,
        &s,
        Method::PATCH,
        &path,
        Some(json!({"due_date": "2030-01-05", "reminders": [{"before": "PT1H"}]})),
    )
    .await;
    let put = send(
        &app,
        &s,
        Method::PUT,
        &path,
        Some(json!({"title": "Dentist", "due_date": "2030-01-05"})),
    )
    .await;
    assert_eq!(put["reminders"], json!([]));
}

async fn a_recurring_tasks_reminders_follow_each_occurrence(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let task = send(
        &app,
        &s,
        Method::POST,
        "/api/tasks",
        Some(
            json!({"title": "Water the plants", "due_at": "2030-03-04T18:00:00Z",
            "recurrence": {"rule": "FREQ=WEEKLY"},
            "reminders": [{"before": "PT1H"}, {"at": "2030-03-04T08:00:00Z"}]}),
        ),
    )
    .await;
    let path = format!("/api/tasks/{}", task["id"].as_str().expect("id"));
    let rolled = send(&app, &s, Method::PATCH, &format!("{path}/complete"), None).await;
    assert_eq!(rolled["due_at"], "2030-03-11T18:00:00Z");
    assert_eq!(
        rolled["reminders"],
        json!([{"before": "PT1H"}, {"at": "2030-03-11T08:00:00Z"}]),
        "the instant moves with the occurrence"
    );
    let skipped = send(&app, &s, Method::POST, &format!("{path}/skip"), None).await;
    assert_eq!(
        skipped["reminders"][1],
        json!({"at": "2030-03-18T08:00:00Z"})
    );
    // A due the user moves does not move an instant they chose.
    let moved = send(
        &app,
        &s,
        Method::PATCH,
        &path,
        Some(json!({"due_at": "2030-03-20T18:00:00Z"})),
    )
    .await;
    assert_eq!(moved["reminders"][1], json!({"at": "2030-03-18T08:00:00Z"}));
}

async fn channels_are_checked_and_private_to_their_user(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let channels = "/api/notifications/channels";

    // Email: the account's own address unless another is given.
    let own = send(
        &app,
        &ada,
        Method::POST,
        channels,
        Some(json!({"kind": "email"})),
    )
    .await;
    assert_eq!(own["target"], "ada@example.com");
    assert_eq!(own["kind"], "email");
    assert_eq!(own["enabled"], true);
    assert!(own.get("secret").is_none());

    // Webhooks and ntfy must be https to public addresses: the loopback, private and
    // link-local are refused, by literal or by a name that resolves to them.
    for (kind, target) in [
        ("webhook", "http://127.0.0.1:9/hook"),
        ("webhook", "https://127.0.0.1/hook"),
        ("webhook", "https://[::1]/hook"),
        ("webhook", "https://10.1.2.3/hook"),
        ("webhook", "https://169.254.169.254/latest/meta-data"),
        ("webhook", "https://localhost/hook"),
        ("webhook", "http://example.com/hook"),
        ("webhook", "ftp://example.com/hook"),
        ("webhook", "https://user:pw@example.com/hook"),
        ("ntfy", "https://ntfy.example.com/"),
        ("ntfy", "https://192.168.1.10/alerts"),
    ] {
        let p = refused(
            &app,
            &ada,
            Method::POST,
            channels,
            json!({"kind": kind, "target": target}),
            422,
        )
        .await;
        assert_eq!(error_fields(&p), ["target"], "{kind} {target}: {p}");
    }
    for (body, field) in [
        (json!({"kind": "sms", "target": "+441234"}), "kind"),
        (json!({"target": "x@example.com"}), "kind"),
        (
            json!({"kind": "email", "target": "not an address"}),
            "target",
        ),
        (
            json!({"kind": "webhook", "target": "https://hooks.example.com/t", "token": "x"}),
            "token",
        ),
        (
            json!({"kind": "ntfy", "target": "https://ntfy.example.com/t", "token": "has space"}),
            "token",
        ),
    ] {
        let p = refused(&app, &ada, Method::POST, channels, body.clone(), 422).await;
        assert_eq!(error_fields(&p), [field], "{body}: {p}");
    }

    // A webhook's secret is shown once, at creation.
    let hook = send(
        &app,
        &ada,
        Method::POST,
        channels,
        Some(json!({"kind": "webhook", "target": "https://hooks.example.com/taskward"})),
    )
    .await;
    let secret = hook["secret"].as_str().expect("secret");
    assert!(
        secret.starts_with("whsec_") && secret.len() > 30,
        "{secret}"
    );
    let ntfy = send(
        &app,
        &ada,
        Method::POST,
        channels,
        Some(json!({"kind": "ntfy", "target": "https://ntfy.example.com/ada-tasks", "token": "tk_abc"})),
    )
    .await;
    let listed = send(&app, &ada, Method::GET, channels, None).await;
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 3);
    assert!(
        listed
            .iter()
            .all(|c| c.get("secret").is_none() && c.get("token").is_none()),
        "{listed:?}"
    );
    assert_eq!(listed[2]["target"], "https://ntfy.example.com/ada-tasks");

    // Bob sees none of them and can neither test nor delete them.
    assert_eq!(
        send(&app, &bob, Method::GET, channels, None).await,
        json!([])
    );
    let hook_path = format!("{channels}/{}", hook["id"].as_str().expect("id"));
    for (method, path) in [
        (Method::DELETE, hook_path.clone()),
        (Method::POST, format!("{hook_path}/test")),
        (Method::POST, format!("{channels}/not-a-uuid/test")),
    ] {
        let res = app.call(method.clone(), &path, &bob.access, None).await;
        assert_eq!(res.status(), 404, "{method} {path}");
    }

    // At most ten.
    for i in 3..10 {
        send(
            &app,
            &ada,
            Method::POST,
            channels,
            Some(json!({"kind": "email", "target": format!("a{i}@example.com")})),
        )
        .await;
    }
    let p = refused(
        &app,
        &ada,
        Method::POST,
        channels,
        json!({"kind": "email"}),
        422,
    )
    .await;
    assert!(p["detail"].as_str().is_some(), "{p}");

    // Deleting: once.
    let ntfy_path = format!("{channels}/{}", ntfy["id"].as_str().expect("id"));
    assert_eq!(
        app.call(Method::DELETE, &ntfy_path, &ada.access, None)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.call(Method::DELETE, &ntfy_path, &ada.access, None)
            .await
            .status(),
        404
    );
    assert_eq!(
        send(&app, &ada, Method::GET, channels, None)
            .await
            .as_array()
            .map(Vec::len),
        Some(9)
    );

    // The deliveries: none yet; bad paging is a 422 naming the parameter.
    let deliveries = "/api/notifications/deliveries";
    assert_eq!(
        send(&app, &bob, Method::GET, deliveries, None).await,
        json!([])
    );
    for (query, field) in [
        ("limit=0", "query.limit"),
        ("limit=101", "query.limit"),
        ("cursor=zzz", "query.cursor"),
    ] {
        let p = problem(
            app.get_as(&format!("{deliveries}?{query}"), &ada.access)
                .await,
            422,
        )
        .await;
        assert_eq!(error_fields(&p), [field], "{query}");
    }
    let anonymous = app.get(channels).await;
    assert_eq!(anonymous.status(), 401);
}

on_both_databases!(
    reminders_are_checked_shown_and_replaced,
    a_recurring_tasks_reminders_follow_each_occurrence,
    channels_are_checked_and_private_to_their_user,
);
