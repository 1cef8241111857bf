//! Token hardening: the attack list, foreign tokens with the shared secret, bcrypt
//! upgrades, rate limits, the generated secret, and several nodes on one database.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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

fn sign(alg: Algorithm, claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"))
}

async fn refused(app: &TestApp, token: &str, why: &str) {
    let res = app.get_as("/api/auth/me", token).await;
    assert_eq!(res.status(), 401, "{why} was accepted");
    assert_eq!(
        res.headers()["www-authenticate"],
        r#"Bearer error="invalid_token""#,
        "{why}"
    );
    problem(res, 401).await;
}

async fn forged_and_tampered_tokens_are_all_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let good = json!({"sub": s.user_id, "exp": now() + 300, "iat": now()});
    assert_eq!(
        app.get_as("/api/auth/me", &sign(Algorithm::HS256, &good, TEST_SECRET))
            .await
            .status(),
        200
    );

    // alg: none, with and without a trailing dot.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&good)
    );
    refused(&app, &none, "alg none").await;
    refused(
        &app,
        none.trim_end_matches('.'),
        "alg none without signature",
    )
    .await;
    // Other algorithms, even with the right secret.
    refused(&app, &sign(Algorithm::HS512, &good, TEST_SECRET), "HS512").await;
    refused(&app, &sign(Algorithm::HS384, &good, TEST_SECRET), "HS384").await;
    let parts: Vec<&str> = s.access.split('.').collect();
    let rs256 = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "RS256", "typ": "JWT"})),
        parts[1],
        parts[2]
    );
    refused(&app, &rs256, "RS256 header").await;
    // Payload changed after signing.
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
    payload["sub"] = json!(uuid::Uuid::now_v7().to_string());
    refused(
        &app,
        &format!("{}.{}.{}", parts[0], b64(&payload), parts[2]),
        "tampered payload",
    )
    .await;
    // Signed with another secret.
    refused(
        &app,
        &sign(Algorithm::HS256, &good, &"x".repeat(48)),
        "wrong secret",
    )
    .await;
    // Expired beyond the 60 s leeway; not yet valid beyond it.
    let expired = json!({"sub": s.user_id, "exp": now() - 120});
    refused(
        &app,
        &sign(Algorithm::HS256, &expired, TEST_SECRET),
        "expired",
    )
    .await;
    let early = json!({"sub": s.user_id, "exp": now() + 600, "nbf": now() + 300});
    refused(
        &app,
        &sign(Algorithm::HS256, &early, TEST_SECRET),
        "nbf in the future",
    )
    .await;
    // Missing required claims.
    refused(
        &app,
        &sign(Algorithm::HS256, &json!({"sub": s.user_id}), TEST_SECRET),
        "no exp",
    )
    .await;
    refused(
        &app,
        &sign(Algorithm::HS256, &json!({"exp": now() + 300}), TEST_SECRET),
        "no sub",
    )
    .await;
    // A valid signature over a subject that is no user, or not a UUID.
    let ghost = json!({"sub": uuid::Uuid::now_v7().to_string(), "exp": now() + 300});
    refused(
        &app,
        &sign(Algorithm::HS256, &ghost, TEST_SECRET),
        "unknown sub",
    )
    .await;
    let odd = json!({"sub": "admin", "exp": now() + 300});
    refused(
        &app,
        &sign(Algorithm::HS256, &odd, TEST_SECRET),
        "non-UUID sub",
    )
    .await;
    let bad_sid =
        json!({"sub": s.user_id, "exp": now() + 300, "sid": uuid::Uuid::now_v7().to_string()});
    refused(
        &app,
        &sign(Algorithm::HS256, &bad_sid, TEST_SECRET),
        "unknown sid",
    )
    .await;
    // Over 8 KiB, validly signed.
    let big = json!({"sub": s.user_id, "exp": now() + 300, "pad": "p".repeat(9000)});
    refused(
        &app,
        &sign(Algorithm::HS256, &big, TEST_SECRET),
        "oversized",
    )
    .await;
    // Header fields that would make a naive verifier fetch a key.
    let mut header = Header::new(Algorithm::HS256);
    header.jku = Some("http://127.0.0.1:9/jwks.json".into());
    header.kid = Some("../../etc/passwd".into());
    let jku = jsonwebtoken::encode(
        &header,
        &ghost,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .expect("sign");
    refused(&app, &jku, "jku header with unknown sub").await;
    app.stop().await;
}

async fn a_pyjwt_style_token_with_the_shared_secret_is_accepted(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    // What the FastAPI backend's PyJWT code mints: sub, exp, iat, no session.
    let foreign = sign(
        Algorithm::HS256,
        &json!({"sub": s.user_id, "email": "ada@example.com", "iat": now(), "exp": now() + 900}),
        TEST_SECRET,
    );
    let res = app.get_as("/api/auth/me", &foreign).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.expect("json");
    assert_eq!(me["id"], s.user_id.as_str());
    // Signing out with it is harmless: it has no session to end.
    let res = app
        .call(Method::POST, "/api/auth/signout", &foreign, None)
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.get_as("/api/auth/me", &s.access).await.status(), 200);
    app.stop().await;
}

async fn a_bcrypt_hash_signs_in_and_is_then_stored_as_argon2id(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let id = uuid::Uuid::new_v4();
    let hash = bcrypt::hash("old stack password", 4).expect("bcrypt");
    app.store
        .user_insert(&NewUser {
            id,
            email: "legacy@example.com".into(),
            email_lower: "legacy@example.com".into(),
            name: "Legacy".into(),
            password_hash: hash.replacen("$2b$", "$2a$", 1),
            created_at: truncate_to_micros(time::OffsetDateTime::now_utc()),
        })
        .await
        .expect("insert");
    let res = app
        .post_json(
            "/api/auth/signin",
            &json!({"email": "legacy@example.com", "password": "wrong password"}),
        )
        .await;
    problem(res, 401).await;
    let stored = app.store.user_by_id(id).await.expect("q").expect("user");
    assert!(
        stored.password_hash.starts_with("$2a$"),
        "a failure upgrades nothing"
    );

    let s = app.signin("legacy@example.com", "old stack password").await;
    assert_eq!(s.user_id, id.to_string(), "imported ids are kept");
    let stored = app.store.user_by_id(id).await.expect("q").expect("user");
    assert!(
        stored.password_hash.starts_with("$argon2id$"),
        "{}",
        stored.password_hash
    );
    app.signin("legacy@example.com", "old stack password").await;
    app.stop().await;
}

async fn failed_sign_ins_per_email_are_limited_with_retry_after(db: TestDb) {
    let mut config = db.config();
    config.rate_limit = true;
    config.rate_limit_per_email = taskward::config::RateRule {
        max: 3,
        window: std::time::Duration::from_secs(900),
    };
    let app = TestApp::spawn_with(db, config).await;
    app.signup("ada@example.com", PASSWORD).await;
    let wrong = json!({"email": "ada@example.com", "password": "wrong password"});
    for _ in 0..3 {
        problem(app.post_json("/api/auth/signin", &wrong).await, 401).await;
    }
    let res = app.post_json("/api/auth/signin", &wrong).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry > 0 && retry <= 900, "{retry}");
    problem(res, 429).await;
    // Even the right password waits now; another account does not.
    let right = json!({"email": "ADA@example.com", "password": PASSWORD});
    problem(app.post_json("/api/auth/signin", &right).await, 429).await;
    app.signup("bob@example.com", PASSWORD).await;
    app.signin("bob@example.com", PASSWORD).await;
    app.stop().await;
}

async fn attempts_per_ip_are_limited_and_a_forged_forwarded_for_does_not_escape(db: TestDb) {
    let mut config = db.config();
    config.rate_limit = true;
    config.rate_limit_per_ip = taskward::config::RateRule {
        max: 4,
        window: std::time::Duration::from_secs(60),
    };
    let app = TestApp::spawn_with(db, config).await;
    let body = json!({"email": "nobody@example.com", "password": "whatever it is"});
    let mut statuses = Vec::new();
    for i in 0..6 {
        let res = app
            .client
            .post(app.url("/api/auth/signin"))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .json(&body)
            .send()
            .await
            .expect("request");
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 429, 429]);
    app.stop().await;
}

async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(db: TestDb) {
    let mut config = db.config();
    config.rate_limit = true;
    config.rate_limit_per_ip = taskward::config::RateRule {
        max: 2,
        window: std::time::Duration::from_secs(60),
    };
    config.trusted_proxies = vec!["127.0.0.0/8".parse().expect("net")];
    let app = TestApp::spawn_with(db, config).await;
    let body = json!({"email": "nobody@example.com", "password": "whatever it is"});
    let attempt = |client_ip: &'static str| {
        app.client
            .post(app.url("/api/auth/signin"))
            .header("x-forwarded-for", client_ip)
            .json(&body)
            .send()
    };
    for _ in 0..2 {
        assert_eq!(attempt("203.0.113.1").await.expect("req").status(), 401);
    }
    assert_eq!(attempt("203.0.113.1").await.expect("req").status(), 429);
    assert_eq!(attempt("203.0.113.2").await.expect("req").status(), 401);
    app.stop().await;
}

async fn issuer_and_audience_are_written_and_required_when_configured(db: TestDb) {
    let mut config = db.config();
    config.jwt_issuer = Some("https://todo.example.com".into());
    config.jwt_audience = Some("taskward-api".into());
    let app = TestApp::spawn_with(db, config).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let parts: Vec<&str> = s.access.split('.').collect();
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
    assert_eq!(claims["iss"], "https://todo.example.com");
    assert_eq!(claims["aud"], "taskward-api");
    assert_eq!(claims["sub"], s.user_id.as_str());
    for claim in ["iat", "exp", "jti", "sid", "email"] {
        assert!(!claims[claim].is_null(), "{claim} missing: {claims}");
    }
    assert_eq!(
        claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat"),
        900
    );
    let wrong_aud = json!({"sub": s.user_id, "exp": now() + 300, "iss": "https://todo.example.com", "aud": "other"});
    refused(
        &app,
        &sign(Algorithm::HS256, &wrong_aud, TEST_SECRET),
        "wrong aud",
    )
    .await;
    let wrong_iss = json!({"sub": s.user_id, "exp": now() + 300, "iss": "https://evil.example", "aud": "taskward-api"});
    refused(
        &app,
        &sign(Algorithm::HS256, &wrong_iss, TEST_SECRET),
        "wrong iss",
    )
    .await;
    let no_aud = json!({"sub": s.user_id, "exp": now() + 300, "iss": "https://todo.example.com"});
    refused(
        &app,
        &sign(Algorithm::HS256, &no_aud, TEST_SECRET),
        "missing aud",
    )
    .await;
    app.stop().await;
}

on_both_databases!(
    forged_and_tampered_tokens_are_all_refused,
    a_pyjwt_style_token_with_the_shared_secret_is_accepted,
    a_bcrypt_hash_signs_in_and_is_then_stored_as_argon2id,
    failed_sign_ins_per_email_are_limited_with_retry_after,
    attempts_per_ip_are_limited_and_a_forged_forwarded_for_does_not_escape,
    behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit,
    issuer_and_audience_are_written_and_required_when_configured,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_secret_is_kept_next_to_the_sqlite_file_and_survives_restarts() {
    let db = TestDb::sqlite();
    let mut config = db.config();
    config.jwt_secret = None;
    let secret_file = format!("{}.secret", db.url.trim_start_matches("sqlite://"));
    let app = TestApp::spawn_with(db, config.clone()).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let db = app.stop().await;
    let meta = std::fs::metadata(&secret_file).expect("the secret file exists");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    let secret = std::fs::read_to_string(&secret_file).expect("read");
    assert!(secret.trim().len() >= 32);
    assert_ne!(secret.trim(), TEST_SECRET);
    // A restart reads the same secret: the old access token still verifies.
    let app = TestApp::spawn_with(db, config).await;
    assert_eq!(app.get_as("/api/auth/me", &s.access).await.status(), 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres_honour_each_others_sign_outs_at_once() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let second = db.second_node();
    let a = TestApp::spawn(db).await;
    let b = TestApp::spawn(second).await;
    let s = a.signup("ada@example.com", PASSWORD).await;
    let other = b.signin("ada@example.com", PASSWORD).await;
    assert_eq!(b.get_as("/api/auth/me", &s.access).await.status(), 200);
    assert_eq!(
        a.call(Method::POST, "/api/auth/signout", &s.access, None)
            .await
            .status(),
        204
    );
    problem(b.get_as("/api/auth/me", &s.access).await, 401).await;
    // A password change on B ends A's view of the other session too.
    let res = b
        .call(
            Method::POST,
            "/api/auth/password",
            &other.access,
            Some(&json!({"current_password": PASSWORD, "new_password": "changed on node b"})),
        )
        .await;
    assert_eq!(res.status(), 204);
    let third = a.signin("ada@example.com", "changed on node b").await;
    assert_eq!(b.get_as("/api/auth/me", &third.access).await.status(), 200);
    a.stop().await;
    b.stop().await;
}
