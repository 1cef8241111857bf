//! The tasks page laid out for daily use (issue 21, step 2) over plain HTTP, on both
//! databases: the default order (overdue first, then by due, then priority, then newest;
//! done tasks hidden), rows with their hooks and relative dues, tags typed with or
//! without `#` and filtered by prefix with a list of the user's tags, and pages that go
//! forward and back and say where they are.

use reqwest::Method;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::helpers::{Session, TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, PASSWORD, location};

/// Ada, in UTC, signed up through the API and signed in through the web.
async fn ada<'a>(app: &'a TestApp) -> (Session, Browser<'a>) {
    let s = app.signup_in("ada@example.com", PASSWORD, "UTC").await;
    let mut browser = Browser::new(app);
    assert_eq!(browser.sign_in("ada@example.com").await.status(), 303);
    (s, browser)
}

async fn create(app: &TestApp, s: &Session, body: Value) -> String {
    let res = app
        .call(Method::POST, "/api/tasks", &s.access, Some(&body))
        .await;
    assert_eq!(res.status(), 201, "{body}");
    let task: Value = res.json().await.expect("json");
    task["id"].as_str().expect("id").to_owned()
}

async fn page(browser: &mut Browser<'_>, path: &str) -> String {
    let res = browser.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.expect("page")
}

/// The task titles in `html`, in order.
fn titles(html: &str) -> Vec<&str> {
    html.split(r#"<p class="task-title" dir="auto">"#)
        .skip(1)
        .filter_map(|s| s.split("</p>").next())
        .collect()
}

/// The `<li>` of the task with `id`.
fn row<'h>(html: &'h str, id: &str) -> &'h str {
    let start = html
        .find(&format!(r#"id="task-{id}""#))
        .unwrap_or_else(|| panic!("no row for {id}"));
    let rest = &html[start..];
    &rest[..rest.find("</li>").expect("the row ends")]
}

/// The target of the link with `rel="{rel}"`, unescaped.
fn link(html: &str, rel: &str) -> Option<String> {
    let end = html.find(&format!(r#"rel="{rel}""#))?;
    let start = html[..end].rfind(r#"<a href=""#)? + r#"<a href=""#.len();
    let href = &html[start..end];
    Some(href[..href.find('"')?].replace("&#38;", "&"))
}

/// "1–20 of 45".
fn position(html: &str) -> Option<&str> {
    let start = html.find(r#"<p class="position muted">"#)? + r#"<p class="position muted">"#.len();
    Some(&html[start..start + html[start..].find("</p>")?])
}

fn at(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("format")
}

async fn the_default_view_puts_what_is_urgent_first(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (s, mut browser) = ada(&app).await;
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("whole seconds");
    let today = now.date();
    let two_days_ago = at(now - Duration::days(2));
    let next_week = (today + Duration::days(9)).to_string();
    let mut ids = Vec::new();
    for body in [
        json!({"title": "no due, low", "priority": "low"}),
        json!({"title": "older next week", "due_date": next_week}),
        json!({"title": "overdue, medium", "due_at": two_days_ago}),
        json!({"title": "done long ago", "due_date": "2020-01-01", "completed": true}),
        json!({"title": "due today", "due_date": today.to_string()}),
        json!({"title": "newer next week", "due_date": next_week}),
        json!({"title": "overdue, high", "due_at": two_days_ago, "priority": "high"}),
        json!({"title": "no due, high", "priority": "high"}),
        json!({"title": "no due, medium"}),
    ] {
        ids.push(create(&app, &s, body).await);
    }
    let html = page(&mut browser, "/tasks").await;
    let expected = [
        "overdue, high",
        "overdue, medium",
        "due today",
        "newer next week",
        "older next week",
        "no due, high",
        "no due, medium",
        "no due, low",
    ];
    assert_eq!(titles(&html), expected);
    assert!(html.contains("8 tasks"), "done tasks are not counted");
    // The same order on a list's own page.
    let inbox = page(&mut browser, &format!("/tasks?list={}", s.user_id)).await;
    assert_eq!(titles(&inbox), expected);
    // Done tasks are one switch away, in the same order (last: a done task is not overdue).
    let all = page(&mut browser, "/tasks?status=all").await;
    assert_eq!(titles(&all)[..2], ["done long ago", "overdue, high"]);

    // Rows: the hooks, the due in words with the full date, the landing of the toggle.
    let overdue = row(&html, &ids[6]);
    assert!(
        overdue.contains(r#"tabindex="-1" data-version=""#),
        "{overdue}"
    );
    assert!(overdue.contains("Overdue · 2 days"), "{overdue}");
    assert!(
        overdue.contains(&format!(
            r#"<time class="due is-overdue" datetime="{two_days_ago}""#
        )),
        "{overdue}"
    );
    assert!(overdue.contains("High priority"), "{overdue}");
    // Completing it takes it out of the view: the page lands on the next row.
    assert!(
        overdue.contains(&format!(r#"name="land" value="{}""#, ids[2])),
        "{overdue}"
    );
    let due_today = row(&html, &ids[4]);
    assert!(due_today.contains(">Today</time>"), "{due_today}");
    assert!(
        due_today.contains(&format!(r#"datetime="{today}""#)),
        "{due_today}"
    );
    // Where done tasks are shown, a toggled row stays: it lands on itself.
    let shown = row(&all, &ids[6]);
    assert!(shown.contains(&format!(r#"name="land" value="{}""#, ids[6])));

    let csrf = browser.csrf("/tasks").await;
    let me = app.url("");
    let res = browser
        .post(
            &format!("/tasks/{}/toggle", ids[6]),
            &[
                ("csrf", csrf.as_str()),
                ("completed", "true"),
                ("back", ""),
                ("land", &ids[2]),
            ],
            Some(&me),
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/tasks#task-{}", ids[2]));
    // A `land` that is not an id lands on the task itself.
    let res = browser
        .post(
            &format!("/tasks/{}/toggle", ids[6]),
            &[
                ("csrf", csrf.as_str()),
                ("completed", "false"),
                ("back", "status=all"),
                ("land", "../../evil"),
            ],
            Some(&me),
        )
        .await;
    assert_eq!(location(&res), format!("/tasks?status=all#task-{}", ids[6]));
    app.stop().await;
}

async fn tags_are_typed_with_or_without_a_hash_and_filtered_by_prefix(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (s, mut browser) = ada(&app).await;
    let csrf = browser.csrf("/tasks").await;
    let me = app.url("");
    let res = browser
        .post(
            "/tasks",
            &[
                ("csrf", csrf.as_str()),
                ("title", "Sort the shed"),
                ("tags", "#urgent, ##home, Work"),
                ("back", ""),
            ],
            Some(&me),
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        "/tasks#quick-text",
        "focus back in quick add"
    );
    let res = browser
        .post(
            "/tasks/quick",
            &[
                ("csrf", csrf.as_str()),
                ("text", "Plan the workshop #workshop #a_b"),
                ("back", ""),
            ],
            Some(&me),
        )
        .await;
    assert_eq!(location(&res), "/tasks#quick-text");
    create(
        &app,
        &s,
        json!({"title": "Homework", "tags": ["homework", "100%"]}),
    )
    .await;
    let res = app.get_as("/api/tasks?q=shed", &s.access).await;
    let tasks: Value = res.json().await.expect("json");
    assert_eq!(tasks[0]["tags"], json!(["urgent", "home", "work"]));

    // The filter: with or without `#`, a prefix; `%` and `_` mean themselves.
    for (filter, expected) in [
        ("wo", vec!["Plan the workshop", "Sort the shed"]),
        ("%23wo", vec!["Plan the workshop", "Sort the shed"]),
        ("%23%23work", vec!["Plan the workshop", "Sort the shed"]),
        ("works", vec!["Plan the workshop"]),
        ("home", vec!["Homework", "Sort the shed"]),
        ("HOMEW", vec!["Homework"]),
        ("a_", vec!["Plan the workshop"]),
        ("a%25", vec![]),
        ("_", vec![]),
        ("100%25", vec!["Homework"]),
        ("x", vec![]),
    ] {
        let html = page(&mut browser, &format!("/tasks?tag={filter}&sort=title")).await;
        assert_eq!(titles(&html), expected, "tag={filter}");
    }
    // The filter box shows the tag bare, and the summary of the folded filters says it.
    let html = page(&mut browser, "/tasks?tag=%23wo").await;
    assert!(html.contains(r#"name="tag" type="text" dir="auto" value="wo""#));
    assert!(html.contains("<details class=\"filter-more\" open>"));
    // The API's `tag=` stays exact.
    let res = app.get_as("/api/tasks?tag=wo", &s.access).await;
    assert_eq!(res.json::<Value>().await.expect("json"), json!([]));

    // The user's tags, on both tag fields, and no one else's.
    let other = app.signup("bob@example.com", PASSWORD).await;
    create(
        &app,
        &other,
        json!({"title": "Secret", "tags": ["bobs-secret"]}),
    )
    .await;
    let html = page(&mut browser, "/tasks").await;
    let list = &html[html
        .find(r#"<datalist id="tag-list">"#)
        .expect("a datalist")..];
    let list = &list[..list.find("</datalist>").expect("it ends")];
    let names: Vec<&str> = list
        .split(r#"<option value=""#)
        .skip(1)
        .filter_map(|o| o.split('"').next())
        .collect();
    assert_eq!(
        names,
        [
            "100%", "a_b", "home", "homework", "urgent", "work", "workshop"
        ]
    );
    assert!(html.contains(r#"id="tags" name="tags""#));
    assert_eq!(html.matches(r#"list="tag-list""#).count(), 2, "both fields");
    let edit = page(
        &mut browser,
        &format!("/tasks/{}/edit", tasks[0]["id"].as_str().expect("id")),
    )
    .await;
    assert!(edit.contains(r#"<option value="workshop">"#));
    app.stop().await;
}

async fn pages_go_forward_and_back_and_say_where_they_are(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (s, mut browser) = ada(&app).await;
    let today = OffsetDateTime::now_utc().date();
    // 45 tasks: a third without a due, the rest on five days (many ties), three priorities.
    for i in 0..45 {
        let priority = ["low", "medium", "high"][i % 3];
        let mut body = json!({"title": format!("Task {i:02}"), "priority": priority});
        if i % 3 != 1 {
            body["due_date"] = json!((today + Duration::days((i % 5) as i64 - 2)).to_string());
        }
        create(&app, &s, body).await;
    }
    for sort in ["", "due_at", "-due_at", "title", "-priority"] {
        let first = format!("/tasks?sort={sort}");
        let mut html = page(&mut browser, &first).await;
        let mut pages = Vec::new();
        for (n, expected) in ["1–20 of 45", "21–40 of 45", "41–45 of 45"]
            .iter()
            .enumerate()
        {
            assert_eq!(position(&html), Some(*expected), "sort={sort}");
            assert_eq!(link(&html, "prev").is_some(), n > 0, "sort={sort}");
            pages.push(
                titles(&html)
                    .into_iter()
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
            );
            if let Some(next) = link(&html, "next") {
                html = page(&mut browser, &next).await;
            }
        }
        assert_eq!(link(&html, "next"), None, "sort={sort}: the last page");
        let mut seen: Vec<&String> = pages.iter().flatten().collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 45, "sort={sort}: every task once");
        // Back: the same pages, in the same order, at the same positions.
        for (n, expected) in ["21–40 of 45", "1–20 of 45"].iter().enumerate() {
            let prev = link(&html, "prev").expect("a previous page");
            assert!(prev.contains("before="), "{prev}");
            html = page(&mut browser, &prev).await;
            assert_eq!(position(&html), Some(*expected), "sort={sort}");
            assert_eq!(titles(&html), pages[1 - n], "sort={sort}");
        }
        assert_eq!(link(&html, "prev"), None, "sort={sort}: back at the start");
    }
    // Going back from the middle of the first page shows the whole first page.
    let html = page(&mut browser, "/tasks?sort=title").await;
    let second = page(&mut browser, &link(&html, "next").expect("next")).await;
    let third = link(&second, "next").unwrap_or_default();
    assert!(third.contains("cursor="));
    let forged = link(&second, "prev").expect("prev").replace("at=1", "at=7");
    let back = page(&mut browser, &forged).await;
    assert_eq!(position(&back), Some("1–20 of 45"));
    // A broken cursor is the first page with a notice, never an error.
    let html = page(&mut browser, "/tasks?before=%21%21&at=99").await;
    assert!(html.contains("That page link is out of date"), "{html}");
    assert_eq!(position(&html), Some("1–20 of 45"));
    app.stop().await;
}

on_both_databases!(
    the_default_view_puts_what_is_urgent_first,
    tags_are_typed_with_or_without_a_hash_and_filtered_by_prefix,
    pages_go_forward_and_back_and_say_where_they_are,
);
