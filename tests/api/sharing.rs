//! Who may do what (API-2.md section 1): the owner, an editor, a viewer, a removed member
//! and a stranger against every list and task route, in both task route shapes, on both
//! databases. A stranger (and a removed member) always gets `404`; a viewer's write is
//! `403`; the old `/api/{user_id}/tasks` shape behaves as `/api/tasks`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, TestDb};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

/// The five callers, in the order of every expectation below.
struct Cast {
    owner: Session,
    editor: Session,
    viewer: Session,
    removed: Session,
    stranger: Session,
}

impl Cast {
    fn all(&self) -> [(&'static str, &Session); 5] {
        [
            ("owner", &self.owner),
            ("editor", &self.editor),
            ("viewer", &self.viewer),
            ("removed", &self.removed),
            ("stranger", &self.stranger),
        ]
    }
}

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.unwrap_or(Value::Null)
}

/// Ada's list "Family", shared with Bob (editor), Cat (viewer) and Dan (removed again);
/// Eve is a stranger. Everyone has listed their lists (shares are active).
async fn cast(app: &TestApp) -> (Cast, String) {
    let mut s = Vec::new();
    for name in ["ada", "bob", "cat", "dan", "eve"] {
        s.push(app.signup(&format!("{name}@example.com"), PASSWORD).await);
    }
    let [owner, editor, viewer, removed, stranger]: [Session; 5] =
        s.try_into().unwrap_or_else(|_| panic!("five sessions"));
    let list = json_of(
        app.call(
            Method::POST,
            "/api/lists",
            &owner.access,
            Some(&json!({"name": "Family"})),
        )
        .await,
    )
    .await;
    let list_id = list["id"].as_str().expect("list id").to_owned();
    for (email, role) in [("bob", "editor"), ("cat", "viewer"), ("dan", "editor")] {
        let res = app
            .call(
                Method::PUT,
                &format!("/api/lists/{list_id}/members/{email}@example.com"),
                &owner.access,
                Some(&json!({"role": role})),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    for s in [&editor, &viewer, &removed, &stranger] {
        assert_eq!(app.get_as("/api/lists", &s.access).await.status(), 200);
    }
    let res = app
        .call(
            Method::DELETE,
            &format!("/api/lists/{list_id}/members/dan@example.com"),
            &owner.access,
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    let cast = Cast {
        owner,
        editor,
        viewer,
        removed,
        stranger,
    };
    (cast, list_id)
}

/// A new task in the list, made by its owner.
async fn task_in(app: &TestApp, owner: &Session, list_id: &str) -> String {
    let res = app
        .call(
            Method::POST,
            "/api/tasks",
            &owner.access,
            Some(&json!({"title": "Milk", "list_id": list_id})),
        )
        .await;
    assert_eq!(res.status(), 201);
    json_of(res).await["id"].as_str().expect("id").to_owned()
}

/// Both shapes of the task routes for `who`.
fn prefixes(who: &Session) -> [String; 2] {
    [
        "/api/tasks".to_owned(),
        format!("/api/{}/tasks", who.user_id),
    ]
}

async fn every_task_route_answers_each_role_as_the_contract_says(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (cast, list) = cast(&app).await;
    // (method, path after the prefix, body, owner, editor, viewer, removed, stranger)
    let writes: [(Method, &str, Option<Value>, [u16; 5]); 5] = [
        (Method::GET, "/{task}", None, [200, 200, 200, 404, 404]),
        (
            Method::PUT,
            "/{task}",
            Some(json!({"title": "Oat milk"})),
            [200, 200, 403, 404, 404],
        ),
        (
            Method::PATCH,
            "/{task}",
            Some(json!({"priority": "high"})),
            [200, 200, 403, 404, 404],
        ),
        (
            Method::PATCH,
            "/{task}/complete",
            None,
            [200, 200, 403, 404, 404],
        ),
        (Method::DELETE, "/{task}", None, [204, 204, 403, 404, 404]),
    ];
    for (method, path, body, expected) in &writes {
        for (i, (who, s)) in cast.all().into_iter().enumerate() {
            for prefix in prefixes(s) {
                // A fresh task per call: some calls delete theirs.
                let task = task_in(&app, &cast.owner, &list).await;
                let url = format!("{prefix}{}", path.replace("{task}", &task));
                let res = app
                    .call(method.clone(), &url, &s.access, body.as_ref())
                    .await;
                let status = res.status().as_u16();
                assert_eq!(status, expected[i], "{who}: {method} {url}");
                let after = app
                    .get_as(&format!("/api/tasks/{task}"), &cast.owner.access)
                    .await;
                let stored = json_of(after).await;
                if expected[i] >= 400 {
                    // Refused: nothing changed.
                    assert_eq!(
                        (
                            stored["title"].as_str(),
                            stored["priority"].as_str(),
                            stored["completed"].as_bool()
                        ),
                        (Some("Milk"), Some("medium"), Some(false)),
                        "{who}: {method} {url} changed the task"
                    );
                }
            }
        }
    }
    // Creating in the list: editors may, a viewer may not, others do not see the list.
    for (i, (who, s)) in cast.all().into_iter().enumerate() {
        for prefix in prefixes(s) {
            let body = json!({"title": "Bread", "list_id": list});
            let res = app
                .call(Method::POST, &prefix, &s.access, Some(&body))
                .await;
            assert_eq!(
                res.status().as_u16(),
                [201, 201, 403, 404, 404][i],
                "{who}: POST {prefix}"
            );
        }
    }
    // Reading the list's tasks, narrowed or not.
    let breads = 4;
    for (i, (who, s)) in cast.all().into_iter().enumerate() {
        for prefix in prefixes(s) {
            let res = app
                .get_as(&format!("{prefix}?list={list}&q=bread"), &s.access)
                .await;
            assert_eq!(
                res.status().as_u16(),
                [200, 200, 200, 404, 404][i],
                "{who}: list={list}"
            );
            let res = app.get_as(&format!("{prefix}?q=bread"), &s.access).await;
            assert_eq!(res.status(), 200);
            let seen = json_of(res).await.as_array().map_or(0, Vec::len);
            assert_eq!(seen, if i < 3 { breads } else { 0 }, "{who}: every list");
        }
    }
    app.stop().await;
}

async fn every_list_route_answers_each_role_as_the_contract_says(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (cast, list) = cast(&app).await;
    let routes: [(Method, String, Option<Value>, [u16; 5]); 5] = [
        (
            Method::GET,
            format!("/api/lists/{list}"),
            None,
            [200, 200, 200, 404, 404],
        ),
        (
            Method::PATCH,
            format!("/api/lists/{list}"),
            Some(json!({"color": "#aabbcc"})),
            [200, 403, 403, 404, 404],
        ),
        (
            Method::GET,
            format!("/api/lists/{list}/members"),
            None,
            [200, 200, 200, 404, 404],
        ),
        (
            Method::PUT,
            format!("/api/lists/{list}/members/fay@example.com"),
            Some(json!({"role": "viewer"})),
            [200, 403, 403, 404, 404],
        ),
        (
            Method::DELETE,
            format!("/api/lists/{list}/members/fay@example.com"),
            None,
            [204, 403, 403, 404, 404],
        ),
    ];
    for (method, url, body, expected) in &routes {
        // The owner last, so that refused calls meet the state the owner's call changes.
        for (i, (who, s)) in cast.all().into_iter().enumerate().rev() {
            let res = app
                .call(method.clone(), url, &s.access, body.as_ref())
                .await;
            assert_eq!(res.status().as_u16(), expected[i], "{who}: {method} {url}");
        }
    }
    for (i, (who, s)) in cast.all().into_iter().enumerate() {
        let lists = json_of(app.get_as("/api/lists", &s.access).await).await;
        let sees = lists
            .as_array()
            .expect("array")
            .iter()
            .any(|l| l["id"] == list.as_str());
        assert_eq!(sees, i < 3, "{who} sees the list in GET /api/lists");
    }
    let delete = format!("/api/lists/{list}");
    for (i, (who, s)) in cast.all().into_iter().enumerate().rev() {
        let res = app.call(Method::DELETE, &delete, &s.access, None).await;
        assert_eq!(
            res.status().as_u16(),
            [204, 403, 403, 404, 404][i],
            "{who}: DELETE {delete}"
        );
    }
    app.stop().await;
}

async fn moving_a_task_needs_editor_rights_on_both_lists(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (cast, list) = cast(&app).await;
    let task = task_in(&app, &cast.owner, &list).await;
    let path = format!("/api/tasks/{task}");
    let to = |list: &str| json!({"list_id": list});
    // The viewer may not move it anywhere, not even to their own inbox.
    let res = app
        .call(
            Method::PATCH,
            &path,
            &cast.viewer.access,
            Some(&to(&cast.viewer.user_id)),
        )
        .await;
    assert_eq!(res.status(), 403);
    // Into a list the editor does not see: 404, as for a list that does not exist.
    let res = app
        .call(
            Method::PATCH,
            &path,
            &cast.editor.access,
            Some(&to(&cast.owner.user_id)),
        )
        .await;
    assert_eq!(res.status(), 404);
    // The editor moves it into their own inbox: the owner no longer sees it.
    let res = app
        .call(
            Method::PATCH,
            &path,
            &cast.editor.access,
            Some(&to(&cast.editor.user_id)),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await["list_id"], cast.editor.user_id.as_str());
    assert_eq!(app.get_as(&path, &cast.owner.access).await.status(), 404);
    // And back, by PUT: a full replacement that names the list.
    let body = json!({"title": "Milk", "list_id": list});
    let res = app
        .call(Method::PUT, &path, &cast.editor.access, Some(&body))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get_as(&path, &cast.owner.access).await.status(), 200);
    // A PUT without `list_id` keeps the list (old clients do not know lists).
    let res = app
        .call(
            Method::PUT,
            &path,
            &cast.owner.access,
            Some(&json!({"title": "Milk"})),
        )
        .await;
    assert_eq!(json_of(res).await["list_id"], list.as_str());
    // Tags follow the task: the tag filter finds it in its new list only.
    let body = json!({"tags": ["dairy"], "list_id": cast.owner.user_id});
    assert_eq!(
        app.call(Method::PATCH, &path, &cast.owner.access, Some(&body))
            .await
            .status(),
        200
    );
    let found = |s: &Session, q: String| {
        let url = format!("/api/tasks?{q}");
        let token = s.access.clone();
        let app = &app;
        async move {
            json_of(app.get_as(&url, &token).await)
                .await
                .as_array()
                .map_or(0, Vec::len)
        }
    };
    assert_eq!(found(&cast.owner, "tag=dairy".into()).await, 1);
    assert_eq!(
        found(
            &cast.owner,
            format!("tag=dairy&list={}", cast.owner.user_id)
        )
        .await,
        1
    );
    assert_eq!(
        found(&cast.owner, format!("tag=dairy&list={list}")).await,
        0
    );
    assert_eq!(found(&cast.editor, "tag=dairy".into()).await, 0);
    // Bad list ids are 422, whatever else is wrong.
    let res = app
        .call(
            Method::PATCH,
            &path,
            &cast.owner.access,
            Some(&json!({"list_id": "inbox"})),
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .get_as("/api/tasks?list=inbox", &cast.owner.access)
        .await;
    assert_eq!(res.status(), 422);
    app.stop().await;
}

async fn two_members_editing_one_task_are_guarded_by_if_match(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (cast, list) = cast(&app).await;
    let task = task_in(&app, &cast.owner, &list).await;
    let path = format!("/api/tasks/{task}");
    let read = |s: &Session| {
        let req = app.client.get(app.url(&path)).bearer_auth(&s.access);
        async move {
            let res = req.send().await.expect("request");
            res.headers()["etag"].to_str().expect("ascii").to_owned()
        }
    };
    let (owner_tag, editor_tag) = (read(&cast.owner).await, read(&cast.editor).await);
    assert_eq!(owner_tag, editor_tag, "both read the same version");
    let write = |s: &Session, tag: &str, title: &str| {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&s.access)
            .header("if-match", tag)
            .json(&json!({"title": title}))
            .send()
    };
    let res = write(&cast.editor, &editor_tag, "Oat milk")
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let res = write(&cast.owner, &owner_tag, "Soy milk")
        .await
        .expect("request");
    assert_eq!(
        res.status(),
        412,
        "the owner's stale copy loses nothing of the editor's"
    );
    let stored = json_of(app.get_as(&path, &cast.owner.access).await).await;
    assert_eq!(stored["title"], "Oat milk");
    assert_eq!(
        stored["user_id"],
        cast.owner.user_id.as_str(),
        "the creator stays"
    );
    app.stop().await;
}

on_both_databases!(
    every_task_route_answers_each_role_as_the_contract_says,
    every_list_route_answers_each_role_as_the_contract_says,
    moving_a_task_needs_editor_rights_on_both_lists,
    two_members_editing_one_task_are_guarded_by_if_match,
);
