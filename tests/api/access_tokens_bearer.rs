//! Personal access tokens as bearers on the task, list, reminder and feed API (API-2.md
//! section 5, issue 19), on both databases: `tasks:read` reads and is `403
//! insufficient_scope` for every write, which changes nothing; `tasks:write` writes; a
//! revoked token is `401` at once; a token never reaches the account, its sessions or its
//! tokens (`401`).

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    app.call(method, path, token, body.as_ref()).await
}

async fn tokens_reach_tasks_and_lists_within_their_scopes(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let make = |scopes: Value| {
        let app = &app;
        let s = &s;
        async move {
            app.ok(
                s,
                Method::POST,
                "/api/auth/tokens",
                Some(json!({"name": "script", "scopes": scopes})),
            )
            .await["token"]
                .as_str()
                .expect("token")
                .to_owned()
        }
    };
    let reader = make(json!(["tasks:read"])).await;
    let writer = make(json!(["tasks:write"])).await;
    let task = app
        .ok(
            &s,
            Method::POST,
            "/api/tasks",
            Some(json!({"title": "Made by the session"})),
        )
        .await;
    let id = task["id"].as_str().expect("id");

    // Reads with either token.
    for token in [&reader, &writer] {
        for path in [
            "/api/tasks",
            "/api/lists",
            "/api/feeds",
            "/api/notifications/channels",
        ] {
            let res = call(&app, token, Method::GET, path, None).await;
            assert_eq!(res.status(), 200, "{path}");
        }
        let own = format!("/api/{}/tasks/{id}", s.user_id);
        assert_eq!(
            call(&app, token, Method::GET, &own, None).await.status(),
            200
        );
    }

    // Every write of the read-only token: 403 with the challenge, nothing changed.
    let writes = [
        (
            Method::POST,
            "/api/tasks".to_owned(),
            Some(json!({"title": "Nope"})),
        ),
        (
            Method::PATCH,
            format!("/api/tasks/{id}"),
            Some(json!({"title": "Nope"})),
        ),
        (Method::PATCH, format!("/api/tasks/{id}/complete"), None),
        (Method::DELETE, format!("/api/tasks/{id}"), None),
        (
            Method::POST,
            "/api/lists".to_owned(),
            Some(json!({"name": "Nope"})),
        ),
        (Method::POST, "/api/feeds".to_owned(), Some(json!({}))),
    ];
    for (method, path, body) in writes {
        let res = call(&app, &reader, method.clone(), &path, body).await;
        assert_eq!(res.status(), 403, "{method} {path}");
        assert_eq!(
            res.headers()["www-authenticate"],
            r#"Bearer error="insufficient_scope", scope="tasks:write""#
        );
        let problem: Value = res.json().await.expect("problem");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("tasks:write")),
            "{problem}"
        );
    }
    let tasks = app.ok(&s, Method::GET, "/api/tasks", None).await;
    assert_eq!(tasks.as_array().map(Vec::len), Some(1));
    assert_eq!(tasks[0]["title"], "Made by the session");
    assert_eq!(tasks[0]["completed"], false);
    let lists = app.ok(&s, Method::GET, "/api/lists", None).await;
    assert_eq!(lists.as_array().map(Vec::len), Some(1));

    // The write token writes, as its user.
    let made = call(
        &app,
        &writer,
        Method::POST,
        "/api/tasks",
        Some(json!({"title": "Made by a script"})),
    )
    .await;
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.expect("task");
    assert_eq!(made["user_id"], json!(s.user_id));
    let list = call(
        &app,
        &writer,
        Method::POST,
        "/api/lists",
        Some(json!({"name": "Scripts"})),
    )
    .await;
    assert_eq!(list.status(), 201);
    let done = call(
        &app,
        &writer,
        Method::PATCH,
        &format!("/api/tasks/{id}/complete"),
        None,
    )
    .await;
    assert_eq!(done.status(), 200);

    // Never the account, its sessions or its tokens.
    for (method, path) in [
        (Method::GET, "/api/auth/me"),
        (Method::GET, "/api/auth/tokens"),
        (Method::POST, "/api/auth/signout-all"),
    ] {
        let res = call(&app, &writer, method.clone(), path, None).await;
        assert_eq!(res.status(), 401, "{method} {path}");
    }

    // Revoked: 401 at once; an unknown token too.
    let listed = app.ok(&s, Method::GET, "/api/auth/tokens", None).await;
    for t in listed.as_array().expect("tokens") {
        let id = t["id"].as_str().expect("id");
        app.call(
            Method::DELETE,
            &format!("/api/auth/tokens/{id}"),
            &s.access,
            None,
        )
        .await;
    }
    let unknown = format!("tw_pat_{}", "A".repeat(43));
    for token in [&writer, &reader, &unknown] {
        let res = call(&app, token, Method::GET, "/api/tasks", None).await;
        assert_eq!(res.status(), 401);
        assert_eq!(
            res.headers()["www-authenticate"],
            r#"Bearer error="invalid_token""#
        );
    }
}

async fn a_token_sees_only_its_users_tasks(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let secret = app
        .ok(
            &bob,
            Method::POST,
            "/api/auth/tokens",
            Some(json!({"name": "bob", "scopes": ["tasks:write"]})),
        )
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let task = app
        .ok(
            &ada,
            Method::POST,
            "/api/tasks",
            Some(json!({"title": "Ada's"})),
        )
        .await;
    let id = task["id"].as_str().expect("id");
    assert_eq!(
        call(
            &app,
            &secret,
            Method::GET,
            &format!("/api/tasks/{id}"),
            None
        )
        .await
        .status(),
        404
    );
    let theirs = format!("/api/{}/tasks", ada.user_id);
    assert_eq!(
        call(&app, &secret, Method::GET, &theirs, None)
            .await
            .status(),
        403
    );
    let list = call(&app, &secret, Method::GET, "/api/tasks", None).await;
    assert_eq!(list.json::<Value>().await.expect("json"), json!([]));
}

on_both_databases!(
    tokens_reach_tasks_and_lists_within_their_scopes,
    a_token_sees_only_its_users_tasks,
);
