//! Two Taskward nodes on one PostgreSQL: writes on one are read on the other, account
//! changes on one are honoured by the other at once, and two nodes migrating a fresh
//! database at the same moment do not collide. (Sign-out across nodes: tokens.rs.)

use reqwest::Method;
use serde_json::{Value, json};

use super::node::Node;
use crate::helpers::{TestApp, TestDb, problem};

const PASSWORD: &str = "a long enough password";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_written_on_one_node_is_read_and_guarded_on_the_other() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let second = db.second_node();
    let a = TestApp::spawn(db).await;
    let b = TestApp::spawn(second).await;
    let s = a.signup("nodes@example.com", PASSWORD).await;
    let res = a
        .call(
            Method::POST,
            "/api/tasks",
            &s.access,
            Some(&json!({"title": "from a", "tags": ["x"]})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let etag_a = res.headers()["etag"].to_str().expect("etag").to_owned();
    let task: Value = res.json().await.expect("json");
    let path = format!("/api/tasks/{}", task["id"].as_str().expect("id"));
    let res = b.get_as(&path, &s.access).await;
    assert_eq!(res.status(), 200);
    let read: Value = res.json().await.expect("json");
    assert_eq!(read, task, "node b reads what node a wrote");
    // An update on B makes A's ETag stale on A.
    let res = b
        .call(
            Method::PATCH,
            &path,
            &s.access,
            Some(&json!({"title": "from b"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = a
        .client
        .patch(a.url(&path))
        .bearer_auth(&s.access)
        .header("if-match", &etag_a)
        .json(&json!({"title": "stale on a"}))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 412);
    let list: Vec<Value> = a
        .get_as("/api/tasks?tag=x", &s.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["title"], "from b");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_on_one_node_ends_the_other_sessions_on_the_other_at_once() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let second = db.second_node();
    let a = TestApp::spawn(db).await;
    let b = TestApp::spawn(second).await;
    let on_a = a.signup("change@example.com", PASSWORD).await;
    let on_b = b.signin("change@example.com", PASSWORD).await;
    let res = a
        .call(
            Method::POST,
            "/api/auth/password",
            &on_a.access,
            Some(&json!({"current_password": PASSWORD, "new_password": "changed on node a"})),
        )
        .await;
    assert_eq!(res.status(), 204);
    problem(b.get_as("/api/auth/me", &on_b.access).await, 401).await;
    let res = b
        .post_json("/api/auth/refresh", &json!({"refresh_token": on_b.refresh}))
        .await;
    problem(res, 401).await;
    let res = b
        .post_json(
            "/api/auth/signin",
            &json!({"email": "change@example.com", "password": PASSWORD}),
        )
        .await;
    problem(res, 401).await;
    b.signin("change@example.com", "changed on node a").await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_binaries_migrating_a_fresh_database_at_once_both_start() {
    for _ in 0..3 {
        let Some(db) = TestDb::postgres().await else {
            return;
        };
        let url = db.url.clone();
        let (a, b) = tokio::task::spawn_blocking(move || {
            std::thread::scope(|s| {
                let a = s.spawn(|| Node::start(&url, &[]));
                let b = s.spawn(|| Node::start(&url, &[]));
                (a.join().expect("node a"), b.join().expect("node b"))
            })
        })
        .await
        .expect("start");
        let client = crate::helpers::http_client();
        let res = client
            .post(a.url("/api/auth/signup"))
            .json(&json!({"email": "m@example.com", "password": PASSWORD}))
            .send()
            .await
            .expect("signup");
        assert_eq!(res.status(), 201);
        let res = client
            .post(b.url("/api/auth/signin"))
            .json(&json!({"email": "m@example.com", "password": PASSWORD}))
            .send()
            .await
            .expect("signin");
        assert_eq!(res.status(), 200);
        for node in [a, b] {
            let logs = node.stop();
            assert!(!logs.iter().any(|l| l.contains("ERROR")), "{logs:?}");
        }
    }
}
