//! Compression (br and gzip when asked) and the content-hashed, immutable assets, over
//! plain HTTP. The test client has no decompression of its own: it sends
//! `Accept-Encoding` only when a test does, and sees the bytes as sent.

use std::io::Read;

use reqwest::header::{CONTENT_ENCODING, SET_COOKIE, VARY};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb};
use crate::web::Browser;

fn decode(encoding: &str, body: &[u8]) -> String {
    let mut out = String::new();
    match encoding {
        "gzip" => flate2::read::GzDecoder::new(body)
            .read_to_string(&mut out)
            .expect("gzip"),
        "br" => brotli::Decompressor::new(body, 4096)
            .read_to_string(&mut out)
            .expect("br"),
        other => panic!("unexpected encoding {other}"),
    };
    out
}

/// The page with every CSRF token blanked: each render masks its token afresh.
fn without_tokens(html: &str) -> String {
    let mut parts = html.split(r#"name="csrf" value=""#);
    let mut out = parts.next().unwrap_or_default().to_owned();
    for part in parts {
        out.push_str(r#"name="csrf" value=""#);
        out.push_str(part.split_once('"').map_or("", |(_, rest)| rest));
    }
    out
}

fn header(res: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<&str> {
    res.headers().get(name).map(|v| v.to_str().expect("ascii"))
}

async fn get(app: &TestApp, path: &str, cookie: &str, accept: Option<&str>) -> reqwest::Response {
    let mut req = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .header("accept", "text/html");
    if let Some(a) = accept {
        req = req.header("accept-encoding", a);
    }
    req.send().await.expect("request")
}

#[tokio::test]
async fn pages_are_compressed_with_br_or_gzip_only_when_the_client_asks() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut browser = Browser::new(&app);
    browser.sign_up("ada@example.com").await;
    let cookie = browser.cookie_header();

    let plain = get(&app, "/tasks", &cookie, None).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, CONTENT_ENCODING), None);
    assert_eq!(header(&plain, VARY), Some("accept-encoding"));
    let page = without_tokens(&plain.text().await.expect("page"));
    assert!(page.len() > 1024 && page.contains("Your tasks"));

    for (asked, used) in [
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, deflate, br", "br"),
        ("br;q=0.5, gzip", "gzip"),
    ] {
        let res = get(&app, "/tasks", &cookie, Some(asked)).await;
        assert_eq!(res.status(), 200, "{asked}");
        assert_eq!(header(&res, CONTENT_ENCODING), Some(used), "{asked}");
        assert_eq!(header(&res, VARY), Some("accept-encoding"), "{asked}");
        assert_eq!(res.headers().get("content-length"), None, "{asked}");
        let bytes = res.bytes().await.expect("body");
        assert!(
            bytes.len() * 2 < page.len(),
            "{asked}: {} bytes",
            bytes.len()
        );
        assert_eq!(without_tokens(&decode(used, &bytes)), page, "{asked}");
    }
    // Only br and gzip: deflate, zstd and identity are sent as they are.
    for asked in ["deflate", "zstd", "identity"] {
        let res = get(&app, "/tasks", &cookie, Some(asked)).await;
        assert_eq!(header(&res, CONTENT_ENCODING), None, "{asked}");
        let html = res.text().await.expect("page");
        assert_eq!(without_tokens(&html), page, "{asked}");
    }
    // A tiny body is not worth it.
    let res = get(&app, "/healthz", "", Some("gzip")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, CONTENT_ENCODING), None);
    app.stop().await;
}

#[tokio::test]
async fn api_etags_and_conditional_requests_are_unchanged_and_writes_are_never_compressed() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let s = app.signup("ada@example.com", "correct horse battery").await;
    let long = "A long note. ".repeat(150);
    let res = app
        .client
        .post(app.url("/api/tasks"))
        .bearer_auth(&s.access)
        .header("accept-encoding", "identity;q=0, *;q=0")
        .json(&json!({"title": "Long", "description": long}))
        .send()
        .await
        .expect("request");
    // A refused encoding never turns a change that was made into a 406.
    assert_eq!(res.status(), 201);
    assert_eq!(header(&res, CONTENT_ENCODING), None);
    let id = res.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let path = format!("/api/tasks/{id}");
    let one = |enc: &'static str, etag: Option<String>| {
        let mut req = app
            .client
            .get(app.url(&path))
            .bearer_auth(&s.access)
            .header("accept-encoding", enc);
        if let Some(tag) = etag {
            req = req.header("if-none-match", tag);
        }
        req.send()
    };
    let res = one("gzip, br", None).await.expect("request");
    assert_eq!(res.status(), 200);
    // Over 1 KiB, yet sent as it is: its ETag names these bytes.
    assert_eq!(header(&res, CONTENT_ENCODING), None);
    let etag = header(&res, reqwest::header::ETAG)
        .expect("etag")
        .to_owned();
    assert!(!etag.starts_with("W/"), "{etag}");
    let body = res.text().await.expect("body");
    assert!(body.len() > 1500 && body.contains("A long note."));
    let res = one("gzip, br", Some(etag.clone())).await.expect("request");
    assert_eq!(res.status(), 304);
    assert_eq!(header(&res, CONTENT_ENCODING), None);
    let res = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&s.access)
        .header("if-match", &etag)
        .header("accept-encoding", "gzip")
        .json(&json!({"title": "Longer"}))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, CONTENT_ENCODING), None);

    // A list has no ETag and is compressed.
    let list = |enc: &'static str| {
        app.client
            .get(app.url("/api/tasks"))
            .bearer_auth(&s.access)
            .header("accept-encoding", enc)
            .send()
    };
    let plain: Value = list("identity")
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let res = list("gzip").await.expect("request");
    assert_eq!(header(&res, CONTENT_ENCODING), Some("gzip"));
    let bytes = res.bytes().await.expect("body");
    let decoded: Value = serde_json::from_str(&decode("gzip", &bytes)).expect("json");
    assert_eq!(decoded, plain);
    app.stop().await;
}

#[tokio::test]
async fn a_page_answering_a_form_is_not_compressed() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut browser = Browser::new(&app);
    let csrf = browser.csrf("/signup").await;
    let res = app
        .client
        .post(app.url("/signup"))
        .header("cookie", browser.cookie_header())
        .header("origin", app.url(""))
        .header("accept-encoding", "gzip, br")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("csrf", csrf.as_str()),
                    ("email", "nope"),
                    ("password", "x"),
                ])
                .finish(),
        )
        .send()
        .await
        .expect("request");
    assert!(res.status().is_client_error() || res.status().is_redirection());
    assert_eq!(header(&res, CONTENT_ENCODING), None);
    app.stop().await;
}

/// The asset URLs a page links to, in the order `css`, `icon`, `js`.
fn asset_urls(html: &str) -> Vec<String> {
    [
        (r#"rel="stylesheet" href=""#, ".css"),
        (r#"type="image/svg+xml" href=""#, ".svg"),
        (r#"<script src=""#, ".js"),
    ]
    .iter()
    .filter_map(|(before, ext)| {
        let start = html.find(before)? + before.len();
        let url = html[start..].split('"').next()?.to_owned();
        assert!(url.ends_with(ext), "{url}");
        Some(url)
    })
    .collect()
}

fn is_hashed(url: &str, stem: &str, ext: &str) -> bool {
    url.strip_prefix(&format!("/static/{stem}."))
        .and_then(|rest| rest.strip_suffix(&format!(".{ext}")))
        .is_some_and(|h| h.len() == 16 && h.chars().all(|c| c.is_ascii_hexdigit()))
}

#[tokio::test]
async fn assets_are_served_under_their_content_hash_and_cached_for_a_year() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut browser = Browser::new(&app);
    let html = browser.get("/signin").await.text().await.expect("page");
    let urls = asset_urls(&html);
    assert!(is_hashed(&urls[0], "app", "css"), "{urls:?}");
    assert!(is_hashed(&urls[1], "favicon", "svg"), "{urls:?}");
    let files = ["static/app.css", "static/favicon.svg", "static/app.js"];
    for (url, file) in urls.iter().zip(files) {
        let res = app.get(url).await;
        assert_eq!(res.status(), 200, "{url}");
        assert_eq!(
            header(&res, reqwest::header::CACHE_CONTROL),
            Some("public, max-age=31536000, immutable"),
            "{url}"
        );
        assert!(res.headers().get(SET_COOKIE).is_none(), "{url}");
        let on_disk =
            std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).expect(file);
        assert_eq!(res.text().await.expect("body"), on_disk, "{url}");
    }
    // The stylesheet is compressed when asked, like any other response.
    let res = get(&app, &urls[0], "", Some("br")).await;
    assert_eq!(header(&res, CONTENT_ENCODING), Some("br"));
    assert!(header(&res, reqwest::header::CONTENT_TYPE).is_some_and(|t| t.starts_with("text/css")));

    // Another hash is content this build does not have.
    let wrong = format!("/static/app.{}.css", "0".repeat(16));
    assert_ne!(urls[0], wrong);
    for path in [
        wrong.as_str(),
        "/static/app.123.css",
        "/static/app..css",
        "/static/other.css",
        "/static/",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    // The plain names of older pages still work, but are asked for again each time.
    for path in [
        "/static/app.css",
        "/static/app.css?v=12345",
        "/static/favicon.svg",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            header(&res, reqwest::header::CACHE_CONTROL),
            Some("no-cache")
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_keyboard_shortcuts_are_a_page_without_javascript_and_the_dialog_of_every_page() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut browser = Browser::new(&app);
    let keys = ["q", "/", "j", "k", "x", "e", "?"].map(|k| format!("<kbd>{k}</kbd>"));
    let list = |html: &str| -> String {
        let start = html.find(r#"<dl class="keys">"#).expect("the list of keys");
        let end = start + html[start..].find("</dl>").expect("its end");
        html[start..end].to_owned()
    };
    for signed_in in [false, true] {
        if signed_in {
            browser.sign_up("ada@example.com").await;
        }
        let res = browser.get("/help/keys").await;
        assert_eq!(res.status(), 200, "signed in: {signed_in}");
        assert_eq!(res.headers()["cache-control"], "no-store");
        let html = res.text().await.expect("page");
        assert!(html.contains(r#"<h1 id="keys-heading">Keyboard shortcuts</h1>"#));
        for k in &keys {
            assert!(list(&html).contains(k.as_str()), "{k}");
        }
        // Any other page links to it and carries the same list in its (closed) dialog.
        let page = browser
            .get(if signed_in { "/tasks" } else { "/signin" })
            .await;
        let page = page.text().await.expect("page");
        assert!(page.contains(r#"<a href="/help/keys">Keyboard shortcuts</a>"#));
        let dialog = &page[page.find(r#"<dialog id="keys-help""#).expect("the dialog")..];
        assert!(!dialog.starts_with(r#"<dialog id="keys-help" open"#));
        assert_eq!(list(dialog), list(&html));
    }
    app.stop().await;
}

/// Swagger UI's files are stored gzipped in the binary; each client gets them as it asks:
/// plain, gzip or br, always the same script.
#[tokio::test]
async fn the_reference_assets_follow_accept_encoding() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let path = "/docs/swagger-ui-bundle.js";
    let plain = get(&app, path, "", None).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, CONTENT_ENCODING), None);
    let script = plain.text().await.expect("text");
    assert!(script.len() > 100_000, "{} bytes", script.len());
    for encoding in ["gzip", "br"] {
        let res = get(&app, path, "", Some(encoding)).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, CONTENT_ENCODING), Some(encoding));
        let body = res.bytes().await.expect("body");
        assert!(
            body.len() < script.len() / 2,
            "{encoding}: {} bytes",
            body.len()
        );
        assert_eq!(decode(encoding, &body), script, "{encoding}");
    }
    app.stop().await;
}
