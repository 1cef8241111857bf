//! Every error is problem+json, and every response carries the security headers.

use crate::helpers::{TestApp, TestDb, problem};
use crate::on_both_databases;

async fn an_unknown_route_is_a_problem_json_404(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let body = problem(app.get("/no/such/thing").await, 404).await;
    assert_eq!(body["title"], "Not Found");
    app.stop().await;
}

async fn a_wrong_method_is_a_problem_json_405_listing_the_allowed_ones(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let res = app
        .client
        .delete(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    let allow = res.headers()["allow"].to_str().expect("ascii").to_owned();
    assert!(allow.contains("GET"), "{allow}");
    let body = problem(res, 405).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("DELETE"),
        "{body}"
    );
    app.stop().await;
}

async fn a_body_over_64_kib_is_a_problem_json_413(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let res = app
        .client
        .post(app.url("/healthz"))
        .header("content-type", "application/json")
        .body(vec![b' '; 64 * 1024 + 1])
        .send()
        .await
        .expect("request");
    // The unread rest of the body makes the connection unusable: the server says so.
    assert_eq!(
        res.headers()
            .get("connection")
            .and_then(|v| v.to_str().ok()),
        Some("close")
    );
    let body = problem(res, 413).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("65536"),
        "{body}"
    );
    app.stop().await;
}

async fn every_response_carries_the_security_headers(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for path in ["/healthz", "/readyz", "/missing"] {
        let res = app.get(path).await;
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        let csp = h["content-security-policy"].to_str().expect("ascii");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        // Plain http here: no HSTS.
        assert!(h.get("strict-transport-security").is_none(), "{path}");
    }
    app.stop().await;
}

async fn each_response_has_a_request_id_and_a_given_one_is_kept(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let a = app.get("/healthz").await;
    let b = app.get("/healthz").await;
    let id_a = a.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let id_b = b.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id_a).is_ok(), "{id_a}");
    assert_ne!(id_a, id_b);
    let mine = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "from-the-load-balancer-42")
        .send()
        .await
        .expect("request");
    assert_eq!(mine.headers()["x-request-id"], "from-the-load-balancer-42");
    app.stop().await;
}

async fn https_public_url_adds_hsts(db: TestDb) {
    let mut config = db.config();
    config.public_url = Some(url::Url::parse("https://todo.example.com").expect("url"));
    let app = TestApp::spawn_with(db, config).await;
    let res = app.get("/healthz").await;
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .expect("ascii")
            .starts_with("max-age=")
    );
    app.stop().await;
}

on_both_databases!(
    an_unknown_route_is_a_problem_json_404,
    a_wrong_method_is_a_problem_json_405_listing_the_allowed_ones,
    a_body_over_64_kib_is_a_problem_json_413,
    every_response_carries_the_security_headers,
    each_response_has_a_request_id_and_a_given_one_is_kept,
    https_public_url_adds_hsts,
);
