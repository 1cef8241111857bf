//! Hostile input: oversized bodies and headers, deep nesting, invalid UTF-8, NUL bytes,
//! huge numbers and injection strings. Each gets a clear 4xx (or, where it is legal text,
//! is stored verbatim and returned as JSON) and changes nothing; never a 5xx.

use std::io::{Read as _, Write as _};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb};

const PASSWORD: &str = "a long enough password";

/// Strings that have broken SQL, HTML and shells before.
const INJECTIONS: &[&str] = &[
    "'; DROP TABLE tasks; --",
    "\" OR 1=1 --",
    "%' OR '1'='1",
    "_%\\",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7} $(rm -rf /)",
    "Robert'); DELETE FROM users;--",
];

async fn count_tasks(app: &TestApp, token: &str) -> String {
    let res = app.get_as("/api/tasks?limit=1", token).await;
    assert_eq!(res.status(), 200);
    res.headers()["x-total-count"]
        .to_str()
        .expect("count")
        .to_owned()
}

/// Sends `body` as-is to `POST /api/tasks` and expects the 4xx `status`.
async fn refused_raw(app: &TestApp, token: &str, body: Vec<u8>, status: u16, why: &str) {
    let res = app
        .client
        .post(app.url("/api/tasks"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), status, "{why}");
    let ct = res.headers()["content-type"]
        .to_str()
        .expect("ct")
        .to_owned();
    assert_eq!(ct, "application/problem+json", "{why}");
}

async fn malformed_bodies_are_refused_with_a_4xx_and_change_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("hostile@example.com", PASSWORD).await;
    let before = count_tasks(&app, &s.access).await;

    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    // Every body of the API is an object: an array is refused at its first bracket.
    refused_raw(&app, &s.access, deep.into_bytes(), 422, "deep array").await;
    let deep_obj = format!("{}1{}", r#"{"a":"#.repeat(5_000), "}".repeat(5_000));
    refused_raw(&app, &s.access, deep_obj.into_bytes(), 400, "deep object").await;
    let mut bad_utf8 = br#"{"title": "caf"#.to_vec();
    bad_utf8.extend([0xff, 0xfe, 0xc3]);
    bad_utf8.extend(br#""}"#);
    refused_raw(&app, &s.access, bad_utf8, 400, "invalid UTF-8").await;
    refused_raw(
        &app,
        &s.access,
        b"{\"title\": \"a\0b\"}".to_vec(),
        400,
        "raw NUL",
    )
    .await;
    refused_raw(&app, &s.access, b"\0\0\0\0".to_vec(), 400, "only NULs").await;
    refused_raw(&app, &s.access, vec![b'x'; 70_000], 413, "over 64 KiB").await;

    for (body, why) in [
        (json!({"title": "a\u{0}b"}), "escaped NUL in the title"),
        (
            json!({"title": "ok", "description": "a\u{0}b"}),
            "NUL in the description",
        ),
        (json!({"title": "ok", "tags": ["a\u{0}b"]}), "NUL in a tag"),
        (
            json!({"title": "ok", "priority": 1e300}),
            "a huge number as priority",
        ),
        (
            json!({"title": 123_456_789_012_345_678_u64}),
            "a number as title",
        ),
        (
            json!({"title": "ok", "due_at": "99999-01-01T00:00:00Z"}),
            "year 99999",
        ),
        (
            json!({"title": "ok", "due_at": 1e300}),
            "a number as due_at",
        ),
        (
            json!({"title": "ok", "completed": 1}),
            "a number as completed",
        ),
        (json!({"title": "x".repeat(201)}), "a 201-character title"),
        (
            json!({"title": "ok", "tags": (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            "11 tags",
        ),
    ] {
        let res = app
            .call(Method::POST, "/api/tasks", &s.access, Some(&body))
            .await;
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{why}: {status}");
    }
    // A bare number too large for any integer type.
    refused_raw(
        &app,
        &s.access,
        br#"{"title": "ok", "priority": 123456789012345678901234567890}"#.to_vec(),
        422,
        "a 30-digit number",
    )
    .await;

    for query in [
        "limit=99999999999999999999999",
        "limit=-1",
        "limit=1e3",
        "due_before=99999-01-01T00:00:00Z",
        "cursor=%00%ff",
        "cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "sort=title;DROP TABLE tasks",
        "status=%00",
        "q=%00",
        "tag=%00",
    ] {
        let res = app.get_as(&format!("/api/tasks?{query}"), &s.access).await;
        let status = res.status().as_u16();
        assert!(
            status == 422 || status == 400 || status == 200,
            "{query}: {status}"
        );
    }
    assert_eq!(
        count_tasks(&app, &s.access).await,
        before,
        "something was written"
    );

    for (path, body) in [
        (
            "/api/auth/signup",
            json!({"email": "a\u{0}@example.com", "password": PASSWORD}),
        ),
        (
            "/api/auth/signup",
            json!({"email": "nul@example.com", "password": PASSWORD, "name": "a\u{0}b"}),
        ),
        (
            "/api/auth/signin",
            json!({"email": "hostile@example.com\u{0}", "password": PASSWORD}),
        ),
    ] {
        let res = app.post_json(path, &body).await;
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{path} {body}: {status}");
    }
    let res = app
        .call(
            Method::PATCH,
            "/api/auth/me",
            &s.access,
            Some(&json!({"name": "a\u{0}b"})),
        )
        .await;
    assert_eq!(res.status(), 422, "NUL in the name");
    app.stop().await;
}

async fn injection_strings_are_stored_verbatim_and_returned_as_json(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("inject@example.com", PASSWORD).await;
    let other = app.signup("bystander@example.com", PASSWORD).await;
    let res = app
        .call(
            Method::POST,
            "/api/tasks",
            &other.access,
            Some(&json!({"title": "not yours"})),
        )
        .await;
    assert_eq!(res.status(), 201);

    for evil in INJECTIONS {
        let body =
            json!({"title": evil, "description": evil, "tags": [evil.to_lowercase().trim()]});
        let res = app
            .call(Method::POST, "/api/tasks", &s.access, Some(&body))
            .await;
        assert_eq!(res.status(), 201, "{evil}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .expect("ct")
                .starts_with("application/json"),
            "{evil}: served as JSON, never as HTML"
        );
        let task: Value = res.json().await.expect("json");
        assert_eq!(task["title"], *evil);
        assert_eq!(task["description"], *evil);
        let q = url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>();
        let found: Vec<Value> = app
            .get_as(&format!("/api/tasks?q={q}"), &s.access)
            .await
            .json()
            .await
            .expect("json");
        assert!(
            found.iter().any(|t| t["id"] == task["id"]),
            "{evil}: a search for it finds it"
        );
        assert!(
            found
                .iter()
                .all(|t| t["user_id"].as_str() == Some(s.user_id.as_str())),
            "{evil}: the search leaked another user's task"
        );
        for path in [
            format!("/api/tasks?tag={q}"),
            format!("/api/tasks?sort={q}"),
            format!("/api/tasks?status={q}"),
        ] {
            let status = app.get_as(&path, &s.access).await.status().as_u16();
            assert!(status == 200 || status == 422, "{path}: {status}");
        }
        let res = app
            .post_json(
                "/api/auth/signin",
                &json!({"email": evil, "password": evil}),
            )
            .await;
        let status = res.status().as_u16();
        assert!(
            status == 401 || status == 422,
            "signin with {evil}: {status}"
        );
    }
    // The bystander's data is untouched.
    let theirs: Vec<Value> = app
        .get_as("/api/tasks", &other.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["title"], "not yours");
    app.stop().await;
}

crate::on_both_databases!(
    malformed_bodies_are_refused_with_a_4xx_and_change_nothing,
    injection_strings_are_stored_verbatim_and_returned_as_json,
);

/// Sends raw bytes and returns the status line of the answer.
fn raw_status(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut conn = std::net::TcpStream::connect(addr).expect("connect");
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    // The server may answer and close before it has read everything: ignore write errors.
    let _ = conn.write_all(request);
    let mut response = Vec::new();
    let _ = conn.read_to_end(&mut response);
    String::from_utf8_lossy(&response)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_are_refused_with_431_and_the_server_stays_up() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let addr = app.addr;
    let huge = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    let many = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\n{}Connection: close\r\n\r\n",
        (0..500)
            .map(|i| format!("X-H{i}: v\r\n"))
            .collect::<String>()
    );
    let token = format!(
        "GET /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        "e".repeat(40 * 1024)
    );
    let (huge, many, token) = tokio::task::spawn_blocking(move || {
        (
            raw_status(addr, huge.as_bytes()),
            raw_status(addr, many.as_bytes()),
            raw_status(addr, token.as_bytes()),
        )
    })
    .await
    .expect("raw requests");
    assert!(huge.starts_with("HTTP/1.1 431"), "{huge}");
    assert!(many.starts_with("HTTP/1.1 431"), "{many}");
    assert!(token.starts_with("HTTP/1.1 401"), "a 40 KiB token: {token}");
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
}
