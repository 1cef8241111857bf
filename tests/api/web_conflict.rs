//! Conflicts are never silent (issue 21): the edit form carries the version it was made
//! from, and a save against a newer version is not written; the edit page shows the
//! user's values beside the saved ones, to keep one or the other.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, PASSWORD, location};

/// The value of the hidden or text field `name` of `html`'s edit form.
fn field(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}""#);
    let at = html.find(&marker).expect(name);
    let rest = &html[at..];
    let start = rest.find(r#"value=""#).expect("a value") + 7;
    rest[start..].split('"').next().expect("value").to_owned()
}

/// The rows of the comparison table, as (field, mine, theirs, whether marked as
/// differing).
fn compared(html: &str) -> Vec<(String, String, String, bool)> {
    let table = html
        .split(r#"<table class="compare">"#)
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("a comparison");
    table
        .split("<tr")
        .skip(2)
        .map(|row| {
            let cell = |n: usize| {
                let part = row.split("<t").nth(n).expect("a cell");
                let text = part.split_once('>').expect("a tag").1;
                let text = text.split('<').next().expect("text");
                text.trim().to_owned()
            };
            let differs = row.starts_with(r#" class="differs""#);
            (cell(1), cell(2), cell(3), differs)
        })
        .collect()
}

async fn task(app: &TestApp, token: &str, id: &str) -> Value {
    app.get_as(&format!("/api/tasks/{id}"), token)
        .await
        .json()
        .await
        .expect("json")
}

async fn a_stale_tab_does_not_put_the_old_title_back(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let api = app.signup("ada@example.com", PASSWORD).await;
    let created = app
        .ok(
            &api,
            reqwest::Method::POST,
            "/api/tasks",
            Some(json!({"title": "Buy milk"})),
        )
        .await;
    let id = created["id"].as_str().expect("id").to_owned();
    let mut browser = Browser::new(&app);
    browser.sign_in("ada@example.com").await;
    let me = app.url("");
    let edit = format!("/tasks/{id}/edit?back=status%3Dall");

    // Tab B opens the edit form first; tab A opens it too and renames the task.
    let tab_b = browser.get(&edit).await.text().await.expect("page");
    let tab_a = browser.get(&edit).await.text().await.expect("page");
    assert_eq!(field(&tab_b, "version"), "1");
    let csrf = field(&tab_a, "csrf");
    let save = |title: &'static str, notes: &'static str, version: String| {
        vec![
            ("csrf", csrf.clone()),
            ("title", title.to_owned()),
            ("description", notes.to_owned()),
            ("priority", "medium".to_owned()),
            ("back", "status=all".to_owned()),
            ("version", version),
        ]
    };
    let a = save("Buy oat milk", "", field(&tab_a, "version"));
    let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = browser.post(&format!("/tasks/{id}"), &a, Some(&me)).await;
    assert_eq!(location(&res), "/tasks?status=all");
    browser.get(location(&res)).await; // tab A shows "Task saved." and is done.

    // Tab B, opened earlier, saves a note: not written, both versions shown.
    let b = save("Buy milk", "2 litres", field(&tab_b, "version"));
    let b: Vec<(&str, &str)> = b.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = browser.post(&format!("/tasks/{id}"), &b, Some(&me)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{edit}#conflict"));
    let now = task(&app, &api.access, &id).await;
    assert_eq!(now["title"], "Buy oat milk", "the rename stands");
    assert_eq!(now["description"], "");

    let page = browser.get(&edit).await.text().await.expect("page");
    assert!(!page.contains("Task saved."), "never said saved: {page}");
    assert!(
        page.contains(r#"id="conflict" role="alert" tabindex="-1""#),
        "{page}"
    );
    assert!(page.contains("This task was changed while you edited it"));
    let rows = compared(&page);
    let row = |name: &str| rows.iter().find(|r| r.0.starts_with(name)).expect(name);
    assert_eq!(row("Title").1, "Buy milk");
    assert_eq!(row("Title").2, "Buy oat milk");
    assert!(row("Title").3);
    assert_eq!(
        (row("Notes").1.as_str(), row("Notes").2.as_str()),
        ("2 litres", "None")
    );
    assert!(!row("Priority").3 && row("Notes").3);
    // The form holds the user's values, now against the version shown beside them.
    assert_eq!(field(&page, "title"), "Buy milk");
    assert!(page.contains(">2 litres</textarea>"), "{page}");
    assert_eq!(field(&page, "version"), "2");
    assert!(
        page.contains(
            r#"<button type="submit" form="edit-form" class="primary">Keep mine</button>"#
        )
    );
    assert!(page.contains(r#"<a href="/tasks?status=all" class="button subtle">Take theirs</a>"#));

    // Shown once: reloading is the fresh form ("take theirs" by doing nothing).
    let fresh = browser.get(&edit).await.text().await.expect("page");
    assert!(!fresh.contains(r#"id="conflict""#));
    assert_eq!(field(&fresh, "title"), "Buy oat milk");

    // Keep mine: the user's values saved over the version they saw.
    let mine = save("Buy milk", "2 litres", field(&page, "version"));
    let mine: Vec<(&str, &str)> = mine.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = browser
        .post(&format!("/tasks/{id}"), &mine, Some(&me))
        .await;
    assert_eq!(location(&res), "/tasks?status=all");
    let now = task(&app, &api.access, &id).await;
    assert_eq!(
        (now["title"].as_str(), now["description"].as_str()),
        (Some("Buy milk"), Some("2 litres"))
    );
    let list = browser
        .get(location(&res))
        .await
        .text()
        .await
        .expect("page");
    assert!(list.contains("Task saved."));

    // Tab A's stale form again: a conflict again, nothing written.
    let res = browser.post(&format!("/tasks/{id}"), &a, Some(&me)).await;
    assert_eq!(location(&res), format!("{edit}#conflict"));
    assert_eq!(task(&app, &api.access, &id).await["title"], "Buy milk");
    app.stop().await;
}

on_both_databases!(a_stale_tab_does_not_put_the_old_title_back);
