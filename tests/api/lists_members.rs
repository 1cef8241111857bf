//! Sharing lists over HTTP (API-2.md section 1), on both databases: sharing by email
//! without telling who has an account, and only the owner manages a list's members.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, problem};
use crate::lists::{PASSWORD, create_list, lists, names, ok_json, send};
use crate::on_both_databases;

/// The body of a new share, which must not depend on whether the email has an account.
fn share_shape(member: &Value) -> Value {
    json!({"user_id": member["user_id"], "role": member["role"], "status": member["status"]})
}

async fn sharing_never_tells_who_has_an_account_and_activates_on_listing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let list = create_list(&app, &ada, json!({"name": "Groceries"})).await;
    let path = format!("/api/lists/{}", list["id"].as_str().expect("id"));
    let to_bob = send(
        &app,
        &ada,
        Method::PUT,
        &format!("{path}/members/Bob@Example.com"),
        Some(json!({"role": "editor"})),
    )
    .await;
    let (status_bob, to_bob) = (to_bob.status(), to_bob.json::<Value>().await.expect("json"));
    let to_cat = send(
        &app,
        &ada,
        Method::PUT,
        &format!("{path}/members/cat@example.com"),
        Some(json!({"role": "editor"})),
    )
    .await;
    let (status_cat, to_cat) = (to_cat.status(), to_cat.json::<Value>().await.expect("json"));
    assert_eq!(status_bob, 200);
    assert_eq!(status_cat, status_bob);
    assert_eq!(share_shape(&to_bob), share_shape(&to_cat));
    assert_eq!(
        share_shape(&to_bob),
        json!({"user_id": null, "role": "editor", "status": "pending"})
    );
    assert_eq!(
        to_bob["email"], "bob@example.com",
        "emails are keys in lower case"
    );
    // Pending: Bob does not see the list yet...
    problem(send(&app, &bob, Method::GET, &path, None).await, 404).await;
    // ...until his account lists its lists.
    let seen = lists(&app, &bob).await;
    assert_eq!(names(&seen), ["Inbox", "Groceries"]);
    assert_eq!(seen[1]["role"], "editor");
    assert_eq!(seen[1]["owner_id"], ada.user_id.as_str());
    let got = ok_json(send(&app, &bob, Method::GET, &path, None).await, 200).await;
    assert_eq!(got["role"], "editor");
    // Cat signs up: her share is hers from the start.
    let cat = app.signup("cat@example.com", PASSWORD).await;
    let members = ok_json(
        send(&app, &bob, Method::GET, &format!("{path}/members"), None).await,
        200,
    )
    .await;
    assert_eq!(
        members,
        json!([
            {"email": "ada@example.com", "user_id": ada.user_id, "role": "owner", "status": "active"},
            {"email": "bob@example.com", "user_id": bob.user_id, "role": "editor", "status": "active"},
            {"email": "cat@example.com", "user_id": cat.user_id, "role": "editor", "status": "active"},
        ])
    );
    assert_eq!(
        ok_json(send(&app, &cat, Method::GET, &path, None).await, 200).await["role"],
        "editor"
    );
    // A new role for an existing member keeps the share.
    let to_cat = ok_json(
        send(
            &app,
            &ada,
            Method::PUT,
            &format!("{path}/members/cat@example.com"),
            Some(json!({"role": "viewer"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        to_cat,
        json!({"email": "cat@example.com", "user_id": cat.user_id, "role": "viewer", "status": "active"})
    );
    assert_eq!(
        ok_json(send(&app, &cat, Method::GET, &path, None).await, 200).await["role"],
        "viewer"
    );
    app.stop().await;
}

async fn only_the_owner_manages_a_list_and_members_may_leave(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let cat = app.signup("cat@example.com", PASSWORD).await;
    let eve = app.signup("eve@example.com", PASSWORD).await;
    let list = create_list(&app, &ada, json!({"name": "Team"})).await;
    let path = format!("/api/lists/{}", list["id"].as_str().expect("id"));
    for (who, role) in [("bob", "editor"), ("cat", "viewer")] {
        let res = send(
            &app,
            &ada,
            Method::PUT,
            &format!("{path}/members/{who}@example.com"),
            Some(json!({"role": role})),
        )
        .await;
        assert_eq!(res.status(), 200);
    }
    lists(&app, &bob).await;
    lists(&app, &cat).await;
    for member in [&bob, &cat] {
        problem(
            send(
                &app,
                member,
                Method::PATCH,
                &path,
                Some(json!({"name": "Mine"})),
            )
            .await,
            403,
        )
        .await;
        problem(send(&app, member, Method::DELETE, &path, None).await, 403).await;
        problem(
            send(
                &app,
                member,
                Method::PUT,
                &format!("{path}/members/dan@example.com"),
                Some(json!({"role": "viewer"})),
            )
            .await,
            403,
        )
        .await;
    }
    problem(
        send(
            &app,
            &bob,
            Method::DELETE,
            &format!("{path}/members/cat@example.com"),
            None,
        )
        .await,
        403,
    )
    .await;
    // A stranger learns nothing: every list route is 404.
    for (method, sub, body) in [
        (Method::GET, "", None),
        (Method::PATCH, "", Some(json!({"name": "Mine"}))),
        (Method::DELETE, "", None),
        (Method::GET, "/members", None),
        (
            Method::PUT,
            "/members/eve@example.com",
            Some(json!({"role": "editor"})),
        ),
        (Method::DELETE, "/members/bob@example.com", None),
    ] {
        problem(
            send(&app, &eve, method.clone(), &format!("{path}{sub}"), body).await,
            404,
        )
        .await;
    }
    assert_eq!(names(&lists(&app, &eve).await), ["Inbox"]);
    // Bad shares: every problem at once; the owner is not a member.
    let res = send(
        &app,
        &ada,
        Method::PUT,
        &format!("{path}/members/not-an-email"),
        Some(json!({"role": "owner"})),
    )
    .await;
    let body = problem(res, 422).await;
    let fields = crate::helpers::error_fields(&body);
    assert_eq!(fields, ["email", "role"]);
    problem(
        send(
            &app,
            &ada,
            Method::PUT,
            &format!("{path}/members/ada@example.com"),
            Some(json!({"role": "viewer"})),
        )
        .await,
        422,
    )
    .await;
    problem(
        send(
            &app,
            &ada,
            Method::DELETE,
            &format!("{path}/members/ada@example.com"),
            None,
        )
        .await,
        422,
    )
    .await;
    problem(
        send(
            &app,
            &ada,
            Method::DELETE,
            &format!("{path}/members/dan@example.com"),
            None,
        )
        .await,
        404,
    )
    .await;
    // Cat leaves; the owner removes Bob.
    assert_eq!(
        send(
            &app,
            &cat,
            Method::DELETE,
            &format!("{path}/members/cat@example.com"),
            None
        )
        .await
        .status(),
        204
    );
    problem(send(&app, &cat, Method::GET, &path, None).await, 404).await;
    assert_eq!(names(&lists(&app, &cat).await), ["Inbox"]);
    assert_eq!(
        send(
            &app,
            &ada,
            Method::DELETE,
            &format!("{path}/members/BOB@example.com"),
            None
        )
        .await
        .status(),
        204
    );
    problem(
        send(&app, &bob, Method::GET, &format!("{path}/members"), None).await,
        404,
    )
    .await;
    let members = ok_json(
        send(&app, &ada, Method::GET, &format!("{path}/members"), None).await,
        200,
    )
    .await;
    assert_eq!(members.as_array().map(Vec::len), Some(1), "{members}");
    // Deleting the list ends every share.
    send(
        &app,
        &ada,
        Method::PUT,
        &format!("{path}/members/bob@example.com"),
        Some(json!({"role": "editor"})),
    )
    .await;
    lists(&app, &bob).await;
    assert_eq!(
        send(&app, &ada, Method::DELETE, &path, None).await.status(),
        204
    );
    assert_eq!(names(&lists(&app, &bob).await), ["Inbox"]);
    app.stop().await;
}

on_both_databases!(
    sharing_never_tells_who_has_an_account_and_activates_on_listing,
    only_the_owner_manages_a_list_and_members_may_leave,
);
