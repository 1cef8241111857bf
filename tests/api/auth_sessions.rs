//! Sessions over HTTP, on both databases: refresh rotation and reuse, sign out (one, all),
//! a password change and deleting the account end sessions.

use reqwest::Method;
use serde_json::{Value, json};

use crate::auth::PASSWORD;
use crate::helpers::{TestApp, TestDb, problem};
use crate::on_both_databases;

async fn refresh_rotates_and_a_reused_token_ends_the_session(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let first = app.signup("ada@example.com", PASSWORD).await;
    let res = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": first.refresh}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let second: crate::helpers::Session = res.json::<Value>().await.expect("json").into();
    assert_ne!(second.refresh, first.refresh, "a NEW refresh token");
    assert_ne!(second.access, first.access);
    assert_eq!(second.user_id, first.user_id);
    assert_eq!(
        app.get_as("/api/auth/me", &second.access).await.status(),
        200
    );

    // The first refresh token again: reuse. Its whole session ends, new tokens included.
    let res = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": first.refresh}),
        )
        .await;
    assert_eq!(
        res.headers()["www-authenticate"],
        r#"Bearer error="invalid_token""#
    );
    problem(res, 401).await;
    problem(app.get_as("/api/auth/me", &second.access).await, 401).await;
    let res = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": second.refresh}),
        )
        .await;
    problem(res, 401).await;

    for bad in [
        json!({"refresh_token": "nope"}),
        json!({"refresh_token": "x".repeat(43)}),
    ] {
        problem(app.post_json("/api/auth/refresh", &bad).await, 401).await;
    }
    problem(app.post_json("/api/auth/refresh", &json!({})).await, 422).await;
    app.stop().await;
}

async fn concurrent_refreshes_with_one_token_succeed_at_most_once(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let body = json!({"refresh_token": s.refresh});
    let attempts = (0..6).map(|_| app.post_json("/api/auth/refresh", &body));
    let results = futures_util::future::join_all(attempts).await;
    let ok = results.iter().filter(|r| r.status() == 200).count();
    assert!(ok <= 1, "{ok} concurrent refreshes succeeded");
    for r in &results {
        assert!(matches!(r.status().as_u16(), 200 | 401), "{}", r.status());
    }
    app.stop().await;
}

async fn sign_out_ends_that_session_at_once_and_no_other(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let phone = app.signup("ada@example.com", PASSWORD).await;
    let laptop = app.signin("ada@example.com", PASSWORD).await;
    let res = app
        .call(Method::POST, "/api/auth/signout", &phone.access, None)
        .await;
    assert_eq!(res.status(), 204);
    let res = app.get_as("/api/auth/me", &phone.access).await;
    assert_eq!(
        res.headers()["www-authenticate"],
        r#"Bearer error="invalid_token""#
    );
    problem(res, 401).await;
    let res = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": phone.refresh}),
        )
        .await;
    problem(res, 401).await;
    assert_eq!(
        app.get_as("/api/auth/me", &laptop.access).await.status(),
        200
    );
    let res = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": laptop.refresh}),
        )
        .await;
    assert_eq!(res.status(), 200);
    app.stop().await;
}

async fn sign_out_all_ends_every_session_of_the_user_only(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let a1 = app.signup("ada@example.com", PASSWORD).await;
    let a2 = app.signin("ada@example.com", PASSWORD).await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let res = app
        .call(Method::POST, "/api/auth/signout-all", &a2.access, None)
        .await;
    assert_eq!(res.status(), 204);
    for s in [&a1, &a2] {
        problem(app.get_as("/api/auth/me", &s.access).await, 401).await;
        let res = app
            .post_json("/api/auth/refresh", &json!({"refresh_token": s.refresh}))
            .await;
        problem(res, 401).await;
    }
    assert_eq!(app.get_as("/api/auth/me", &bob.access).await.status(), 200);
    // Signing in again works.
    app.signin("ada@example.com", PASSWORD).await;
    app.stop().await;
}

async fn changing_the_password_ends_every_other_session(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let here = app.signup("ada@example.com", PASSWORD).await;
    let elsewhere = app.signin("ada@example.com", PASSWORD).await;
    let res = app
        .call(
            Method::POST,
            "/api/auth/password",
            &here.access,
            Some(&json!({"current_password": "not it at all", "new_password": "new password 1"})),
        )
        .await;
    problem(res, 401).await;
    let res = app
        .call(
            Method::POST,
            "/api/auth/password",
            &here.access,
            Some(&json!({"current_password": PASSWORD, "new_password": "short"})),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "new_password");
    // Neither failure changed anything.
    assert_eq!(
        app.get_as("/api/auth/me", &elsewhere.access).await.status(),
        200
    );

    let res = app
        .call(
            Method::POST,
            "/api/auth/password",
            &here.access,
            Some(&json!({"current_password": PASSWORD, "new_password": "new password 1"})),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        app.get_as("/api/auth/me", &here.access).await.status(),
        200,
        "this session stays"
    );
    problem(app.get_as("/api/auth/me", &elsewhere.access).await, 401).await;
    let res = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": elsewhere.refresh}),
        )
        .await;
    problem(res, 401).await;
    let res = app
        .post_json(
            "/api/auth/signin",
            &json!({"email": "ada@example.com", "password": PASSWORD}),
        )
        .await;
    problem(res, 401).await;
    app.signin("ada@example.com", "new password 1").await;
    app.stop().await;
}

async fn deleting_the_account_needs_the_password_and_frees_the_email(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let other = app.signin("ada@example.com", PASSWORD).await;
    let res = app
        .call(
            Method::DELETE,
            "/api/auth/me",
            &s.access,
            Some(&json!({"password": "wrong password"})),
        )
        .await;
    problem(res, 401).await;
    assert_eq!(
        app.get_as("/api/auth/me", &s.access).await.status(),
        200,
        "still there"
    );

    let res = app
        .call(
            Method::DELETE,
            "/api/auth/me",
            &s.access,
            Some(&json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status(), 204);
    for token in [&s.access, &other.access] {
        problem(app.get_as("/api/auth/me", token).await, 401).await;
    }
    let res = app
        .post_json(
            "/api/auth/signin",
            &json!({"email": "ada@example.com", "password": PASSWORD}),
        )
        .await;
    problem(res, 401).await;
    let again = app.signup("ada@example.com", "a brand new password").await;
    assert_ne!(again.user_id, s.user_id);
    app.stop().await;
}

on_both_databases!(
    refresh_rotates_and_a_reused_token_ends_the_session,
    concurrent_refreshes_with_one_token_succeed_at_most_once,
    sign_out_ends_that_session_at_once_and_no_other,
    sign_out_all_ends_every_session_of_the_user_only,
    changing_the_password_ends_every_other_session,
    deleting_the_account_needs_the_password_and_frees_the_email,
);
