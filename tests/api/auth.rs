//! Accounts: every row of API.md's "Accounts and tokens" table, on both databases.
//! Signing up and in, the caller's profile, and bad requests here; sessions (refresh,
//! sign out, password change, account deletion) in auth_sessions.rs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, problem};
use crate::on_both_databases;

pub(crate) const PASSWORD: &str = "correct horse battery";

async fn sign_up_answers_201_with_tokens_that_are_not_cached(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let res = app
        .post_json(
            "/api/auth/signup",
            &json!({"email": "  Ada@Example.com ", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["refresh_token"].as_str().expect("string").len(), 43);
    assert_eq!(
        body["access_token"]
            .as_str()
            .expect("string")
            .split('.')
            .count(),
        3
    );
    let user = &body["user"];
    assert_eq!(user["email"], "Ada@Example.com", "trimmed, case kept");
    assert_eq!(user["name"], "Ada", "defaults to the part before @");
    let id = user["id"].as_str().expect("id");
    assert_eq!(
        uuid::Uuid::parse_str(id).expect("uuid").get_version_num(),
        7
    );
    let created = user["created_at"].as_str().expect("created_at");
    assert!(created.ends_with('Z'), "{created}");
    assert!(
        time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
            .is_ok()
    );
    assert_eq!(user["timezone"], "UTC");
    assert_eq!(user["email_verified"], false);
    assert_eq!(user["two_factor"], false);
    assert_eq!(
        user.as_object().expect("object").len(),
        7,
        "no password hash: {user}"
    );
    app.stop().await;
}

async fn sign_up_keeps_a_given_name(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let res = app
        .post_json(
            "/api/auth/signup",
            &json!({"email": "grace@example.com", "password": PASSWORD, "name": " Grace Hopper "}),
        )
        .await;
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["user"]["name"], "Grace Hopper");
    app.stop().await;
}

async fn a_taken_email_in_any_case_is_409(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.signup("ada@example.com", PASSWORD).await;
    let res = app
        .post_json(
            "/api/auth/signup",
            &json!({"email": "ADA@EXAMPLE.COM", "password": "another password"}),
        )
        .await;
    let body = problem(res, 409).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("already"),
        "{body}"
    );
    app.stop().await;
}

async fn invalid_sign_ups_are_422_naming_every_field_and_create_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let res = app
        .post_json(
            "/api/auth/signup",
            &json!({"email": "not-an-email", "password": "short", "name": "   "}),
        )
        .await;
    let body = problem(res, 422).await;
    let fields = crate::helpers::error_fields(&body);
    assert_eq!(fields, ["email", "password", "name"]);
    let res = app.post_json("/api/auth/signup", &json!({})).await;
    let body = problem(res, 422).await;
    assert_eq!(body["errors"][0]["message"], "is required");
    let res = app
        .post_json(
            "/api/auth/signup",
            &json!({"email": 42, "password": PASSWORD}),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "email");
    // Nothing was created: the address is still free.
    app.signup("not-an-email@example.com", PASSWORD).await;
    app.stop().await;
}

async fn password_length_counts_code_points_from_8_to_128(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let cases = [
        ("seven", "a".repeat(7), 422),
        ("eight", "a".repeat(8), 201),
        ("max", "b".repeat(128), 201),
        ("toolong", "c".repeat(129), 422),
        ("spaces", " ".repeat(8), 201),
        ("emoji", "🔑".repeat(8), 201),
        ("emoji-short", "🔑".repeat(7), 422),
        ("mixed", "pass wörd ✓ 密码".to_owned(), 201),
    ];
    for (who, password, status) in &cases {
        let email = format!("{who}@example.com");
        let res = app
            .post_json(
                "/api/auth/signup",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(res.status().as_u16(), *status, "{who}");
        if *status == 422 {
            let body = problem(res, 422).await;
            assert_eq!(body["errors"][0]["field"], "password", "{who}");
        }
    }
    // The accepted ones sign in with exactly that password.
    for (who, password, status) in &cases {
        if *status == 201 {
            app.signin(&format!("{who}@example.com"), password).await;
        }
    }
    app.stop().await;
}

async fn sign_in_refuses_unknown_email_and_wrong_password_identically(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.signup("ada@example.com", PASSWORD).await;
    let signed = app.signin("ADA@example.com ", PASSWORD).await;
    assert_eq!(signed.body["user"]["email"], "ada@example.com");

    let wrong = app
        .post_json(
            "/api/auth/signin",
            &json!({"email": "ada@example.com", "password": "wrong password"}),
        )
        .await;
    let unknown = app
        .post_json(
            "/api/auth/signin",
            &json!({"email": "bob@example.com", "password": "wrong password"}),
        )
        .await;
    assert_eq!(wrong.headers()["www-authenticate"], "Bearer");
    assert_eq!(unknown.headers()["www-authenticate"], "Bearer");
    let wrong = problem(wrong, 401).await;
    let unknown = problem(unknown, 401).await;
    assert_eq!(wrong, unknown);
    app.stop().await;
}

async fn me_shows_and_renames_the_caller(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let res = app.get_as("/api/auth/me", &s.access).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.expect("json");
    assert_eq!(me, s.body["user"]);

    let res = app
        .call(
            Method::PATCH,
            "/api/auth/me",
            &s.access,
            Some(&json!({"name": "  Countess  "})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.expect("json");
    assert_eq!(me["name"], "Countess");
    let again: Value = app
        .get_as("/api/auth/me", &s.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["name"], "Countess");

    for bad in [
        json!({"name": ""}),
        json!({"name": "x".repeat(101)}),
        json!({}),
    ] {
        let res = app
            .call(Method::PATCH, "/api/auth/me", &s.access, Some(&bad))
            .await;
        let body = problem(res, 422).await;
        assert_eq!(body["errors"][0]["field"], "name");
    }
    let still: Value = app
        .get_as("/api/auth/me", &s.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(still["name"], "Countess", "bad input changed nothing");
    app.stop().await;
}

async fn the_time_zone_is_set_by_iana_name_and_unknown_ones_change_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    assert_eq!(
        s.body["user"]["timezone"], "UTC",
        "a new account starts in UTC"
    );
    let patch = |body: Value| {
        let app = &app;
        let token = s.access.clone();
        async move {
            app.call(Method::PATCH, "/api/auth/me", &token, Some(&body))
                .await
        }
    };
    let res = patch(json!({"timezone": " america/new_york "})).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.expect("json");
    assert_eq!(
        me["timezone"], "America/New_York",
        "spelt as the zone database does"
    );
    assert_eq!(me["name"], "ada", "the name stays");
    let res = patch(json!({"name": "Ada", "timezone": "Europe/Berlin"})).await;
    let me: Value = res.json().await.expect("json");
    assert_eq!(
        (me["name"].as_str(), me["timezone"].as_str()),
        (Some("Ada"), Some("Europe/Berlin"))
    );
    for bad in [
        json!({"timezone": "Mars/Olympus_Mons"}),
        json!({"timezone": "+02:00"}),
        json!({"timezone": ""}),
        json!({"timezone": null}),
        json!({"timezone": 7}),
    ] {
        let body = problem(patch(bad.clone()).await, 422).await;
        assert_eq!(body["errors"][0]["field"], "timezone", "{bad}");
    }
    let body = problem(patch(json!({"name": "", "timezone": "Nowhere"})).await, 422).await;
    assert_eq!(
        body["errors"].as_array().map(Vec::len),
        Some(2),
        "every field at once"
    );
    let me: Value = app
        .get_as("/api/auth/me", &s.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (me["name"].as_str(), me["timezone"].as_str()),
        (Some("Ada"), Some("Europe/Berlin")),
        "bad input changed nothing"
    );
    app.stop().await;
}

async fn protected_routes_answer_401_with_the_right_challenge(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let res = app.get("/api/auth/me").await;
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    problem(res, 401).await;
    // A token in the query string is never read.
    let res = app
        .get(&format!("/api/auth/me?access_token={}", s.access))
        .await;
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    problem(res, 401).await;
    for header in [
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        format!("Basic {}", s.access),
        format!("Token {}", s.access),
        "Bearer not.a.jwt".to_owned(),
        format!("Bearer {}x", s.access),
    ] {
        let res = app
            .client
            .get(app.url("/api/auth/me"))
            .header("authorization", &header)
            .send()
            .await
            .expect("request");
        assert_eq!(
            res.headers()["www-authenticate"],
            r#"Bearer error="invalid_token""#,
            "{header}"
        );
        problem(res, 401).await;
    }
    // The scheme is case-insensitive (RFC 7235 2.1).
    let res = app
        .client
        .get(app.url("/api/auth/me"))
        .header("authorization", format!("bearer {}", s.access))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    app.stop().await;
}

async fn bodies_that_are_not_json_are_400_or_415(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let res = app
        .client
        .post(app.url("/api/auth/signup"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("request");
    problem(res, 400).await;
    let res = app
        .client
        .post(app.url("/api/auth/signup"))
        .header("content-type", "text/plain")
        .body("email=a@b.c")
        .send()
        .await
        .expect("request");
    problem(res, 415).await;
    let res = app
        .client
        .post(app.url("/api/auth/signup"))
        .body("{}")
        .send()
        .await
        .expect("request");
    problem(res, 415).await;
    // Deep nesting is refused at its first bracket, without recursing.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let res = app
        .client
        .post(app.url("/api/auth/signup"))
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .expect("request");
    let body = problem(res, 422).await;
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");
    app.stop().await;
}

on_both_databases!(
    the_time_zone_is_set_by_iana_name_and_unknown_ones_change_nothing,
    sign_up_answers_201_with_tokens_that_are_not_cached,
    sign_up_keeps_a_given_name,
    a_taken_email_in_any_case_is_409,
    invalid_sign_ups_are_422_naming_every_field_and_create_nothing,
    password_length_counts_code_points_from_8_to_128,
    sign_in_refuses_unknown_email_and_wrong_password_identically,
    me_shows_and_renames_the_caller,
    protected_routes_answer_401_with_the_right_challenge,
    bodies_that_are_not_json_are_400_or_415,
);
