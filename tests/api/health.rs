//! `/healthz` and `/readyz`.

use crate::helpers::{TestApp, TestDb, drop_database, problem};
use crate::on_both_databases;

async fn healthz_answers_ok(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    app.stop().await;
}

async fn readyz_answers_ready_while_the_database_answers(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["status"], "ready");
    app.stop().await;
}

async fn readyz_answers_503_with_retry_after_when_the_database_is_gone(db: TestDb) {
    let app = TestApp::spawn(db).await;
    // Closing the pool makes every query fail the way a vanished database does.
    app.store.close().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.headers()["retry-after"], "5");
    problem(res, 503).await;
    // The process itself is still alive.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

on_both_databases!(
    healthz_answers_ok,
    readyz_answers_ready_while_the_database_answers,
    readyz_answers_503_with_retry_after_when_the_database_is_gone,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_answers_503_when_the_postgres_database_is_dropped_under_it() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let app = TestApp::spawn(db).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    // The server terminates our connections and the database no longer exists.
    drop_database(&app.db).await;
    let res = app.get("/readyz").await;
    let body = problem(res, 503).await;
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        !detail.contains("taskward_test_"),
        "no database internals: {detail}"
    );
    assert_eq!(app.get("/healthz").await.status(), 200);
}
