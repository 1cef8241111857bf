//! Recurring tasks over HTTP (API-2.md section 2), on both databases: completing by each
//! route records the occurrence and answers the task at its next due; missed occurrences
//! are skipped; `from: completion`; `COUNT` ends a series; skip; the history; and bad
//! input changing nothing. The expansion itself is checked against python-dateutil in
//! `recurrence_oracle.rs`.

use reqwest::Method;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime, Weekday};

use crate::helpers::{Session, TestApp, TestDb, error_fields, problem};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

async fn user_in(app: &TestApp, email: &str, zone: &str) -> Session {
    app.signup_in(email, PASSWORD, zone).await
}

async fn send(
    app: &TestApp,
    s: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    app.ok(s, method, path, body).await
}

async fn create(app: &TestApp, s: &Session, body: Value) -> Value {
    send(app, s, Method::POST, "/api/tasks", Some(body)).await
}

async fn history(app: &TestApp, s: &Session, id: &str) -> Vec<Value> {
    let body = send(
        app,
        s,
        Method::GET,
        &format!("/api/tasks/{id}/history"),
        None,
    )
    .await;
    body.as_array().expect("array").clone()
}

fn due(task: &Value) -> (Option<&str>, Option<&str>) {
    (task["due_at"].as_str(), task["due_date"].as_str())
}

async fn each_way_of_completing_rolls_a_timed_task_at_its_wall_clock_time(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = user_in(&app, "ada@example.com", "Europe/Berlin").await;
    // 09:00 in Berlin on Saturday 30 March 2030; summer time starts the next night.
    let task = create(
        &app,
        &s,
        json!({"title": "Stretch", "due_at": "2030-03-30T08:00:00Z",
               "recurrence": {"rule": "freq=daily"}}),
    )
    .await;
    assert_eq!(
        task["recurrence"],
        json!({"rule": "FREQ=DAILY", "from": "due"})
    );
    let id = task["id"].as_str().expect("id").to_owned();
    let path = format!("/api/tasks/{id}");

    // The toggle: recorded, and due at 09:00 summer time (07:00 UTC), still pending.
    let rolled = send(&app, &s, Method::PATCH, &format!("{path}/complete"), None).await;
    assert_eq!(rolled["completed"], false);
    assert_eq!(rolled["completed_at"], Value::Null);
    assert_eq!(due(&rolled), (Some("2030-03-31T07:00:00Z"), None));
    // PATCH with completed: true.
    let rolled = send(
        &app,
        &s,
        Method::PATCH,
        &path,
        Some(json!({"completed": true})),
    )
    .await;
    assert_eq!(due(&rolled), (Some("2030-04-01T07:00:00Z"), None));
    // PUT with completed: true and the task as it is.
    let body = json!({"title": "Stretch", "due_at": rolled["due_at"], "completed": true,
                      "recurrence": {"rule": "FREQ=DAILY", "from": "due"}});
    let rolled = send(&app, &s, Method::PUT, &path, Some(body)).await;
    assert_eq!(due(&rolled), (Some("2030-04-02T07:00:00Z"), None));
    assert_eq!(rolled["completed"], false);

    let past = history(&app, &s, &id).await;
    let dues: Vec<&str> = past
        .iter()
        .map(|o| o["due_at"].as_str().expect("due_at"))
        .collect();
    assert_eq!(
        dues,
        [
            "2030-04-01T07:00:00Z",
            "2030-03-31T07:00:00Z",
            "2030-03-30T08:00:00Z"
        ],
        "newest first"
    );
    for o in &past {
        assert_eq!(o["due_date"], Value::Null);
        assert_eq!(o["completed_by"], s.user_id.as_str());
        let done = OffsetDateTime::parse(
            o["completed_at"].as_str().expect("completed_at"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339");
        assert!((OffsetDateTime::now_utc() - done).abs() < Duration::minutes(5));
    }
    // The task as read is the task as answered.
    let read = send(&app, &s, Method::GET, &path, None).await;
    assert_eq!(read, rolled);
    app.stop().await;
}

/// The first `weekday` strictly after `day`.
fn next_weekday(day: time::Date, weekday: Weekday) -> time::Date {
    let mut d = day.next_day().expect("date");
    while d.weekday() != weekday {
        d = d.next_day().expect("date");
    }
    d
}

async fn missed_occurrences_are_skipped_and_completion_counts_from_today(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = user_in(&app, "bob@example.com", "UTC").await;
    let today = OffsetDateTime::now_utc().date();
    // Every Monday, all day, last due five weeks ago: one completion lands on the first
    // Monday after today, not on any of the missed ones.
    let start = today - Duration::weeks(5);
    let start = start - Duration::days(i64::from(start.weekday().number_days_from_monday()));
    let weekly = create(
        &app,
        &s,
        json!({"title": "Bins out", "due_date": start.to_string(),
               "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=MO"}}),
    )
    .await;
    let path = format!("/api/tasks/{}/complete", weekly["id"].as_str().expect("id"));
    let rolled = send(&app, &s, Method::PATCH, &path, None).await;
    let monday = next_weekday(today, Weekday::Monday).to_string();
    assert_eq!(due(&rolled), (None, Some(monday.as_str())));

    // Every two weeks from completion: today plus 14 days, all day.
    let task = create(
        &app,
        &s,
        json!({"title": "Water the ficus", "due_date": "2020-01-01",
               "recurrence": {"rule": "FREQ=WEEKLY;INTERVAL=2", "from": "completion"}}),
    )
    .await;
    assert_eq!(task["recurrence"]["from"], "completion");
    let path = format!("/api/tasks/{}/complete", task["id"].as_str().expect("id"));
    let rolled = send(&app, &s, Method::PATCH, &path, None).await;
    let expected = (today + Duration::days(14)).to_string();
    assert_eq!(due(&rolled), (None, Some(expected.as_str())));
    // Skipping a due still ahead moves one interval past it, not to the same date again.
    let skip = path.replace("/complete", "/skip");
    let skipped = send(&app, &s, Method::POST, &skip, None).await;
    let expected = (today + Duration::days(28)).to_string();
    assert_eq!(due(&skipped), (None, Some(expected.as_str())));
    // Timed, from completion, daily: tomorrow at the series' time of day.
    let task = create(
        &app,
        &s,
        json!({"title": "Pills", "due_at": "2020-01-01T15:30:00Z",
               "recurrence": {"rule": "FREQ=DAILY", "from": "completion"}}),
    )
    .await;
    let path = format!("/api/tasks/{}/complete", task["id"].as_str().expect("id"));
    let rolled = send(&app, &s, Method::PATCH, &path, None).await;
    let expected = format!("{}T15:30:00Z", today + Duration::days(1));
    assert_eq!(due(&rolled), (Some(expected.as_str()), None));
    app.stop().await;
}

async fn count_ends_a_series_and_skip_records_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = user_in(&app, "cy@example.com", "America/New_York").await;
    let task = create(
        &app,
        &s,
        json!({"title": "Physio", "due_date": "2031-01-06",
               "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=3"}}),
    )
    .await;
    let id = task["id"].as_str().expect("id").to_owned();
    let complete = format!("/api/tasks/{id}/complete");
    let skip = format!("/api/tasks/{id}/skip");

    // Skip: the next occurrence, nothing recorded.
    let skipped = send(&app, &s, Method::POST, &skip, None).await;
    assert_eq!(due(&skipped), (None, Some("2031-01-09")));
    assert_eq!(skipped["completed"], false);
    assert!(history(&app, &s, &id).await.is_empty());
    // The third and last occurrence.
    let rolled = send(&app, &s, Method::PATCH, &complete, None).await;
    assert_eq!(due(&rolled), (None, Some("2031-01-13")));
    // Completing the last one completes the task for good, at its last due.
    let done = send(&app, &s, Method::PATCH, &complete, None).await;
    assert_eq!(done["completed"], true);
    assert_eq!(due(&done), (None, Some("2031-01-13")));
    let past = history(&app, &s, &id).await;
    let past_dates: Vec<&str> = past
        .iter()
        .map(|o| o["due_date"].as_str().expect("due_date"))
        .collect();
    assert_eq!(past_dates, ["2031-01-13", "2031-01-09"]);
    // A completed series cannot skip; reopening it keeps its due.
    let res = app.call(Method::POST, &skip, &s.access, None).await;
    assert_eq!(error_fields(&problem(res, 422).await), ["recurrence"]);
    let reopened = send(&app, &s, Method::PATCH, &complete, None).await;
    assert_eq!(
        (reopened["completed"].clone(), due(&reopened)),
        (json!(false), (None, Some("2031-01-13")))
    );

    // A task that does not recur cannot skip; an unknown one is 404.
    let plain = create(&app, &s, json!({"title": "Once", "due_date": "2031-01-06"})).await;
    let res = app
        .call(
            Method::POST,
            &format!("/api/tasks/{}/skip", plain["id"].as_str().expect("id")),
            &s.access,
            None,
        )
        .await;
    assert_eq!(error_fields(&problem(res, 422).await), ["recurrence"]);
    let unknown = "/api/tasks/0190b5d6-0000-7000-8000-000000000000";
    for (method, path) in [
        (Method::POST, format!("{unknown}/skip")),
        (Method::GET, format!("{unknown}/history")),
    ] {
        problem(app.call(method, &path, &s.access, None).await, 404).await;
    }
    // Someone else's task is 404 too, history included.
    let eve = app.signup("eve@example.com", PASSWORD).await;
    let res = app
        .get_as(&format!("/api/tasks/{id}/history"), &eve.access)
        .await;
    problem(res, 404).await;
    app.stop().await;
}

async fn bad_recurrences_are_refused_and_change_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = user_in(&app, "dee@example.com", "UTC").await;
    for (body, fields) in [
        (
            json!({"title": "x", "recurrence": {"rule": "FREQ=DAILY"}}),
            vec!["recurrence"],
        ),
        (
            json!({"title": "x", "due_date": "2031-01-01", "recurrence": {"rule": "FREQ=HOURLY"}}),
            vec!["recurrence.rule"],
        ),
        (
            json!({"title": "x", "due_date": "2031-01-01", "recurrence": {"rule": "FREQ=DAILY", "from": "now"}}),
            vec!["recurrence.from"],
        ),
        (
            json!({"title": "x", "due_date": "2031-01-01", "recurrence": {"from": "due"}}),
            vec!["recurrence"],
        ),
        (
            json!({"title": "x", "due_date": "2031-01-01", "recurrence": "FREQ=DAILY"}),
            vec!["recurrence"],
        ),
    ] {
        let res = app
            .call(Method::POST, "/api/tasks", &s.access, Some(&body))
            .await;
        let problem = problem(res, 422).await;
        assert_eq!(error_fields(&problem), fields, "{body}");
        if fields == ["recurrence.rule"] {
            assert!(
                problem.to_string().contains("FREQ=HOURLY"),
                "the part is named: {problem}"
            );
        }
    }
    let listed = send(&app, &s, Method::GET, "/api/tasks", None).await;
    assert_eq!(listed, json!([]), "nothing was created");

    // A recurring task keeps its due: removing it alone is refused, with the rule it is
    // fine, and `recurrence: null` stops the series.
    let task = create(
        &app,
        &s,
        json!({"title": "Rent", "due_date": "2031-01-01",
               "recurrence": {"rule": "FREQ=MONTHLY;BYMONTHDAY=1"}}),
    )
    .await;
    let path = format!("/api/tasks/{}", task["id"].as_str().expect("id"));
    let res = app
        .call(
            Method::PATCH,
            &path,
            &s.access,
            Some(&json!({"due_date": null})),
        )
        .await;
    assert_eq!(error_fields(&problem(res, 422).await), ["recurrence"]);
    let unchanged = send(&app, &s, Method::GET, &path, None).await;
    assert_eq!(unchanged, task);
    let stopped = send(
        &app,
        &s,
        Method::PATCH,
        &path,
        Some(json!({"recurrence": null})),
    )
    .await;
    assert_eq!(stopped["recurrence"], Value::Null);
    let done = send(&app, &s, Method::PATCH, &format!("{path}/complete"), None).await;
    assert_eq!(
        done["completed"], true,
        "a task that no longer recurs just completes"
    );
    app.stop().await;
}

async fn two_completions_of_one_version_record_one_occurrence(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = user_in(&app, "eli@example.com", "UTC").await;
    let task = create(
        &app,
        &s,
        json!({"title": "Standup", "due_at": "2031-02-03T09:00:00Z",
               "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"}}),
    )
    .await;
    let id = task["id"].as_str().expect("id").to_owned();
    let etag = app
        .get_as(&format!("/api/tasks/{id}"), &s.access)
        .await
        .headers()["etag"]
        .to_str()
        .expect("etag")
        .to_owned();
    let path = format!("/api/tasks/{id}/complete");
    let attempt = || {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&s.access)
            .header("if-match", &etag)
            .send()
    };
    let (a, b) = tokio::join!(attempt(), attempt());
    let mut statuses = [
        a.expect("response").status().as_u16(),
        b.expect("response").status().as_u16(),
    ];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412]);
    assert_eq!(history(&app, &s, &id).await.len(), 1);
    let read = send(&app, &s, Method::GET, &format!("/api/tasks/{id}"), None).await;
    assert_eq!(due(&read), (Some("2031-02-04T09:00:00Z"), None));
    app.stop().await;
}

on_both_databases!(
    each_way_of_completing_rolls_a_timed_task_at_its_wall_clock_time,
    missed_occurrences_are_skipped_and_completion_counts_from_today,
    count_ends_a_series_and_skip_records_nothing,
    bad_recurrences_are_refused_and_change_nothing,
    two_completions_of_one_version_record_one_occurrence,
);
