//! Reminders in the web app, over plain HTTP with the web forms, on both databases: the
//! task form's "Remind me" rows (what they make, checked through the API; what the list
//! and the edit page show; an unusual reminder kept on edit; errors kept in the form).
//! The notifications page is in web_notifications.rs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, PASSWORD};

async fn task(app: &TestApp, s: &Session, id: &str) -> Value {
    app.get_as(&format!("/api/tasks/{id}"), &s.access)
        .await
        .json()
        .await
        .expect("json")
}

/// The value of the input named `name` on `page`.
fn input_value<'p>(page: &'p str, name: &str) -> Option<&'p str> {
    let at = page.find(&format!(r#"name="{name}""#))?;
    let rest = &page[at..];
    let start = rest.find(r#"value=""#)? + 7;
    rest[start..].split('"').next()
}

async fn the_task_form_sets_reminders_and_the_list_shows_them(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_up("ada@example.com").await.status(), 303);
    let api = app.signin("ada@example.com", PASSWORD).await;
    app.set_timezone(&api.access, "Europe/Berlin").await;
    let origin = app.url("");
    let csrf = browser.csrf("/tasks").await;

    // Thursday 10 January 2030, 09:00 in Berlin (08:00 UTC): half an hour before, the
    // evening before at 18:00 Berlin time, and a day before.
    let res = browser
        .post(
            "/tasks",
            &[
                ("csrf", &csrf),
                ("title", "Dentist"),
                ("due", "2030-01-10"),
                ("due_time", "09:00"),
                ("remind_0", "PT30M"),
                ("remind_1", "at"),
                ("remind_at_1", "2030-01-09T18:00"),
                ("remind_2", "P1D"),
            ],
            Some(&origin),
        )
        .await;
    assert_eq!(res.status(), 303);
    let made: Vec<Value> = app
        .get_as("/api/tasks", &api.access)
        .await
        .json()
        .await
        .expect("json");
    let id = made[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        made[0]["reminders"],
        json!([{"before": "PT30M"}, {"at": "2030-01-09T17:00:00Z"}, {"before": "P1D"}])
    );

    // The list's bell: how many, and all of them in words.
    let page = browser.get("/tasks").await.text().await.expect("page");
    assert!(page.contains("🔔 3"), "{page}");
    assert!(
        page.contains(
            r#"title="Reminders: 30 minutes before; at Wed 9 Jan 2030, 18:00; 1 day before""#
        ),
        "{page}"
    );

    // The edit page shows each row as it was chosen.
    let edit = browser
        .get(&format!("/tasks/{id}/edit"))
        .await
        .text()
        .await
        .expect("page");
    for shown in [
        r#"<option value="PT30M" selected>30 minutes before</option>"#,
        r#"<option value="at" selected>At a date and time</option>"#,
        r#"name="remind_at_1" type="datetime-local" value="2030-01-09T18:00""#,
        r#"name="remind_was_1" value="2030-01-09T17:00:00Z""#,
        r#"<option value="P1D" selected>1 day before</option>"#,
        "<details class=\"repeat reminders\" open>",
    ] {
        assert!(edit.contains(shown), "{shown} in {edit}");
    }
    assert!(!edit.contains(r#"name="remind_3""#), "three rows");

    // One reminder: the bell says which.
    let res = browser
        .post(
            &format!("/tasks/{id}"),
            &[
                ("csrf", &csrf),
                ("title", "Dentist"),
                ("due", "2030-01-10"),
                ("due_time", "09:00"),
                ("remind_1", "PT2H"),
            ],
            Some(&origin),
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        task(&app, &api, &id).await["reminders"],
        json!([{"before": "PT2H"}])
    );
    let page = browser.get("/tasks").await.text().await.expect("page");
    assert!(page.contains("🔔 2 hours before"), "{page}");

    // A reminder before the due without a due, and one at a time already past: refused, the
    // errors on the section and on the row, everything typed kept, nothing made.
    let res = browser
        .post(
            "/tasks",
            &[
                ("csrf", &csrf),
                ("title", "Call the bank"),
                ("remind_0", "PT15M"),
                ("remind_1", "at"),
                ("remind_at_1", "2020-05-01T10:00"),
            ],
            Some(&origin),
        )
        .await;
    let page = browser.follow_refusal(res).await;
    for shown in [
        "A reminder before the due needs a due date",
        r#"id="remind_1-error">That time has passed"#,
        r#"<option value="PT15M" selected>"#,
        r#"value="2020-05-01T10:00""#,
        r#"value="Call the bank""#,
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    let all: Vec<Value> = app
        .get_as("/api/tasks", &api.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(all.len(), 1);

    // Quick add leaves reminders alone: none on a new task.
    let res = browser
        .post(
            "/tasks/quick",
            &[("csrf", &csrf), ("text", "Buy stamps tomorrow")],
            Some(&origin),
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = browser.get("/tasks").await.text().await.expect("page");
    assert_eq!(page.matches("class=\"reminds\"").count(), 1, "{page}");
    app.stop().await;
}

async fn editing_keeps_an_unusual_reminder_and_every_one_of_many(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_up("bo@example.com").await.status(), 303);
    let api = app.signin("bo@example.com", PASSWORD).await;
    let reminders = json!([
        {"before": "PT45M"},
        {"at": "2031-03-01T07:59:30.25Z"},
        {"before": "PT0S"},
        {"before": "P1DT2H"},
    ]);
    let res = app
        .call(
            Method::POST,
            "/api/tasks",
            &api.access,
            Some(
                &json!({"title": "Renew passport", "due_at": "2031-03-02T09:00:00Z",
                         "reminders": reminders}),
            ),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.expect("json");
    let id = created["id"].as_str().expect("id").to_owned();

    // Four rows, the odd ones as extra choices, selected.
    let edit = browser
        .get(&format!("/tasks/{id}/edit"))
        .await
        .text()
        .await
        .expect("page");
    for shown in [
        r#"<option value="PT45M" selected>45 minutes before</option>"#,
        r#"<option value="PT0S" selected>At the due time</option>"#,
        r#"<option value="P1DT2H" selected>1 day 2 hours before</option>"#,
        r#"name="remind_at_1" type="datetime-local" value="2031-03-01T07:59""#,
    ] {
        assert!(edit.contains(shown), "{shown} in {edit}");
    }
    assert!(edit.contains(r#"name="remind_3""#) && !edit.contains(r#"name="remind_4""#));
    let was = input_value(&edit, "remind_was_1").expect("the instant shown");

    // Saved as shown (a new title): the same reminders, to the fraction of a second.
    let origin = app.url("");
    let csrf = browser.csrf(&format!("/tasks/{id}/edit")).await;
    let fields = |title: &'static str, first: &'static str| {
        vec![
            ("title", title.to_owned()),
            ("due", "2031-03-02".to_owned()),
            ("due_time", "09:00".to_owned()),
            ("remind_0", first.to_owned()),
            ("remind_1", "at".to_owned()),
            ("remind_at_1", "2031-03-01T07:59".to_owned()),
            ("remind_was_1", was.to_owned()),
            ("remind_2", "PT0S".to_owned()),
            ("remind_3", "P1DT2H".to_owned()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let mut all = vec![("csrf", csrf.clone())];
        all.extend(fields);
        all
    };
    let form = post(fields("Renew the passport", "PT45M"));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = browser
        .post(&format!("/tasks/{id}"), &pairs, Some(&origin))
        .await;
    assert_eq!(res.status(), 303);
    let saved = task(&app, &api, &id).await;
    assert_eq!(saved["title"], "Renew the passport");
    assert_eq!(saved["reminders"], created["reminders"]);

    // "No reminder" in the first row removes that one only.
    let form = post(fields("Renew the passport", ""));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = browser
        .post(&format!("/tasks/{id}"), &pairs, Some(&origin))
        .await;
    assert_eq!(res.status(), 303);
    let saved = task(&app, &api, &id).await;
    assert_eq!(saved["reminders"].as_array().expect("array").len(), 3);
    assert_eq!(saved["reminders"][0], created["reminders"][1]);
    app.stop().await;
}

on_both_databases!(
    the_task_form_sets_reminders_and_the_list_shows_them,
    editing_keeps_an_unusual_reminder_and_every_one_of_many,
);
