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
        let s = app.signup(email, PASSWORD).await;
        let res = app
            .call(
                Method::PATCH,
                "/api/auth/me",
                &s.access,
                Some(&json!({"timezone": zone})),
            )
            .await;
        assert_eq!(res.status(), 200);
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
        assert_eq!(titles(&app, &s, "due=today").await, ["a today"], "{zone}");
        assert_eq!(
            titles(&app, &s, "due=upcoming").await,
            ["b tomorrow", "c in a week"],
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
            overdue
                .iter()
                .all(|t| t.starts_with('a') || t.starts_with('e')),
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

on_both_databases!(due_windows_follow_each_callers_own_days);
