//! Typed work survives a sign-in redirect (issue 21): a task form posted after the
//! session ended is kept (never saved), the visitor signs in, and the form's page shows
//! it filled in with a notice, to check and save. Only forms from this site are kept.

use serde_json::Value;

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, PASSWORD, location};
use crate::web_prg::kept_rows;

const NOTICE: &str = "You were signed out; your task is kept below: check it and save.";

/// Ends the browser's session as an expiry or a sign-out elsewhere would: the access
/// cookie gone, the refresh cookie refused.
fn end_session(browser: &mut Browser<'_>) {
    browser.cookies.remove("taskward_access");
    browser
        .cookies
        .insert("taskward_refresh".into(), "no-longer-valid".into());
}

async fn tasks(app: &TestApp, token: &str) -> Vec<Value> {
    app.get_as("/api/tasks?status=all", token)
        .await
        .json()
        .await
        .expect("json")
}

/// Signs in on the sign-in page `to` leads to, and follows `next`; the page it lands on.
async fn sign_in_and_land(browser: &mut Browser<'_>, origin: &str, to: &str) -> (String, String) {
    let page = browser.get(to).await.text().await.expect("sign-in page");
    assert!(
        page.contains(r#"id="kept""#),
        "the sign-in page says so: {page}"
    );
    let value = |name: &str| {
        let marker = format!(r#"name="{name}" value=""#);
        let start = page.find(&marker).expect(name) + marker.len();
        let raw = page[start..].split('"').next().expect("value");
        raw.replace("&#38;", "&")
    };
    let (csrf, next) = (value("csrf"), value("next"));
    let fields = [
        ("csrf", csrf.as_str()),
        ("email", "ada@example.com"),
        ("password", PASSWORD),
        ("next", next.as_str()),
    ];
    let res = browser.post("/signin", &fields, Some(origin)).await;
    assert_eq!(res.status(), 303);
    let landing = location(&res).to_owned();
    let html = browser.get(&landing).await.text().await.expect("page");
    (landing, html)
}

async fn a_task_typed_after_the_session_ended_is_shown_again_after_sign_in(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let api = app.signup("ada@example.com", PASSWORD).await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada@example.com").await;
    let csrf = browser.csrf("/tasks?status=all").await;
    let me = app.url("");
    end_session(&mut browser);
    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "Call the plumber"),
        ("description", "About the leak"),
        ("tags", "home"),
        ("back", "status=all"),
    ];
    let res = browser.post("/tasks", &fields, Some(&me)).await;
    assert_eq!(res.status(), 303);
    let to = location(&res).to_owned();
    assert_eq!(to, "/signin?next=%2Ftasks%3Fstatus%3Dall&expired=1&kept=1");
    let rows = kept_rows(&app.db).await;
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].contains(&csrf), "no CSRF token kept");
    assert!(tasks(&app, &api.access).await.is_empty(), "not saved");

    let (landing, html) = sign_in_and_land(&mut browser, &me, &to).await;
    assert_eq!(landing, "/tasks?status=all");
    assert!(html.contains(NOTICE), "{html}");
    assert!(html.contains(r#"value="Call the plumber""#), "{html}");
    assert!(html.contains(">About the leak</textarea>"), "{html}");
    assert!(html.contains(r#"value="home""#), "{html}");
    assert!(!html.contains("There is a problem"), "no errors: {html}");
    assert!(tasks(&app, &api.access).await.is_empty(), "never re-posted");
    // Once.
    let again = browser.get(&landing).await.text().await.expect("page");
    assert!(!again.contains(NOTICE) && !again.contains("Call the plumber"));

    // An edit, too: back on the edit page, filled in.
    let token = browser.csrf("/tasks").await;
    let fields = [("csrf", token.as_str()), ("title", "Water the plants")];
    browser.post("/tasks", &fields, Some(&me)).await;
    let id = tasks(&app, &api.access).await[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let edit = browser.get(&format!("/tasks/{id}/edit")).await;
    let form = edit.text().await.expect("page");
    let start = form.find(r#"name="version" value=""#).expect("version") + 23;
    let version = form[start..].split('"').next().expect("value").to_owned();
    end_session(&mut browser);
    let fields = [
        ("csrf", token.as_str()),
        ("title", "Water the garden"),
        ("back", "q=water"),
        ("version", version.as_str()),
    ];
    let res = browser
        .post(&format!("/tasks/{id}"), &fields, Some(&me))
        .await;
    let to = location(&res).to_owned();
    assert!(to.ends_with("&kept=1"), "{to}");
    let (landing, html) = sign_in_and_land(&mut browser, &me, &to).await;
    assert_eq!(landing, format!("/tasks/{id}/edit?back=q%3Dwater"));
    assert!(html.contains(NOTICE), "{html}");
    assert!(html.contains(r#"value="Water the garden""#), "{html}");
    assert_eq!(
        tasks(&app, &api.access).await[0]["title"],
        "Water the plants"
    );
    app.stop().await;
}

async fn quick_add_without_a_session_comes_back_to_its_view(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let api = app.signup("ada@example.com", PASSWORD).await;
    // A visitor who never signed in in this browser (no session cookies at all).
    let mut browser = Browser::new(&app);
    let csrf = browser.csrf("/signin").await;
    let me = app.url("");
    let fields = [
        ("csrf", csrf.as_str()),
        ("text", "Buy stamps tomorrow #errands"),
        ("back", "/upcoming"),
    ];
    let res = browser.post("/tasks/quick", &fields, Some(&me)).await;
    let to = location(&res).to_owned();
    assert_eq!(to, "/signin?next=%2Fupcoming&kept=1");

    // Another browser (its own CSRF cookie) with the same id gets nothing.
    let mut other = Browser::new(&app);
    other.csrf("/signin").await;
    other.cookies.insert(
        "taskward_kept".into(),
        browser.cookies["taskward_kept"].clone(),
    );
    other.sign_in("ada@example.com").await;
    let html = other.get("/upcoming").await.text().await.expect("page");
    assert!(!html.contains("Buy stamps"), "{html}");

    let (landing, html) = sign_in_and_land(&mut browser, &me, &to).await;
    assert_eq!(landing, "/upcoming");
    assert!(html.contains(NOTICE), "{html}");
    assert!(
        html.contains(r#"value="Buy stamps tomorrow #errands""#),
        "{html}"
    );
    assert!(tasks(&app, &api.access).await.is_empty(), "never re-posted");
    app.stop().await;
}

async fn only_forms_from_this_site_are_kept(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.signup("ada@example.com", PASSWORD).await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada@example.com").await;
    let csrf = browser.csrf("/tasks").await;
    end_session(&mut browser);
    let fields = [("csrf", csrf.as_str()), ("title", "Planted")];
    for origin in [Some("http://evil.example"), None] {
        let res = browser.post("/tasks", &fields, origin).await;
        assert_eq!(res.status(), 303, "{origin:?}");
        let to = location(&res);
        assert!(to.starts_with("/signin?") && !to.contains("kept=1"), "{to}");
    }
    assert!(kept_rows(&app.db).await.is_empty(), "nothing kept");
    // Forms that are not task forms are not kept either.
    let me = app.url("");
    let fields = [("csrf", csrf.as_str()), ("name", "Groceries")];
    let res = browser.post("/lists", &fields, Some(&me)).await;
    assert!(!location(&res).contains("kept=1"), "{}", location(&res));
    assert!(kept_rows(&app.db).await.is_empty());
    app.stop().await;
}

on_both_databases!(
    a_task_typed_after_the_session_ended_is_shown_again_after_sign_in,
    quick_add_without_a_session_comes_back_to_its_view,
    only_forms_from_this_site_are_kept,
);
