//! `GET /metrics`: off by default, Prometheus text when on, labelled by route template.

use serde_json::json;
use taskward::AppState;

use crate::helpers::{TestApp, TestDb};

fn line<'a>(body: &'a str, name: &str, parts: &[&str]) -> Option<&'a str> {
    body.lines()
        .find(|l| l.starts_with(&format!("{name}{{")) && parts.iter().all(|p| l.contains(p)))
}

#[tokio::test]
async fn metrics_are_not_served_unless_turned_on() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    assert_eq!(app.get("/metrics").await.status(), 404);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_sign_in_failures_and_pool_usage() {
    let db = TestDb::sqlite();
    let mut config = db.config();
    config.metrics = true;
    let app = TestApp::spawn_with(db, config).await;
    let ada = app.signup("ada@example.com", "correct horse battery").await;
    let id = uuid::Uuid::now_v7();
    let res = app.get_as(&format!("/api/tasks/{id}"), &ada.access).await;
    assert_eq!(res.status(), 404);
    let res = app
        .post_json(
            "/api/auth/signin",
            &json!({"email": "ada@example.com", "password": "wrong password"}),
        )
        .await;
    assert_eq!(res.status(), 401);

    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    let content_type = res.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let body = res.text().await.expect("text");
    let found = line(
        &body,
        "taskward_http_requests_total",
        &[
            "route=\"/api/tasks/{id}\"",
            "status=\"404\"",
            "method=\"GET\"",
        ],
    );
    assert!(found.is_some_and(|l| l.ends_with(" 1")), "{body}");
    assert!(
        !body.contains(&id.to_string()),
        "no raw paths with ids: {body}"
    );
    assert!(body.contains("taskward_signin_failures_total 1"), "{body}");
    assert!(
        line(
            &body,
            "taskward_http_request_duration_seconds_bucket",
            &["route=\"/api/auth/signup\"", "le=\"0.005\""]
        )
        .is_some(),
        "{body}"
    );
    assert!(
        line(&body, "taskward_db_pool_connections", &["pool=\"writer\""]).is_some(),
        "{body}"
    );
    assert!(
        line(
            &body,
            "taskward_db_pool_idle_connections",
            &["pool=\"reader\""]
        )
        .is_some(),
        "{body}"
    );
}

#[tokio::test]
async fn rate_limit_hits_are_counted_by_route() {
    let db = TestDb::sqlite();
    let mut config = db.config();
    config.rate_limit = true;
    config.rate_limit_per_ip = taskward::config::RateRule {
        max: 1,
        window: std::time::Duration::from_secs(60),
    };
    config.metrics = true;
    let app = TestApp::spawn_with(db, config).await;
    let body = json!({"email": "nobody@example.com", "password": "whatever password"});
    assert_eq!(app.post_json("/api/auth/signin", &body).await.status(), 401);
    assert_eq!(app.post_json("/api/auth/signin", &body).await.status(), 429);
    let metrics = app.get("/metrics").await.text().await.expect("text");
    let found = line(
        &metrics,
        "taskward_rate_limited_total",
        &["route=\"/api/auth/signin\""],
    );
    assert!(found.is_some_and(|l| l.ends_with(" 1")), "{metrics}");
}

#[tokio::test]
async fn metrics_bind_serves_metrics_on_a_separate_listener_only() {
    let db = TestDb::sqlite();
    let mut config = db.config();
    config.metrics_bind = Some("127.0.0.1:0".parse().expect("addr"));
    let state = AppState::build(config.clone()).await.expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(taskward::http::metrics::serve(listener, state, async {
        let _ = rx.await;
    }));
    let res = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("answer");
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .expect("text")
            .contains("taskward_db_pool_connections")
    );
    let _ = tx.send(());
    server.await.expect("join").expect("served");

    let app = TestApp::spawn_with(db, config).await;
    assert_eq!(
        app.get("/metrics").await.status(),
        404,
        "not on the public listener"
    );
}
