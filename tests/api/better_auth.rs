//! Against a real Better Auth server (the npm package, with its JWT plugin): its tokens on
//! the task API, key rotation by restart, forgeries, its password hashes, and
//! `taskward import --from-better-auth`.

use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sqlx::Connection as _;
use taskward::auth::scrypt::BetterAuthHash;

use crate::external::external_config;
use crate::helpers::{TestApp, TestDb};
use crate::peer::{BetterAuth, free_port, peer_dir};

/// Taskward on SQLite trusting `ba` (its base URL is its `iss` and `aud`).
async fn taskward_for(
    ba: &BetterAuth,
    configure: impl FnOnce(&mut taskward::config::Config),
) -> TestApp {
    let db = TestDb::sqlite();
    let base = ba.base();
    let config = external_config(&db, &ba.jwks_url(), |s| {
        s.jwt_issuer = Some(base.clone());
        s.jwt_audience = Some(base);
        s.jwt_jwks_refetch_interval = std::time::Duration::from_millis(200);
        configure(s);
    });
    TestApp::spawn_with(db, config).await
}

fn jwt(minted: &Value) -> &str {
    minted["jwt"].as_str().expect("jwt")
}

async fn status(app: &TestApp, path: &str, token: &str) -> u16 {
    app.get_as(path, token).await.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn better_auth_tokens_of_each_algorithm_reach_the_task_api_in_both_route_shapes() {
    let Some(dir) = peer_dir() else { return };
    for alg in ["EdDSA", "ES256", "RS256"] {
        let ba = BetterAuth::start(&dir, free_port(), &[("JWT_ALG", alg)]).await;
        let app = taskward_for(&ba, |_| {}).await;
        let minted = ba.mint().await;
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(jwt(&minted).split('.').next().expect("header"))
                .expect("b64"),
        )
        .expect("json");
        assert_eq!(header["alg"], alg);
        let sub = minted["user_id"].as_str().expect("user_id");
        let created = app
            .call(
                reqwest::Method::POST,
                &format!("/api/{sub}/tasks"),
                jwt(&minted),
                Some(&json!({"title": format!("made with {alg}")})),
            )
            .await;
        assert_eq!(created.status(), 201, "{alg}");
        let list: Value = app
            .get_as("/api/tasks", jwt(&minted))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(list[0]["title"], format!("made with {alg}"));
        let me: Value = app
            .get_as("/api/auth/me", jwt(&minted))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(me["email"], minted["email"], "{alg}: the user is linked");
        let linked = app
            .store
            .user_by_external_identity(&ba.base(), sub)
            .await
            .expect("q")
            .expect("linked");
        assert_eq!(linked.id.to_string(), me["id"].as_str().expect("id"));
        assert_eq!(status(&app, "/api/not-me/tasks", jwt(&minted)).await, 403);
        ba.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_better_auth_with_a_new_key_is_picked_up() {
    let Some(dir) = peer_dir() else { return };
    let port = free_port();
    let ba = BetterAuth::start(&dir, port, &[]).await;
    let app = taskward_for(&ba, |_| {}).await;
    let before = ba.mint().await;
    assert_eq!(status(&app, "/api/tasks", jwt(&before)).await, 200);
    let old_kid = ba.tables().await["jwks"][0]["id"].clone();
    ba.stop();
    // The memory adapter forgets its keys: a restart signs with a new kid.
    let ba = BetterAuth::start(&dir, port, &[]).await;
    let after = ba.mint().await;
    assert_ne!(ba.tables().await["jwks"][0]["id"], old_kid);
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    assert_eq!(status(&app, "/api/tasks", jwt(&after)).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_mismatched_better_auth_tokens_are_refused() {
    let Some(dir) = peer_dir() else { return };
    let ba = BetterAuth::start(&dir, free_port(), &[]).await;
    let other = BetterAuth::start(&dir, free_port(), &[]).await;
    let expired_issuer = BetterAuth::start(&dir, free_port(), &[("JWT_EXPIRATION", "-5m")]).await;
    let app = taskward_for(&ba, |_| {}).await;
    let minted = ba.mint().await;
    let token = jwt(&minted);
    assert_eq!(status(&app, "/api/tasks", token).await, 200);
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");

    let refused = |what: &'static str| move |code: u16| assert_eq!(code, 401, "{what}");
    // Tampered payload.
    claims["sub"] = json!("someone-else");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    refused("tampered")(status(&app, "/api/tasks", &tampered).await);
    claims["sub"] = minted["user_id"].clone();
    // A token from another Better Auth (another key set, and another iss).
    let foreign = other.mint().await;
    refused("another key set")(status(&app, "/api/tasks", jwt(&foreign)).await);
    // alg: none with the real kid.
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).expect("b64")).expect("json");
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": header["kid"]}).to_string()),
        parts[1]
    );
    refused("alg none")(status(&app, "/api/tasks", &none).await);
    // HS256 keyed with the real public key: its JWK text, the JWKS document, and `x`.
    let jwks_text = reqwest::get(ba.jwks_url())
        .await
        .expect("jwks")
        .text()
        .await
        .expect("text");
    let jwks: Value = serde_json::from_str(&jwks_text).expect("json");
    let key = &jwks["keys"][0];
    let x = URL_SAFE_NO_PAD
        .decode(key["x"].as_str().expect("x"))
        .expect("b64");
    for secret in [key.to_string().into_bytes(), jwks_text.into_bytes(), x] {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = header["kid"].as_str().map(str::to_owned);
        let confused =
            jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(&secret)).expect("sign");
        refused("HS256 with the public key")(status(&app, "/api/tasks", &confused).await);
    }
    // Wrong audience, wrong issuer: the same real token against other expectations.
    let wrong_aud = taskward_for(&ba, |s| s.jwt_audience = Some("taskward-api".into())).await;
    refused("aud")(status(&wrong_aud, "/api/tasks", token).await);
    let wrong_iss = taskward_for(&ba, |s| s.jwt_issuer = Some("https://issuer.test".into())).await;
    refused("iss")(status(&wrong_iss, "/api/tasks", token).await);
    // Expired (exp five minutes ago, beyond the 60 s leeway).
    let expired_app = taskward_for(&expired_issuer, |_| {}).await;
    let expired = expired_issuer.mint().await;
    refused("expired")(status(&expired_app, "/api/tasks", jwt(&expired)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scrypt_verifier_accepts_hashes_written_by_better_auth() {
    let Some(dir) = peer_dir() else { return };
    // "ﬁ" (U+FB01) becomes "fi" under NFKC: the password is normalised before hashing.
    for password in [
        "correct horse battery staple",
        "caﬁ\u{301} ünïcödé pässwörd",
    ] {
        let out = Command::new("node")
            .args(["hash-check.mjs", password])
            .current_dir(&dir)
            .output()
            .expect("node runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        let stored = report["stored"].as_str().expect("stored");
        let hash = BetterAuthHash::parse(stored).expect("a Better Auth hash");
        assert!(hash.verify(password), "{password}");
        assert!(!hash.verify(&format!("{password}x")));
    }
    let nfkc = Command::new("node")
        .args(["hash-check.mjs", "oﬃce ﬁle"])
        .current_dir(&dir)
        .output()
        .expect("node runs");
    let report: Value = serde_json::from_slice(&nfkc.stdout).expect("json");
    let hash = BetterAuthHash::parse(report["stored"].as_str().expect("stored")).expect("hash");
    assert!(hash.verify("office file"), "NFKC-equal passwords match");
}

const BA_SCHEMA: &str = r#"
create table "user" ("id" text not null primary key, "name" text not null, "email" text not null unique,
  "emailVerified" integer not null, "image" text, "createdAt" date not null, "updatedAt" date not null);
create table "account" ("id" text not null primary key, "accountId" text not null, "providerId" text not null,
  "userId" text not null references "user" ("id") on delete cascade, "accessToken" text, "refreshToken" text,
  "idToken" text, "accessTokenExpiresAt" date, "refreshTokenExpiresAt" date, "scope" text, "password" text,
  "createdAt" date not null, "updatedAt" date not null);
"#;

fn import(source: &str, db: &TestDb, issuer: &str, dry_run: bool) -> String {
    let mut args = vec!["import", "--from-better-auth", source];
    if dry_run {
        args.push("--dry-run");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_taskward"))
        .args(&args)
        .env("DATABASE_URL", &db.url)
        .env("JWT_ISSUER", issuer)
        .env_remove("JWT_SECRET")
        .env_remove("BETTER_AUTH_SECRET")
        .env_remove("JWT_AUDIENCE")
        .env_remove("JWT_JWKS_URL")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn better_auth_users_are_imported_with_their_passwords_and_keep_their_tokens() {
    let Some(dir) = peer_dir() else { return };
    let ba = BetterAuth::start(&dir, free_port(), &[]).await;
    let minted = ba.mint().await;
    let tables = ba.tables().await;
    let sub = minted["user_id"].as_str().expect("user_id");
    let user = tables["user"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["id"] == sub)
        .expect("the minted user");
    let account = tables["account"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["userId"] == sub && a["providerId"] == "credential")
        .expect("its credential account");

    // A Better Auth SQLite database in its default schema, holding the real user and rows
    // that exercise the other paths.
    let source_dir = tempfile::tempdir().expect("dir");
    let source = format!(
        "sqlite://{}/better-auth.db?mode=rwc",
        source_dir.path().display()
    );
    let mut conn = sqlx::SqliteConnection::connect(&source)
        .await
        .expect("open");
    sqlx::raw_sql(BA_SCHEMA)
        .execute(&mut conn)
        .await
        .expect("schema");
    let rows = [
        (
            sub,
            user["name"].as_str().unwrap_or("BA"),
            user["email"].as_str().expect("email"),
            user["createdAt"].as_str().expect("createdAt"),
        ),
        (
            "socialOnly0000000000000000000001",
            "Social",
            "social@example.test",
            "2026-01-02T03:04:05.000Z",
        ),
        (
            "badEmail000000000000000000000001",
            "Bad",
            "not-an-email",
            "2026-01-02T03:04:05.000Z",
        ),
        (
            "takenEmail0000000000000000000001",
            "Taken",
            "local@example.test",
            "2026-01-02T03:04:05.000Z",
        ),
    ];
    for (id, name, email, created) in rows {
        sqlx::query(r#"insert into "user" values (?1, ?2, ?3, 0, null, ?4, ?4)"#)
            .bind(id)
            .bind(name)
            .bind(email)
            .bind(created)
            .execute(&mut conn)
            .await
            .expect("user row");
    }
    sqlx::query(
        r#"insert into "account" ("id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt")
           values ('acc1', ?1, 'credential', ?1, ?2, '2026-01-01', '2026-01-01'),
                  ('acc2', 'gh-1', 'github', 'socialOnly0000000000000000000001', null, '2026-01-01', '2026-01-01')"#,
    )
    .bind(sub)
    .bind(account["password"].as_str().expect("password"))
    .execute(&mut conn)
    .await
    .expect("account rows");
    conn.close().await.expect("close");

    // Taskward already has a local account with one of the emails.
    let db = TestDb::sqlite();
    let app = TestApp::spawn(db).await;
    app.signup("local@example.test", "local password 1").await;
    let db = app.stop().await;

    let issuer = ba.base();
    let dry = import(&source, &db, &issuer, true);
    assert!(dry.contains("4 Better Auth users found: would import 2 (1 with their password, 0 with their time zone), 0 already imported, 2 skipped"), "{dry}");
    assert!(dry.contains("dry run: nothing was written"), "{dry}");
    let first = import(&source, &db, &issuer, false);
    assert!(
        first.contains("imported 2 (1 with their password, 0 with their time zone), 0 already imported, 2 skipped"),
        "{first}"
    );
    assert!(
        first.contains("skipped badEmail000000000000000000000001: the email"),
        "{first}"
    );
    assert!(first.contains("skipped takenEmail0000000000000000000001: a Taskward account with the email local@example.test already exists"), "{first}");
    let second = import(&source, &db, &issuer, false);
    assert!(
        second.contains("imported 0 (0 with their password, 0 with their time zone), 2 already imported, 2 skipped"),
        "{second}"
    );

    // The Better Auth password signs in, and is re-hashed with argon2id on the way.
    let config = external_config(&db, &ba.jwks_url(), |s| {
        s.jwt_issuer = Some(issuer.clone());
        s.jwt_audience = Some(issuer.clone());
    });
    let app = TestApp::spawn_with(db, config).await;
    let email = minted["email"].as_str().expect("email");
    let password = minted["password"].as_str().expect("password");
    let session = app.signin(email, password).await;
    let stored = app
        .store
        .user_by_email(&email.to_lowercase())
        .await
        .expect("q")
        .expect("user");
    assert!(
        stored.password_hash.starts_with("$argon2id$"),
        "{}",
        stored.password_hash
    );
    app.signin(email, password).await;
    // Its Better Auth token speaks for the same, imported user.
    let me: Value = app
        .get_as(&format!("/api/{sub}/tasks"), jwt(&minted))
        .await
        .json()
        .await
        .expect("json");
    assert!(me.is_array());
    let me: Value = app
        .get_as("/api/auth/me", jwt(&minted))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["id"].as_str(), Some(session.user_id.as_str()));
}
