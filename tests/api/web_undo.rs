//! Undo in the web app (issue 21, step 3) over plain HTTP, on both databases: deleting
//! answers at once with an Undo that restores the task exactly (the API's JSON, history,
//! tags, fires), only for its deleter and only within the window, and the API sees a
//! deleted task as gone at once. Completion Undo and stale tabs: `web_undo_done.rs`.

use reqwest::Method;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::helpers::{Session, TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, PASSWORD, location};

/// A user's web browser, signed in, with the forms it posts.
pub(crate) struct Web<'a> {
    app: &'a TestApp,
    pub(crate) browser: Browser<'a>,
}

impl<'a> Web<'a> {
    /// A user made through the API (their session), signed in on the web too.
    pub(crate) async fn user(app: &'a TestApp, email: &str) -> (Session, Self) {
        let s = app.signup(email, PASSWORD).await;
        let mut browser = Browser::new(app);
        assert_eq!(browser.sign_in(email).await.status(), 303);
        (s, Self { app, browser })
    }

    /// Posts a form of the page `from` (its CSRF token, our origin) and follows the
    /// `303`: where it led, and that page.
    pub(crate) async fn act(
        &mut self,
        from: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (String, String) {
        let csrf = self.browser.csrf(from).await;
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let res = self
            .browser
            .post(action, &all, Some(&self.app.url("")))
            .await;
        assert_eq!(res.status(), 303, "{action}");
        let to = location(&res).to_owned();
        let page = self.browser.get(&to).await;
        assert_eq!(page.status(), 200, "{to}");
        (to, page.text().await.expect("page"))
    }

    /// The status of a form posted without its CSRF token.
    pub(crate) async fn without_csrf(&mut self, action: &str, fields: &[(&str, &str)]) -> u16 {
        let res = self
            .browser
            .post(action, fields, Some(&self.app.url("")))
            .await;
        res.status().as_u16()
    }
}

/// The notice's sentence on a page.
pub(crate) fn notice(html: &str) -> &str {
    let tag = r#"<div class="notice" role="status">"#;
    let start = html
        .find(tag)
        .unwrap_or_else(|| panic!("no notice in {html}"))
        + tag.len();
    let rest = &html[start..];
    rest[..rest.find(['<', '\n']).expect("end")].trim()
}

/// The notice's Undo form, if it has one.
fn undo_form(html: &str) -> Option<&str> {
    let start = html[..html.find(r#"class="inline undo""#)?].rfind("<form")?;
    let form = &html[start..];
    Some(&form[..form.find("</form>")?])
}

/// Where the notice's Undo form posts.
pub(crate) fn undo_action(html: &str) -> Option<String> {
    let form = undo_form(html)?;
    let start = form.find(r#"action=""#)? + 8;
    Some(form[start..].split('"').next()?.to_owned())
}

/// The value of the hidden field `name` of the notice's Undo form.
pub(crate) fn undo_field(html: &str, name: &str) -> Option<String> {
    let form = undo_form(html)?;
    let key = format!(r#"name="{name}" value=""#);
    let start = form.find(&key)? + key.len();
    Some(form[start..].split('"').next()?.to_owned())
}

/// A new task through the API; its id.
pub(crate) async fn new_task(app: &TestApp, s: &Session, body: Value) -> String {
    let task = app.ok(s, Method::POST, "/api/tasks", Some(body)).await;
    task["id"].as_str().expect("id").to_owned()
}

pub(crate) async fn api_status(app: &TestApp, s: &Session, path: &str) -> u16 {
    app.get_as(path, &s.access).await.status().as_u16()
}

/// Runs a statement on the test's database, in its dialect (`sqlite` or `postgres`),
/// and answers its rows as `(text, number)`, sorted. Only for values the test wrote.
pub(crate) async fn rows(db: &TestDb, sqlite: &str, postgres: &str) -> Vec<(String, i64)> {
    let mut rows: Vec<(String, i64)> = if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(sqlite))
            .fetch_all(&pool)
            .await
            .expect(sqlite);
        pool.close().await;
        rows
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(postgres))
            .fetch_all(&pool)
            .await
            .expect(postgres);
        pool.close().await;
        rows
    };
    rows.sort();
    rows
}

/// The fires of a task still ahead, `(reminder, fire_at in µs)`, read from the database.
pub(crate) async fn fires(db: &TestDb, task: &str) -> Vec<(String, i64)> {
    let id = uuid::Uuid::parse_str(task).expect("uuid");
    rows(
        db,
        &format!(
            "SELECT reminder, fire_at FROM reminder_fires WHERE task_id = X'{}'",
            id.simple()
        ),
        &format!(
            "SELECT reminder, (EXTRACT(EPOCH FROM fire_at) * 1000000)::BIGINT FROM reminder_fires WHERE task_id = '{id}'"
        ),
    )
    .await
}

/// Lets `seconds` pass for every task in the trash: its deletion is moved back.
async fn age_trash(db: &TestDb, seconds: i64) {
    let micros = seconds * 1_000_000;
    rows(
        db,
        &format!("UPDATE deleted_tasks SET deleted_at = deleted_at - {micros}"),
        &format!("UPDATE deleted_tasks SET deleted_at = deleted_at - interval '{seconds} seconds'"),
    )
    .await;
}

/// The column names of `table`, sorted.
async fn columns(db: &TestDb, table: &str) -> Vec<String> {
    let named = rows(
        db,
        &format!("SELECT name, 0 FROM pragma_table_info('{table}')"),
        &format!(
            "SELECT column_name::TEXT, 0::BIGINT FROM information_schema.columns WHERE table_name = '{table}'"
        ),
    )
    .await;
    named.into_iter().map(|(name, _)| name).collect()
}

pub(crate) fn stamp(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

const NOTHING: &str =
    "There is nothing to undo: that task was already restored, or it is not yours to restore.";

async fn deleting_then_undo_restores_the_task_exactly(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, mut web) = Web::user(&app, "ada@example.com").await;
    let (_, mut bob) = Web::user(&app, "bob@example.com").await;
    let list = app
        .ok(
            &ada,
            Method::POST,
            "/api/lists",
            Some(json!({"name": "Home"})),
        )
        .await;
    let list_id = list["id"].as_str().expect("id").to_owned();
    let due = OffsetDateTime::now_utc() + Duration::days(2);
    let id = new_task(
        &app,
        &ada,
        json!({"title": "Water the plants", "description": "The fern too",
            "due_at": stamp(due), "priority": "high", "tags": ["home", "green"],
            "list_id": list_id, "recurrence": {"rule": "FREQ=DAILY"},
            "reminders": [{"before": "PT30M"}, {"at": stamp(due + Duration::days(3))}]}),
    )
    .await;
    let path = format!("/api/tasks/{id}");
    // A history: one occurrence done.
    app.ok(&ada, Method::PATCH, &format!("{path}/complete"), None)
        .await;
    let before = app.ok(&ada, Method::GET, &path, None).await;
    let history = format!("{path}/history");
    let past = app.ok(&ada, Method::GET, &history, None).await;
    assert_eq!(past.as_array().map(Vec::len), Some(1));
    let fires_before = fires(&app.db, &id).await;
    assert_eq!(fires_before.len(), 2, "{fires_before:?}");

    // Delete from the row: at once, back to the same list, with an Undo.
    let view = format!("/tasks?list={list_id}");
    let back = format!("list={list_id}");
    let delete = format!("/tasks/{id}/delete");
    let (to, html) = web.act(&view, &delete, &[("back", &back)]).await;
    assert_eq!(to, view);
    assert_eq!(notice(&html), "Task deleted.");
    let restore = format!("/tasks/{id}/restore");
    assert_eq!(undo_action(&html).as_deref(), Some(restore.as_str()));
    assert_eq!(undo_field(&html, "back").as_deref(), Some(back.as_str()));
    assert!(html.contains("Undo<span class=\"visually-hidden\"> the delete</span>"));
    assert!(!html.contains("Water the plants"), "the row is gone");

    // Gone for the API at once, and its fires with it.
    assert_eq!(api_status(&app, &ada, &path).await, 404);
    let listed = app
        .ok(&ada, Method::GET, "/api/tasks?status=all", None)
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(0));
    assert!(fires(&app.db, &id).await.is_empty());

    // The Undo form needs its CSRF token; someone else's Undo restores nothing.
    assert_eq!(web.without_csrf(&restore, &[("back", "")]).await, 403);
    let (to, html) = bob.act("/tasks", &restore, &[]).await;
    assert_eq!((to.as_str(), notice(&html)), ("/tasks", NOTHING));
    assert_eq!(api_status(&app, &ada, &path).await, 404);

    // The deleter's Undo puts it back exactly, in its list.
    let (to, html) = web.act(&view, &restore, &[("back", &back)]).await;
    assert_eq!(to, view);
    assert_eq!(notice(&html), "Task restored.");
    assert!(undo_action(&html).is_none());
    assert!(html.contains("Water the plants"), "the row is back");
    assert_eq!(app.ok(&ada, Method::GET, &path, None).await, before);
    assert_eq!(app.ok(&ada, Method::GET, &history, None).await, past);
    assert_eq!(fires(&app.db, &id).await, fires_before);
    let tagged = app
        .ok(&ada, Method::GET, "/api/tasks?tag=green", None)
        .await;
    assert_eq!(tagged[0]["id"], id.as_str(), "the tag index is back");

    // A second Undo (another tab) has nothing left to do.
    let (_, html) = web.act(&view, &restore, &[("back", &back)]).await;
    assert_eq!(notice(&html), NOTHING);
    assert_eq!(app.ok(&ada, Method::GET, &path, None).await, before);
    // The list counts it once again (its total comes from the list's count).
    for query in ["status=all", "status=pending", &format!("list={list_id}")] {
        let res = app
            .get_as(&format!("/api/tasks?{query}"), &ada.access)
            .await;
        assert_eq!(res.headers()["x-total-count"], "1", "{query}");
    }

    // The old confirmation page still works for old links, and says Undo is there.
    let res = web.browser.get(&format!("{delete}?back={back}")).await;
    let html = res.text().await.expect("page");
    assert!(html.contains("You can undo this for 10 minutes"), "{html}");
    // A delete without the CSRF token is refused.
    assert_eq!(web.without_csrf(&delete, &[("back", "")]).await, 403);
    assert_eq!(api_status(&app, &ada, &path).await, 200);
    app.stop().await;
}

async fn undo_is_refused_after_the_window_or_without_the_list(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, mut web) = Web::user(&app, "ada@example.com").await;
    let one = new_task(&app, &ada, json!({"title": "One"})).await;
    let restore = format!("/tasks/{one}/restore");
    web.act("/tasks", &format!("/tasks/{one}/delete"), &[])
        .await;

    // Ten and a half minutes later: too late, with a notice that says so (the workers
    // sweep the entry a minute after the window).
    age_trash(&app.db, 630).await;
    let (_, html) = web.act("/tasks", &restore, &[]).await;
    assert_eq!(
        notice(&html),
        "That task can no longer be restored: deleted tasks are kept for 10 minutes."
    );
    assert_eq!(
        api_status(&app, &ada, &format!("/api/tasks/{one}")).await,
        404
    );
    // The sweep (each worker's, every round) removes it for good.
    let cutoff = OffsetDateTime::now_utc() - Duration::minutes(10);
    let oldest = app.store.task_trash_sweep(cutoff).await.expect("sweep");
    assert_eq!(oldest, None);
    let (_, html) = web.act("/tasks", &restore, &[]).await;
    assert_eq!(notice(&html), NOTHING);

    // A task whose list was deleted meanwhile cannot come back: a notice, not a 500.
    let list = app
        .ok(
            &ada,
            Method::POST,
            "/api/lists",
            Some(json!({"name": "Trip"})),
        )
        .await;
    let list_id = list["id"].as_str().expect("id").to_owned();
    let two = new_task(&app, &ada, json!({"title": "Two", "list_id": list_id})).await;
    web.act("/tasks", &format!("/tasks/{two}/delete"), &[])
        .await;
    let oldest = app.store.task_trash_sweep(cutoff).await.expect("sweep");
    assert!(oldest.is_some(), "a fresh entry stays");
    app.ok(&ada, Method::DELETE, &format!("/api/lists/{list_id}"), None)
        .await;
    let (_, html) = web
        .act("/tasks", &format!("/tasks/{two}/restore"), &[])
        .await;
    assert_eq!(
        notice(&html),
        "That task cannot be restored: its list has been deleted."
    );

    // The trash has the columns of the tasks table, so a restore loses none.
    let mut trash = columns(&app.db, "deleted_tasks").await;
    trash.retain(|c| c != "deleted_by" && c != "deleted_at");
    assert_eq!(trash, columns(&app.db, "tasks").await);
    app.stop().await;
}

on_both_databases!(
    deleting_then_undo_restores_the_task_exactly,
    undo_is_refused_after_the_window_or_without_the_list,
);
