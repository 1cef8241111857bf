//! Tasks: who may change what, on both databases: ETags against lost updates, and users
//! who never see, touch or cross each other's tasks (API.md's "Tasks").

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, problem};
use crate::on_both_databases;
use crate::tasks::{PASSWORD, create, list, titles};

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

on_both_databases!(
    etags_guard_against_lost_updates,
    another_users_task_is_404_and_stays_untouched,
    the_user_id_in_the_path_must_be_the_callers,
    two_users_hammering_the_same_ids_never_cross,
);
