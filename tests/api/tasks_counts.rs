//! `X-Total-Count` from the lists' counts (issue 22, migration 0019): without filters, or
//! with `status` alone, the total is a sum of counts the database keeps per list. Every
//! way a task comes, goes, moves or changes state is checked against the tasks the list
//! itself returns, counted here, on both databases. And a tag, common or rare, which
//! SQLite's store reads in two ways depending on how many tasks have it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, TestDb};
use crate::lists::create_list;
use crate::on_both_databases;
use crate::tasks::{PASSWORD, create, list};

/// Every task `query` selects, read page by page through the `Link` header, and the
/// `X-Total-Count` of the first page.
async fn all(app: &TestApp, s: &Session, query: &str) -> (Vec<Value>, u64) {
    let (mut tasks, total, mut next) = list(app, s, &format!("{query}&limit=7")).await;
    while let Some(link) = next {
        let res = app.get_as(&link, &s.access).await;
        assert_eq!(res.status(), 200, "{link}");
        next = crate::helpers::next_link(&res);
        let page: Vec<Value> = res.json().await.expect("json");
        tasks.extend(page);
    }
    (tasks, total)
}

/// The totals of every shape the lists' counts answer agree with the tasks listed: all,
/// pending and completed, across every list and in each of `lists`.
async fn totals_agree(app: &TestApp, s: &Session, lists: &[&str], stage: &str) {
    let mut scopes = vec![String::new()];
    scopes.extend(lists.iter().map(|l| format!("list={l}&")));
    for scope in &scopes {
        let (every, total) = all(app, s, &format!("{scope}sort=due_at")).await;
        assert_eq!(total, every.len() as u64, "{stage}: {scope} all");
        let done = every.iter().filter(|t| t["completed"] == true).count() as u64;
        for (status, expected) in [("pending", total - done), ("completed", done)] {
            let (tasks, total) = all(app, s, &format!("{scope}status={status}")).await;
            assert_eq!(total, expected, "{stage}: {scope}{status}");
            assert_eq!(
                tasks.len() as u64,
                expected,
                "{stage}: {scope}{status} listed"
            );
        }
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn every_write_keeps_the_totals_exact(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let work = id(&create_list(&app, &ada, json!({"name": "Work"})).await);
    let family = id(&create_list(&app, &bob, json!({"name": "Family"})).await);
    app.ok(
        &bob,
        Method::PUT,
        &format!("/api/lists/{family}/members/ada@example.com"),
        Some(json!({"role": "editor"})),
    )
    .await;
    // The share becomes active when Ada lists her lists.
    app.ok(&ada, Method::GET, "/api/lists", None).await;

    let mut inbox = Vec::new();
    for i in 0..12 {
        inbox.push(id(&create(
            &app,
            &ada,
            json!({"title": format!("inbox {i}"), "tags": ["t"]}),
        )
        .await));
    }
    let mut at_work = Vec::new();
    for i in 0..9 {
        let body = json!({"title": format!("work {i}"), "list_id": work});
        let task = id(&create(&app, &ada, body).await);
        if i % 3 == 0 {
            app.ok(
                &ada,
                Method::PATCH,
                &format!("/api/tasks/{task}/complete"),
                None,
            )
            .await;
        }
        at_work.push(task);
    }
    for i in 0..5 {
        create(
            &app,
            &bob,
            json!({"title": format!("family {i}"), "list_id": family}),
        )
        .await;
    }
    let lists = [work.as_str(), family.as_str()];
    totals_agree(&app, &ada, &lists, "created").await;

    // Completed, completed again (back to pending), and set with a PATCH.
    for t in &inbox[..5] {
        app.ok(
            &ada,
            Method::PATCH,
            &format!("/api/tasks/{t}/complete"),
            None,
        )
        .await;
    }
    app.ok(
        &ada,
        Method::PATCH,
        &format!("/api/tasks/{}/complete", inbox[0]),
        None,
    )
    .await;
    app.ok(
        &ada,
        Method::PATCH,
        &format!("/api/tasks/{}", at_work[1]),
        Some(json!({"completed": true, "title": "renamed"})),
    )
    .await;
    totals_agree(&app, &ada, &lists, "completed").await;

    // Moved: a completed task and a pending one to Work, one into the shared list.
    for (task, to) in [(&inbox[1], &work), (&inbox[6], &work), (&inbox[7], &family)] {
        app.ok(
            &ada,
            Method::PATCH,
            &format!("/api/tasks/{task}"),
            Some(json!({"list_id": to})),
        )
        .await;
    }
    totals_agree(&app, &ada, &lists, "moved").await;

    // Deleted, one by its owner in the shared list, and a whole list.
    for t in [&inbox[2], &inbox[8], &at_work[0]] {
        let res = app
            .call(
                Method::DELETE,
                &format!("/api/tasks/{t}"),
                &ada.access,
                None,
            )
            .await;
        assert_eq!(res.status(), 204);
    }
    totals_agree(&app, &ada, &lists, "deleted").await;
    let res = app
        .call(
            Method::DELETE,
            &format!("/api/lists/{work}"),
            &ada.access,
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    totals_agree(&app, &ada, &[family.as_str()], "list deleted").await;
    let (left, total) = all(&app, &ada, "status=pending").await;
    assert!(total > 0 && left.len() as u64 == total, "{total}");

    // Bob sees his list's tasks, Ada's move included, and none of Ada's inbox.
    totals_agree(
        &app,
        &bob,
        &[family.as_str()],
        "the owner of the shared list",
    )
    .await;
    let (_, bobs) = all(&app, &bob, "").await;
    assert_eq!(bobs, 6, "five of his and the one Ada moved in");
}

/// A common tag (the page walks the list and looks each task up) and a rare one (the
/// page reads the tag's tasks), in two lists: every page, in every order, has exactly the
/// tagged tasks, in order, and the total counts them.
async fn common_and_rare_tags_page_exactly(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let work = id(&create_list(&app, &ada, json!({"name": "Work"})).await);
    for i in 0..60 {
        let mut tags = Vec::new();
        if i % 4 != 0 {
            tags.push("common");
        }
        if i % 29 == 5 {
            tags.push("rare");
        }
        let priority = ["low", "medium", "high"][i % 3];
        let mut body = json!({"title": format!("task {i:02}"), "tags": tags, "priority": priority});
        if i % 2 == 0 {
            body["list_id"] = json!(work);
        }
        create(&app, &ada, body).await;
    }
    for (tag, expected) in [("common", 45), ("rare", 2)] {
        for sort in ["-created_at", "title", "-priority"] {
            let (tasks, total) = all(&app, &ada, &format!("tag={tag}&sort={sort}")).await;
            assert_eq!(total, expected, "{tag} {sort}");
            assert_eq!(tasks.len() as u64, expected, "{tag} {sort}");
            assert!(tasks.iter().all(|t| {
                t["tags"]
                    .as_array()
                    .is_some_and(|a| a.contains(&json!(tag)))
            }));
            let (every, _) = all(&app, &ada, &format!("sort={sort}")).await;
            let in_order: Vec<&Value> = every
                .iter()
                .filter(|t| {
                    t["tags"]
                        .as_array()
                        .is_some_and(|a| a.contains(&json!(tag)))
                })
                .collect();
            let got: Vec<&Value> = tasks.iter().collect();
            assert_eq!(got, in_order, "{tag} {sort}: the list's order");
        }
        let (in_work, total) = all(&app, &ada, &format!("list={work}&tag={tag}")).await;
        assert_eq!(total, in_work.len() as u64);
        assert!(in_work.iter().all(|t| t["list_id"] == json!(work)));
    }
}

on_both_databases!(
    every_write_keeps_the_totals_exact,
    common_and_rare_tags_page_exactly
);
