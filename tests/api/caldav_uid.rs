//! A `UID` lives once in a collection (RFC 4791 section 5.3.2.1, `no-uid-conflict`), on
//! both databases: a new resource with the `UID` of another task of the list, a client's
//! or a task's own id, is `403` naming that resource, and nothing is written; the same
//! `UID` in another list is a task of its own.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;

fn todo(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VTODO\r\nUID:{uid}\r\n\
         SUMMARY:{summary}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    )
}

async fn a_uid_lives_once_in_a_collection(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", "correct horse battery").await;
    let token = app
        .ok(
            &s,
            Method::POST,
            "/api/auth/tokens",
            Some(json!({"name": "dav", "scopes": ["tasks:write"]})),
        )
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let put = |path: String, body: String| {
        let req = app
            .client
            .put(app.url(&path))
            .basic_auth("ada@example.com", Some(&token))
            .header("content-type", "text/calendar")
            .body(body);
        async move { req.send().await.expect("sent") }
    };
    let inbox = format!("/dav/calendars/{0}/{0}/", s.user_id);
    assert_eq!(
        put(format!("{inbox}a.ics"), todo("shared-uid", "First"))
            .await
            .status(),
        201
    );
    let again = put(format!("{inbox}b.ics"), todo("shared-uid", "Second")).await;
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
    let clash = put(format!("{inbox}c.ics"), todo(id, "Third")).await;
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
        "/dav/calendars/{}/{}/",
        s.user_id,
        list["id"].as_str().expect("id")
    );
    assert_eq!(
        put(format!("{work}a.ics"), todo("shared-uid", "Elsewhere"))
            .await
            .status(),
        201
    );
}

on_both_databases!(a_uid_lives_once_in_a_collection);
