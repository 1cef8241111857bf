//! External issuers against a tiny local JWKS server (no Node needed): key selection by
//! `kid`, bounded refetching, forged tokens, linking, and an unreachable key set.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use taskward::config::Config;
use tokio::sync::Mutex;

use crate::helpers::{TestApp, TestDb, problem};
use crate::on_both_databases;

pub const ISSUER: &str = "https://app.example.test";
pub const AUDIENCE: &str = "https://app.example.test";

/// Two Ed25519 test keys (PKCS#8) and their public `x`.
const KEY_A: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIF5lnnHg2py6N9VIVcjpLit5V/kkpdSt8IKYa39zXUoW\n-----END PRIVATE KEY-----\n";
const KEY_A_X: &str = "5He-xqkjCH8_7rzJZtP-h7vG2U_DdAOxOFM-AxsukKA";
const KEY_B: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIK3U3h6ZQkuEe7K92N45f3NzxqQyzaHjs43qsaBOCqpa\n-----END PRIVATE KEY-----\n";

fn jwk(kid: &str) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "x": KEY_A_X, "kid": kid, "alg": "EdDSA"})
}

/// A JWKS server that counts its requests; the served set can be swapped.
pub struct JwksServer {
    pub url: String,
    pub fetches: Arc<AtomicUsize>,
    pub set: Arc<Mutex<Value>>,
}

impl JwksServer {
    pub async fn start(set: Value) -> Self {
        let fetches = Arc::new(AtomicUsize::new(0));
        let set = Arc::new(Mutex::new(set));
        let state = (fetches.clone(), set.clone());
        let app = axum::Router::new()
            .route(
                "/api/auth/jwks",
                get(
                    |State((n, set)): State<(Arc<AtomicUsize>, Arc<Mutex<Value>>)>| async move {
                        n.fetch_add(1, Ordering::SeqCst);
                        Json(set.lock().await.clone())
                    },
                ),
            )
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}/api/auth/jwks"),
            fetches,
            set,
        }
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

/// The test configuration plus an external issuer.
pub fn external_config(db: &TestDb, jwks_url: &str, configure: impl FnOnce(&mut Config)) -> Config {
    let mut c = db.config();
    c.jwt_jwks_url = Some(url::Url::parse(jwks_url).expect("a JWKS URL"));
    c.jwt_issuer = Some(ISSUER.into());
    c.jwt_audience = Some(AUDIENCE.into());
    configure(&mut c);
    c.check().expect("valid test config");
    c
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Claims as Better Auth writes them.
fn claims(sub: &str, email: &str) -> Value {
    json!({"sub": sub, "id": sub, "email": email, "name": "Ext User", "emailVerified": false,
           "iat": now(), "exp": now() + 900, "iss": ISSUER, "aud": AUDIENCE})
}

fn sign(kid: &str, key_pem: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.to_owned());
    let key = ed_key(key_pem);
    jsonwebtoken::encode(&header, claims, &key).expect("sign")
}

/// The PKCS#8 DER inside a PEM (jsonwebtoken's PEM parsing is a feature we do not need).
fn ed_key(pem: &str) -> EncodingKey {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64");
    EncodingKey::from_ed_der(&der)
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

async fn assert_invalid(app: &TestApp, token: &str, what: &str) {
    let res = app.get_as("/api/tasks", token).await;
    assert_eq!(res.status(), 401, "{what}");
    assert_eq!(
        res.headers()["www-authenticate"],
        r#"Bearer error="invalid_token""#,
        "{what}"
    );
}

async fn an_external_token_reaches_the_task_api_in_both_shapes_and_links_its_user(db: TestDb) {
    let jwks = JwksServer::start(json!({"keys": [jwk("k1")]})).await;
    let config = external_config(&db, &jwks.url, |_| {});
    let app = TestApp::spawn_with(db, config).await;
    let sub = "eOW8tzpWtD63udJLJo7yL1StQK9kfW4Y";
    let token = sign("k1", KEY_A, &claims(sub, "ext@example.test"));

    let created = app
        .call(
            reqwest::Method::POST,
            &format!("/api/{sub}/tasks"),
            &token,
            Some(&json!({"title": "from the frontend"})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let task: Value = created.json().await.expect("json");
    let list: Value = app
        .get_as("/api/tasks", &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list[0]["id"], task["id"]);
    let me: Value = app
        .get_as("/api/auth/me", &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["email"], "ext@example.test");
    assert_eq!(me["name"], "Ext User");
    assert_eq!(me["id"], task["user_id"]);
    // The Taskward id works in the path too; someone else's id does not.
    let own = app
        .get_as(
            &format!("/api/{}/tasks", me["id"].as_str().expect("id")),
            &token,
        )
        .await;
    assert_eq!(own.status(), 200);
    let other = app.get_as("/api/someone-else/tasks", &token).await;
    problem(other, 403).await;
    // A later token of the same subject is the same user, however its email changed.
    let later = sign("k1", KEY_A, &claims(sub, "renamed@example.test"));
    let again: Value = app
        .get_as(&format!("/api/{sub}/tasks"), &later)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again[0]["id"], task["id"]);
    assert_eq!(jwks.fetches(), 1, "the key set is cached");
    // Linked users have no usable password.
    let signin = app
        .post_json(
            "/api/auth/signin",
            &json!({"email": "ext@example.test", "password": "!external"}),
        )
        .await;
    assert_eq!(signin.status(), 401);
}

async fn an_external_token_whose_email_has_a_local_account_is_refused_not_linked(db: TestDb) {
    let jwks = JwksServer::start(json!({"keys": [jwk("k1")]})).await;
    let config = external_config(&db, &jwks.url, |_| {});
    let app = TestApp::spawn_with(db, config).await;
    let local = app.signup("owner@example.test", "local password 1").await;
    let token = sign("k1", KEY_A, &claims("attacker-sub", "Owner@example.test"));
    problem(app.get_as("/api/tasks", &token).await, 403).await;
    let me = app.get_as("/api/auth/me", &local.access).await;
    assert_eq!(me.status(), 200, "the local account is untouched");
}

on_both_databases!(
    an_external_token_reaches_the_task_api_in_both_shapes_and_links_its_user,
    an_external_token_whose_email_has_a_local_account_is_refused_not_linked,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unknown_kids_fetches_the_key_set_at_most_once_a_minute() {
    let jwks = JwksServer::start(json!({"keys": [jwk("k1")]})).await;
    let db = TestDb::sqlite();
    let config = external_config(&db, &jwks.url, |_| {});
    let app = Arc::new(TestApp::spawn_with(db, config).await);
    let good = sign("k1", KEY_A, &claims("flood-user", "flood@example.test"));
    assert_eq!(app.get_as("/api/tasks", &good).await.status(), 200);
    assert_eq!(jwks.fetches(), 1);
    let mut calls = Vec::new();
    for i in 0..40 {
        let app = app.clone();
        let token = sign(
            &format!("unknown-{i}"),
            KEY_A,
            &claims("flood-user", "flood@example.test"),
        );
        calls.push(tokio::spawn(async move {
            app.get_as("/api/tasks", &token).await.status().as_u16()
        }));
    }
    for call in calls {
        assert_eq!(call.await.expect("task"), 401);
    }
    assert_eq!(jwks.fetches(), 1, "no refetch within the interval");
    assert_eq!(app.get_as("/api/tasks", &good).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_kid_is_fetched_once_the_interval_has_passed() {
    let jwks = JwksServer::start(json!({"keys": [jwk("k1")]})).await;
    let db = TestDb::sqlite();
    let config = external_config(&db, &jwks.url, |s| {
        s.jwt_jwks_refetch_interval = Duration::from_millis(300);
    });
    let app = TestApp::spawn_with(db, config).await;
    let first = sign("k1", KEY_A, &claims("rotating", "rot@example.test"));
    assert_eq!(app.get_as("/api/tasks", &first).await.status(), 200);
    *jwks.set.lock().await = json!({"keys": [jwk("k1"), jwk("k2")]});
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let rotated = sign("k2", KEY_A, &claims("rotating", "rot@example.test"));
    assert_eq!(app.get_as("/api/tasks", &rotated).await.status(), 200);
    assert_eq!(jwks.fetches(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_mismatched_external_tokens_are_refused() {
    let jwks = JwksServer::start(json!({"keys": [jwk("k1")]})).await;
    let db = TestDb::sqlite();
    let config = external_config(&db, &jwks.url, |_| {});
    let app = TestApp::spawn_with(db, config).await;
    let good_claims = claims("forged", "forged@example.test");
    let good = sign("k1", KEY_A, &good_claims);
    assert_eq!(app.get_as("/api/tasks", &good).await.status(), 200);

    // Tampered payload.
    let parts: Vec<&str> = good.split('.').collect();
    let mut evil = good_claims.clone();
    evil["sub"] = json!("someone-else");
    assert_invalid(
        &app,
        &format!("{}.{}.{}", parts[0], b64(&evil), parts[2]),
        "tampered",
    )
    .await;
    // Another key under a kid of the set.
    assert_invalid(&app, &sign("k1", KEY_B, &good_claims), "another key").await;
    // alg: none.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "kid": "k1"})),
        b64(&good_claims)
    );
    assert_invalid(&app, &none, "alg none").await;
    // HS256 keyed with the public key (algorithm confusion), raw bytes and the JWK text.
    let x = URL_SAFE_NO_PAD.decode(KEY_A_X).expect("x");
    for secret in [
        x.clone(),
        jwk("k1").to_string().into_bytes(),
        KEY_A_X.as_bytes().to_vec(),
    ] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("k1".into());
        let token = jsonwebtoken::encode(&header, &good_claims, &EncodingKey::from_secret(&secret))
            .expect("sign");
        assert_invalid(&app, &token, "HS256 with the public key").await;
    }
    // The attacker's own key in the `jwk` header, with a kid the set does not have.
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("attacker".into());
    header.jwk = Some(serde_json::from_value(jwk("attacker")).expect("jwk"));
    let embedded = jsonwebtoken::encode(&header, &good_claims, &ed_key(KEY_B)).expect("sign");
    assert_invalid(&app, &embedded, "embedded jwk").await;
    // Wrong issuer, wrong audience, expired, no kid.
    let mut wrong_iss = good_claims.clone();
    wrong_iss["iss"] = json!("https://evil.example.test");
    assert_invalid(&app, &sign("k1", KEY_A, &wrong_iss), "iss").await;
    let mut wrong_aud = good_claims.clone();
    wrong_aud["aud"] = json!("another-service");
    assert_invalid(&app, &sign("k1", KEY_A, &wrong_aud), "aud").await;
    let mut expired = good_claims.clone();
    expired["exp"] = json!(now() - 120);
    assert_invalid(&app, &sign("k1", KEY_A, &expired), "expired").await;
    let no_kid = jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &good_claims, &ed_key(KEY_A))
        .expect("sign");
    assert_invalid(&app, &no_kid, "no kid").await;
    assert_eq!(jwks.fetches(), 1, "forgeries did not cause refetches");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_algorithm_outside_the_allow_list_is_refused() {
    let jwks = JwksServer::start(json!({"keys": [jwk("k1")]})).await;
    let db = TestDb::sqlite();
    let config = external_config(&db, &jwks.url, |s| {
        s.jwt_algorithms = vec![Algorithm::ES256, Algorithm::RS256];
    });
    let app = TestApp::spawn_with(db, config).await;
    let token = sign("k1", KEY_A, &claims("eddsa", "eddsa@example.test"));
    assert_invalid(&app, &token, "EdDSA not allowed").await;
    assert_eq!(jwks.fetches(), 0, "refused before any fetch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_key_set_gives_503_while_our_own_tokens_keep_working() {
    // A port that was free a moment ago: nothing listens there.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let db = TestDb::sqlite();
    let config = external_config(&db, &format!("http://{closed}/api/auth/jwks"), |_| {});
    let app = TestApp::spawn_with(db, config).await;
    let external = sign("k1", KEY_A, &claims("down", "down@example.test"));
    for _ in 0..3 {
        let res = app.get_as("/api/tasks", &external).await;
        assert!(res.headers().contains_key("retry-after"));
        problem(res, 503).await;
    }
    let own = app.signup("own@example.test", "own password 1").await;
    assert_eq!(app.get_as("/api/tasks", &own.access).await.status(), 200);
    // Forged tokens are still 401, never let through for want of keys.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none"})),
        b64(&claims("down", "down@example.test"))
    );
    assert_invalid(&app, &none, "alg none while the set is down").await;
}
