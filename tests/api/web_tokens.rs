//! The access tokens page over HTTP, on both databases: it is linked from the account
//! and calendars pages; a new token is shown once, in a read-only field, and works (as
//! CalDAV will ask: the account's email and the token); the table lists it with its
//! scopes and "never" used until it is; a refused form comes back with what was typed
//! and its errors, and makes nothing; revoke (a CSRF-checked POST) stops the token at
//! once; someone else's token is not found.

use reqwest::Method;
use serde_json::{Value, json};
use taskward::auth::AccessTokens;
use taskward::auth::pat::Scope;

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, PASSWORD, location};

/// The value of the read-only token field of `page`, if it has one.
fn shown_token(page: &str) -> Option<&str> {
    let marker = r#"<input id="new-token" type="text" readonly value=""#;
    let start = page.find(marker)? + marker.len();
    page[start..].split('"').next()
}

async fn page(browser: &mut Browser<'_>, path: &str) -> String {
    browser.get(path).await.text().await.expect("page")
}

async fn the_tokens_page_makes_shows_once_and_revokes_tokens(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_up("cy@example.com").await.status(), 303);
    let api = app.signin("cy@example.com", PASSWORD).await;
    let origin = app.url("");
    let tokens = AccessTokens::new(app.store.clone());

    for from in ["/account", "/calendars"] {
        let shown = page(&mut browser, from).await;
        assert!(
            shown.contains(r#"<a href="/tokens">Access tokens</a>"#),
            "{from}"
        );
    }
    let shown = page(&mut browser, "/tokens").await;
    assert!(shown.contains("<h1>Access tokens</h1>"), "{shown}");
    assert!(shown.contains("No tokens yet"), "{shown}");
    // Fresh: both scopes ticked, a year.
    assert!(
        shown.contains(r#"id="scopes" name="read" checked"#),
        "{shown}"
    );
    assert!(shown.contains(r#"id="scope-write" name="write" checked"#));
    assert!(shown.contains(r#"<option value="365" selected>1 year</option>"#));
    let csrf = browser.csrf("/tokens").await;

    // Made: shown on the page the form made, this once, and it works for CalDAV.
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "Phone <calendar>"),
        ("read", "on"),
        ("expires", "30"),
    ];
    let res = browser.post("/tokens", &form, Some(&origin)).await;
    assert_eq!(res.status(), 201);
    let made = res.text().await.expect("page");
    assert!(made.contains("shown only this once"), "{made}");
    let secret = shown_token(&made).expect("the token").to_owned();
    assert!(secret.starts_with("tw_pat_"), "{secret}");
    let grant = tokens
        .authenticate_basic("cy@example.com", &secret)
        .await
        .expect("read")
        .expect("a live token");
    assert!(grant.allows(Scope::TasksRead) && !grant.allows(Scope::TasksWrite));
    let listed: Value = app.ok(&api, Method::GET, "/api/auth/tokens", None).await;
    assert_eq!(listed[0]["name"], "Phone <calendar>");
    assert!(listed[0]["expires_at"].is_string());

    // Listed (escaped), never shown again, with its last use.
    let shown = page(&mut browser, "/tokens").await;
    assert_eq!(shown_token(&shown), None);
    assert!(!shown.contains(&secret));
    assert!(
        shown.contains("Phone &#60;calendar&#62;") || shown.contains("Phone &lt;calendar&gt;"),
        "{shown}"
    );
    assert!(shown.contains("<td>Read tasks</td>"), "{shown}");
    assert!(
        !shown.contains("<td>never</td>\n        <td>"),
        "used: {shown}"
    );

    // Refused: no name, no scope, a choice that is not one; kept as typed, nothing made.
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "  "),
        ("expires", "forever"),
    ];
    let res = browser.post("/tokens", &form, Some(&origin)).await;
    let refused = browser.follow_refusal(res).await;
    for id in ["name-error", "scopes-error", "expires-error"] {
        assert!(
            refused.contains(&format!(r#"id="{id}""#)),
            "{id}: {refused}"
        );
    }
    assert!(refused.contains(r#"id="scopes" name="read">"#), "{refused}");
    let listed: Value = app.ok(&api, Method::GET, "/api/auth/tokens", None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));

    // A token that never expires, unused.
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "Backup script"),
        ("write", "on"),
        ("expires", "never"),
    ];
    let res = browser.post("/tokens", &form, Some(&origin)).await;
    assert_eq!(res.status(), 201);
    let shown = page(&mut browser, "/tokens").await;
    assert!(shown.contains("<td>Read and change tasks</td>"), "{shown}");
    assert!(
        shown.contains("<td>never</td>\n        <td>never</td>"),
        "{shown}"
    );

    // Revoke: not without the CSRF token, not someone else's, and at once.
    let id = listed[0]["id"].as_str().expect("id").to_owned();
    let revoke = format!("/tokens/{id}/revoke");
    let res = browser
        .post(&revoke, &[("csrf", "forged")], Some(&origin))
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert!(tokens.authenticate(&secret).await.expect("read").is_some());
    let mut other = Browser::new(&app);
    assert_eq!(other.sign_up("dee@example.com").await.status(), 303);
    let their_csrf = other.csrf("/tokens").await;
    let res = other
        .post(&revoke, &[("csrf", &their_csrf)], Some(&origin))
        .await;
    assert_eq!(res.status(), 404);
    assert!(tokens.authenticate(&secret).await.expect("read").is_some());
    let res = browser
        .post(&revoke, &[("csrf", &csrf)], Some(&origin))
        .await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/tokens"));
    assert_eq!(tokens.authenticate(&secret).await.expect("read"), None);
    let shown = page(&mut browser, "/tokens").await;
    assert!(shown.contains("Token revoked"), "{shown}");
    assert!(!shown.contains("Phone"), "{shown}");

    // At most 50: the page says so, and the form is refused on its name.
    for _ in 0..49 {
        app.ok(
            &api,
            Method::POST,
            "/api/auth/tokens",
            Some(json!({"name": "n", "scopes": ["tasks:read"]})),
        )
        .await;
    }
    let shown = page(&mut browser, "/tokens").await;
    assert!(shown.contains("You have 50 tokens"), "{shown}");
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "one more"),
        ("read", "on"),
        ("expires", "30"),
    ];
    let res = browser.post("/tokens", &form, Some(&origin)).await;
    let refused = browser.follow_refusal(res).await;
    assert!(
        refused.contains("You have 50 access tokens already"),
        "{refused}"
    );
    assert!(refused.contains(r#"value="one more""#), "{refused}");
}

on_both_databases!(the_tokens_page_makes_shows_once_and_revokes_tokens);
