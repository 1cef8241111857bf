//! Accounts: every row of API.md's "Accounts and tokens" table, on both databases.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, problem};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

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
    assert_eq!(
        user.as_object().expect("object").len(),
        5,
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
    refresh_rotates_and_a_reused_token_ends_the_session,
    concurrent_refreshes_with_one_token_succeed_at_most_once,
    sign_out_ends_that_session_at_once_and_no_other,
    sign_out_all_ends_every_session_of_the_user_only,
    changing_the_password_ends_every_other_session,
    deleting_the_account_needs_the_password_and_frees_the_email,
    protected_routes_answer_401_with_the_right_challenge,
    bodies_that_are_not_json_are_400_or_415,
);
