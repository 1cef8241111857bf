//! Tasks: every row and rule of API.md's "Tasks", on both databases: creating, changing
//! and completing a task, and what deleting an account does to them. Listing is in
//! tasks_list.rs, ETags and users kept apart in tasks_isolation.rs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, TestDb, problem};
use crate::on_both_databases;

pub(crate) const PASSWORD: &str = "correct horse battery";

pub(crate) async fn create(app: &TestApp, s: &Session, body: Value) -> Value {
    let res = app
        .call(Method::POST, "/api/tasks", &s.access, Some(&body))
        .await;
    assert_eq!(res.status(), 201, "create {body}");
    res.json().await.expect("json")
}

pub(crate) async fn list(
    app: &TestApp,
    s: &Session,
    query: &str,
) -> (Vec<Value>, u64, Option<String>) {
    let res = app.get_as(&format!("/api/tasks?{query}"), &s.access).await;
    assert_eq!(res.status(), 200, "list {query}");
    let total = res.headers()["x-total-count"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("number");
    let next = crate::helpers::next_link(&res);
    (res.json().await.expect("json"), total, next)
}

pub(crate) fn titles(tasks: &[Value]) -> Vec<&str> {
    tasks
        .iter()
        .map(|t| t["title"].as_str().expect("title"))
        .collect()
}

async fn creating_a_task_answers_201_with_location_etag_and_defaults(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let res = app
        .call(
            Method::POST,
            "/api/tasks",
            &s.access,
            Some(&json!({"title": "  Buy milk  ", "tags": [" Home", "home", "ERRANDS"], "unknown": 1})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let etag = res.headers()["etag"].to_str().expect("ascii").to_owned();
    let task: Value = res.json().await.expect("json");
    assert_eq!(
        location,
        format!("/api/tasks/{}", task["id"].as_str().expect("id"))
    );
    assert_eq!(task["title"], "Buy milk");
    assert_eq!(task["description"], "");
    assert_eq!(task["completed"], false);
    assert_eq!(task["priority"], "medium");
    assert_eq!(task["due_at"], Value::Null);
    assert_eq!(task["completed_at"], Value::Null);
    assert_eq!(task["tags"], json!(["home", "errands"]));
    assert_eq!(task["user_id"], s.user_id.as_str());
    assert_eq!(task["list_id"], s.user_id.as_str(), "into the inbox");
    assert_eq!(task["created_at"], task["updated_at"]);
    let keys: Vec<&String> = task.as_object().expect("object").keys().collect();
    assert_eq!(task["due_date"], Value::Null);
    assert_eq!(task["recurrence"], Value::Null);
    assert_eq!(task["reminders"], json!([]));
    assert_eq!(keys.len(), 15, "{keys:?}");

    let res = app.get_as(&location, &s.access).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"].to_str().expect("ascii"), etag);
    assert_eq!(res.json::<Value>().await.expect("json"), task);

    // The old frontend's shape does the same.
    let path = format!("/api/{}/tasks", s.user_id);
    let res = app
        .call(
            Method::POST,
            &path,
            &s.access,
            Some(&json!({"title": "Second", "priority": "high",
            "due_at": "2026-12-01T10:00:00+01:00", "description": "d"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(location.starts_with(&format!("{path}/")), "{location}");
    let task: Value = res.json().await.expect("json");
    assert_eq!(task["due_at"], "2026-12-01T09:00:00Z");
    assert_eq!(task["priority"], "high");
    assert_eq!(app.get_as(&location, &s.access).await.status(), 200);
    let (all, total, _) = list(&app, &s, "").await;
    assert_eq!((all.len(), total), (2, 2));
    app.stop().await;
}

async fn invalid_tasks_are_422_naming_the_field_and_nothing_is_stored(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    let cases = [
        (json!({}), "title"),
        (json!({"title": "   "}), "title"),
        (json!({"title": "t".repeat(201)}), "title"),
        (json!({"title": 5}), "title"),
        (
            json!({"title": "x", "description": "d".repeat(2001)}),
            "description",
        ),
        (json!({"title": "x", "priority": "urgent"}), "priority"),
        (json!({"title": "x", "due_at": "next tuesday"}), "due_at"),
        (json!({"title": "x", "tags": eleven}), "tags"),
        (json!({"title": "x", "tags": ["x".repeat(33)]}), "tags[0]"),
        (json!({"title": "x", "tags": ["ok", ""]}), "tags[1]"),
        (json!({"title": "x", "tags": [1]}), "tags[0]"),
        (json!({"title": "x", "completed": "yes"}), "completed"),
        (json!(["title"]), "body"),
    ];
    for (body, field) in cases {
        let res = app
            .call(Method::POST, "/api/tasks", &s.access, Some(&body))
            .await;
        let p = problem(res, 422).await;
        assert_eq!(p["errors"][0]["field"], field, "{body}");
    }
    // The bounds themselves are fine.
    let ten: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
    create(
        &app,
        &s,
        json!({"title": "t".repeat(200), "description": "d".repeat(2000),
        "tags": ten, "due_at": null}),
    )
    .await;
    create(
        &app,
        &s,
        json!({"title": format!("  {}  ", "é".repeat(200)), "tags": ["x".repeat(32)]}),
    )
    .await;
    let (_, total, _) = list(&app, &s, "").await;
    assert_eq!(total, 2, "only the valid ones were stored");
    app.stop().await;
}

async fn put_replaces_and_patch_changes_only_what_it_names(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let t = create(
        &app,
        &s,
        json!({"title": "Draft", "description": "keep?", "priority": "high",
        "tags": ["a"], "due_at": "2026-12-24T18:00:00Z"}),
    )
    .await;
    let path = format!("/api/tasks/{}", t["id"].as_str().expect("id"));

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let res = app
        .call(
            Method::PUT,
            &path,
            &s.access,
            Some(&json!({"title": "Final"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let put: Value = res.json().await.expect("json");
    assert_eq!(put["title"], "Final");
    assert_eq!(put["description"], "", "omitted fields reset");
    assert_eq!(put["priority"], "medium");
    assert_eq!(put["tags"], json!([]));
    assert_eq!(put["due_at"], Value::Null);
    assert_eq!(put["created_at"], t["created_at"]);
    assert_ne!(put["updated_at"], t["updated_at"]);

    let res = app
        .call(
            Method::PATCH,
            &path,
            &s.access,
            Some(&json!({"priority": "low", "tags": ["B", "c"]})),
        )
        .await;
    let patched: Value = res.json().await.expect("json");
    assert_eq!(patched["title"], "Final", "untouched");
    assert_eq!(patched["priority"], "low");
    assert_eq!(patched["tags"], json!(["b", "c"]));

    let res = app
        .call(
            Method::PATCH,
            &path,
            &s.access,
            Some(&json!({"due_at": "2027-01-01T00:00:00Z", "completed": true})),
        )
        .await;
    let done: Value = res.json().await.expect("json");
    assert_eq!(done["completed"], true);
    assert!(done["completed_at"].is_string());
    assert_eq!(done["due_at"], "2027-01-01T00:00:00Z");

    let res = app
        .call(
            Method::PATCH,
            &path,
            &s.access,
            Some(&json!({"due_at": null, "tags": null, "completed": false})),
        )
        .await;
    let cleared: Value = res.json().await.expect("json");
    assert_eq!(cleared["due_at"], Value::Null);
    assert_eq!(cleared["tags"], json!([]));
    assert_eq!(cleared["completed_at"], Value::Null);

    for (body, field) in [
        (json!({"title": null}), "title"),
        (json!({"title": ""}), "title"),
        (json!({"completed": null}), "completed"),
    ] {
        let res = app.call(Method::PATCH, &path, &s.access, Some(&body)).await;
        assert_eq!(problem(res, 422).await["errors"][0]["field"], field);
    }
    let res = app
        .call(
            Method::PUT,
            &path,
            &s.access,
            Some(&json!({"description": "no title"})),
        )
        .await;
    problem(res, 422).await;
    let now: Value = app
        .get_as(&path, &s.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(now, cleared, "the refused changes changed nothing");
    app.stop().await;
}

async fn complete_toggles_or_sets_and_keeps_completed_at_consistent(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let t = create(&app, &s, json!({"title": "Toggle me"})).await;
    let path = format!(
        "/api/{}/tasks/{}/complete",
        s.user_id,
        t["id"].as_str().expect("id")
    );
    let on: Value = app
        .call(Method::PATCH, &path, &s.access, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(on["completed"], true);
    assert!(on["completed_at"].is_string());
    let off: Value = app
        .call(Method::PATCH, &path, &s.access, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(off["completed"], false);
    assert_eq!(off["completed_at"], Value::Null);
    let set: Value = app
        .call(
            Method::PATCH,
            &path,
            &s.access,
            Some(&json!({"completed": true})),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(set["completed"], true);
    let again: Value = app
        .call(
            Method::PATCH,
            &path,
            &s.access,
            Some(&json!({"completed": true})),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        again["completed_at"], set["completed_at"],
        "setting twice keeps the time"
    );
    let res = app
        .call(
            Method::PATCH,
            &path,
            &s.access,
            Some(&json!({"completed": "no"})),
        )
        .await;
    problem(res, 422).await;
    app.stop().await;
}

async fn deleting_an_account_deletes_its_tasks(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let t = create(&app, &s, json!({"title": "gone soon", "tags": ["x"]})).await;
    let id = uuid::Uuid::parse_str(t["id"].as_str().expect("id")).expect("uuid");
    let user = uuid::Uuid::parse_str(&s.user_id).expect("uuid");
    assert!(app.store.task_get(user, id).await.expect("q").is_some());
    let res = app
        .call(
            Method::DELETE,
            "/api/auth/me",
            &s.access,
            Some(&json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert!(app.store.task_get(user, id).await.expect("q").is_none());
    app.stop().await;
}

on_both_databases!(
    creating_a_task_answers_201_with_location_etag_and_defaults,
    invalid_tasks_are_422_naming_the_field_and_nothing_is_stored,
    put_replaces_and_patch_changes_only_what_it_names,
    complete_toggles_or_sets_and_keeps_completed_at_consistent,
    deleting_an_account_deletes_its_tasks,
);
