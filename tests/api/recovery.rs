//! Password reset by email (issue 20, API-2.md section 6), over HTTP on both databases,
//! with a real SMTP server (aiosmtpd, `receivers.rs`) receiving the mails: the link is
//! followed (its page, then the API), works once, expires, ends every session; an
//! unknown email gets the same answer and no mail; requests are rate limited.
//! Verification and email change are in `recovery_email.rs`, sessions in
//! `recovery_sessions.rs`, the pages in `web_recovery.rs`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use taskward::config::Config;
use taskward::config::notify::SmtpUrl;
use taskward::store::{AccountToken, TokenPurpose};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, TestDb, problem};
use crate::on_both_databases;
use crate::receivers::{Mail, Receivers};

pub(crate) const PASSWORD: &str = "correct horse battery";
pub(crate) const NEW_PASSWORD: &str = "a brand new passphrase";

/// The configuration of an app that mails through the receivers' SMTP server.
pub(crate) fn mailing(db: &TestDb, receivers: &Receivers) -> Config {
    let mut config = db.config();
    config.notify.smtp_url = Some(
        SmtpUrl::parse(&format!("smtp://127.0.0.1:{}?tls=off", receivers.smtp_port)).expect("url"),
    );
    config.notify.smtp_from = Some("Taskward <taskward@example.com>".into());
    config.check().expect("valid config");
    config
}

/// The mails to `to` once there are `n` of them (within 10 s).
pub(crate) async fn mails_to(receivers: &Receivers, to: &str, n: usize) -> Vec<Mail> {
    let to_them = |m: &Mail| m.rcpt_tos.iter().any(|r| r.eq_ignore_ascii_case(to));
    let got = receivers
        .wait_for(
            |r| r.mail.iter().filter(|m| to_them(m)).count() >= n,
            Duration::from_secs(10),
        )
        .await;
    got.mail.into_iter().filter(|m| to_them(m)).collect()
}

/// The link to `page` (`/reset-password`, ...) in a mail: it must start with the app's own
/// address (its `PUBLIC_URL`); answered as the path and query to request.
pub(crate) fn link_in(app: &TestApp, mail: &Mail, page: &str) -> String {
    let text = mail.text.as_deref().expect("a text body");
    let start = app.url(&format!("{page}?token="));
    let at = text
        .find(&start)
        .unwrap_or_else(|| panic!("no link to {start} in {text}"));
    let link = text[at..].split_whitespace().next().expect("the link");
    link.strip_prefix(&app.url(""))
        .expect("on the app")
        .to_owned()
}

/// The token of a link's path and query.
pub(crate) fn token_of(link: &str) -> String {
    let url = url::Url::parse(&format!("http://x{link}")).expect("url");
    let token = url
        .query_pairs()
        .find(|(k, _)| k == "token")
        .expect("a token")
        .1
        .into_owned();
    assert_eq!(token.len(), 43, "256 bits in base64url: {token}");
    token
}

/// Signing in with `email` and `password` is refused (`401`).
pub(crate) async fn signin_refused(app: &TestApp, email: &str, password: &str) {
    let body = json!({"email": email, "password": password});
    problem(app.post_json("/api/auth/signin", &body).await, 401).await;
}

async fn reset(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_json("/api/auth/password-reset", &json!({"email": email}))
        .await
}

async fn confirm(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/auth/password-reset/confirm",
        &json!({"token": token, "new_password": password}),
    )
    .await
}

async fn a_reset_link_is_mailed_followed_used_once_and_ends_every_session(db: TestDb) {
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let config = mailing(&db, &receivers);
    let app = TestApp::spawn_public(db, config).await;
    let phone = app.signup("Ada@Example.com", PASSWORD).await;
    let laptop = app.signin("ada@example.com", PASSWORD).await;

    let res = reset(&app, "ADA@example.com").await;
    assert_eq!(res.status(), 202);
    assert_eq!(res.text().await.expect("body"), "");
    let mail = mails_to(&receivers, "Ada@Example.com", 1).await.remove(0);
    assert_eq!(
        mail.subject.as_deref(),
        Some("Reset your Taskward password")
    );
    assert!(mail.mail_from.contains("taskward@example.com"), "{mail:?}");
    let link = link_in(&app, &mail, "/reset-password");
    let token = token_of(&link);

    // The link's page shows the form; opening it uses nothing.
    for _ in 0..2 {
        let page = app.get(&link).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.expect("page");
        assert!(html.contains(r#"name="new_password""#), "{html}");
        assert!(html.contains(&format!(r#"name="token" value="{token}""#)));
    }

    // A bad password is refused before the token is used.
    let short = problem(confirm(&app, &token, "short").await, 422).await;
    assert_eq!(short["errors"][0]["field"], "new_password");
    assert_eq!(confirm(&app, &token, NEW_PASSWORD).await.status(), 204);

    // Every session ended: access tokens at once, refresh tokens too.
    for s in [&phone, &laptop] {
        problem(app.get_as("/api/auth/me", &s.access).await, 401).await;
        let refresh = app
            .post_json("/api/auth/refresh", &json!({"refresh_token": s.refresh}))
            .await;
        problem(refresh, 401).await;
    }
    signin_refused(&app, "ada@example.com", PASSWORD).await;
    let now = app.signin("ada@example.com", NEW_PASSWORD).await;
    let me: Value = app
        .ok(&now, reqwest::Method::GET, "/api/auth/me", None)
        .await;
    assert_eq!(me["email_verified"], true, "the link reached the address");

    // Single use: the same token again, and its page, are 400.
    let again = problem(confirm(&app, &token, "yet another passphrase").await, 400).await;
    assert!(
        again["detail"]
            .as_str()
            .unwrap_or("")
            .contains("already used"),
        "{again}"
    );
    let page = app.get(&link).await;
    assert_eq!(page.status(), 400);
    assert!(
        page.text()
            .await
            .expect("page")
            .contains("expired or was already used")
    );
    app.signin("ada@example.com", NEW_PASSWORD).await;
    app.stop().await;
}

async fn an_unknown_email_gets_the_same_answer_and_no_mail(db: TestDb) {
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let config = mailing(&db, &receivers);
    let app = TestApp::spawn_public(db, config).await;
    app.signup("ada@example.com", PASSWORD).await;
    let mut answers = Vec::new();
    for email in ["ada@example.com", "nobody@example.com", "not an email", ""] {
        let res = reset(&app, email).await;
        let status = res.status();
        let mut headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "date" | "x-request-id"))
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        headers.sort();
        answers.push((status, headers, res.text().await.expect("body")));
    }
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "the same status, headers and body: {answers:?}"
    );
    assert_eq!(answers[0].0, 202);
    // The known address gets its mail; give the others as long, then nothing else came.
    mails_to(&receivers, "ada@example.com", 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = receivers.received().await.mail;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].rcpt_tos, ["ada@example.com"]);
    // A missing member is a plain validation error.
    problem(
        app.post_json("/api/auth/password-reset", &json!({})).await,
        422,
    )
    .await;
    app.stop().await;
}

/// A token of `purpose` for `user`, written through the store with its own times: the
/// token itself, to present.
pub(crate) async fn stored_token(
    app: &TestApp,
    user: &Session,
    purpose: TokenPurpose,
    email: &str,
    expires_in: time::Duration,
) -> String {
    let token = format!("{}{}", "Z".repeat(11), Uuid::now_v7().simple());
    let now = crate::store::now();
    app.store
        .account_token_insert(&AccountToken {
            token_hash: Sha256::digest(token.as_bytes()).into(),
            user_id: user.user_id.parse().expect("uuid"),
            purpose,
            email: email.to_owned(),
            created_at: now - time::Duration::hours(2),
            expires_at: now + expires_in,
        })
        .await
        .expect("stored");
    token
}

async fn an_expired_or_foreign_token_is_refused(db: TestDb) {
    let config = db.config();
    let app = TestApp::spawn_public(db, config).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let expired = stored_token(
        &app,
        &ada,
        TokenPurpose::PasswordReset,
        "ada@example.com",
        -time::Duration::seconds(1),
    )
    .await;
    problem(confirm(&app, &expired, NEW_PASSWORD).await, 400).await;
    assert_eq!(
        app.get(&format!("/reset-password?token={expired}"))
            .await
            .status(),
        400
    );
    // A live token, but for verification, does not reset a password.
    let verify = stored_token(
        &app,
        &ada,
        TokenPurpose::VerifyEmail,
        "ada@example.com",
        time::Duration::minutes(5),
    )
    .await;
    problem(confirm(&app, &verify, NEW_PASSWORD).await, 400).await;
    for junk in ["", "x", &"A".repeat(43), &format!("{verify}=")] {
        problem(confirm(&app, junk, NEW_PASSWORD).await, 400).await;
    }
    // A live reset token works, and the password stayed until then.
    app.signin("ada@example.com", PASSWORD).await;
    let live = stored_token(
        &app,
        &ada,
        TokenPurpose::PasswordReset,
        "ada@example.com",
        time::Duration::minutes(29),
    )
    .await;
    assert_eq!(confirm(&app, &live, NEW_PASSWORD).await.status(), 204);
    app.signin("ada@example.com", NEW_PASSWORD).await;
    app.stop().await;
}

async fn reset_requests_are_rate_limited_alike_for_every_address(db: TestDb) {
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let mut config = mailing(&db, &receivers);
    config.rate_limit = true;
    config.accounts.rate_limit_account_mails = taskward::config::RateRule {
        max: 2,
        window: std::time::Duration::from_secs(3600),
    };
    let app = TestApp::spawn_public(db, config).await;
    app.signup("ada@example.com", PASSWORD).await;
    // The known address: each mail waits for the one before (the later link replaces
    // the earlier one), then the third request is refused.
    assert_eq!(reset(&app, "ada@example.com").await.status(), 202);
    let first = mails_to(&receivers, "ada@example.com", 1).await;
    assert_eq!(reset(&app, "ada@example.com").await.status(), 202);
    let mails = mails_to(&receivers, "ada@example.com", 2).await;
    assert_eq!(mails[0].text, first[0].text);
    // An unknown address: the same answers.
    for _ in 0..2 {
        assert_eq!(reset(&app, "nobody@example.com").await.status(), 202);
    }
    for email in ["ada@example.com", "nobody@example.com"] {
        let third = reset(&app, email).await;
        assert!(third.headers().contains_key("retry-after"), "{email}");
        let body = problem(third, 429).await;
        assert!(body["detail"].is_string());
    }
    let first = token_of(&link_in(&app, &mails[0], "/reset-password"));
    let second = token_of(&link_in(&app, &mails[1], "/reset-password"));
    problem(confirm(&app, &first, NEW_PASSWORD).await, 400).await;
    assert_eq!(confirm(&app, &second, NEW_PASSWORD).await.status(), 204);
    // Asking for mails never locked the owner out of signing in.
    app.signin("ada@example.com", NEW_PASSWORD).await;
    app.stop().await;
}

/// The answer to a reset request does not wait for the account, the token or the mail:
/// with an SMTP server that never answers (each mail waits out its 10 s time-out), five
/// requests for a known address are answered as fast as five for an unknown one, and none
/// fails (timing: docs/security.md).
async fn the_answer_does_not_wait_for_the_mail(db: TestDb) {
    let mut config = db.config();
    // Listening, never accepting: a connection is made, and no greeting ever comes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    config.notify.smtp_url =
        Some(SmtpUrl::parse(&format!("smtp://127.0.0.1:{port}?tls=off")).expect("url"));
    config.notify.smtp_from = Some("taskward@example.com".into());
    let app = TestApp::spawn_public(db, config).await;
    app.signup("ada@example.com", PASSWORD).await;
    for email in ["ada@example.com", "nobody@example.com"] {
        let began = Instant::now();
        for _ in 0..5 {
            assert_eq!(reset(&app, email).await.status(), 202);
        }
        let took = began.elapsed();
        assert!(took < Duration::from_secs(3), "{email}: {took:?}");
    }
    drop(silent);
    app.stop().await;
}

on_both_databases!(
    a_reset_link_is_mailed_followed_used_once_and_ends_every_session,
    an_unknown_email_gets_the_same_answer_and_no_mail,
    an_expired_or_foreign_token_is_refused,
    reset_requests_are_rate_limited_alike_for_every_address,
    the_answer_does_not_wait_for_the_mail,
);
