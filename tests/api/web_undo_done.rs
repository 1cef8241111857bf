//! Completion Undo and stale tabs in the web app (issue 21, step 3) over plain HTTP, on
//! both databases: "Marked as done." carries an Undo (a one-off task is pending again, a
//! recurring one gets its occurrence back: due, history, reminders), a stale Undo does
//! nothing; a stale tab's action on a task that is gone is a notice, not a 404 page.

use reqwest::Method;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::helpers::{Session, TestApp, TestDb};
use crate::on_both_databases;
use crate::web::PASSWORD;
use crate::web_undo::{Web, api_status, fires, new_task, notice, stamp, undo_action, undo_field};

/// The version of the task at `path`, from its ETag.
async fn version(app: &TestApp, s: &Session, path: &str) -> String {
    let res = app.get_as(path, &s.access).await;
    let etag = res.headers()["etag"].to_str().expect("ascii").to_owned();
    etag.trim_matches('"').to_owned()
}

const UNDONE: &str = "Undone: the task is back as it was.";

async fn completing_can_be_undone(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, mut web) = Web::user(&app, "ada@example.com").await;

    // A one-off task: Undo makes it not done again.
    let once = new_task(&app, &ada, json!({"title": "Once"})).await;
    let fields = [("completed", "true"), ("version", "1")];
    let (_, html) = web
        .act("/tasks", &format!("/tasks/{once}/toggle"), &fields)
        .await;
    assert_eq!(notice(&html), "Marked as done.");
    let undo = format!("/tasks/{once}/undo-done");
    assert_eq!(undo_action(&html).as_deref(), Some(undo.as_str()));
    assert_eq!(undo_field(&html, "version").as_deref(), Some("2"));
    assert_eq!(web.without_csrf(&undo, &[("version", "2")]).await, 403);
    let (_, html) = web.act("/tasks", &undo, &[("version", "2")]).await;
    assert_eq!(notice(&html), UNDONE);
    let now = app
        .ok(&ada, Method::GET, &format!("/api/tasks/{once}"), None)
        .await;
    assert_eq!(
        (&now["completed"], &now["completed_at"]),
        (&json!(false), &json!(null))
    );

    // A recurring task: the occurrence comes back (due, history, reminders' fires).
    let due = OffsetDateTime::now_utc() + Duration::days(1);
    let body = json!({"title": "Stretch", "due_at": stamp(due), "recurrence": {"rule": "FREQ=DAILY"},
        "reminders": [{"before": "PT1H"}, {"at": stamp(due - Duration::hours(2))}]});
    let id = new_task(&app, &ada, body).await;
    let path = format!("/api/tasks/{id}");
    let daily = app.ok(&ada, Method::GET, &path, None).await;
    let fires_before = fires(&app.db, &id).await;
    assert_eq!(fires_before.len(), 2);
    let toggle = format!("/tasks/{id}/toggle");
    let (_, html) = web.act("/tasks", &toggle, &fields).await;
    assert_eq!(notice(&html), "Marked as done.");
    let rolled = app.ok(&ada, Method::GET, &path, None).await;
    assert_ne!(rolled["due_at"], daily["due_at"], "rolled on");
    let history = format!("{path}/history");
    let past = app.ok(&ada, Method::GET, &history, None).await;
    assert_eq!(past.as_array().map(Vec::len), Some(1));
    let shown = undo_field(&html, "version").expect("a version");
    assert_eq!(shown, version(&app, &ada, &path).await);
    let undo = format!("/tasks/{id}/undo-done");
    let (_, html) = web.act("/tasks", &undo, &[("version", &shown)]).await;
    assert_eq!(notice(&html), UNDONE);
    let back = app.ok(&ada, Method::GET, &path, None).await;
    for field in [
        "due_at",
        "due_date",
        "completed",
        "completed_at",
        "recurrence",
        "reminders",
    ] {
        assert_eq!(back[field], daily[field], "{field}");
    }
    assert_eq!(app.ok(&ada, Method::GET, &history, None).await, json!([]));
    assert_eq!(fires(&app.db, &id).await, fires_before);

    // A stale Undo (the task changed since) does nothing, with a notice.
    let current = version(&app, &ada, &path).await;
    let fields = [("completed", "true"), ("version", current.as_str())];
    let (_, html) = web.act("/tasks", &toggle, &fields).await;
    let shown = undo_field(&html, "version").expect("a version");
    let rename = json!({"title": "Stretch more"});
    app.ok(&ada, Method::PATCH, &path, Some(rename)).await;
    let (_, html) = web.act("/tasks", &undo, &[("version", &shown)]).await;
    assert_eq!(
        notice(&html),
        "That task has changed since, so it was left as it is."
    );
    let past = app.ok(&ada, Method::GET, &history, None).await;
    assert_eq!(past.as_array().map(Vec::len), Some(1));
    app.stop().await;
}

async fn a_stale_tab_gets_a_notice_not_a_404(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, mut web) = Web::user(&app, "ada@example.com").await;
    let tomorrow = stamp(OffsetDateTime::now_utc() + Duration::days(1));
    let body = json!({"title": "Gone", "due_at": tomorrow, "recurrence": {"rule": "FREQ=DAILY"}});
    let id = new_task(&app, &ada, body).await;
    app.ok(&ada, Method::DELETE, &format!("/api/tasks/{id}"), None)
        .await;
    let gone = "That task was deleted or is no longer shared with you.";
    for (action, fields) in [
        ("toggle", vec![("completed", "true"), ("version", "1")]),
        ("skip", vec![("version", "1")]),
        ("delete", vec![]),
        ("undo-done", vec![("version", "2")]),
    ] {
        let mut fields = fields;
        fields.push(("back", "/today"));
        let action = format!("/tasks/{id}/{action}");
        let (to, html) = web.act("/tasks", &action, &fields).await;
        assert_eq!((to.as_str(), notice(&html)), ("/today", gone), "{action}");
    }
    // A page of a missing task is still a 404.
    for path in [format!("/tasks/{id}/edit"), format!("/tasks/{id}/delete")] {
        assert_eq!(web.browser.get(&path).await.status(), 404, "{path}");
    }
    // Another user's task is gone for them the same way, and stays.
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let his = new_task(&app, &bob, json!({"title": "Bob's"})).await;
    let (_, html) = web
        .act("/tasks", &format!("/tasks/{his}/delete"), &[])
        .await;
    assert_eq!(notice(&html), gone);
    assert_eq!(
        api_status(&app, &bob, &format!("/api/tasks/{his}")).await,
        200
    );
    app.stop().await;
}

on_both_databases!(
    completing_can_be_undone,
    a_stale_tab_gets_a_notice_not_a_404
);
