//! Post/redirect/get for refused forms (issue 21): a refused form is answered with `303`
//! to its page at the error summary, the page shows what was typed and the errors once,
//! and the kept form is nobody else's; never a password or a CSRF token kept.

use serde_json::Value;

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, PASSWORD, location};

const KEPT: &str = "taskward_kept";

/// Runs `sql` on the test database directly; the first column of the rows it returns.
async fn raw(db: &TestDb, sql: &str) -> Vec<String> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
        let rows = sqlx::query_scalar(sql).fetch_all(&pool).await;
        pool.close().await;
        rows.expect("sql")
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        let rows = sqlx::query_scalar(sql).fetch_all(&pool).await;
        pool.close().await;
        rows.expect("sql")
    }
}

/// The `data` of every kept form in the database, read raw.
pub(crate) async fn kept_rows(db: &TestDb) -> Vec<String> {
    raw(db, "SELECT data FROM kept_forms").await
}

/// A kept form that expired long ago, as a node that died before reading it left it.
async fn insert_expired(db: &TestDb) {
    let (id, expired) = if db.url.starts_with("sqlite") {
        ("x'00'", "0")
    } else {
        ("'\\x00'", "to_timestamp(0)")
    };
    let sql = format!(
        "INSERT INTO kept_forms (id, owner, page, data, expires)
         VALUES ({id}, {id}, '/tasks', 'stale', {expired}) RETURNING data"
    );
    raw(db, &sql).await;
}

/// Ada, signed up through the API and signed in in a browser; her session and browser.
async fn ada(app: &TestApp) -> (crate::helpers::Session, Browser<'_>) {
    let api = app.signup("ada@example.com", PASSWORD).await;
    let mut browser = Browser::new(app);
    browser.sign_in("ada@example.com").await;
    (api, browser)
}

/// Every link of the error summary leads to an element of the page.
pub(crate) fn assert_summary_links_resolve(html: &str) {
    let summary = html
        .split(r#"id="errors""#)
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .expect("an error summary");
    assert!(summary.contains("There is a problem"), "{summary}");
    let mut links = 0;
    for part in summary.split(r##"href="#"##).skip(1) {
        let id = part.split('"').next().expect("an anchor");
        assert!(html.contains(&format!(r#"id="{id}""#)), "#{id} in {html}");
        links += 1;
    }
    assert!(links > 0, "{summary}");
}

async fn api_tasks(app: &TestApp, token: &str) -> Vec<Value> {
    app.get_as("/api/tasks?status=all", token)
        .await
        .json()
        .await
        .expect("json")
}

async fn a_refused_task_is_shown_once_on_its_page_with_what_was_typed(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (api, mut browser) = ada(&app).await;
    let csrf = browser.csrf("/tasks").await;
    let me = app.url("");
    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "   "),
        ("description", "Notes <b>kept</b>"),
        ("tags", "work, home"),
        ("due", "2027-02-30"),
        ("back", "status=all"),
    ];
    let res = browser.post("/tasks", &fields, Some(&me)).await;
    // Not a page: a redirect, so Back and reload never post the form again.
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/tasks?status=all#errors");
    assert!(browser.cookies.contains_key(KEPT), "{:?}", browser.cookies);
    let rows = kept_rows(&app.db).await;
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].contains(&csrf), "no CSRF token kept: {}", rows[0]);

    let html = browser.follow_refusal(res).await;
    assert_summary_links_resolve(&html);
    for shown in [
        r##"<a href="#title">The title must"##,
        r##"<a href="#due">The due date"##,
        r#"aria-invalid="true" aria-describedby="title-error""#,
        r#"id="title-error""#,
        "Notes &#60;b&#62;kept&#60;/b&#62;",
        r#"value="work, home""#,
        r#"value="2027-02-30""#,
    ] {
        assert!(html.contains(shown), "{shown} in {html}");
    }
    assert!(
        api_tasks(&app, &api.access).await.is_empty(),
        "nothing made"
    );
    assert!(kept_rows(&app.db).await.is_empty(), "read once, gone");
    assert!(!browser.cookies.contains_key(KEPT), "the cookie is cleared");

    // Reloading shows a clean form: no summary, nothing typed.
    let html = browser
        .get("/tasks?status=all")
        .await
        .text()
        .await
        .expect("page");
    assert!(!html.contains("There is a problem"), "{html}");
    assert!(!html.contains("Notes &#60;b&#62;"), "{html}");
    assert!(!html.contains(r#"aria-invalid="true""#), "{html}");

    // A refused quick add comes back to the view it was on, the text kept.
    let fields = [("csrf", csrf.as_str()), ("text", ""), ("back", "/upcoming")];
    let res = browser.post("/tasks/quick", &fields, Some(&me)).await;
    assert_eq!(location(&res), "/upcoming#errors");
    let html = browser.follow_refusal(res).await;
    assert_summary_links_resolve(&html);
    assert!(html.contains(r##"<a href="#quick-text">"##), "{html}");
    assert!(
        api_tasks(&app, &api.access).await.is_empty(),
        "nothing made"
    );
    app.stop().await;
}

async fn a_kept_form_is_read_by_its_browser_and_user_only(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut ada = Browser::new(&app);
    ada.sign_up("ada@example.com").await;
    let mut bob = Browser::new(&app);
    bob.sign_up("bob@example.com").await;
    let me = app.url("");
    let csrf = ada.csrf("/lists").await;
    let fields = [("csrf", csrf.as_str()), ("name", ""), ("color", "#secret")];
    let res = ada.post("/lists", &fields, Some(&me)).await;
    assert_eq!(location(&res), "/lists#errors");
    let id = ada.cookies[KEPT].clone();

    // Bob presenting Ada's id (his own browser and session) gets a clean page.
    bob.cookies.insert(KEPT.into(), id.clone());
    let html = bob.get("/lists").await.text().await.expect("page");
    assert!(!html.contains("There is a problem"), "{html}");
    assert!(!html.contains("#secret"), "{html}");
    // So does a forged id.
    bob.cookies.insert(KEPT.into(), "forged.ids".into());
    let res = bob.get("/lists").await;
    assert_eq!(res.status(), 200);
    assert!(
        !res.text()
            .await
            .expect("page")
            .contains("There is a problem")
    );
    // Ada's own browser with another CSRF cookie is another browser too.
    let mut copy = Browser::new(&app);
    copy.cookies = ada.cookies.clone();
    copy.cookies.insert("taskward_csrf".into(), "x".repeat(43));
    let html = copy.get("/lists").await.text().await.expect("page");
    assert!(!html.contains("There is a problem"), "{html}");

    // The row stayed for its owner.
    let html = ada.get("/lists").await.text().await.expect("page");
    assert_summary_links_resolve(&html);
    assert!(html.contains(r##"value="#secret""##), "{html}");

    // The same browser, another user: Ada's refused form is not Bob's.
    let csrf = ada.csrf("/lists").await;
    let fields = [("csrf", csrf.as_str()), ("name", ""), ("color", "#adas")];
    ada.post("/lists", &fields, Some(&me)).await;
    let res = ada.post("/signout", &[("csrf", &csrf)], Some(&me)).await;
    assert_eq!(res.status(), 303);
    assert!(ada.cookies.contains_key(KEPT), "the id is still held");
    ada.sign_in("bob@example.com").await;
    let html = ada.get("/lists").await.text().await.expect("page");
    assert!(!html.contains("There is a problem"), "{html}");
    assert!(!html.contains("#adas"), "{html}");
    app.stop().await;
}

async fn csrf_is_checked_first_and_old_kept_forms_are_swept(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (api, mut browser) = ada(&app).await;
    let csrf = browser.csrf("/tasks").await;
    let me = app.url("");
    for (token, origin) in [
        ("wrong", me.as_str()),
        (csrf.as_str(), "http://evil.example"),
    ] {
        let fields = [("csrf", token), ("title", "")];
        let res = browser.post("/tasks", &fields, Some(origin)).await;
        assert_eq!(res.status(), 403);
        assert!(!browser.cookies.contains_key(KEPT));
    }
    assert!(kept_rows(&app.db).await.is_empty(), "nothing kept");

    // A kept form nobody read is gone with the next one kept.
    insert_expired(&app.db).await;
    let fields = [("csrf", csrf.as_str()), ("title", "")];
    let res = browser.post("/tasks", &fields, Some(&me)).await;
    assert_eq!(res.status(), 303);
    let rows = kept_rows(&app.db).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_ne!(rows[0], "stale");
    assert!(api_tasks(&app, &api.access).await.is_empty());
    app.stop().await;
}

async fn refused_sign_in_and_sign_up_keep_the_email_never_the_password(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.signup("ada@example.com", PASSWORD).await;
    let mut browser = Browser::new(&app);
    let csrf = browser.csrf("/signin").await;
    let me = app.url("");
    let wrong = "wrong horse battery";
    let fields = [
        ("csrf", csrf.as_str()),
        ("email", "ada@example.com"),
        ("password", wrong),
        ("next", "/lists"),
    ];
    let res = browser.post("/signin", &fields, Some(&me)).await;
    assert_eq!(location(&res), "/signin?next=%2Flists#errors");
    let rows = kept_rows(&app.db).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains("ada@example.com"), "{}", rows[0]);
    assert!(
        !rows[0].contains(wrong) && !rows[0].contains(&csrf),
        "{}",
        rows[0]
    );
    let html = browser.follow_refusal(res).await;
    assert_summary_links_resolve(&html);
    assert!(html.contains(r#"value="ada@example.com""#), "{html}");
    assert!(html.contains(r#"id="email-error">The email or password is wrong."#));
    assert!(html.contains(r#"name="next" value="/lists""#), "{html}");
    assert!(!html.contains(wrong));

    let csrf = browser.csrf("/signup").await;
    let short = "s3cr3t!";
    let fields = [
        ("csrf", csrf.as_str()),
        ("email", "not an email"),
        ("name", "Grace"),
        ("password", short),
    ];
    let res = browser.post("/signup", &fields, Some(&me)).await;
    assert_eq!(location(&res), "/signup#errors");
    let rows = kept_rows(&app.db).await;
    assert!(rows.iter().all(|r| !r.contains(short)), "{rows:?}");
    let html = browser.follow_refusal(res).await;
    assert_summary_links_resolve(&html);
    assert!(html.contains(r#"value="Grace""#), "{html}");
    assert!(html.contains(r##"<a href="#password">"##), "{html}");
    assert!(!html.contains(short));
    app.stop().await;
}

/// A form's action, the page it comes back to, its fields, the field refused.
type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, &'a str);

async fn every_form_page_answers_a_refusal_with_a_redirect_and_a_summary(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut browser = Browser::new(&app);
    browser.sign_up("ada@example.com").await;
    let me = app.url("");
    let csrf = browser.csrf("/lists").await;
    let fields = [("csrf", csrf.as_str()), ("name", "Groceries")];
    let res = browser.post("/lists", &fields, Some(&me)).await;
    assert_eq!(res.status(), 303);
    let list = location(&res)
        .strip_prefix("/tasks?list=")
        .expect("the new list")
        .to_owned();
    let list_page = format!("/lists/{list}");
    let share = format!("/lists/{list}/members");
    let cases: [Case; 6] = [
        ("/lists", "/lists", vec![("name", "")], "name"),
        (
            &list_page,
            &list_page,
            vec![("name", ""), ("color", "red")],
            "color",
        ),
        (
            &share,
            &list_page,
            vec![("email", "nope"), ("role", "editor")],
            "share_email",
        ),
        (
            "/account/name",
            "/account",
            vec![("name", "Ada"), ("timezone", "Mars/Base")],
            "timezone",
        ),
        (
            "/account/password",
            "/account",
            vec![("current_password", PASSWORD), ("new_password", "short")],
            "new_password",
        ),
        (
            "/notifications/channels",
            "/notifications",
            vec![("kind", "pigeon")],
            "kind",
        ),
    ];
    for (action, page, mut fields, anchor) in cases {
        fields.push(("csrf", &csrf));
        let res = browser.post(action, &fields, Some(&me)).await;
        assert_eq!(location(&res), format!("{page}#errors"), "{action}");
        let html = browser.follow_refusal(res).await;
        assert_summary_links_resolve(&html);
        let link = format!(r##"<a href="#{anchor}">"##);
        assert!(html.contains(&link), "{action}: {link} in {html}");
        assert!(html.contains(r#"aria-invalid="true""#), "{action}");
        // Once.
        let again = browser.get(page).await.text().await.expect("page");
        assert!(!again.contains("There is a problem"), "{action}");
    }
    app.stop().await;
}

on_both_databases!(
    a_refused_task_is_shown_once_on_its_page_with_what_was_typed,
    a_kept_form_is_read_by_its_browser_and_user_only,
    csrf_is_checked_first_and_old_kept_forms_are_swept,
    refused_sign_in_and_sign_up_keep_the_email_never_the_password,
    every_form_page_answers_a_refusal_with_a_redirect_and_a_summary,
);
