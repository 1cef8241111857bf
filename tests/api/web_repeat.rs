//! The task form's due time and repeat fields, over plain HTTP with the web forms, on
//! both databases: what the form makes (checked through the API), what the edit page
//! shows back, completing and skipping from the list, the history, and a bad rule kept
//! in the form with its error.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, PASSWORD, location};

async fn tasks(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    app.get_as(&format!("/api/tasks?{query}"), token)
        .await
        .json()
        .await
        .expect("json")
}

async fn the_form_sets_a_time_and_a_repeat_and_shows_them_again(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_up("ada@example.com").await.status(), 303);
    let api = app.signin("ada@example.com", PASSWORD).await;
    app.set_timezone(&api.access, "America/New_York").await;
    let origin = app.url("");
    let csrf = browser.csrf("/tasks").await;

    // Monday 4 January 2027, 08:30 in New York (13:30 UTC), every Mon and Fri from
    // completion.
    let res = browser
        .post(
            "/tasks",
            &[
                ("csrf", &csrf),
                ("title", "Gym"),
                ("due", "2027-01-04"),
                ("due_time", "08:30"),
                ("repeat", "weekly"),
                ("day_mo", "on"),
                ("day_fr", "on"),
                ("from_completion", "on"),
            ],
            Some(&origin),
        )
        .await;
    assert_eq!(res.status(), 303);
    let made = tasks(&app, &api.access, "").await;
    assert_eq!(made.len(), 1);
    let task = &made[0];
    assert_eq!(task["due_at"], "2027-01-04T13:30:00Z");
    assert_eq!(
        task["recurrence"],
        json!({"rule": "FREQ=WEEKLY;BYDAY=MO,FR", "from": "completion"})
    );
    let id = task["id"].as_str().expect("id").to_owned();

    // The list says how it repeats and offers to skip; the edit page shows it all back.
    let page = browser.get("/tasks").await.text().await.expect("page");
    assert!(page.contains("Every week on Mon, Fri"), "{page}");
    assert!(page.contains(&format!("/tasks/{id}/skip")));
    let edit = browser
        .get(&format!("/tasks/{id}/edit"))
        .await
        .text()
        .await
        .expect("page");
    for shown in [
        r#"name="due" type="date" value="2027-01-04""#,
        r#"name="due_time" type="time" value="08:30""#,
        r#"<option value="weekly" selected>"#,
        r#"name="day_mo" checked"#,
        r#"name="day_fr" checked"#,
        r#"name="from_completion" checked"#,
    ] {
        assert!(edit.contains(shown), "{shown} in {edit}");
    }
    assert!(!edit.contains(r#"name="day_tu" checked"#));
    assert!(!edit.contains("Done before"), "no history yet");

    // Done from the list: recorded, and due again (from completion: a week on at most).
    let res = browser
        .post(
            &format!("/tasks/{id}/toggle"),
            &[("csrf", &csrf), ("completed", "true"), ("back", "")],
            Some(&origin),
        )
        .await;
    // Back to the row: the task rolled on and stays in the list.
    assert_eq!(
        (res.status().as_u16(), location(&res)),
        (303, format!("/tasks#task-{id}").as_str())
    );
    let rolled = &tasks(&app, &api.access, "").await[0];
    assert_eq!(rolled["completed"], false);
    assert_ne!(rolled["due_at"], task["due_at"]);
    let edit = browser
        .get(&format!("/tasks/{id}/edit"))
        .await
        .text()
        .await
        .expect("page");
    assert!(edit.contains("Done before"), "{edit}");
    assert!(edit.contains("Due Mon 4 Jan 2027, 08:30"), "{edit}");

    // Skip from the list moves the due on without a record.
    let before = rolled["due_at"].clone();
    let res = browser
        .post(
            &format!("/tasks/{id}/skip"),
            &[("csrf", &csrf), ("back", "")],
            Some(&origin),
        )
        .await;
    assert_eq!(res.status(), 303);
    let skipped = &tasks(&app, &api.access, "").await[0];
    assert_ne!(skipped["due_at"], before);
    let history: Vec<Value> = app
        .get_as(&format!("/api/tasks/{id}/history"), &api.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(history.len(), 1);

    // A custom rule the subset refuses: refused, the text kept, the part named, nothing
    // changed.
    let res = browser
        .post(
            &format!("/tasks/{id}"),
            &[
                ("csrf", &csrf),
                ("title", "Gym"),
                ("due", "2027-01-04"),
                ("repeat", "custom"),
                ("rule", "FREQ=HOURLY"),
            ],
            Some(&origin),
        )
        .await;
    let page = browser.follow_refusal(res).await;
    assert!(page.contains(r#"value="FREQ=HOURLY""#), "{page}");
    assert!(page.contains("FREQ=HOURLY` is not supported"), "{page}");
    assert_eq!(&tasks(&app, &api.access, "").await[0], skipped);

    // Done tasks are hidden from the list until asked for.
    let plain = app
        .call(
            Method::POST,
            "/api/tasks",
            &api.access,
            Some(&json!({"title": "Paid the bill", "completed": true})),
        )
        .await;
    assert_eq!(plain.status(), 201);
    let page = browser.get("/tasks").await.text().await.expect("page");
    assert!(!page.contains("Paid the bill") && page.contains("Show completed"));
    let page = browser
        .get("/tasks?status=all")
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("Paid the bill") && page.contains("Hide completed"));
    app.stop().await;
}

async fn a_double_click_on_a_recurring_task_completes_one_occurrence(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_up("bo@example.com").await.status(), 303);
    let api = app.signin("bo@example.com", PASSWORD).await;
    let res = app
        .call(
            Method::POST,
            "/api/tasks",
            &api.access,
            Some(&json!({"title": "Feed the cat", "due_date": "2031-01-01",
                         "recurrence": {"rule": "FREQ=DAILY"}})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let etag = res.headers()["etag"].to_str().expect("etag").to_owned();
    let version = etag.trim_matches('"').to_owned();
    let task: Value = res.json().await.expect("json");
    let id = task["id"].as_str().expect("id").to_owned();
    let page = browser.get("/tasks").await.text().await.expect("page");
    assert!(
        page.contains(&format!(r#"name="version" value="{version}""#)),
        "{page}"
    );

    // The same form sent twice, as a double click does: one occurrence, one roll.
    let origin = app.url("");
    let csrf = browser.csrf("/tasks").await;
    // The first lands on the row; the second, which did nothing, at the top with a notice.
    for to in [format!("/tasks#task-{id}"), "/tasks".to_owned()] {
        let res = browser
            .post(
                &format!("/tasks/{id}/toggle"),
                &[
                    ("csrf", &csrf),
                    ("completed", "true"),
                    ("back", ""),
                    ("version", &version),
                ],
                Some(&origin),
            )
            .await;
        assert_eq!((res.status().as_u16(), location(&res)), (303, to.as_str()));
    }
    let page = browser.get("/tasks").await.text().await.expect("page");
    assert!(
        page.contains("That task had changed since this page was shown"),
        "{page}"
    );
    let history: Vec<Value> = app
        .get_as(&format!("/api/tasks/{id}/history"), &api.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(history.len(), 1);
    let now: Value = app
        .get_as(&format!("/api/tasks/{id}"), &api.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(now["due_date"], "2031-01-02");
    app.stop().await;
}

on_both_databases!(
    the_form_sets_a_time_and_a_repeat_and_shows_them_again,
    a_double_click_on_a_recurring_task_completes_one_occurrence,
);
