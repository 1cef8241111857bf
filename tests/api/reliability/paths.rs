//! Malformed path parameters on every route, hostile cursors and bodies with trailing
//! garbage: a `404`/`422` (or the contract's `403` for another user's id), never a server
//! error, and nothing changes.

use reqwest::Method;
use serde_json::{Value, json};
use taskward::tasks::order::Sort;
use taskward::tasks::query::{Cursor, CursorKey};

use crate::helpers::{TestApp, TestDb, problem};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

/// Segments a path parameter may be given instead of a real value, as they go on the
/// wire (already percent-encoded where needed).
fn hostile_segments() -> Vec<String> {
    vec![
        "%ff%fe".into(),                               // invalid UTF-8
        "%c0%80".into(),                               // overlong NUL
        "%ed%a0%80".into(),                            // a UTF-16 surrogate
        "%e2%80%ae".into(),                            // right-to-left override
        "%00".into(),                                  // NUL
        "%2f".into(),                                  // an encoded slash
        "%25".into(),                                  // a literal percent sign
        "%".into(),                                    // a broken escape
        "%zz".into(),                                  // another one
        "...".into(),          // dots (".." itself is resolved by the client)
        "%20%09".into(),       // whitespace
        "%F0%9F%98%80".into(), // an emoji
        "x".repeat(4000),      // a long segment
        "00000000-0000-0000-0000-00000000000g".into(), // almost a UUID
    ]
}

/// Every templated path of the API, with its methods, from the OpenAPI document.
async fn api_routes(app: &TestApp) -> Vec<(String, Vec<Method>)> {
    let doc: Value = app.get("/openapi.json").await.json().await.expect("json");
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if !path.contains('{') {
            continue;
        }
        let methods = item
            .as_object()
            .expect("path item")
            .keys()
            .filter(|k| ["get", "put", "post", "delete", "patch"].contains(&k.as_str()))
            .filter_map(|m| Method::from_bytes(m.to_uppercase().as_bytes()).ok())
            .collect();
        routes.push((path.clone(), methods));
    }
    assert!(
        routes.len() >= 4,
        "the document lists the task routes: {routes:?}"
    );
    routes
}

/// The web app's routes with a path parameter (src/web/pages/).
fn web_routes() -> Vec<(String, Vec<Method>)> {
    vec![
        ("/tasks/{id}/edit".into(), vec![Method::GET]),
        ("/tasks/{id}".into(), vec![Method::POST]),
        ("/tasks/{id}/toggle".into(), vec![Method::POST]),
        ("/tasks/{id}/delete".into(), vec![Method::GET, Method::POST]),
        ("/lists/{id}".into(), vec![Method::GET, Method::POST]),
        ("/lists/{id}/archive".into(), vec![Method::POST]),
        ("/lists/{id}/delete".into(), vec![Method::GET, Method::POST]),
        ("/lists/{id}/members".into(), vec![Method::POST]),
        ("/lists/{id}/members/remove".into(), vec![Method::POST]),
        ("/calendars/feeds/{id}/delete".into(), vec![Method::POST]),
    ]
}

async fn task_count(app: &TestApp, token: &str) -> String {
    let res = app.get_as("/api/tasks?limit=1", token).await;
    res.headers()["x-total-count"]
        .to_str()
        .expect("count")
        .to_owned()
}

async fn etag(app: &TestApp, path: &str, token: &str) -> String {
    let res = app.get_as(path, token).await;
    assert_eq!(res.status(), 200);
    res.headers()["etag"].to_str().expect("etag").to_owned()
}

async fn malformed_path_parameters_on_every_route_are_404_and_change_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("paths@example.com", PASSWORD).await;
    let res = app
        .call(
            Method::POST,
            "/api/tasks",
            &s.access,
            Some(&json!({"title": "keep me"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let task: Value = res.json().await.expect("json");
    let task_id = task["id"].as_str().expect("id").to_owned();
    let task_path = format!("/api/tasks/{task_id}");
    let (count, tag) = (
        task_count(&app, &s.access).await,
        etag(&app, &task_path, &s.access).await,
    );
    // Web pages need the session cookie; sign in through the form once.
    let cookie = format!("taskward_access={}", s.access);

    let mut tried = 0;
    for (web, (template, methods)) in api_routes(&app)
        .await
        .into_iter()
        .map(|r| (false, r))
        .chain(web_routes().into_iter().map(|r| (true, r)))
    {
        let params: Vec<&str> = template
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .collect();
        for param in &params {
            for bad in hostile_segments() {
                let path = params.iter().fold(template.clone(), |path, p| {
                    let value = match *p {
                        _ if p == param => bad.clone(),
                        "user_id" => s.user_id.clone(),
                        _ => task_id.clone(),
                    };
                    path.replace(&format!("{{{p}}}"), &value)
                });
                for method in &methods {
                    let mut req = app
                        .client
                        .request(method.clone(), app.url(&path))
                        .bearer_auth(&s.access);
                    req = if web {
                        req.header("cookie", &cookie)
                            .header("accept", "text/html")
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body("csrf=x&title=changed")
                    } else {
                        req.json(&json!({"title": "changed", "completed": true}))
                    };
                    let res = req.send().await.expect("request");
                    let status = res.status().as_u16();
                    let why = format!(
                        "{method} {} ({param} = {})",
                        template,
                        &bad[..bad.len().min(40)]
                    );
                    // The contract answers another user's (decodable) id with 403; sharing
                    // with what decodes but is not an email is an invalid request (422),
                    // while removing it names no member (404).
                    let allowed: &[u16] = if *param == "user_id" {
                        &[403, 404]
                    } else if *param == "email" && *method == Method::PUT {
                        &[404, 422]
                    } else {
                        &[404]
                    };
                    assert!(allowed.contains(&status), "{why}: {status}");
                    let ct = res.headers()["content-type"]
                        .to_str()
                        .expect("ct")
                        .to_owned();
                    if web {
                        assert!(ct.starts_with("text/html"), "{why}: {ct}");
                    } else {
                        problem(res, status).await;
                    }
                    tried += 1;
                }
            }
        }
    }
    assert!(tried > 100, "only {tried} requests");
    assert_eq!(
        task_count(&app, &s.access).await,
        count,
        "no task made or lost"
    );
    assert_eq!(
        etag(&app, &task_path, &s.access).await,
        tag,
        "the task is unchanged"
    );
    app.stop().await;
}

async fn a_cursor_with_control_characters_is_422(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("cursor@example.com", PASSWORD).await;
    for title in ["b", "a", "c"] {
        let res = app
            .call(
                Method::POST,
                "/api/tasks",
                &s.access,
                Some(&json!({"title": title})),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let sort = Sort::parse("title").expect("sort");
    for key in [
        "a\u{0}",
        "\u{0}",
        "a\u{1}b",
        "tab\there",
        "\u{7f}",
        "\u{85}",
    ] {
        let cursor = Cursor {
            key: CursorKey::Text(key.to_owned()),
            id: uuid::Uuid::now_v7(),
        }
        .encode(sort);
        let res = app
            .get_as(&format!("/api/tasks?sort=title&cursor={cursor}"), &s.access)
            .await;
        let body = problem(res, 422).await;
        assert!(body.to_string().contains("cursor"), "{key:?}: {body}");
    }
    // A real cursor still pages.
    let cursor = Cursor {
        key: CursorKey::Text("a".into()),
        id: uuid::Uuid::nil(),
    }
    .encode(sort);
    let res = app
        .get_as(&format!("/api/tasks?sort=title&cursor={cursor}"), &s.access)
        .await;
    assert_eq!(res.status(), 200);
    app.stop().await;
}

async fn bodies_with_trailing_garbage_are_400_and_change_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("garbage@example.com", PASSWORD).await;
    let res = app
        .call(
            Method::POST,
            "/api/tasks",
            &s.access,
            Some(&json!({"title": "original"})),
        )
        .await;
    let task: Value = res.json().await.expect("json");
    let path = format!("/api/tasks/{}", task["id"].as_str().expect("id"));
    let count = task_count(&app, &s.access).await;
    let tag = etag(&app, &path, &s.access).await;
    let send = |method: Method, path: &str, body: &str, token: Option<&str>| {
        let mut req = app
            .client
            .request(method, app.url(path))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send()
    };
    for (method, route, body, token) in [
        (
            Method::POST,
            "/api/tasks",
            r#"{"title": "x"} trailing"#,
            Some(s.access.as_str()),
        ),
        (
            Method::POST,
            "/api/tasks",
            r#"{"title": "x"}{"title": "y"}"#,
            Some(s.access.as_str()),
        ),
        (
            Method::PUT,
            path.as_str(),
            r#"{"title": "x"} ]"#,
            Some(s.access.as_str()),
        ),
        (
            Method::PATCH,
            path.as_str(),
            r#"{"title": "x"} 1"#,
            Some(s.access.as_str()),
        ),
        (
            Method::POST,
            "/api/auth/signup",
            r#"{"email": "new@example.com", "password": "long enough pw"} x"#,
            None,
        ),
        (
            Method::POST,
            "/api/auth/signin",
            r#"{"email": "garbage@example.com", "password": "correct horse battery"} x"#,
            None,
        ),
        (
            Method::POST,
            "/api/auth/refresh",
            &format!(r#"{{"refresh_token": "{}"}} x"#, s.refresh),
            None,
        ),
    ] {
        let res = send(method.clone(), route, body, token)
            .await
            .expect("request");
        problem(res, 400).await;
    }
    assert_eq!(task_count(&app, &s.access).await, count);
    assert_eq!(etag(&app, &path, &s.access).await, tag);
    // No account was made, and the refresh token was not spent.
    let res = app
        .post_json(
            "/api/auth/signin",
            &json!({"email": "new@example.com", "password": "long enough pw"}),
        )
        .await;
    problem(res, 401).await;
    let res = app
        .post_json("/api/auth/refresh", &json!({"refresh_token": s.refresh}))
        .await;
    assert_eq!(res.status(), 200, "the refresh token still works");
    app.stop().await;
}

on_both_databases!(
    malformed_path_parameters_on_every_route_are_404_and_change_nothing,
    a_cursor_with_control_characters_is_422,
    bodies_with_trailing_garbage_are_400_and_change_nothing,
);
