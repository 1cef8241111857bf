//! `due=overdue|today|upcoming|none` (API-2.md section 2), in the caller's time zone, on
//! both databases. Zones with fixed offsets (no daylight saving) keep the expected days
//! computable here; the zone arithmetic itself is unit-tested across DST in `zone.rs`.

use reqwest::Method;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::helpers::{Session, TestApp, TestDb, problem};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

/// The local date at `offset_hours` from UTC.
fn local_today(offset_hours: i8) -> time::Date {
    let offset = UtcOffset::from_hms(offset_hours, 0, 0).expect("offset");
    OffsetDateTime::now_utc().to_offset(offset).date()
}

/// The instant the local day `days` after today starts at `offset_hours` from UTC.
fn day_start(offset_hours: i8, days: i64) -> OffsetDateTime {
    let offset = UtcOffset::from_hms(offset_hours, 0, 0).expect("offset");
    let local = OffsetDateTime::now_utc().to_offset(offset);
    (local.date() + Duration::days(days))
        .midnight()
        .assume_offset(offset)
        .to_offset(UtcOffset::UTC)
}

async fn titles(app: &TestApp, s: &Session, query: &str) -> Vec<String> {
    let res = app
        .get_as(&format!("/api/tasks?{query}&sort=title"), &s.access)
        .await;
    assert_eq!(res.status(), 200, "{query}");
    let tasks: Vec<Value> = res.json().await.expect("json");
    tasks
        .iter()
        .map(|t| t["title"].as_str().expect("title").to_owned())
        .collect()
}

async fn due_windows_follow_each_callers_own_days(db: TestDb) {
    let app = TestApp::spawn(db).await;
    // Kiritimati is UTC+14 and Baker Island (Etc/GMT+12) UTC-12: 26 hours apart, so
    // their "today" never coincides.
    for (email, zone, hours) in [
        ("ada@example.com", "Pacific/Kiritimati", 14_i8),
        ("bob@example.com", "Etc/GMT+12", -12),
    ] {
        let s = app.signup_in(email, PASSWORD, zone).await;
        let now = OffsetDateTime::now_utc();
        for (title, due) in [
            ("a today", Some(day_start(hours, 0) + Duration::seconds(1))),
            ("b tomorrow", Some(day_start(hours, 1) + Duration::hours(1))),
            (
                "c in a week",
                Some(day_start(hours, 7) + Duration::hours(23)),
            ),
            (
                "d in eight days",
                Some(day_start(hours, 8) + Duration::hours(1)),
            ),
            ("e two days ago", Some(now - Duration::days(2))),
            ("f someday", None),
        ] {
            let due = due.map(|d| d.format(&Rfc3339).expect("format"));
            let body = json!({"title": title, "due_at": due});
            let res = app
                .call(Method::POST, "/api/tasks", &s.access, Some(&body))
                .await;
            assert_eq!(res.status(), 201);
        }
        // All-day tasks, on the caller's own days.
        let today = local_today(hours);
        for (title, days) in [
            ("g all day today", 0),
            ("h all day yesterday", -1),
            ("i all day in 3 days", 3),
            ("j all day in 8 days", 8),
        ] {
            let day = (today + Duration::days(days)).to_string();
            let body = json!({"title": title, "due_date": day});
            let res = app
                .call(Method::POST, "/api/tasks", &s.access, Some(&body))
                .await;
            assert_eq!(res.status(), 201);
        }
        assert_eq!(
            titles(&app, &s, "due=today").await,
            ["a today", "g all day today"],
            "{zone}"
        );
        assert_eq!(
            titles(&app, &s, "due=upcoming").await,
            ["b tomorrow", "c in a week", "i all day in 3 days"],
            "{zone}"
        );
        assert_eq!(titles(&app, &s, "due=none").await, ["f someday"], "{zone}");
        // "a today" is overdue once its second has passed, which it has unless the test
        // runs in the first second of the local day.
        let overdue = titles(&app, &s, "due=overdue").await;
        assert!(
            overdue.contains(&"e two days ago".to_owned()),
            "{zone}: {overdue:?}"
        );
        assert!(
            overdue.contains(&"h all day yesterday".to_owned()),
            "{zone}: {overdue:?}"
        );
        assert!(
            overdue
                .iter()
                .all(|t| t.starts_with('a') || t.starts_with('e') || t.starts_with('h')),
            "{zone}: {overdue:?}"
        );
        // Windows combine with the other filters and count like them.
        let res = app
            .get_as("/api/tasks?due=upcoming&q=week", &s.access)
            .await;
        assert_eq!(res.headers()["x-total-count"], "1");
        // And with the old route shape.
        let res = app
            .get_as(&format!("/api/{}/tasks?due=none", s.user_id), &s.access)
            .await;
        assert_eq!(res.json::<Vec<Value>>().await.expect("json").len(), 1);
    }
    let s = app.signin("ada@example.com", PASSWORD).await;
    let body = problem(app.get_as("/api/tasks?due=tomorrow", &s.access).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "query.due");
    app.stop().await;
}

async fn all_day_dues_are_days_that_sort_at_their_start_in_the_users_zone(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app
        .signup_in("ada@example.com", PASSWORD, "Europe/Berlin")
        .await;
    let post = |body: Value| {
        let (app, token) = (&app, s.access.clone());
        async move {
            app.call(Method::POST, "/api/tasks", &token, Some(&body))
                .await
        }
    };
    // Both dues at once, or a day that does not exist: 422, nothing created.
    let both = json!({"title": "x", "due_at": "2026-12-24T10:00:00Z", "due_date": "2026-12-24"});
    let body = problem(post(both).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "due_date");
    for bad in ["2026-02-30", "24.12.2026", "2026-12-24T00:00:00Z"] {
        let body = problem(post(json!({"title": "x", "due_date": bad})).await, 422).await;
        assert_eq!(body["errors"][0]["field"], "due_date", "{bad}");
    }
    assert_eq!(titles(&app, &s, "").await.len(), 0);
    // 23:30 on the 23rd in Berlin, the 24th all day, 00:30 on the 24th.
    for (title, due) in [
        (
            "late on the 23rd",
            json!({"due_at": "2026-12-23T22:30:00Z"}),
        ),
        ("on the 24th", json!({"due_date": "2026-12-24"})),
        (
            "early on the 24th",
            json!({"due_at": "2026-12-23T23:30:00Z"}),
        ),
        ("someday", json!({})),
    ] {
        let mut body = due.clone();
        body["title"] = json!(title);
        let res = post(body).await;
        assert_eq!(res.status(), 201);
        let task: Value = res.json().await.expect("json");
        assert_eq!(
            task["due_date"],
            due.get("due_date").cloned().unwrap_or(Value::Null)
        );
    }
    let order = [
        "late on the 23rd",
        "on the 24th",
        "early on the 24th",
        "someday",
    ];
    let by_due = |q: &'static str| {
        let (app, token) = (&app, s.access.clone());
        async move {
            let mut seen = Vec::new();
            let mut next = Some(format!("/api/tasks?{q}&limit=1"));
            while let Some(url) = next.take() {
                let res = app.get_as(&url, &token).await;
                next = crate::helpers::next_link(&res);
                let page: Vec<Value> = res.json().await.expect("json");
                seen.extend(
                    page.iter()
                        .map(|t| t["title"].as_str().expect("title").to_owned()),
                );
                assert!(seen.len() <= 4, "paging does not end");
            }
            seen
        }
    };
    assert_eq!(
        by_due("sort=due_at").await,
        order,
        "paged one by one through the cursor"
    );
    let mut reversed: Vec<&str> = order[..3].iter().rev().copied().collect();
    reversed.push("someday");
    assert_eq!(
        by_due("sort=-due_at").await,
        reversed,
        "missing dues last both ways"
    );
    // Setting one due clears the other.
    let list: Vec<Value> = app
        .get_as("/api/tasks?sort=due_at", &s.access)
        .await
        .json()
        .await
        .expect("json");
    let all_day = list[1]["id"].as_str().expect("id").to_owned();
    let path = format!("/api/tasks/{all_day}");
    let at = json!({"due_at": "2026-12-25T08:00:00Z"});
    let task: Value = app
        .call(Method::PATCH, &path, &s.access, Some(&at))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (task["due_at"].as_str(), task["due_date"].as_str()),
        (Some("2026-12-25T08:00:00Z"), None)
    );
    let day = json!({"due_date": "2026-12-26"});
    let task: Value = app
        .call(Method::PATCH, &path, &s.access, Some(&day))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (task["due_at"].as_str(), task["due_date"].as_str()),
        (None, Some("2026-12-26"))
    );
    app.stop().await;
}

on_both_databases!(
    due_windows_follow_each_callers_own_days,
    all_day_dues_are_days_that_sort_at_their_start_in_the_users_zone,
);
