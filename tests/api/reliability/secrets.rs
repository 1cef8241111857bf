//! No password, token or secret appears in the logs, at any level: a full flow runs
//! against the real binary with `RUST_LOG=trace` and JSON logs, which are then searched.

use serde_json::{Value, json};

use super::node::Node;
use crate::helpers::{TEST_SECRET, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_flow_at_trace_level_logs_no_password_token_or_secret() {
    let db = TestDb::sqlite();
    let smtp_password = "smtp password 0xFACADE";
    let smtp_url = format!(
        "smtp://mailer:{}@127.0.0.1:9?tls=off",
        smtp_password.replace(' ', "%20")
    );
    let node = Node::start(
        &db.url,
        &[
            ("RUST_LOG", "trace"),
            // Channels that fail (nothing listens on port 9): their errors are logged.
            ("OUTBOUND_ALLOW_HOSTS", "127.0.0.1"),
            ("SMTP_URL", &smtp_url),
            ("SMTP_FROM", "taskward@example.com"),
            ("REMINDER_RETRY_AFTER", "1s"),
        ],
    );
    let client = crate::helpers::http_client();
    let first = "first password 0xC0FFEE";
    let second = "second password 0xBADF00D";
    let mut secrets: Vec<String> = vec![
        TEST_SECRET.into(),
        first.into(),
        second.into(),
        smtp_password.into(),
        "smtp%20password".into(),
    ];
    let auth = |res: Value, secrets: &mut Vec<String>| {
        let access = res["access_token"].as_str().expect("access").to_owned();
        let refresh = res["refresh_token"].as_str().expect("refresh").to_owned();
        secrets.push(access.clone());
        secrets.push(refresh.clone());
        (access, refresh)
    };
    let post = |path: &str, body: Value| client.post(node.url(path)).json(&body);

    let res = post(
        "/api/auth/signup",
        json!({"email": "quiet@example.com", "password": first}),
    )
    .send()
    .await
    .expect("signup");
    assert_eq!(res.status(), 201);
    let (access, refresh) = auth(res.json().await.expect("json"), &mut secrets);
    let res = post(
        "/api/auth/signin",
        json!({"email": "quiet@example.com", "password": "wrong one!"}),
    )
    .send()
    .await
    .expect("bad signin");
    assert_eq!(res.status(), 401);
    secrets.push("wrong one!".into());
    let res = post("/api/auth/refresh", json!({"refresh_token": refresh}))
        .send()
        .await
        .expect("refresh");
    assert_eq!(res.status(), 200);
    let (access2, _) = auth(res.json().await.expect("json"), &mut secrets);
    // Presenting the used refresh token again (reuse detection logs a warning).
    let res = post("/api/auth/refresh", json!({"refresh_token": refresh}))
        .send()
        .await
        .expect("reuse");
    assert_eq!(res.status(), 401);
    let res = client
        .post(node.url("/api/tasks?access_token=leak"))
        .bearer_auth(&access)
        .json(&json!({"title": "a task"}))
        .send()
        .await
        .expect("create");
    assert!(res.status().is_success() || res.status() == 401);
    let res = post(
        "/api/auth/signin",
        json!({"email": "quiet@example.com", "password": first}),
    )
    .send()
    .await
    .expect("signin");
    assert_eq!(res.status(), 200);
    let (access3, _) = auth(res.json().await.expect("json"), &mut secrets);

    // A channel of each kind, each tested, each failing: the webhook secret, the ntfy
    // token and the SMTP password stay out of the failures logged.
    let ntfy_token = "tk_token0xFEEDFACE";
    secrets.push(ntfy_token.into());
    for body in [
        json!({"kind": "webhook", "target": "http://127.0.0.1:9/hook"}),
        json!({"kind": "ntfy", "target": "http://127.0.0.1:9/alerts", "token": ntfy_token}),
        json!({"kind": "email"}),
    ] {
        let res = client
            .post(node.url("/api/notifications/channels"))
            .bearer_auth(&access3)
            .json(&body)
            .send()
            .await
            .expect("channel");
        assert_eq!(res.status(), 201);
        let channel: Value = res.json().await.expect("json");
        if let Some(secret) = channel["secret"].as_str() {
            secrets.push(secret.trim_start_matches("whsec_").to_owned());
        }
        let test = format!(
            "/api/notifications/channels/{}/test",
            channel["id"].as_str().expect("id")
        );
        let res = client
            .post(node.url(&test))
            .bearer_auth(&access3)
            .send()
            .await
            .expect("test");
        assert_eq!(res.status(), 202);
    }
    // The first attempts and a retry.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let res = client
        .post(node.url("/api/auth/password"))
        .bearer_auth(&access3)
        .json(&json!({"current_password": first, "new_password": second}))
        .send()
        .await
        .expect("password");
    assert_eq!(res.status(), 204);
    let res = client
        .post(node.url("/api/auth/signout"))
        .bearer_auth(&access3)
        .send()
        .await
        .expect("signout");
    assert_eq!(res.status(), 204);
    let res = client
        .get(node.url("/api/auth/me"))
        .bearer_auth(&access2)
        .send()
        .await
        .expect("revoked");
    assert_eq!(res.status(), 401);
    let res = client
        .delete(node.url("/api/auth/me"))
        .bearer_auth(&access3)
        .json(&json!({"password": second}))
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 401, "signed out already");

    let logs = node.stop();
    assert!(
        logs.len() > 20,
        "trace logging produced too little: {logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.contains("TRACE") || l.contains("DEBUG"))
    );
    let all = logs.join("\n");
    assert!(
        all.matches("a delivery attempt failed").count() >= 3,
        "every channel's failure is logged"
    );
    for secret in &secrets {
        // Tokens are long; a third of one is enough to count as a leak.
        let probe: String = if secret.len() > 60 {
            secret[secret.len() / 3..2 * secret.len() / 3].to_owned()
        } else {
            secret.clone()
        };
        assert!(
            !all.contains(&probe),
            "a secret appears in the logs: {probe}"
        );
    }
    assert!(
        !all.contains("access_token=leak"),
        "the query string was logged"
    );
}

/// Behind a TLS proxy with `PUBLIC_URL` unset the cookies would go out without `Secure`:
/// a server bound to a non-loopback address says so at start; on loopback, or with
/// `PUBLIC_URL` set, it does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_bind_without_public_url_warns_at_start() {
    let warned = |logs: &[String]| {
        logs.iter()
            .any(|l| l.contains("\"WARN\"") && l.contains("PUBLIC_URL is unset"))
    };
    for (bind, env, expected) in [
        ("0.0.0.0:0", vec![], true),
        ("127.0.0.1:0", vec![], false),
        (
            "0.0.0.0:0",
            vec![("PUBLIC_URL", "https://todo.example")],
            false,
        ),
    ] {
        let db = TestDb::sqlite();
        let node = Node::start_on(bind, &db.url, &env);
        let logs = node.stop();
        assert_eq!(warned(&logs), expected, "{bind} {env:?}: {logs:#?}");
    }
}
