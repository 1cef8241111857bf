//! CalDAV sync over HTTP (issue 18), on both databases: `sync-collection` reports every
//! kind of change made through the API (created, edited, completed: `200` with a new
//! ETag; moved away and deleted: `404` in the old list, and the moved task in the new
//! one); writes through CalDAV reach the API and the next sync; `getctag` moves with the
//! content only; completing a recurring task by `PUT` rolls it as the API does.

use reqwest::Method;
use serde_json::{Value, json};

use crate::caldav_helpers::{
    CAL, CS, DAV, READ_WRITE, Resp, dav, propfind, put_new, read, sync_body, todo, user,
};
use crate::helpers::{Session, TestApp, TestDb};
use crate::on_both_databases;

async fn new_task(app: &TestApp, s: &Session, body: Value) -> String {
    let t = app.ok(s, Method::POST, "/api/tasks", Some(body)).await;
    t["id"].as_str().expect("id").to_owned()
}

/// The resource names of a sync answer: `(changed with an ETag, removed)`, sorted.
fn changes(responses: &[Resp]) -> (Vec<String>, Vec<String>) {
    let name = |r: &Resp| r.href.rsplit('/').next().unwrap_or_default().to_owned();
    let mut changed: Vec<String> = responses
        .iter()
        .filter(|r| {
            r.ok(DAV, "getetag")
                .is_some_and(|e| e.text.starts_with('"'))
        })
        .map(name)
        .collect();
    let mut removed: Vec<String> = responses
        .iter()
        .filter(|r| r.status == Some(404) && r.propstats.is_empty())
        .map(name)
        .collect();
    changed.sort();
    removed.sort();
    assert_eq!(
        changed.len() + removed.len(),
        responses.len(),
        "{responses:#?}"
    );
    (changed, removed)
}

fn ics(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|i| format!("{i}.ics")).collect();
    v.sort();
    v
}

async fn every_api_change_reaches_the_next_sync(db: TestDb) {
    let app = &TestApp::spawn(db).await;
    let (ada, token) = &user(app, "ada@example.com", READ_WRITE).await;
    let who = ("ada@example.com", token.as_str());
    let inbox = format!("/dav/calendars/{0}/{0}/", ada.user_id);
    let sync = |path: String, token: String| async move {
        let res = dav(
            app,
            who,
            "REPORT",
            &path,
            &[("depth", "1")],
            &sync_body(&token),
        )
        .await;
        let (responses, token) = read(res).await;
        (changes(&responses), token.expect("a sync token"))
    };
    let edited = new_task(app, ada, json!({"title": "Edit me"})).await;
    let done = new_task(app, ada, json!({"title": "Finish me"})).await;
    let moved = new_task(app, ada, json!({"title": "Move me"})).await;
    let gone = new_task(app, ada, json!({"title": "Delete me"})).await;
    let kept = new_task(app, ada, json!({"title": "Leave me"})).await;
    let ((all, none), t0) = sync(inbox.clone(), String::new()).await;
    assert_eq!(all, ics(&[&edited, &done, &moved, &gone, &kept]));
    assert!(none.is_empty());
    let ((same, none), t0b) = sync(inbox.clone(), t0.clone()).await;
    assert!(
        same.is_empty() && none.is_empty(),
        "nothing changed: {same:?}"
    );
    assert_eq!(t0b, t0);

    let garden = app
        .ok(
            ada,
            Method::POST,
            "/api/lists",
            Some(json!({"name": "Garden"})),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let created = new_task(app, ada, json!({"title": "New one"})).await;
    let patch = |id: String, body: Value| {
        let path = format!("/api/tasks/{id}");
        async move { app.ok(ada, Method::PATCH, &path, Some(body)).await }
    };
    patch(edited.clone(), json!({"title": "Edited"})).await;
    patch(done.clone(), json!({"completed": true})).await;
    patch(moved.clone(), json!({"list_id": garden})).await;
    let res = app
        .call(
            Method::DELETE,
            &format!("/api/tasks/{gone}"),
            &ada.access,
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    let ((changed, removed), t1) = sync(inbox.clone(), t0.clone()).await;
    assert_eq!(changed, ics(&[&edited, &done, &created]));
    assert_eq!(removed, ics(&[&moved, &gone]));
    assert_ne!(t1, t0);
    let (first, _) = sync(
        format!("/dav/calendars/{}/{garden}/", ada.user_id),
        String::new(),
    )
    .await;
    assert_eq!(first, (ics(&[&moved]), vec![]));
    // The completed one is written as such.
    let body = dav(app, who, "GET", &format!("{inbox}{done}.ics"), &[], "").await;
    assert!(
        body.text()
            .await
            .expect("body")
            .contains("STATUS:COMPLETED")
    );

    // getctag: not moved by reading (GET, PROPFIND, REPORT), moved by a CalDAV write.
    let ctag = || async {
        let body = propfind(&[(CS, "getctag")]);
        let (r, _) = read(dav(app, who, "PROPFIND", &inbox, &[("depth", "0")], &body).await).await;
        r[0].ok(CS, "getctag").expect("getctag").text.clone()
    };
    let before = ctag().await;
    dav(app, who, "GET", &format!("{inbox}{kept}.ics"), &[], "").await;
    dav(app, who, "PROPFIND", &inbox, &[("depth", "1")], "").await;
    sync(inbox.clone(), t1.clone()).await;
    assert_eq!(ctag().await, before);
    let put = dav(
        app,
        who,
        "PUT",
        &format!("{inbox}client.ics"),
        &[CAL],
        &todo("c", "From a client"),
    )
    .await;
    assert_eq!(put.status(), 201);
    assert_ne!(ctag().await, before);
    let ((changed, removed), t2) = sync(inbox.clone(), t1).await;
    assert_eq!((changed, removed), (vec!["client.ics".to_owned()], vec![]));
    // Away and back again: changed, not removed (one response per resource).
    patch(kept.clone(), json!({"list_id": garden})).await;
    patch(kept.clone(), json!({"list_id": ada.user_id})).await;
    let ((changed, removed), _) = sync(inbox.clone(), t2).await;
    assert_eq!((changed, removed), (ics(&[&kept]), vec![]));
}

async fn caldav_writes_reach_the_api(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", READ_WRITE).await;
    let who = ("ada@example.com", token.as_str());
    let path = format!("/dav/calendars/{0}/{0}/from-phone.ics", ada.user_id);
    assert_eq!(put_new(&app, who, &path, &todo("p1", "Call Bo")).await, 201);
    let tasks = app.ok(&ada, Method::GET, "/api/tasks", None).await;
    assert_eq!(tasks.as_array().map(Vec::len), Some(1));
    assert_eq!(tasks[0]["title"], "Call Bo");
    let id = tasks[0]["id"].as_str().expect("id").to_owned();
    let etag = dav(&app, who, "GET", &path, &[], "").await.headers()["etag"].clone();
    let etag = etag.to_str().expect("ascii");
    let changed = todo("p1", "Call Bo back").replace("X-KEPT", "STATUS:COMPLETED\r\nX-KEPT");
    let res = dav(
        &app,
        who,
        "PUT",
        &path,
        &[CAL, ("if-match", etag)],
        &changed,
    )
    .await;
    assert_eq!(res.status(), 204);
    let task = app
        .ok(&ada, Method::GET, &format!("/api/tasks/{id}"), None)
        .await;
    assert_eq!(
        (&task["title"], &task["completed"]),
        (&json!("Call Bo back"), &json!(true))
    );
    assert_eq!(dav(&app, who, "DELETE", &path, &[], "").await.status(), 204);
    let res = app.get_as(&format!("/api/tasks/{id}"), &ada.access).await;
    assert_eq!(res.status(), 404);
}

async fn completing_a_recurring_task_by_put_rolls_it(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", READ_WRITE).await;
    let who = ("ada@example.com", token.as_str());
    let id = new_task(
        &app,
        &ada,
        json!({"title": "Water the plants", "due_at": "2030-04-01T07:00:00Z",
               "recurrence": {"rule": "FREQ=WEEKLY"}}),
    )
    .await;
    let path = format!("/dav/calendars/{0}/{0}/{id}.ics", ada.user_id);
    let got = dav(&app, who, "GET", &path, &[], "").await;
    let etag = got.headers()["etag"].to_str().expect("ascii").to_owned();
    let body = got.text().await.expect("body");
    assert!(
        body.contains("RRULE:FREQ=WEEKLY") && body.contains("STATUS:NEEDS-ACTION"),
        "{body}"
    );
    let completed = body.replace(
        "STATUS:NEEDS-ACTION",
        "STATUS:COMPLETED\r\nCOMPLETED:20300401T080000Z",
    );
    let res = dav(
        &app,
        who,
        "PUT",
        &path,
        &[CAL, ("if-match", &etag)],
        &completed,
    )
    .await;
    assert_eq!(res.status(), 204);
    let task = app
        .ok(&ada, Method::GET, &format!("/api/tasks/{id}"), None)
        .await;
    assert_eq!(task["completed"], false, "{task}");
    assert_eq!(task["due_at"], "2030-04-08T07:00:00Z");
    let history = app
        .ok(&ada, Method::GET, &format!("/api/tasks/{id}/history"), None)
        .await;
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
    assert_eq!(history[0]["due_at"], "2030-04-01T07:00:00Z");
    let again = dav(&app, who, "GET", &path, &[], "")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        again.contains("STATUS:NEEDS-ACTION") && !again.contains("COMPLETED:"),
        "{again}"
    );
}

on_both_databases!(
    every_api_change_reaches_the_next_sync,
    caldav_writes_reach_the_api,
    completing_a_recurring_task_by_put_rolls_it,
);
