//! What OAuth refuses, over HTTP: registrations Taskward does not serve (`400` with RFC
//! 7591's error and nothing registered), authorization requests that cannot be answered to
//! their client (a page, never a redirect to an unknown address) and those that can (the
//! client's redirect URI with the error and its `state`), token requests that are not
//! right (OAuth's JSON errors: never problem+json, never a `500`), an expired code,
//! revocation by the client (RFC 7009), and the connected applications in the API.

use reqwest::Method;
use serde_json::{Value, json};
use taskward::auth::pat::Scopes;
use taskward::oauth::model::CodeRecord;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::{TestApp, TestDb};
use crate::oauth::{
    REDIRECT, authorize_path, connect, exchange, mcp, pkce, query_of, register, token,
};
use crate::web::{Browser, location};

async fn register_raw(app: &TestApp, content_type: &str, body: &str) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/oauth/register"))
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .expect("sent");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

#[tokio::test]
async fn registrations_taskward_does_not_serve_are_refused() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let json_type = "application/json";
    for (body, error, says) in [
        (
            json!({"redirect_uris": ["http://example.com/cb"]}),
            "invalid_redirect_uri",
            "use https",
        ),
        (
            json!({"redirect_uris": ["javascript:alert(1)"]}),
            "invalid_redirect_uri",
            "not allowed",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb#x"]}),
            "invalid_redirect_uri",
            "fragment",
        ),
        (
            json!({"redirect_uris": []}),
            "invalid_redirect_uri",
            "at least one",
        ),
        (
            json!({"client_name": "x"}),
            "invalid_redirect_uri",
            "at least one",
        ),
        (
            json!({"redirect_uris": "https://a.example/cb"}),
            "invalid_client_metadata",
            "array",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "grant_types": ["client_credentials"]}),
            "invalid_client_metadata",
            "client_credentials",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "response_types": ["token"]}),
            "invalid_client_metadata",
            "only code",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "client_name": 7}),
            "invalid_client_metadata",
            "string",
        ),
    ] {
        let (status, answer) = register_raw(&app, json_type, &body.to_string()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(answer["error"], error, "{body}: {answer}");
        let why = answer["error_description"].as_str().expect("a description");
        assert!(why.contains(says), "{body}: {why}");
    }
    let many: Vec<String> = (0..11).map(|i| format!("https://a.example/{i}")).collect();
    let (status, answer) =
        register_raw(&app, json_type, &json!({"redirect_uris": many}).to_string()).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_redirect_uri"))
    );
    let (status, answer) = register_raw(&app, json_type, "{not json").await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_client_metadata"))
    );
    let (status, answer) = register_raw(&app, "text/plain", "{}").await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_client_metadata"))
    );

    // A nameless client gets a name that says so; unknown metadata is ignored.
    let body = json!({"redirect_uris": [REDIRECT], "logo_uri": "https://x.example/l.png",
                      "token_endpoint_auth_method": "client_secret_basic"});
    let (status, made) = register_raw(&app, json_type, &body.to_string()).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["client_name"], "Unnamed application");
    assert_eq!(made["token_endpoint_auth_method"], "none");
    assert!(made.get("client_secret").is_none());
}

#[tokio::test]
async fn authorization_requests_are_checked_before_anyone_is_asked() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let client = register(&app, "Checked", REDIRECT).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_up("cy@example.com").await.status(), 303);
    let (_, challenge) = pkce("checked");
    let good = authorize_path(&client, &challenge, "st", "tasks:read");

    // Not answerable to the client: a page, and no redirect anywhere.
    let unknown = good.replace(&client, &Uuid::new_v4().to_string());
    let elsewhere = good.replace("127.0.0.1%3A49152", "evil.example");
    let garbled = good.replace(&client, "not-a-client");
    for path in [unknown, elsewhere, garbled, format!("{good}&state=twice")] {
        let res = browser.get(&path).await;
        assert_eq!(res.status(), 400, "{path}");
        assert!(res.headers().get("location").is_none());
        let page = res.text().await.expect("page");
        assert!(
            page.contains("This connection request cannot be used"),
            "{page}"
        );
    }

    // Answerable: the client hears why, with its state.
    for (from, to, error) in [
        (
            "response_type=code",
            "response_type=token",
            "unsupported_response_type",
        ),
        (
            "code_challenge_method=S256",
            "code_challenge_method=plain",
            "invalid_request",
        ),
        (
            &format!("code_challenge={challenge}"),
            "code_challenge=short",
            "invalid_request",
        ),
        ("scope=tasks%3Aread", "scope=admin", "invalid_scope"),
        (
            "scope=tasks%3Aread",
            "scope=tasks%3Aread&resource=https%3A%2F%2Fother.example%2Fmcp",
            "invalid_target",
        ),
    ] {
        let path = good.replace(from, to);
        assert_ne!(path, good, "{from}");
        let res = browser.get(&path).await;
        assert_eq!(res.status(), 303, "{path}");
        let q = query_of(location(&res));
        assert_eq!(q["error"], error, "{path}");
        assert_eq!(q["state"], "st");
        assert!(!q["error_description"].is_empty());
    }
    // The MCP server's own address as the resource is fine.
    let resource: String =
        url::form_urlencoded::byte_serialize(app.url("/mcp").as_bytes()).collect();
    let res = browser.get(&format!("{good}&resource={resource}")).await;
    assert_eq!(res.status(), 200);

    // The consent form is checked like any other form: no CSRF token, no code.
    let origin = browser.origin();
    let fields = [("client_id", client.as_str()), ("decision", "allow")];
    let res = browser
        .post("/oauth/authorize", &fields, Some(&origin))
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn token_requests_that_are_not_right_get_oauth_errors() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let client = register(&app, "Tokens", REDIRECT).await;
    for (fields, error) in [
        (
            vec![("grant_type", "password"), ("client_id", client.as_str())],
            "unsupported_grant_type",
        ),
        (vec![("client_id", client.as_str())], "invalid_request"),
        (
            vec![("grant_type", "authorization_code")],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", client.as_str()),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", "nobody"),
                ("code", "c"),
                ("code_verifier", "v"),
            ],
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", &client),
                ("code", "unknown"),
                ("code_verifier", &pkce("x").0),
                ("redirect_uri", REDIRECT),
            ],
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", &client),
                ("refresh_token", "tw_ort_nope"),
            ],
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("grant_type", "refresh_token"),
            ],
            "invalid_request",
        ),
    ] {
        let (status, answer) = token(&app, &fields).await;
        let expected = if error == "invalid_client" { 401 } else { 400 };
        assert_eq!(
            (status, answer["error"].as_str()),
            (expected, Some(error)),
            "{fields:?}: {answer}"
        );
    }
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .json(&json!({"grant_type": "authorization_code"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/json");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request");

    // A code past its minute is refused (written as the consent would, an hour ago).
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_up("di@example.com").await.status(), 303);
    let user = app
        .signin("di@example.com", crate::web::PASSWORD)
        .await
        .user_id;
    let user = Uuid::parse_str(&user).expect("uuid");
    let (verifier, challenge) = pkce("late");
    let code = "an-old-code-of-the-test";
    app.store
        .oauth_code_insert(&CodeRecord {
            code_hash: taskward::auth::accounts::hash_refresh_token(code),
            client_id: Uuid::parse_str(&client).expect("uuid"),
            user_id: user,
            scopes: Scopes::from_stored("tasks:read"),
            redirect_uri: "http://127.0.0.1:49152/callback".into(),
            code_challenge: challenge,
            expires_at: OffsetDateTime::now_utc() - Duration::hours(1),
        })
        .await
        .expect("inserted");
    let (status, late) = exchange(&app, &client, code, &verifier).await;
    assert_eq!(
        (status, late["error_description"].as_str()),
        (400, Some("the code has expired"))
    );
}

#[tokio::test]
async fn a_client_revokes_its_grant_with_either_token() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let client = register(&app, "Revoker", REDIRECT).await;
    let other = register(&app, "Someone else", REDIRECT).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_up("ed@example.com").await.status(), 303);
    let revoke = |token: String, client: String| {
        let app = &app;
        async move {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("token", token.as_str()), ("client_id", client.as_str())])
                .finish();
            app.client
                .post(app.url("/oauth/revoke"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .expect("sent")
                .status()
        }
    };
    for kind in ["refresh_token", "access_token"] {
        let tokens = connect(&app, &mut browser, &client, "tasks:read").await;
        let access = tokens["access_token"].as_str().expect("access").to_owned();
        let given = tokens[kind].as_str().expect("token").to_owned();
        // Another client cannot revoke it; an unknown token is no error.
        assert_eq!(revoke(given.clone(), other.clone()).await, 200);
        assert_eq!(
            mcp(&app, &access, "tools/list", json!({})).await.0,
            200,
            "{kind}"
        );
        assert_eq!(revoke(given, client.clone()).await, 200);
        assert_eq!(
            mcp(&app, &access, "tools/list", json!({})).await.0,
            401,
            "{kind}"
        );
    }
    assert_eq!(revoke("tw_oat_unknown".into(), client.clone()).await, 200);
}

/// The connected applications through the API: listed for their user only, with a
/// session (a personal access token manages nothing), and disconnected at once.
#[tokio::test]
async fn the_api_lists_and_disconnects_applications() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let client = register(&app, "Assistant", REDIRECT).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_up("fay@example.com").await.status(), 303);
    let fay = app.signin("fay@example.com", crate::web::PASSWORD).await;
    let gus = app.signup("gus@example.com", crate::web::PASSWORD).await;
    let tokens = connect(&app, &mut browser, &client, "tasks:read").await;
    let access = tokens["access_token"].as_str().expect("access").to_owned();
    assert_eq!(mcp(&app, &access, "tools/list", json!({})).await.0, 200);

    let listed: Value = app
        .ok(&fay, Method::GET, "/api/auth/applications", None)
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["name"], "Assistant");
    assert_eq!(listed[0]["scopes"], json!(["tasks:read"]));
    assert!(listed[0]["last_used_at"].is_string(), "{listed}");
    let id = listed[0]["id"].as_str().expect("id").to_owned();
    let theirs: Value = app
        .ok(&gus, Method::GET, "/api/auth/applications", None)
        .await;
    assert_eq!(theirs, json!([]));
    let path = format!("/api/auth/applications/{id}");
    let res = app.call(Method::DELETE, &path, &gus.access, None).await;
    assert_eq!(res.status(), 404);
    let res = app
        .call(Method::GET, "/api/auth/applications", &access, None)
        .await;
    assert_eq!(res.status(), 401, "an OAuth token manages nothing");
    assert_eq!(mcp(&app, &access, "tools/list", json!({})).await.0, 200);

    let res = app.call(Method::DELETE, &path, &fay.access, None).await;
    assert_eq!(res.status(), 204);
    assert_eq!(mcp(&app, &access, "tools/list", json!({})).await.0, 401);
    let res = app.call(Method::DELETE, &path, &fay.access, None).await;
    assert_eq!(res.status(), 404);
}
