//! The CalDAV server over HTTP (issue 18), on both databases: who may call (Basic with an
//! access token only; a read-only token cannot write), whose paths exist (another user's
//! are `404`), entity tags and conditions (`412` changes nothing, `304`), sync after a move
//! and a delete through the API, and bad input (a clear `4xx`, never a `500`, nothing
//! written).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::caldav_helpers::{CAL, PASSWORD, dav, method, put_new, sync_body, todo, user};
use crate::helpers::{Session, TestApp, TestDb};
use crate::on_both_databases;

async fn titles(app: &TestApp, s: &Session) -> Vec<String> {
    let tasks = app.ok(s, Method::GET, "/api/tasks", None).await;
    let mut t: Vec<String> = tasks
        .as_array()
        .expect("array")
        .iter()
        .map(|t| t["title"].as_str().unwrap_or_default().to_owned())
        .collect();
    t.sort();
    t
}

async fn only_a_token_of_the_right_scope_gets_in(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", &["tasks:read", "tasks:write"]).await;
    let (_, read_only) = user(&app, "bob@example.com", &["tasks:read"]).await;
    let home = format!("/dav/calendars/{}/", ada.user_id);
    let res = app
        .client
        .request(method("PROPFIND"), app.url(&home))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .starts_with("Basic")
    );
    for who in [
        ("ada@example.com", PASSWORD),
        ("bob@example.com", token.as_str()),
    ] {
        let res = dav(&app, who, "PROPFIND", &home, &[("depth", "0")], "").await;
        assert_eq!(
            res.status(),
            401,
            "{who:?}: a password, or someone else's token"
        );
    }
    let ok = dav(
        &app,
        ("ADA@example.com", &token),
        "PROPFIND",
        &home,
        &[("depth", "0")],
        "",
    )
    .await;
    assert_eq!(ok.status(), 207);
    // Bob's read-only token reads his own inbox but cannot write there.
    let bob = app.signin("bob@example.com", PASSWORD).await;
    let inbox = format!("/dav/calendars/{0}/{0}/", bob.user_id);
    let list = dav(
        &app,
        ("bob@example.com", &read_only),
        "PROPFIND",
        &inbox,
        &[("depth", "1")],
        "",
    )
    .await;
    assert_eq!(list.status(), 207);
    let put = dav(
        &app,
        ("bob@example.com", &read_only),
        "PUT",
        &format!("{inbox}a.ics"),
        &[CAL],
        &todo("a", "Nope"),
    )
    .await;
    assert_eq!(put.status(), 403);
    assert!(put.text().await.expect("body").contains("need-privileges"));
    assert!(titles(&app, &bob).await.is_empty());
    // A revoked token is refused at once.
    let tokens = app.ok(&ada, Method::GET, "/api/auth/tokens", None).await;
    let id = tokens[0]["id"].as_str().expect("id");
    app.call(
        Method::DELETE,
        &format!("/api/auth/tokens/{id}"),
        &ada.access,
        None,
    )
    .await;
    let gone = dav(
        &app,
        ("ada@example.com", &token),
        "PROPFIND",
        &home,
        &[("depth", "0")],
        "",
    )
    .await;
    assert_eq!(gone.status(), 401);
}

async fn another_users_tree_is_not_there(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", &["tasks:read", "tasks:write"]).await;
    let (bob, _) = user(&app, "bob@example.com", &["tasks:read", "tasks:write"]).await;
    let who = ("ada@example.com", token.as_str());
    let b = &bob.user_id;
    for path in [
        format!("/dav/principals/{b}/"),
        format!("/dav/calendars/{b}/"),
        format!("/dav/calendars/{b}/{b}/"),
    ] {
        let res = dav(&app, who, "PROPFIND", &path, &[("depth", "0")], "").await;
        assert_eq!(res.status(), 404, "{path}");
    }
    // Bob's inbox under Ada's own tree: a list she does not see.
    let res = dav(
        &app,
        who,
        "PUT",
        &format!("/dav/calendars/{}/{b}/x.ics", ada.user_id),
        &[CAL],
        &todo("x", "Sneaky"),
    )
    .await;
    assert_eq!(res.status(), 404);
    assert!(titles(&app, &bob).await.is_empty());
    assert!(titles(&app, &ada).await.is_empty());
}

async fn entity_tags_and_conditions_guard_every_write(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", &["tasks:read", "tasks:write"]).await;
    let who = ("ada@example.com", token.as_str());
    let path = format!("/dav/calendars/{0}/{0}/milk.ics", ada.user_id);
    let milk = todo("milk", "Buy milk");
    assert_eq!(put_new(&app, who, &path, &milk).await, 201);
    let again = todo("milk", "Again");
    assert_eq!(put_new(&app, who, &path, &again).await, 412);
    let got = dav(&app, who, "GET", &path, &[], "").await;
    assert_eq!(got.status(), 200);
    let etag = got.headers()["etag"].to_str().expect("ascii").to_owned();
    let body = got.text().await.expect("body");
    assert!(
        body.contains("SUMMARY:Buy milk") && body.contains("X-KEPT;P=1:as written"),
        "{body}"
    );
    let same = dav(&app, who, "GET", &path, &[("if-none-match", &etag)], "").await;
    assert_eq!(same.status(), 304);
    // Another task's write leaves this one's tag; the API's change of it moves it.
    app.ok(
        &ada,
        Method::POST,
        "/api/tasks",
        Some(json!({"title": "Other"})),
    )
    .await;
    let again = dav(&app, who, "GET", &path, &[], "").await;
    assert_eq!(again.headers()["etag"].to_str().expect("ascii"), etag);
    let stale = [CAL, ("if-match", "\"not-it\"")];
    assert_eq!(
        dav(&app, who, "PUT", &path, &stale, &todo("milk", "Lost"))
            .await
            .status(),
        412
    );
    assert_eq!(
        dav(
            &app,
            who,
            "DELETE",
            &path,
            &[("if-match", "\"not-it\"")],
            ""
        )
        .await
        .status(),
        412
    );
    assert_eq!(titles(&app, &ada).await, ["Buy milk", "Other"]);
    let fresh = [CAL, ("if-match", etag.as_str())];
    assert_eq!(
        dav(
            &app,
            who,
            "PUT",
            &path,
            &fresh,
            &todo("milk", "Buy oat milk")
        )
        .await
        .status(),
        204
    );
    let tasks = app.ok(&ada, Method::GET, "/api/tasks?q=oat", None).await;
    let id = tasks[0]["id"].as_str().expect("id").to_owned();
    let before = dav(&app, who, "GET", &path, &[], "").await.headers()["etag"].clone();
    assert_ne!(before.to_str().expect("ascii"), etag);
    app.ok(
        &ada,
        Method::PATCH,
        &format!("/api/tasks/{id}"),
        Some(json!({"priority": "high"})),
    )
    .await;
    let after = dav(&app, who, "GET", &path, &[], "").await;
    assert_ne!(after.headers()["etag"], before);
    let kept = after.text().await.expect("body");
    assert!(
        kept.contains("PRIORITY:1") && kept.contains("X-KEPT;P=1:as written"),
        "{kept}"
    );
    // The old tag no longer deletes; the current one does.
    assert_eq!(
        dav(&app, who, "DELETE", &path, &[("if-match", &etag)], "")
            .await
            .status(),
        412
    );
    let current = dav(&app, who, "GET", &path, &[], "").await.headers()["etag"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(
        dav(&app, who, "DELETE", &path, &[("if-match", &current)], "")
            .await
            .status(),
        204
    );
    assert_eq!(dav(&app, who, "GET", &path, &[], "").await.status(), 404);
    assert_eq!(titles(&app, &ada).await, ["Other"]);
}

/// The hrefs of a multistatus with a `404` status of their own, and the sync token.
fn removed_and_token(xml: &str) -> (Vec<String>, String) {
    let mut removed = Vec::new();
    for response in xml.split("<d:response>").skip(1) {
        if response.contains("<d:status>HTTP/1.1 404 Not Found</d:status></d:response>")
            && !response.contains("<d:propstat>")
        {
            let href = response
                .split("<d:href>")
                .nth(1)
                .and_then(|r| r.split("</d:href>").next());
            removed.push(href.unwrap_or_default().to_owned());
        }
    }
    let token = xml
        .split("<d:sync-token>")
        .nth(1)
        .and_then(|r| r.split("</d:sync-token>").next());
    (removed, token.unwrap_or_default().to_owned())
}

async fn a_move_and_a_delete_through_the_api_reach_the_next_sync(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", &["tasks:read", "tasks:write"]).await;
    let who = ("ada@example.com", token.as_str());
    let inbox = format!("/dav/calendars/{0}/{0}/", ada.user_id);
    let a = app
        .ok(
            &ada,
            Method::POST,
            "/api/tasks",
            Some(json!({"title": "Moves"})),
        )
        .await;
    let b = app
        .ok(
            &ada,
            Method::POST,
            "/api/tasks",
            Some(json!({"title": "Goes"})),
        )
        .await;
    let first = dav(
        &app,
        who,
        "REPORT",
        &inbox,
        &[("depth", "1")],
        &sync_body(""),
    )
    .await;
    assert_eq!(first.status(), 207);
    let (removed, t0) = removed_and_token(&first.text().await.expect("body"));
    assert!(removed.is_empty() && !t0.is_empty());
    let list = app
        .ok(
            &ada,
            Method::POST,
            "/api/lists",
            Some(json!({"name": "Garden"})),
        )
        .await;
    let list_id = list["id"].as_str().expect("id");
    let (a_id, b_id) = (a["id"].as_str().expect("id"), b["id"].as_str().expect("id"));
    app.ok(
        &ada,
        Method::PATCH,
        &format!("/api/tasks/{a_id}"),
        Some(json!({"list_id": list_id})),
    )
    .await;
    app.call(
        Method::DELETE,
        &format!("/api/tasks/{b_id}"),
        &ada.access,
        None,
    )
    .await;
    let next = dav(
        &app,
        who,
        "REPORT",
        &inbox,
        &[("depth", "1")],
        &sync_body(&t0),
    )
    .await;
    let (mut removed, t1) = removed_and_token(&next.text().await.expect("body"));
    removed.sort();
    let mut want = vec![format!("{inbox}{a_id}.ics"), format!("{inbox}{b_id}.ics")];
    want.sort();
    assert_eq!(removed, want);
    assert_ne!(t1, t0);
    let garden = format!("/dav/calendars/{}/{list_id}/", ada.user_id);
    let there = dav(
        &app,
        who,
        "REPORT",
        &garden,
        &[("depth", "1")],
        &sync_body(""),
    )
    .await;
    assert!(
        there
            .text()
            .await
            .expect("body")
            .contains(&format!("{a_id}.ics"))
    );
    // A token of another list, or a made-up one, must start again.
    for bad in [
        t1.replace(&ada.user_id, list_id),
        "urn:taskward:sync:nope".to_owned(),
    ] {
        let res = dav(
            &app,
            who,
            "REPORT",
            &inbox,
            &[("depth", "1")],
            &sync_body(&bad),
        )
        .await;
        assert_eq!(res.status(), 403, "{bad}");
        assert!(res.text().await.expect("body").contains("valid-sync-token"));
    }
}

async fn bad_input_is_a_clear_4xx_and_writes_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", &["tasks:read", "tasks:write"]).await;
    let who = ("ada@example.com", token.as_str());
    let inbox = format!("/dav/calendars/{0}/{0}/", ada.user_id);
    let event = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:e\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let long = todo("long", &"t".repeat(201));
    let puts: [(&str, &str, &str); 4] = [
        ("not a calendar", "hello", "valid-calendar-data"),
        (
            "truncated",
            "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:x\r\n",
            "valid-calendar-data",
        ),
        ("an event", event, "supported-calendar-component"),
        ("a title too long", &long, "SUMMARY: must be at most 200"),
    ];
    for (what, body, says) in puts {
        let res = dav(&app, who, "PUT", &format!("{inbox}bad.ics"), &[CAL], body).await;
        assert_eq!(res.status(), 403, "{what}");
        assert!(res.text().await.expect("body").contains(says), "{what}");
    }
    let xml_bodies = [
        "<d:propfind",
        "<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>",
        "<a><b></a>",
    ];
    for (verb, body) in xml_bodies
        .iter()
        .flat_map(|b| [("PROPFIND", *b), ("REPORT", *b)])
    {
        let res = dav(&app, who, verb, &inbox, &[("depth", "1")], body).await;
        assert!(
            res.status().is_client_error(),
            "{verb} {body}: {}",
            res.status()
        );
    }
    let infinite = dav(&app, who, "PROPFIND", &inbox, &[("depth", "infinity")], "").await;
    assert_eq!(infinite.status(), StatusCode::FORBIDDEN);
    let other = dav(&app, who, "PATCH", &format!("{inbox}x.ics"), &[], "").await;
    assert_eq!(other.status(), 405);
    assert!(titles(&app, &ada).await.is_empty());
    let lists: Value = app.ok(&ada, Method::GET, "/api/lists", None).await;
    assert_eq!(lists.as_array().map(Vec::len), Some(1));
}

on_both_databases!(
    only_a_token_of_the_right_scope_gets_in,
    another_users_tree_is_not_there,
    entity_tags_and_conditions_guard_every_write,
    a_move_and_a_delete_through_the_api_reach_the_next_sync,
    bad_input_is_a_clear_4xx_and_writes_nothing,
);
