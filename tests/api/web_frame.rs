//! Error pages inside the normal frame (issue 21): a signed-in visitor keeps the
//! navigation on a 404, a 403 or any error page; a visitor without a session gets the
//! layout without it; API clients keep problem+json with no session lookup.

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, location};

const NAV: &str = r#"<nav class="nav" aria-label="Main">"#;

/// The page at `path`, whatever its status.
async fn text(browser: &mut Browser<'_>, path: &str) -> String {
    browser.get(path).await.text().await.expect("page")
}

/// The sign-out form's CSRF token on `html` (the navigation's).
fn nav_token(html: &str) -> String {
    let nav = html.split(NAV).nth(1).expect("the navigation");
    let start = nav.find(r#"name="csrf" value=""#).expect("a token") + 19;
    nav[start..].split('"').next().expect("a value").to_owned()
}

async fn error_pages_keep_the_navigation_when_signed_in(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut browser = Browser::new(&app);
    browser.sign_up("ada@example.com").await;
    let me = app.url("");
    let missing = "/tasks/0190d7a8-0000-7000-8000-000000000000/edit";
    for path in [missing, "/no-such-page", "/tasks/not-an-id/edit"] {
        let res = browser.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .expect("ascii");
        assert!(csp.contains("script-src 'self'"), "{path}");
        let html = res.text().await.expect("page");
        assert!(html.contains("Page not found"), "{path}: {html}");
        assert!(html.contains(NAV), "{path}: {html}");
        assert!(
            html.contains(r##"<a class="skip" href="#main">"##),
            "{path}"
        );
    }
    // A form refused for its token: a 403 page, still in the frame.
    let fields = [("csrf", "wrong"), ("title", "x")];
    let res = browser.post("/tasks", &fields, Some(&me)).await;
    assert_eq!(res.status(), 403);
    let html = res.text().await.expect("page");
    assert!(html.contains("This form could not be accepted"), "{html}");
    assert!(html.contains(NAV), "{html}");
    // Someone else's task: the same 404, in the frame.
    let mut bob = Browser::new(&app);
    bob.sign_up("bob@example.com").await;
    let token = bob.csrf("/tasks").await;
    let fields = [("csrf", token.as_str()), ("title", "Bob's")];
    bob.post("/tasks", &fields, Some(&me)).await;
    let html = bob.get("/tasks").await.text().await.expect("page");
    let end = html.find("/toggle\"").expect("a task's form");
    let id = &html[end - 36..end];
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    assert_eq!(bob.get(&format!("/tasks/{id}/edit")).await.status(), 200);
    let res = browser.get(&format!("/tasks/{id}/edit")).await;
    assert_eq!(res.status(), 404);
    let html = res.text().await.expect("page");
    assert!(html.contains(NAV) && !html.contains("Bob&#39;s"), "{html}");

    // The navigation's sign-out form works from the error page.
    let html = text(&mut browser, "/no-such-page").await;
    let token = nav_token(&html);
    let res = browser
        .post("/signout", &[("csrf", token.as_str())], Some(&me))
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/signin");
    let html = text(&mut browser, "/no-such-page").await;
    assert!(
        html.contains("Page not found") && !html.contains(NAV),
        "{html}"
    );
    app.stop().await;
}

async fn api_errors_stay_problem_json_without_a_session_lookup(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut browser = Browser::new(&app);
    browser.sign_up("ada@example.com").await;
    let cookies = browser.cookie_header();
    for (path, accept) in [
        ("/api/nothing-here", "text/html"),
        ("/no-such-page", "application/json"),
    ] {
        let res = app
            .client
            .get(app.url(path))
            .header("accept", accept)
            .header("cookie", &cookies)
            .send()
            .await
            .expect("request");
        assert!(res.headers().get("set-cookie").is_none(), "{path}");
        crate::helpers::problem(res, 404).await;
    }
    // A visitor without any cookie: the page, without the navigation.
    let res = app
        .client
        .get(app.url("/no-such-page"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 404);
    let html = res.text().await.expect("page");
    assert!(
        html.contains("Page not found") && !html.contains(NAV),
        "{html}"
    );
    app.stop().await;
}

on_both_databases!(
    error_pages_keep_the_navigation_when_signed_in,
    api_errors_stay_problem_json_without_a_session_lookup,
);
