//! `import --from-better-auth` from a Better Auth database on each back end (the source is
//! the database under test), with the hash strings Better Auth 1.7.25 wrote (from the
//! peer's README; no Node needed), and an app's own `timezone` field on its users.

use serde_json::json;
use sqlx::Connection as _;
use taskward::import::better_auth::import_better_auth;

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;

const ISSUER: &str = "https://app.example.test";
const HASH: &str = "1530e6fb97b68137d8de7515497c54e1:d5b620b617ec52e3d2ca856f4f0db878f935cc571eb4dbaedfed73eab29a751e3906ce17ddc220d1e52587c44b68ffa0472a39a943e9338e81475a33c689c83e";

const PG_SCHEMA: &str = r#"
create table "user" ("id" text not null primary key, "name" text not null, "email" text not null unique,
  "emailVerified" boolean not null, "image" text, "createdAt" timestamptz default CURRENT_TIMESTAMP not null,
  "updatedAt" timestamptz default CURRENT_TIMESTAMP not null, "timezone" text);
create table "account" ("id" text not null primary key, "accountId" text not null, "providerId" text not null,
  "userId" text not null references "user" ("id") on delete cascade, "accessToken" text, "refreshToken" text,
  "idToken" text, "accessTokenExpiresAt" timestamptz, "refreshTokenExpiresAt" timestamptz, "scope" text,
  "password" text, "createdAt" timestamptz default CURRENT_TIMESTAMP not null, "updatedAt" timestamptz not null);
insert into "user" values ('baUserWithPassword00000000000001', 'Pat', 'pat@example.test', false, null,
  '2026-11-26 03:32:10.291+00', '2026-11-26 03:32:10.291+00', 'Europe/Berlin');
insert into "user" values ('baUserSocialOnly0000000000000001', 'Sol', 'sol@example.test', true, null,
  '2026-11-26 03:32:10.291+00', '2026-11-26 03:32:10.291+00', 'Mars/Olympus_Mons');
insert into "account" values ('a1', 'baUserWithPassword00000000000001', 'credential', 'baUserWithPassword00000000000001',
  null, null, null, null, null, null, 'HASH', now(), now());
"#;

async fn a_better_auth_database_is_imported_once_with_working_passwords(source: TestDb) {
    let schema = PG_SCHEMA.replace("HASH", HASH);
    if source.url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(&source.url)
            .await
            .expect("open");
        sqlx::raw_sql(sqlx::AssertSqlSafe(schema))
            .execute(&mut conn)
            .await
            .expect("schema");
        conn.close().await.expect("close");
    } else {
        let url = format!("{}?mode=rwc", source.url);
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open");
        let sqlite = schema
            .replace("timestamptz", "date")
            .replace("boolean", "integer")
            .replace("false", "0")
            .replace("true", "1")
            .replace("now()", "'2026-11-26T03:32:10.291Z'");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sqlite))
            .execute(&mut conn)
            .await
            .expect("schema");
        conn.close().await.expect("close");
    }

    let target = TestDb::sqlite();
    let store = target.open_store().await;
    let dry = import_better_auth(&store, &source.url, ISSUER, true)
        .await
        .expect("dry run");
    assert_eq!((dry.found, dry.imported, dry.with_password), (2, 2, 1));
    assert!(
        store
            .user_by_email("pat@example.test")
            .await
            .expect("q")
            .is_none()
    );
    let first = import_better_auth(&store, &source.url, ISSUER, false)
        .await
        .expect("import");
    assert_eq!(
        (first.imported, first.unchanged, first.skipped.len()),
        (2, 0, 0)
    );
    assert_eq!(
        first.with_zone, 1,
        "a zone Taskward does not know is left out"
    );
    let again = import_better_auth(&store, &source.url, ISSUER, false)
        .await
        .expect("rerun");
    assert_eq!((again.imported, again.unchanged), (0, 2), "idempotent");
    let pat = store
        .user_by_external_identity(ISSUER, "baUserWithPassword00000000000001")
        .await
        .expect("q")
        .expect("linked");
    assert_eq!(pat.name, "Pat");
    assert_eq!(pat.timezone, "Europe/Berlin");
    let sol = store
        .user_by_external_identity(ISSUER, "baUserSocialOnly0000000000000001")
        .await
        .expect("q")
        .expect("linked");
    assert_eq!(sol.timezone, "UTC");
    assert_eq!(
        pat.created_at,
        time::macros::datetime!(2026-11-26 03:32:10.291 UTC)
    );
    store.close().await;

    let app = TestApp::spawn(target).await;
    let session = app.signin("pat@example.test", "Passw0rd!-test").await;
    assert_eq!(session.user_id, pat.id.to_string());
    let rehashed = app
        .store
        .user_by_email("pat@example.test")
        .await
        .expect("q")
        .expect("user");
    assert!(rehashed.password_hash.starts_with("$argon2id$"));
    let wrong = app
        .post_json(
            "/api/auth/signin",
            &json!({"email": "sol@example.test", "password": "anything at all"}),
        )
        .await;
    assert_eq!(
        wrong.status(),
        401,
        "social-only users have no password here"
    );
}

on_both_databases!(a_better_auth_database_is_imported_once_with_working_passwords);
