//! Personal access tokens over HTTP (API-2.md section 5), on both databases: a token is
//! made with a name, scopes and an expiry, shown once (`tw_pat_...`), stored as its
//! SHA-256 only, listed without it, revoked at once (someone else's is `404`); at most 50
//! per user; bad input is `422` with one error per field and changes nothing; the
//! routes take a session's access token, never a personal access token. What a token
//! grants is asked of the service the CalDAV face uses (`AccessTokens`), over the same
//! database the server writes.

use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use taskward::auth::AccessTokens;
use taskward::auth::pat::Scope;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::helpers::{Session, TestApp, TestDb, error_fields, problem};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

/// Makes a token (`201`, with its `Location` and `no-store`) and answers it.
pub async fn make(app: &TestApp, s: &Session, body: Value) -> Value {
    let res = app
        .call(Method::POST, "/api/auth/tokens", &s.access, Some(&body))
        .await;
    assert_eq!(res.status(), 201, "POST /api/auth/tokens {body}");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let location = res.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let token: Value = res.json().await.expect("json");
    assert_eq!(
        location,
        format!("/api/auth/tokens/{}", token["id"].as_str().expect("id"))
    );
    token
}

fn instant(v: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(v.as_str().expect("a date-time"), &Rfc3339).expect("RFC 3339")
}

/// Every `token_hash` in the table, read with SQL of the test's own.
async fn stored_hashes(db: &TestDb) -> Vec<Vec<u8>> {
    let sql = "SELECT token_hash FROM access_tokens ORDER BY created_at";
    if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
        let rows: Vec<(Vec<u8>,)> = sqlx::query_as(sql).fetch_all(&pool).await.expect("rows");
        pool.close().await;
        rows.into_iter().map(|r| r.0).collect()
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        let rows: Vec<(Vec<u8>,)> = sqlx::query_as(sql).fetch_all(&pool).await.expect("rows");
        pool.close().await;
        rows.into_iter().map(|r| r.0).collect()
    }
}

async fn tokens_are_made_shown_once_listed_and_revoked(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("Ada@Example.com", PASSWORD).await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let made = make(
        &app,
        &ada,
        json!({"name": "  Thunderbird  ", "scopes": ["tasks:write", "tasks:read"], "expires_in_days": 90}),
    )
    .await;
    let secret = made["token"].as_str().expect("token").to_owned();
    assert!(secret.starts_with("tw_pat_"), "{secret}");
    assert_eq!(secret.len(), "tw_pat_".len() + 43, "256 bits: {secret}");
    assert_eq!(made["name"], "Thunderbird");
    assert_eq!(made["scopes"], json!(["tasks:read", "tasks:write"]));
    assert_eq!(made["last_used_at"], Value::Null);
    let created = instant(&made["created_at"]);
    assert_eq!(
        instant(&made["expires_at"]) - created,
        time::Duration::days(90)
    );

    // Stored as its SHA-256 only.
    let hashes = stored_hashes(&app.db).await;
    assert_eq!(hashes, [Sha256::digest(secret.as_bytes()).to_vec()]);

    // Listed without the secret, and only to its owner.
    let listed = app.ok(&ada, Method::GET, "/api/auth/tokens", None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], made["id"]);
    assert!(listed[0].get("token").is_none());
    assert!(!listed.to_string().contains(&secret));
    assert_eq!(
        app.ok(&bob, Method::GET, "/api/auth/tokens", None).await,
        json!([])
    );
    assert_eq!(app.get("/api/auth/tokens").await.status(), 401);

    // What it grants, as CalDAV asks: the owner's email in any case, never another's,
    // and never the password in its place.
    let tokens = AccessTokens::new(app.store.clone());
    let grant = tokens
        .authenticate(&secret)
        .await
        .expect("read")
        .expect("a live token");
    assert_eq!(grant.user_id.to_string(), ada.user_id);
    assert_eq!(grant.token_id.to_string(), made["id"].as_str().expect("id"));
    assert!(grant.allows(Scope::TasksRead) && grant.allows(Scope::TasksWrite));
    for email in ["ada@example.com", "ADA@EXAMPLE.COM", " Ada@Example.com "] {
        let got = tokens
            .authenticate_basic(email, &secret)
            .await
            .expect("read");
        assert_eq!(got.as_ref(), Some(&grant), "{email}");
    }
    for (email, password) in [
        ("bob@example.com", secret.as_str()),
        ("ada@example.co", secret.as_str()),
        ("ada@example.com", PASSWORD),
        ("ada@example.com", &secret[..secret.len() - 1]),
        ("ada@example.com", ada.access.as_str()),
    ] {
        let got = tokens
            .authenticate_basic(email, password)
            .await
            .expect("read");
        assert_eq!(got, None, "{email} {password}");
    }
    assert_eq!(tokens.authenticate(PASSWORD).await.expect("read"), None);

    // Its use is shown, to the minute.
    let listed = app.ok(&ada, Method::GET, "/api/auth/tokens", None).await;
    let used = instant(&listed[0]["last_used_at"]);
    assert!(used >= created, "{listed}");

    // A token is not a session: it does not manage tokens (or the account).
    assert_eq!(app.get_as("/api/auth/tokens", &secret).await.status(), 401);
    assert_eq!(app.get_as("/api/auth/me", &secret).await.status(), 401);

    // Revoked: someone else's is 404; the owner's is refused at once.
    let path = format!("/api/auth/tokens/{}", made["id"].as_str().expect("id"));
    problem(
        app.call(Method::DELETE, &path, &bob.access, None).await,
        404,
    )
    .await;
    problem(
        app.call(
            Method::DELETE,
            "/api/auth/tokens/nonsense",
            &ada.access,
            None,
        )
        .await,
        404,
    )
    .await;
    assert!(tokens.authenticate(&secret).await.expect("read").is_some());
    let res = app.call(Method::DELETE, &path, &ada.access, None).await;
    assert_eq!(res.status(), 204);
    assert_eq!(tokens.authenticate(&secret).await.expect("read"), None);
    assert_eq!(
        tokens
            .authenticate_basic("ada@example.com", &secret)
            .await
            .expect("read"),
        None
    );
    problem(
        app.call(Method::DELETE, &path, &ada.access, None).await,
        404,
    )
    .await;
    assert_eq!(
        app.ok(&ada, Method::GET, "/api/auth/tokens", None).await,
        json!([])
    );

    // No expiry: absent or null.
    for body in [
        json!({"name": "cron", "scopes": ["tasks:read"]}),
        json!({"name": "cron", "scopes": ["tasks:read"], "expires_in_days": null}),
    ] {
        let made = make(&app, &ada, body).await;
        assert_eq!(made["expires_at"], Value::Null);
        assert_eq!(made["scopes"], json!(["tasks:read"]));
        let grant = tokens
            .authenticate(made["token"].as_str().expect("token"))
            .await
            .expect("read")
            .expect("live");
        assert!(grant.allows(Scope::TasksRead) && !grant.allows(Scope::TasksWrite));
    }
}

async fn bad_input_is_refused_per_field_and_changes_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let long = "x".repeat(101);
    for (body, fields) in [
        (json!({}), vec!["name", "scopes"]),
        (
            json!({"name": null, "scopes": null}),
            vec!["name", "scopes"],
        ),
        (json!({"name": " ", "scopes": []}), vec!["name", "scopes"]),
        (
            json!({"name": long, "scopes": ["tasks:read"]}),
            vec!["name"],
        ),
        (json!({"name": 7, "scopes": ["tasks:read"]}), vec!["name"]),
        (
            json!({"name": "a", "scopes": ["tasks:read", "admin"]}),
            vec!["scopes[1]"],
        ),
        (json!({"name": "a", "scopes": "tasks:read"}), vec!["scopes"]),
        (
            json!({"name": "a", "scopes": ["tasks:read"], "expires_in_days": 0}),
            vec!["expires_in_days"],
        ),
        (
            json!({"name": "a", "scopes": ["tasks:read"], "expires_in_days": 3651}),
            vec!["expires_in_days"],
        ),
        (
            json!({"name": "a", "scopes": ["tasks:read"], "expires_in_days": -5}),
            vec!["expires_in_days"],
        ),
        (
            json!({"name": "a", "scopes": ["tasks:read"], "expires_in_days": "30"}),
            vec!["expires_in_days"],
        ),
        (
            json!({"name": "a", "scopes": ["tasks:read"], "expires_in_days": 1.5}),
            vec!["expires_in_days"],
        ),
    ] {
        let res = app
            .call(Method::POST, "/api/auth/tokens", &ada.access, Some(&body))
            .await;
        let p = problem(res, 422).await;
        assert_eq!(error_fields(&p), fields, "{body}: {p}");
        if fields == ["scopes[1]"] {
            assert_eq!(
                p["errors"][0]["message"], "must be `tasks:read` or `tasks:write`",
                "{p}"
            );
        }
    }
    let res = app
        .call(
            Method::POST,
            "/api/auth/tokens",
            &ada.access,
            Some(&json!({"name": "a", "scopes": []})),
        )
        .await;
    let p = problem(res, 422).await;
    assert_eq!(p["errors"][0]["message"], "must name at least one scope");
    assert!(stored_hashes(&app.db).await.is_empty());
    assert_eq!(
        app.ok(&ada, Method::GET, "/api/auth/tokens", None).await,
        json!([])
    );
}

async fn a_user_has_at_most_fifty_tokens(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let body = json!({"name": "script", "scopes": ["tasks:read"]});
    let mut first = Value::Null;
    for i in 0..50 {
        let made = make(&app, &ada, body.clone()).await;
        if i == 0 {
            first = made;
        }
    }
    let res = app
        .call(Method::POST, "/api/auth/tokens", &ada.access, Some(&body))
        .await;
    let p = problem(res, 422).await;
    assert_eq!(error_fields(&p), ["name"]);
    let message = p["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("50 access tokens already"), "{message}");
    assert_eq!(stored_hashes(&app.db).await.len(), 50);

    // Someone else is not limited by Ada's; revoking one makes room.
    make(&app, &bob, body.clone()).await;
    let path = format!("/api/auth/tokens/{}", first["id"].as_str().expect("id"));
    assert_eq!(
        app.call(Method::DELETE, &path, &ada.access, None)
            .await
            .status(),
        204
    );
    make(&app, &ada, body).await;
}

on_both_databases!(
    tokens_are_made_shown_once_listed_and_revoked,
    bad_input_is_refused_per_field_and_changes_nothing,
    a_user_has_at_most_fifty_tokens,
);
