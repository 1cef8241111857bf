//! A `UID` lives once in a collection (RFC 4791 section 5.3.2.1, `no-uid-conflict`), on
//! both databases: a new resource with the `UID` of another task of the list, a client's
//! or a task's own id, is `403` naming that resource, and nothing is written; the same
//! `UID` in another list is a task of its own.

use reqwest::Method;
use serde_json::json;

use crate::caldav_helpers::{CAL, dav, todo, user};
use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;

async fn a_uid_lives_once_in_a_collection(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (s, token) = user(&app, "ada@example.com", &["tasks:write"]).await;
    let who = ("ada@example.com", token.as_str());
    let inbox = format!("/dav/calendars/{0}/{0}/", s.user_id);
    let put = |name: String, body: String| {
        let path = format!("{inbox}{name}");
        let app = &app;
        async move { dav(app, who, "PUT", &path, &[CAL], &body).await }
    };
    assert_eq!(
        put("a.ics".into(), todo("shared-uid", "First"))
            .await
            .status(),
        201
    );
    let again = put("b.ics".into(), todo("shared-uid", "Second")).await;
    assert_eq!(again.status(), 403);
    let body = again.text().await.expect("body");
    assert!(
        body.contains("no-uid-conflict")
            && body.contains(&format!("<d:href>{inbox}a.ics</d:href>")),
        "{body}"
    );
    // A task made in the API has its id as its UID.
    let api = app
        .ok(
            &s,
            Method::POST,
            "/api/tasks",
            Some(json!({"title": "From the API"})),
        )
        .await;
    let id = api["id"].as_str().expect("id");
    let clash = put("c.ics".into(), todo(id, "Third")).await;
    assert_eq!(clash.status(), 403);
    assert!(
        clash
            .text()
            .await
            .expect("body")
            .contains(&format!("{inbox}{id}.ics"))
    );
    let tasks = app.ok(&s, Method::GET, "/api/tasks", None).await;
    assert_eq!(tasks.as_array().map(Vec::len), Some(2), "{tasks}");
    // Another list is another collection.
    let list = app
        .ok(
            &s,
            Method::POST,
            "/api/lists",
            Some(json!({"name": "Work"})),
        )
        .await;
    let work = format!(
        "/dav/calendars/{}/{}/a.ics",
        s.user_id,
        list["id"].as_str().expect("id")
    );
    let elsewhere = dav(
        &app,
        who,
        "PUT",
        &work,
        &[CAL],
        &todo("shared-uid", "Elsewhere"),
    )
    .await;
    assert_eq!(elsewhere.status(), 201);
}

on_both_databases!(a_uid_lives_once_in_a_collection);
