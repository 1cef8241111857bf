//! Tokens minted by another component with the shared secret (no `sid`): accepted for the
//! drop-in promise, but ended by signing out everywhere, a password change and deletion,
//! capped in lifetime, and refusable altogether; and a bcrypt upgrade racing a password
//! change never writes the old password back.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};
use taskward::store::NewUser;
use taskward::timestamp::truncate_to_micros;

use crate::helpers::{TEST_SECRET, TestApp, TestDb, problem};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// What the replaced FastAPI backend or a Next.js frontend mints: `sub`, `exp`, maybe `iat`.
fn foreign(claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .expect("sign")
}

async fn status(app: &TestApp, token: &str) -> u16 {
    app.get_as("/api/auth/me", token).await.status().as_u16()
}

/// Waits into the next second: `iat` has whole seconds, and a token of the very second of
/// a cut-off counts as issued before it.
async fn next_second() {
    let start = now();
    while now() == start {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn signing_out_everywhere_ends_tokens_without_a_session(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let with_iat = foreign(&json!({"sub": s.user_id, "iat": now(), "exp": now() + 900}));
    let without_iat = foreign(&json!({"sub": s.user_id, "exp": now() + 900}));
    assert_eq!(status(&app, &with_iat).await, 200);
    assert_eq!(status(&app, &without_iat).await, 200, "no cut-off yet");

    let res = app
        .call(Method::POST, "/api/auth/signout-all", &s.access, None)
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        status(&app, &with_iat).await,
        401,
        "issued before sign-out-all"
    );
    assert_eq!(
        status(&app, &without_iat).await,
        401,
        "without iat it cannot show it is newer"
    );
    next_second().await;
    let later = foreign(&json!({"sub": s.user_id, "iat": now(), "exp": now() + 900}));
    assert_eq!(status(&app, &later).await, 200, "minted after: honoured");
    app.stop().await;
}

async fn a_password_change_and_deletion_end_tokens_without_a_session(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("grace@example.com", PASSWORD).await;
    let before = foreign(&json!({"sub": s.user_id, "iat": now(), "exp": now() + 900}));
    assert_eq!(status(&app, &before).await, 200);
    let res = app
        .call(
            Method::POST,
            "/api/auth/password",
            &s.access,
            Some(&json!({"current_password": PASSWORD, "new_password": "another long one"})),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        status(&app, &before).await,
        401,
        "ended by the password change"
    );
    assert_eq!(
        status(&app, &s.access).await,
        200,
        "the changing session stays"
    );

    next_second().await;
    let after = foreign(&json!({"sub": s.user_id, "iat": now(), "exp": now() + 900}));
    assert_eq!(status(&app, &after).await, 200);
    let res = app
        .call(
            Method::DELETE,
            "/api/auth/me",
            &s.access,
            Some(&json!({"password": "another long one"})),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(status(&app, &after).await, 401);
    // The cut-off outlives the account: the same id imported again does not bring its
    // old tokens back.
    let id = uuid::Uuid::parse_str(&s.user_id).expect("uuid");
    app.store
        .import(
            &taskward::store::ImportBatch {
                users: vec![NewUser {
                    id,
                    email: "grace@example.com".into(),
                    email_lower: "grace@example.com".into(),
                    name: "Grace".into(),
                    password_hash: bcrypt::hash(PASSWORD, 4).expect("bcrypt"),
                    created_at: truncate_to_micros(time::OffsetDateTime::now_utc()),
                }],
                tasks: vec![],
            },
            true,
            &|_| {},
        )
        .await
        .expect("re-import");
    assert_eq!(
        status(&app, &after).await,
        401,
        "still ended after a re-import"
    );
    app.stop().await;
}

async fn tokens_without_a_session_may_not_live_longer_than_the_cap(db: TestDb) {
    let mut config = db.config();
    config.sessionless_token_max_ttl = Duration::from_secs(3600);
    let app = TestApp::spawn_with(db, config).await;
    let s = app.signup("lin@example.com", PASSWORD).await;
    let hour = foreign(&json!({"sub": s.user_id, "iat": now(), "exp": now() + 3600}));
    assert_eq!(status(&app, &hour).await, 200);
    let decade =
        foreign(&json!({"sub": s.user_id, "iat": now(), "exp": now() + 10 * 365 * 86_400}));
    let res = app.get_as("/api/auth/me", &decade).await;
    assert_eq!(res.status(), 401, "a ten-year token is refused");
    problem(res, 401).await;
    assert_eq!(
        status(&app, &s.access).await,
        200,
        "our own tokens are not affected"
    );
    app.stop().await;
}

async fn tokens_without_a_session_can_be_refused_altogether(db: TestDb) {
    let mut config = db.config();
    config.sessionless_tokens = false;
    let app = TestApp::spawn_with(db, config).await;
    let s = app.signup("mo@example.com", PASSWORD).await;
    let token = foreign(&json!({"sub": s.user_id, "iat": now(), "exp": now() + 300}));
    let res = app.get_as("/api/auth/me", &token).await;
    assert_eq!(res.status(), 401);
    problem(res, 401).await;
    assert_eq!(status(&app, &s.access).await, 200);
    app.stop().await;
}

/// A sign-in with a bcrypt hash re-hashes the password after verifying it; a password
/// change landing in between must win. With one hashing permit (two cores) the order is
/// deterministic: the change verifies, the sign-in verifies, the change hashes and writes,
/// then the sign-in hashes and (before the fix) wrote the old password back.
async fn a_hash_upgrade_never_overwrites_a_password_changed_meanwhile(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = uuid::Uuid::new_v4();
    app.store
        .user_insert(&NewUser {
            id,
            email: "legacy@example.com".into(),
            email_lower: "legacy@example.com".into(),
            name: "Legacy".into(),
            password_hash: bcrypt::hash("old stack password", 8).expect("bcrypt"),
            created_at: truncate_to_micros(time::OffsetDateTime::now_utc()),
        })
        .await
        .expect("insert");
    // A token of the old stack, so that no sign-in upgrades the hash before the race.
    let token = foreign(&json!({"sub": id, "iat": now(), "exp": now() + 300}));
    let body =
        json!({"current_password": "old stack password", "new_password": "the new password"});
    let change = app.call(Method::POST, "/api/auth/password", &token, Some(&body));
    let sign_in = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        app.post_json(
            "/api/auth/signin",
            &json!({"email": "legacy@example.com", "password": "old stack password"}),
        )
        .await
    };
    let (changed, signed_in) = tokio::join!(change, sign_in);
    assert_eq!(changed.status(), 204);
    assert_eq!(
        signed_in.status(),
        200,
        "the old password was still right then"
    );
    let res = app
        .post_json(
            "/api/auth/signin",
            &json!({"email": "legacy@example.com", "password": "old stack password"}),
        )
        .await;
    problem(res, 401).await;
    app.signin("legacy@example.com", "the new password").await;
    app.stop().await;
}

on_both_databases!(
    signing_out_everywhere_ends_tokens_without_a_session,
    a_password_change_and_deletion_end_tokens_without_a_session,
    tokens_without_a_session_may_not_live_longer_than_the_cap,
    tokens_without_a_session_can_be_refused_altogether,
    a_hash_upgrade_never_overwrites_a_password_changed_meanwhile,
);
