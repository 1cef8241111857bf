//! The task list across lists (API-2.md section 1): one page over every list a user sees,
//! read one branch per list and merged, must order, page and count exactly as one list
//! would. Checked against an order computed here from the tasks themselves.

use std::cmp::Ordering;

use reqwest::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::helpers::{Session, TestApp, TestDb};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

fn at(v: &Value) -> Option<OffsetDateTime> {
    v.as_str()
        .map(|s| OffsetDateTime::parse(s, &Rfc3339).expect("RFC 3339"))
}

fn rank(p: &Value) -> u8 {
    match p.as_str() {
        Some("low") => 1,
        Some("medium") => 2,
        _ => 3,
    }
}

/// The contract's order for `sort` (a key, `-` for descending): by key, then id, in the
/// same direction; tasks without a due date after all others in both directions.
fn expected(tasks: &[Value], sort: &str) -> Vec<String> {
    let (desc, key) = sort.strip_prefix('-').map_or((false, sort), |k| (true, k));
    let mut sorted: Vec<&Value> = tasks.iter().collect();
    sorted.sort_by(|a, b| {
        let by_key = match key {
            "created_at" | "updated_at" => at(&a[key]).cmp(&at(&b[key])),
            "title" => {
                let (x, y) = (a["title"].as_str(), b["title"].as_str());
                x.map(str::to_lowercase).cmp(&y.map(str::to_lowercase))
            }
            "priority" => rank(&a["priority"]).cmp(&rank(&b["priority"])),
            "due_at" => match (at(&a["due_at"]), at(&b["due_at"])) {
                (Some(x), Some(y)) => x.cmp(&y),
                // Missing due dates last, whatever the direction.
                (None, Some(_)) => return Ordering::Greater,
                (Some(_), None) => return Ordering::Less,
                (None, None) => Ordering::Equal,
            },
            other => panic!("unknown sort {other}"),
        };
        let ord = by_key.then_with(|| a["id"].as_str().cmp(&b["id"].as_str()));
        if desc { ord.reverse() } else { ord }
    });
    sorted
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Every page of `query` at `limit` per page: the ids in order, checking the total.
async fn page_through(app: &TestApp, s: &Session, query: &str, total: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut next = Some(format!("/api/tasks?{query}&limit=6"));
    while let Some(url) = next.take() {
        let res = app.get_as(&url, &s.access).await;
        assert_eq!(res.status(), 200, "{url}");
        assert_eq!(
            res.headers()["x-total-count"].to_str().expect("ascii"),
            total.to_string(),
            "{url}"
        );
        next = crate::helpers::next_link(&res);
        let page: Vec<Value> = res.json().await.expect("json");
        ids.extend(
            page.iter()
                .map(|t| t["id"].as_str().expect("id").to_owned()),
        );
        assert!(ids.len() <= total, "{query}: paging does not end");
    }
    ids
}

async fn one_page_over_every_list_orders_pages_and_counts_like_one_list(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let mut lists = vec![ada.user_id.clone()];
    for name in ["Home", "Work"] {
        let res = app
            .call(
                Method::POST,
                "/api/lists",
                &ada.access,
                Some(&json!({"name": name})),
            )
            .await;
        lists.push(
            res.json::<Value>().await.expect("json")["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    // Bob's list, shared with Ada as a viewer: its tasks are Bob's.
    let res = app
        .call(
            Method::POST,
            "/api/lists",
            &bob.access,
            Some(&json!({"name": "Shared"})),
        )
        .await;
    let shared = res.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let res = app
        .call(
            Method::PUT,
            &format!("/api/lists/{shared}/members/ada@example.com"),
            &bob.access,
            Some(&json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    // A task in a list Ada does not see never shows.
    let res = app
        .call(
            Method::POST,
            "/api/tasks",
            &bob.access,
            Some(&json!({"title": "Bob's own"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let titles = [
        "Apple", "apricot", "Banana", "cherry", "Date", "elder", "Fig", "grape",
    ];
    let mut tasks = Vec::new();
    for i in 0..40_usize {
        let (who, list) = if i % 4 == 3 {
            (&bob, shared.as_str())
        } else {
            (&ada, lists[i % 4].as_str())
        };
        let priority = ["low", "medium", "high"][i % 3];
        let body = json!({
            "title": format!("{} {}", titles[i % titles.len()], i / 8),
            "priority": priority,
            // Shared due dates, and some missing, so that ties are broken by id.
            "due_at": (i % 5 != 0).then(|| format!("2026-12-{:02}T09:00:00Z", 1 + i % 7)),
            "completed": i % 6 == 0,
            "list_id": list,
        });
        let res = app
            .call(Method::POST, "/api/tasks", &who.access, Some(&body))
            .await;
        assert_eq!(res.status(), 201);
        tasks.push(res.json::<Value>().await.expect("json"));
    }
    assert_eq!(
        app.get_as("/api/lists", &ada.access).await.status(),
        200,
        "activates the share"
    );
    for sort in [
        "-created_at",
        "created_at",
        "updated_at",
        "title",
        "-title",
        "due_at",
        "-due_at",
        "priority",
        "-priority",
    ] {
        let got = page_through(&app, &ada, &format!("sort={sort}"), tasks.len()).await;
        assert_eq!(got, expected(&tasks, sort), "sort={sort}");
        // The old route shape sees the same.
        let url = format!("/api/{}/tasks?sort={sort}&limit=200", ada.user_id);
        let all: Vec<Value> = app
            .get_as(&url, &ada.access)
            .await
            .json()
            .await
            .expect("json");
        let ids: Vec<&str> = all.iter().map(|t| t["id"].as_str().expect("id")).collect();
        assert_eq!(ids, expected(&tasks, sort), "{url}");
    }
    // Filters across lists, and narrowed to one list.
    let pending: Vec<Value> = tasks
        .iter()
        .filter(|t| t["completed"] == false)
        .cloned()
        .collect();
    let got = page_through(&app, &ada, "status=pending&sort=title", pending.len()).await;
    assert_eq!(got, expected(&pending, "title"));
    for list in lists.iter().chain([&shared]) {
        let mine: Vec<Value> = tasks
            .iter()
            .filter(|t| t["list_id"] == list.as_str())
            .cloned()
            .collect();
        assert_eq!(mine.len(), 10);
        let got = page_through(&app, &ada, &format!("list={list}&sort=-due_at"), mine.len()).await;
        assert_eq!(got, expected(&mine, "-due_at"), "list={list}");
    }
    app.stop().await;
}

on_both_databases!(one_page_over_every_list_orders_pages_and_counts_like_one_list);
