//! Tasks: every row and rule of API.md's "Tasks", on both databases.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, TestDb, problem};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

async fn create(app: &TestApp, s: &Session, body: Value) -> Value {
    let res = app
        .call(Method::POST, "/api/tasks", &s.access, Some(&body))
        .await;
    assert_eq!(res.status(), 201, "create {body}");
    res.json().await.expect("json")
}

async fn list(app: &TestApp, s: &Session, query: &str) -> (Vec<Value>, u64, Option<String>) {
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

fn titles(tasks: &[Value]) -> Vec<&str> {
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

async fn etags_guard_against_lost_updates(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", PASSWORD).await;
    let res = app
        .call(
            Method::POST,
            "/api/tasks",
            &s.access,
            Some(&json!({"title": "v1"})),
        )
        .await;
    let etag1 = res.headers()["etag"].to_str().expect("ascii").to_owned();
    let t: Value = res.json().await.expect("json");
    let path = format!("/api/tasks/{}", t["id"].as_str().expect("id"));

    // If-None-Match on GET.
    let res = app
        .client
        .get(app.url(&path))
        .bearer_auth(&s.access)
        .header("if-none-match", &etag1)
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"].to_str().expect("ascii"), etag1);

    // Device A writes with the right ETag.
    let res = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&s.access)
        .header("if-match", &etag1)
        .json(&json!({"title": "from A"}))
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), 200);
    let etag2 = res.headers()["etag"].to_str().expect("ascii").to_owned();
    assert_ne!(etag1, etag2);

    // Device B still holds the first ETag: every write is refused and changes nothing.
    let stale = [
        app.client
            .patch(app.url(&path))
            .json(&json!({"title": "from B"})),
        app.client
            .put(app.url(&path))
            .json(&json!({"title": "from B"})),
        app.client.patch(app.url(&format!("{path}/complete"))),
        app.client.delete(app.url(&path)),
    ];
    for req in stale {
        let res = req
            .bearer_auth(&s.access)
            .header("if-match", &etag1)
            .send()
            .await
            .expect("req");
        problem(res, 412).await;
    }
    let res = app.get_as(&path, &s.access).await;
    assert_eq!(res.headers()["etag"].to_str().expect("ascii"), etag2);
    let now: Value = res.json().await.expect("json");
    assert_eq!(now["title"], "from A");
    assert_eq!(now["completed"], false);

    let res = app
        .client
        .get(app.url(&path))
        .bearer_auth(&s.access)
        .header("if-none-match", &etag1)
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), 200, "an old ETag is not a match");
    // A list of tags and `*` match; weak tags never do for If-Match.
    let res = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&s.access)
        .header("if-match", format!("W/{etag2}"))
        .json(&json!({"title": "weak"}))
        .send()
        .await
        .expect("req");
    problem(res, 412).await;
    let res = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&s.access)
        .header("if-match", format!("{etag1}, {etag2}"))
        .json(&json!({"title": "listed"}))
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), 200);
    let res = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&s.access)
        .header("if-match", "*")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), 204);
    problem(app.get_as(&path, &s.access).await, 404).await;
    app.stop().await;
}

async fn another_users_task_is_404_and_stays_untouched(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let eve = app.signup("eve@example.com", PASSWORD).await;
    let t = create(&app, &ada, json!({"title": "Ada's secret"})).await;
    let id = t["id"].as_str().expect("id");
    for shape in [
        format!("/api/tasks/{id}"),
        format!("/api/{}/tasks/{id}", eve.user_id),
    ] {
        problem(app.get_as(&shape, &eve.access).await, 404).await;
        for (method, body) in [
            (Method::PUT, Some(json!({"title": "pwned"}))),
            (Method::PATCH, Some(json!({"title": "pwned"}))),
            (Method::DELETE, None),
        ] {
            let res = app.call(method, &shape, &eve.access, body.as_ref()).await;
            problem(res, 404).await;
        }
        let res = app
            .call(
                Method::PATCH,
                &format!("{shape}/complete"),
                &eve.access,
                None,
            )
            .await;
        problem(res, 404).await;
    }
    let (eves, total, _) = list(&app, &eve, "").await;
    assert!(eves.is_empty() && total == 0);
    let still: Value = app
        .get_as(&format!("/api/tasks/{id}"), &ada.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(still, t);

    for bad in [
        "not-a-uuid",
        "1",
        "..%2F..%2Fetc",
        "00000000-0000-0000-0000-00000000000g",
    ] {
        problem(
            app.get_as(&format!("/api/tasks/{bad}"), &ada.access).await,
            404,
        )
        .await;
    }
    problem(
        app.get_as(&format!("/api/tasks/{}", uuid::Uuid::now_v7()), &ada.access)
            .await,
        404,
    )
    .await;
    app.stop().await;
}

async fn the_user_id_in_the_path_must_be_the_callers(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let eve = app.signup("eve@example.com", PASSWORD).await;
    create(&app, &ada, json!({"title": "mine"})).await;
    let res = app
        .get_as(&format!("/api/{}/tasks", ada.user_id), &eve.access)
        .await;
    problem(res, 403).await;
    let res = app
        .call(
            Method::POST,
            &format!("/api/{}/tasks", ada.user_id),
            &eve.access,
            Some(&json!({"title": "x"})),
        )
        .await;
    problem(res, 403).await;
    problem(app.get_as("/api/not-a-user/tasks", &eve.access).await, 403).await;
    // Without a token the answer is 401, whatever the path says.
    problem(app.get(&format!("/api/{}/tasks", ada.user_id)).await, 401).await;
    problem(app.get("/api/tasks").await, 401).await;
    let (mine, _, _) = list(&app, &ada, "").await;
    assert_eq!(titles(&mine), ["mine"]);
    app.stop().await;
}

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

async fn two_users_hammering_the_same_ids_never_cross(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let eve = app.signup("eve@example.com", PASSWORD).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(
            create(&app, &ada, json!({"title": format!("ada {i}")})).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
        ids.push(
            create(&app, &eve, json!({"title": format!("eve {i}")})).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let app = &app;
    let mut calls = Vec::new();
    for round in 0..3 {
        for id in &ids {
            for (who, name) in [(&ada, "ada"), (&eve, "eve")] {
                let path = format!("/api/tasks/{id}");
                let body = json!({"title": format!("{name} was here {round}")});
                calls.push(async move {
                    let res = app
                        .call(Method::PATCH, &path, &who.access, Some(&body))
                        .await;
                    (name, res.status().as_u16(), res.json::<Value>().await.ok())
                });
            }
        }
    }
    for (name, status, body) in futures_util::future::join_all(calls).await {
        match status {
            200 => {
                let body = body.expect("task");
                assert!(
                    body["title"].as_str().expect("title").starts_with(name),
                    "{name} changed {body}"
                );
            }
            404 => {}
            other => panic!("unexpected {other} for {name}"),
        }
    }
    for (who, name) in [(&ada, "ada"), (&eve, "eve")] {
        let (tasks, total, _) = list(app, who, "limit=200").await;
        assert_eq!(total, 10);
        for t in tasks {
            assert!(
                t["title"].as_str().expect("title").starts_with(name),
                "{name} sees {t}"
            );
            assert_eq!(t["user_id"], who.user_id.as_str());
        }
    }
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
    etags_guard_against_lost_updates,
    another_users_task_is_404_and_stays_untouched,
    the_user_id_in_the_path_must_be_the_callers,
    filters_select_by_status_priority_tag_text_and_due_date,
    every_sort_order_is_total_with_missing_due_dates_last,
    paging_250_tasks_while_adding_visits_each_original_exactly_once,
    two_users_hammering_the_same_ids_never_cross,
    deleting_an_account_deletes_its_tasks,
);
