//! Lists over HTTP (API-2.md section 1), on both databases: the list routes and the
//! inbox's rules. Sharing and members are in lists_members.rs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, TestDb, problem};
use crate::on_both_databases;

pub(crate) const PASSWORD: &str = "correct horse battery";

pub(crate) async fn send(
    app: &TestApp,
    s: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    app.call(method, path, &s.access, body.as_ref()).await
}

pub(crate) async fn ok_json(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "{:?}", res.url().path());
    res.json().await.expect("json")
}

pub(crate) async fn create_list(app: &TestApp, s: &Session, body: Value) -> Value {
    ok_json(
        send(app, s, Method::POST, "/api/lists", Some(body)).await,
        201,
    )
    .await
}

pub(crate) async fn lists(app: &TestApp, s: &Session) -> Vec<Value> {
    let all = ok_json(send(app, s, Method::GET, "/api/lists", None).await, 200).await;
    all.as_array().expect("array").clone()
}

pub(crate) fn names(lists: &[Value]) -> Vec<&str> {
    lists
        .iter()
        .map(|l| l["name"].as_str().expect("name"))
        .collect()
}

async fn every_account_has_an_inbox_and_lists_follow_it_by_position(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let all = lists(&app, &s).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let inbox = &all[0];
    assert_eq!(
        inbox["id"],
        s.user_id.as_str(),
        "the inbox's id is the account's"
    );
    assert_eq!(inbox["is_inbox"], true);
    assert_eq!(inbox["role"], "owner");
    assert_eq!(inbox["owner_id"], s.user_id.as_str());
    assert_eq!(inbox["pending_count"], 0);
    assert_eq!(inbox["color"], Value::Null);
    let res = send(
        &app,
        &s,
        Method::POST,
        "/api/lists",
        Some(json!({"name": "  Groceries ", "color": "#33AAcc"})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let etag = res.headers()["etag"].to_str().expect("ascii").to_owned();
    let groceries: Value = res.json().await.expect("json");
    assert_eq!(
        location,
        format!("/api/lists/{}", groceries["id"].as_str().expect("id"))
    );
    assert_eq!(groceries["name"], "Groceries");
    assert_eq!(groceries["color"], "#33aacc");
    assert_eq!(groceries["position"], 1);
    assert_eq!(groceries["is_inbox"], false);
    assert_eq!(groceries["archived"], false);
    for member in [
        "id",
        "name",
        "color",
        "position",
        "archived",
        "is_inbox",
        "owner_id",
        "role",
        "pending_count",
        "created_at",
        "updated_at",
    ] {
        assert!(groceries.get(member).is_some(), "{member} in {groceries}");
    }
    let res = send(&app, &s, Method::GET, &location, None).await;
    assert_eq!(res.headers()["etag"].to_str().expect("ascii"), etag);
    let work = create_list(&app, &s, json!({"name": "Work"})).await;
    assert_eq!(work["position"], 2);
    assert_eq!(
        names(&lists(&app, &s).await),
        ["Inbox", "Groceries", "Work"]
    );
    // Moving Work first, with the ETag it was read with.
    let path = format!("/api/lists/{}", work["id"].as_str().expect("id"));
    let res = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&s.access)
        .header("if-match", "\"1\"")
        .json(&json!({"position": 0, "name": "Office", "color": null}))
        .send()
        .await
        .expect("request");
    let changed = ok_json(res, 200).await;
    assert_eq!(
        (changed["name"].as_str(), changed["color"].as_str()),
        (Some("Office"), None)
    );
    assert_eq!(
        names(&lists(&app, &s).await),
        ["Inbox", "Office", "Groceries"],
        "same position: by name"
    );
    // A stale ETag changes nothing.
    let res = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&s.access)
        .header("if-match", "\"1\"")
        .json(&json!({"name": "Lost"}))
        .send()
        .await
        .expect("request");
    problem(res, 412).await;
    // Every invalid member at once, and nothing changed.
    let res = send(
        &app,
        &s,
        Method::PATCH,
        &path,
        Some(json!({"name": " ", "color": "red", "position": -1, "archived": "yes"})),
    )
    .await;
    let body = problem(res, 422).await;
    let fields = crate::helpers::error_fields(&body);
    assert_eq!(fields, ["name", "color", "position", "archived"]);
    let res = send(
        &app,
        &s,
        Method::POST,
        "/api/lists",
        Some(json!({"color": "#12345"})),
    )
    .await;
    assert_eq!(
        problem(res, 422).await["errors"]
            .as_array()
            .expect("errors")
            .len(),
        2
    );
    let res = send(
        &app,
        &s,
        Method::POST,
        "/api/lists",
        Some(json!({"name": "x".repeat(101)})),
    )
    .await;
    problem(res, 422).await;
    assert_eq!(
        names(&lists(&app, &s).await),
        ["Inbox", "Office", "Groceries"]
    );
    // Archiving keeps the list; deleting removes it.
    let archived = ok_json(
        send(
            &app,
            &s,
            Method::PATCH,
            &path,
            Some(json!({"archived": true})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(archived["archived"], true);
    let res = send(&app, &s, Method::DELETE, &location, None).await;
    assert_eq!(res.status(), 204);
    problem(send(&app, &s, Method::GET, &location, None).await, 404).await;
    problem(send(&app, &s, Method::DELETE, &location, None).await, 404).await;
    assert_eq!(names(&lists(&app, &s).await), ["Inbox", "Office"]);
    app.stop().await;
}

async fn the_inbox_is_never_deleted_archived_renamed_to_nothing_or_shared(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let inbox = format!("/api/lists/{}", s.user_id);
    problem(send(&app, &s, Method::DELETE, &inbox, None).await, 422).await;
    problem(
        send(
            &app,
            &s,
            Method::PATCH,
            &inbox,
            Some(json!({"archived": true})),
        )
        .await,
        422,
    )
    .await;
    problem(
        send(&app, &s, Method::PATCH, &inbox, Some(json!({"name": ""}))).await,
        422,
    )
    .await;
    let res = send(
        &app,
        &s,
        Method::PUT,
        &format!("{inbox}/members/sam@example.com"),
        Some(json!({"role": "editor"})),
    )
    .await;
    problem(res, 422).await;
    let renamed = ok_json(
        send(
            &app,
            &s,
            Method::PATCH,
            &inbox,
            Some(json!({"name": "Eingang"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(renamed["name"], "Eingang");
    assert_eq!(renamed["is_inbox"], true);
    let members = ok_json(
        send(&app, &s, Method::GET, &format!("{inbox}/members"), None).await,
        200,
    )
    .await;
    assert_eq!(
        members,
        json!([{"email": "ada@example.com", "user_id": s.user_id, "role": "owner", "status": "active"}])
    );
    app.stop().await;
}

on_both_databases!(
    every_account_has_an_inbox_and_lists_follow_it_by_position,
    the_inbox_is_never_deleted_archived_renamed_to_nothing_or_shared,
);
