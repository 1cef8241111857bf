//! Email verification and email change (issue 20, API-2.md section 6) over HTTP on both
//! databases, the mails received by a real SMTP server (aiosmtpd) and their links
//! followed; and `REQUIRE_EMAIL_VERIFICATION`.

use reqwest::Method;
use serde_json::{Value, json};
use taskward::store::TokenPurpose;

use crate::helpers::{Session, TestApp, TestDb, problem};
use crate::on_both_databases;
use crate::receivers::Receivers;
use crate::recovery::{
    PASSWORD, link_in, mailing, mails_to, signin_refused, stored_token, token_of,
};

async fn me(app: &TestApp, s: &Session) -> Value {
    app.ok(s, Method::GET, "/api/auth/me", None).await
}

async fn add_task(app: &TestApp, s: &Session) -> reqwest::Response {
    let task = json!({"title": "Buy milk"});
    app.call(Method::POST, "/api/tasks", &s.access, Some(&task))
        .await
}

async fn post_token(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.post_json(path, &json!({"token": token})).await
}

async fn a_verification_link_verifies_the_address_once(db: TestDb) {
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let config = mailing(&db, &receivers);
    let app = TestApp::spawn_public(db, config).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    assert_eq!(ada.body["user"]["email_verified"], false);
    assert_eq!(me(&app, &ada).await["email_verified"], false);

    let res = app
        .call(Method::POST, "/api/auth/verify-email", &ada.access, None)
        .await;
    assert_eq!(res.status(), 202);
    let mail = mails_to(&receivers, "ada@example.com", 1).await.remove(0);
    assert_eq!(
        mail.subject.as_deref(),
        Some("Confirm your email address for Taskward")
    );
    let link = link_in(&app, &mail, "/verify-email");
    let page = app.get(&link).await;
    assert_eq!(page.status(), 200, "the page only shows a form");
    assert_eq!(me(&app, &ada).await["email_verified"], false);
    let token = token_of(&link);
    assert_eq!(
        post_token(&app, "/api/auth/verify-email/confirm", &token)
            .await
            .status(),
        204
    );
    assert_eq!(me(&app, &ada).await["email_verified"], true);
    problem(
        post_token(&app, "/api/auth/verify-email/confirm", &token).await,
        400,
    )
    .await;
    // Verified already: nothing to send.
    let again = app
        .call(Method::POST, "/api/auth/verify-email", &ada.access, None)
        .await;
    problem(again, 409).await;
    // Without a session, no link.
    problem(
        app.post_json("/api/auth/verify-email", &json!({})).await,
        401,
    )
    .await;
    app.stop().await;
}

async fn a_verification_link_for_an_old_address_verifies_nothing(db: TestDb) {
    let config = db.config();
    let app = TestApp::spawn_public(db, config).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let stale = stored_token(
        &app,
        &ada,
        TokenPurpose::VerifyEmail,
        "ada@old.example",
        time::Duration::hours(1),
    )
    .await;
    let body = problem(
        post_token(&app, "/api/auth/verify-email/confirm", &stale).await,
        400,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap_or("").contains("no longer"),
        "{body}"
    );
    assert_eq!(me(&app, &ada).await["email_verified"], false);
    app.stop().await;
}

async fn required_verification_keeps_the_task_api_closed_until_verified(db: TestDb) {
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let mut config = mailing(&db, &receivers);
    config.accounts.require_email_verification = true;
    let app = TestApp::spawn_public(db, config).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    for path in ["/api/tasks", "/api/lists", "/api/notifications/channels"] {
        let body = problem(app.get_as(path, &ada.access).await, 403).await;
        let detail = body["detail"].as_str().unwrap_or("");
        assert!(
            detail.contains("verify your email address")
                && detail.contains("/api/auth/verify-email"),
            "{path}: {body}"
        );
    }
    problem(add_task(&app, &ada).await, 403).await;
    // MCP's tools too, with any token.
    let pat: Value = app
        .ok(
            &ada,
            Method::POST,
            "/api/auth/tokens",
            Some(json!({"name": "mcp", "scopes": ["tasks:read"]})),
        )
        .await;
    let pat = pat["token"].as_str().unwrap_or_default().to_owned();
    let (status, answer) = crate::oauth::mcp(&app, &pat, "tools/list", json!({})).await;
    assert_eq!(status, 403, "{answer}");
    // The account routes stay open, so that the address can be verified.
    assert_eq!(me(&app, &ada).await["email"], "ada@example.com");
    let res = app
        .call(Method::POST, "/api/auth/verify-email", &ada.access, None)
        .await;
    assert_eq!(res.status(), 202);
    let mail = mails_to(&receivers, "ada@example.com", 1).await.remove(0);
    let token = token_of(&link_in(&app, &mail, "/verify-email"));
    assert_eq!(
        post_token(&app, "/api/auth/verify-email/confirm", &token)
            .await
            .status(),
        204
    );
    assert_eq!(app.get_as("/api/tasks", &ada.access).await.status(), 200);
    assert_eq!(add_task(&app, &ada).await.status(), 201);
    assert_eq!(
        crate::oauth::mcp(&app, &pat, "tools/list", json!({}))
            .await
            .0,
        200
    );
    app.stop().await;
}

async fn an_email_change_is_confirmed_by_the_new_address_and_told_to_the_old(db: TestDb) {
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let config = mailing(&db, &receivers);
    let app = TestApp::spawn_public(db, config).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    app.signup("grace@example.com", PASSWORD).await;
    let change = |new: &'static str, password: &'static str| {
        let app = &app;
        let access = ada.access.clone();
        async move {
            app.call(
                Method::POST,
                "/api/auth/email",
                &access,
                Some(&json!({"new_email": new, "password": password})),
            )
            .await
        }
    };
    problem(change("ada@lovelace.example", "wrong password").await, 401).await;
    let invalid = problem(change("not an address", PASSWORD).await, 422).await;
    assert_eq!(invalid["errors"][0]["field"], "new_email");
    let same = problem(change("ADA@example.com", PASSWORD).await, 422).await;
    assert_eq!(same["errors"][0]["field"], "new_email");

    assert_eq!(change("Ada@Lovelace.example", PASSWORD).await.status(), 202);
    let told = mails_to(&receivers, "ada@example.com", 1).await.remove(0);
    let told_text = told.text.as_deref().unwrap_or("");
    assert!(told_text.contains("Ada@Lovelace.example"), "{told_text}");
    assert!(
        !told_text.contains("token="),
        "the old address gets no link"
    );
    let mail = mails_to(&receivers, "Ada@Lovelace.example", 1)
        .await
        .remove(0);
    let link = link_in(&app, &mail, "/confirm-email");
    // Until the link is followed the account keeps its address.
    assert_eq!(me(&app, &ada).await["email"], "ada@example.com");
    assert_eq!(app.get(&link).await.status(), 200);
    let token = token_of(&link);
    assert_eq!(
        post_token(&app, "/api/auth/email/confirm", &token)
            .await
            .status(),
        204
    );
    let now = me(&app, &ada).await;
    assert_eq!(now["email"], "Ada@Lovelace.example");
    assert_eq!(now["email_verified"], true);
    problem(
        post_token(&app, "/api/auth/email/confirm", &token).await,
        400,
    )
    .await;
    app.signin("ada@lovelace.example", PASSWORD).await;
    signin_refused(&app, "ada@example.com", PASSWORD).await;

    // An address another account has: the same 202, and its owner gets a note, no link.
    assert_eq!(change("grace@example.com", PASSWORD).await.status(), 202);
    let note = mails_to(&receivers, "grace@example.com", 1).await.remove(0);
    let note_text = note.text.as_deref().unwrap_or("");
    assert!(note_text.contains("already have an account"), "{note_text}");
    assert!(!note_text.contains("token="), "{note_text}");
    assert_eq!(me(&app, &ada).await["email"], "Ada@Lovelace.example");
    app.stop().await;
}

async fn a_password_change_kills_pending_links_and_a_taken_address_is_409(db: TestDb) {
    let config = db.config();
    let app = TestApp::spawn_public(db, config).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    app.signup("grace@example.com", PASSWORD).await;
    let hour = time::Duration::hours(1);
    let taken = stored_token(
        &app,
        &ada,
        TokenPurpose::ChangeEmail,
        "Grace@example.com",
        hour,
    )
    .await;
    let body = problem(
        post_token(&app, "/api/auth/email/confirm", &taken).await,
        409,
    )
    .await;
    assert!(body["detail"].is_string());
    assert_eq!(me(&app, &ada).await["email"], "ada@example.com");

    let pending = stored_token(
        &app,
        &ada,
        TokenPurpose::ChangeEmail,
        "ada@new.example",
        hour,
    )
    .await;
    let reset = stored_token(
        &app,
        &ada,
        TokenPurpose::PasswordReset,
        "ada@example.com",
        hour,
    )
    .await;
    let changed = app
        .call(
            Method::POST,
            "/api/auth/password",
            &ada.access,
            Some(&json!({"current_password": PASSWORD, "new_password": "another passphrase"})),
        )
        .await;
    assert_eq!(changed.status(), 204);
    problem(
        post_token(&app, "/api/auth/email/confirm", &pending).await,
        400,
    )
    .await;
    let late_reset = app
        .post_json(
            "/api/auth/password-reset/confirm",
            &json!({"token": reset, "new_password": "a third passphrase"}),
        )
        .await;
    problem(late_reset, 400).await;
    app.stop().await;
}

on_both_databases!(
    a_verification_link_verifies_the_address_once,
    a_verification_link_for_an_old_address_verifies_nothing,
    required_verification_keeps_the_task_api_closed_until_verified,
    an_email_change_is_confirmed_by_the_new_address_and_told_to_the_old,
    a_password_change_kills_pending_links_and_a_taken_address_is_409,
);
