//! Tasks: listing (API.md's "Tasks", `GET /api/tasks`) on both databases: filters,
//! every sort order, and cursor paging that stays exact while tasks are added.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, problem};
use crate::on_both_databases;
use crate::tasks::{PASSWORD, create, list, titles};

async fn filters_select_by_status_priority_tag_text_and_due_date(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let other = app.signup("eve@example.com", PASSWORD).await;
    create(
        &app,
        &other,
        json!({"title": "Eve's milk", "tags": ["home"]}),
    )
    .await;
    create(
        &app,
        &s,
        json!({"title": "Buy MILK", "tags": ["home", "errands"], "priority": "high",
        "due_at": "2026-12-01T00:00:00Z"}),
    )
    .await;
    create(
        &app,
        &s,
        json!({"title": "Write report", "description": "50% done, use snake_case",
        "tags": ["work"], "due_at": "2026-12-10T00:00:00Z"}),
    )
    .await;
    let done = create(
        &app,
        &s,
        json!({"title": "Ünïcode Straße", "priority": "low", "tags": ["home"]}),
    )
    .await;
    app.call(
        Method::PATCH,
        &format!("/api/tasks/{}/complete", done["id"].as_str().expect("id")),
        &s.access,
        None,
    )
    .await;

    let cases: [(&str, &[&str]); 14] = [
        ("status=pending&sort=title", &["Buy MILK", "Write report"]),
        ("status=completed", &["Ünïcode Straße"]),
        ("priority=high", &["Buy MILK"]),
        ("tag=HOME&sort=title", &["Buy MILK", "Ünïcode Straße"]),
        ("tag=nothing", &[]),
        ("q=milk", &["Buy MILK"]),
        ("q=50%25", &["Write report"]),
        ("q=%25", &["Write report"]),
        ("q=_", &["Write report"]),
        ("q=e_c", &["Write report"]),
        ("q=STRASSE", &[]),
        ("q=straße", &["Ünïcode Straße"]),
        ("due_before=2026-12-05T00:00:00Z", &["Buy MILK"]),
        (
            "due_after=2026-12-05T00:00:00Z&tag=work&status=pending",
            &["Write report"],
        ),
    ];
    for (query, expected) in cases {
        let (tasks, total, _) = list(&app, &s, query).await;
        assert_eq!(titles(&tasks), expected, "{query}");
        assert_eq!(total as usize, expected.len(), "{query}");
    }
    for (query, field) in [
        ("status=done", "query.status"),
        ("priority=urgent", "query.priority"),
        ("sort=size", "query.sort"),
        ("limit=0", "query.limit"),
        ("limit=201", "query.limit"),
        ("due_before=tomorrow", "query.due_before"),
        ("cursor=garbage", "query.cursor"),
    ] {
        let res = app.get_as(&format!("/api/tasks?{query}"), &s.access).await;
        assert_eq!(
            problem(res, 422).await["errors"][0]["field"],
            field,
            "{query}"
        );
    }
    app.stop().await;
}

async fn every_sort_order_is_total_with_missing_due_dates_last(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    for (title, priority, due) in [
        ("banana", "low", Some("2026-12-02T00:00:00Z")),
        ("Apple", "high", None),
        ("cherry", "medium", Some("2026-12-01T00:00:00Z")),
        ("apricot", "high", Some("2026-12-03T00:00:00Z")),
        ("date", "medium", None),
    ] {
        create(
            &app,
            &s,
            json!({"title": title, "priority": priority, "due_at": due}),
        )
        .await;
    }
    let cases: [(&str, [&str; 5]); 8] = [
        ("", ["date", "apricot", "cherry", "Apple", "banana"]),
        (
            "sort=created_at",
            ["banana", "Apple", "cherry", "apricot", "date"],
        ),
        (
            "sort=title",
            ["Apple", "apricot", "banana", "cherry", "date"],
        ),
        (
            "sort=-title",
            ["date", "cherry", "banana", "apricot", "Apple"],
        ),
        (
            "sort=due_at",
            ["cherry", "banana", "apricot", "Apple", "date"],
        ),
        // Ties, missing due dates included, are broken by id in the sort's direction.
        (
            "sort=-due_at",
            ["apricot", "banana", "cherry", "date", "Apple"],
        ),
        (
            "sort=priority",
            ["banana", "cherry", "date", "Apple", "apricot"],
        ),
        (
            "sort=-priority",
            ["apricot", "Apple", "date", "cherry", "banana"],
        ),
    ];
    for (query, expected) in cases {
        let (tasks, _, _) = list(&app, &s, query).await;
        assert_eq!(titles(&tasks), expected, "{query}");
        // Page by one: the same order, each task once.
        let mut paged = Vec::new();
        let mut next = Some(format!("/api/tasks?{query}&limit=1"));
        while let Some(url) = next.take() {
            let res = app.get_as(&url, &s.access).await;
            assert_eq!(res.headers()["x-total-count"], "5");
            next = crate::helpers::next_link(&res);
            let page: Vec<Value> = res.json().await.expect("json");
            paged.extend(
                page.iter()
                    .map(|t| t["title"].as_str().expect("title").to_owned()),
            );
            assert!(paged.len() <= 5, "{query}: paging does not end");
        }
        assert_eq!(paged, expected, "{query} paged");
    }
    app.stop().await;
}

async fn paging_250_tasks_while_adding_visits_each_original_exactly_once(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let mut originals = std::collections::HashSet::new();
    for i in 0..250 {
        let due = format!("2026-12-{:02}T00:00:00Z", i % 28 + 1);
        let t = create(
            &app,
            &s,
            json!({"title": format!("task {i:03}"), "due_at": due}),
        )
        .await;
        originals.insert(t["id"].as_str().expect("id").to_owned());
    }
    for sort in ["-created_at", "due_at", "title"] {
        let mut seen = std::collections::HashMap::<String, usize>::new();
        let mut next = Some(format!("/api/tasks?limit=40&sort={sort}"));
        let mut added = 0;
        while let Some(url) = next.take() {
            let res = app.get_as(&url, &s.access).await;
            assert_eq!(res.status(), 200);
            next = crate::helpers::next_link(&res);
            let page: Vec<Value> = res.json().await.expect("json");
            for t in &page {
                *seen
                    .entry(t["id"].as_str().expect("id").to_owned())
                    .or_default() += 1;
            }
            // Someone adds tasks between pages, some sorting before, some after.
            for title in ["aaa new", "zzz new"] {
                create(
                    &app,
                    &s,
                    json!({"title": title, "due_at": "2026-12-15T00:00:00Z"}),
                )
                .await;
                added += 1;
            }
            assert!(added < 100, "{sort}: paging does not end");
        }
        for id in &originals {
            assert_eq!(
                seen.get(id),
                Some(&1),
                "{sort}: task {id} seen {:?} times",
                seen.get(id)
            );
        }
        assert!(
            seen.values().all(|n| *n == 1),
            "{sort}: a task was repeated"
        );
    }
    app.stop().await;
}

on_both_databases!(
    filters_select_by_status_priority_tag_text_and_due_date,
    every_sort_order_is_total_with_missing_due_dates_last,
    paging_250_tasks_while_adding_visits_each_original_exactly_once,
);
