//! The sessions list and ending one session (issue 20, API-2.md section 6), over HTTP on
//! both databases; on PostgreSQL a session ended through one node is refused at once by
//! another.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, TestDb, problem};
use crate::on_both_databases;
use crate::recovery::PASSWORD;

async fn sign_in_as(app: &TestApp, agent: &str) -> Session {
    let res = app
        .client
        .post(app.url("/api/auth/signin"))
        .header("user-agent", agent)
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    Session::from(res.json::<Value>().await.expect("json"))
}

async fn sessions(app: &TestApp, s: &Session) -> Vec<Value> {
    let all = app.ok(s, Method::GET, "/api/auth/sessions", None).await;
    all.as_array().expect("an array").clone()
}

async fn end(app: &TestApp, s: &Session, id: &str) -> reqwest::Response {
    app.call(
        Method::DELETE,
        &format!("/api/auth/sessions/{id}"),
        &s.access,
        None,
    )
    .await
}

async fn the_list_shows_each_device_and_one_can_be_signed_out(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.signup("ada@example.com", PASSWORD).await;
    let phone = sign_in_as(&app, "Phone/1.0").await;
    let laptop = sign_in_as(&app, "Laptop/2.0").await;
    let grace = app.signup("grace@example.com", PASSWORD).await;

    let seen = sessions(&app, &laptop).await;
    assert_eq!(
        seen.len(),
        3,
        "the sign-up's, the phone's, the laptop's: {seen:?}"
    );
    let mine: Vec<&Value> = seen.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["user_agent"], "Laptop/2.0");
    assert_eq!(seen[0]["user_agent"], "Laptop/2.0", "newest first");
    for s in &seen {
        assert_eq!(s["ip"], "127.0.0.1");
        for at in ["created_at", "last_used_at", "expires_at"] {
            assert!(s[at].as_str().is_some_and(|t| t.ends_with('Z')), "{s}");
        }
    }
    let phone_id = seen
        .iter()
        .find(|s| s["user_agent"] == "Phone/1.0")
        .expect("the phone")["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // Another user cannot end it, nor see it.
    problem(end(&app, &grace, &phone_id).await, 404).await;
    assert_eq!(sessions(&app, &grace).await.len(), 1);
    assert_eq!(
        app.get_as("/api/auth/me", &phone.access).await.status(),
        200
    );

    assert_eq!(end(&app, &laptop, &phone_id).await.status(), 204);
    problem(app.get_as("/api/auth/me", &phone.access).await, 401).await;
    let refresh = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": phone.refresh}),
        )
        .await;
    problem(refresh, 401).await;
    let left = sessions(&app, &laptop).await;
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|s| s["id"] != phone_id.as_str()));
    // Ended already, or never a session: 404.
    problem(end(&app, &laptop, &phone_id).await, 404).await;
    problem(end(&app, &laptop, "not-a-uuid").await, 404).await;
    // Ending the current one signs out.
    let current = left[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(end(&app, &laptop, &current).await.status(), 204);
    problem(app.get_as("/api/auth/me", &laptop.access).await, 401).await;
    app.stop().await;
}

async fn a_personal_access_token_cannot_list_sessions(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let token = app
        .ok(
            &ada,
            Method::POST,
            "/api/auth/tokens",
            Some(json!({"name": "script", "scopes": ["tasks:read", "tasks:write"]})),
        )
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    problem(app.get_as("/api/auth/sessions", &token).await, 401).await;
    app.stop().await;
}

/// Two nodes on one PostgreSQL: a session ended through one is refused by the other at
/// once (each request checks its session in the database).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_on_one_node_is_refused_by_the_other() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let second = db.second_node();
    let a = TestApp::spawn(db).await;
    let b = TestApp::spawn(second).await;
    let ada = a.signup("ada@example.com", PASSWORD).await;
    let phone = sign_in_as(&b, "Phone/1.0").await;
    assert_eq!(b.get_as("/api/auth/me", &phone.access).await.status(), 200);
    let seen = sessions(&a, &ada).await;
    let phone_id = seen
        .iter()
        .find(|s| s["user_agent"] == "Phone/1.0")
        .expect("the phone's session, made on the other node")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(end(&a, &ada, &phone_id).await.status(), 204);
    problem(b.get_as("/api/auth/me", &phone.access).await, 401).await;
    b.stop().await;
    a.stop().await;
}

on_both_databases!(
    the_list_shows_each_device_and_one_can_be_signed_out,
    a_personal_access_token_cannot_list_sessions,
);
