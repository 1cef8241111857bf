//! The lists part of the store conformance suite (issue 15): inboxes, lists as each user
//! sees them, owner-only writes, and members read from `list_members`.

use taskward::lists::model::Role;
use taskward::store::{DynStore, NewList, NewUser};
use taskward::tasks::model::{Priority, Task};
use taskward::timestamp::truncate_to_micros;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::helpers::TestDb;
use crate::on_both_databases;

pub fn now() -> OffsetDateTime {
    truncate_to_micros(OffsetDateTime::now_utc())
}

pub async fn account(store: &DynStore, email: &str) -> Uuid {
    let user = NewUser {
        id: Uuid::now_v7(),
        email: email.to_owned(),
        email_lower: email.to_owned(),
        name: "n".into(),
        password_hash: "!".into(),
        created_at: now(),
    };
    store.user_insert(&user).await.expect("account");
    user.id
}

async fn task(store: &DynStore, user_id: Uuid, completed: bool) {
    let task = Task {
        id: Uuid::now_v7(),
        user_id,
        list_id: user_id,
        title: "t".into(),
        description: String::new(),
        completed,
        priority: Priority::Medium,
        due_at: None,
        due_date: None,
        due_key: None,
        tags: vec![],
        recurrence: None,
        reminders: taskward::tasks::reminders::Reminders::default(),
        created_at: now(),
        updated_at: now(),
        completed_at: completed.then(now),
        version: 1,
        dav: Default::default(),
    };
    assert!(store.task_insert(user_id, &task).await.expect("task"));
}

fn new_list(owner_id: Uuid, name: &str, position: i64) -> NewList {
    NewList {
        id: Uuid::now_v7(),
        owner_id,
        name: name.into(),
        color: Some("#3366cc".into()),
        position,
        created_at: now(),
    }
}

/// Adds a member row as the sharing step will (there is no store method for it yet).
async fn add_member(db: &TestDb, list_id: Uuid, email: &str, user_id: Option<Uuid>, role: &str) {
    let sql = "INSERT INTO list_members (list_id, email_lower, user_id, role, created_at)
               VALUES ($1, $2, $3, $4, $5)";
    if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
        sqlx::query(sql)
            .bind(list_id)
            .bind(email)
            .bind(user_id)
            .bind(role)
            .bind(0_i64)
            .execute(&pool)
            .await
            .expect("member");
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        sqlx::query(sql)
            .bind(list_id)
            .bind(email)
            .bind(user_id)
            .bind(role)
            .bind(now())
            .execute(&pool)
            .await
            .expect("member");
        pool.close().await;
    }
}

async fn every_account_has_its_inbox_with_the_pending_count(db: TestDb) {
    let store = db.open_store().await;
    let ada = account(&store, "ada@example.com").await;
    task(&store, ada, false).await;
    task(&store, ada, false).await;
    task(&store, ada, true).await;
    let lists = store.lists_of(ada).await.expect("lists");
    assert_eq!(lists.len(), 1, "{lists:?}");
    let inbox = &lists[0];
    assert!(inbox.is_inbox && !inbox.archived, "{inbox:?}");
    assert_eq!(
        (inbox.id, inbox.owner_id, inbox.role),
        (ada, ada, Role::Owner)
    );
    assert_eq!((inbox.name.as_str(), inbox.pending_count), ("Inbox", 2));
    assert_eq!(
        store.list_get(ada, ada).await.expect("get").as_ref(),
        Some(inbox)
    );
    assert!(
        !store.list_delete(ada, ada).await.expect("delete"),
        "an inbox stays"
    );
    store.close().await;
}

async fn lists_are_seen_by_their_owner_and_active_members_only(db: TestDb) {
    let store = db.open_store().await;
    let ada = account(&store, "ada@example.com").await;
    let bob = account(&store, "bob@example.com").await;
    let eve = account(&store, "eve@example.com").await;
    let groceries = new_list(ada, "Groceries", 2);
    let work = new_list(ada, "Work", 1);
    store.list_insert(&groceries).await.expect("insert");
    store.list_insert(&work).await.expect("insert");
    let names: Vec<String> = store
        .lists_of(ada)
        .await
        .expect("lists")
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(
        names,
        ["Inbox", "Work", "Groceries"],
        "by position, then name"
    );

    add_member(&db, groceries.id, "bob@example.com", Some(bob), "editor").await;
    add_member(&db, work.id, "eve@example.com", None, "viewer").await;
    let seen = store
        .list_get(bob, groceries.id)
        .await
        .expect("get")
        .expect("shared");
    assert_eq!((seen.role, seen.owner_id), (Role::Editor, ada));
    let bobs: Vec<Uuid> = store
        .lists_of(bob)
        .await
        .expect("lists")
        .iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(bobs, [bob, groceries.id]);
    assert_eq!(
        store.list_get(eve, work.id).await.expect("get"),
        None,
        "pending: not yet"
    );
    assert_eq!(
        store.list_get(eve, groceries.id).await.expect("get"),
        None,
        "a stranger"
    );
    assert_eq!(
        store.list_get(bob, ada).await.expect("get"),
        None,
        "another's inbox"
    );
    store.close().await;
}

async fn only_the_owner_changes_or_deletes_a_list_and_versions_guard_it(db: TestDb) {
    let store = db.open_store().await;
    let ada = account(&store, "ada@example.com").await;
    let bob = account(&store, "bob@example.com").await;
    let list = new_list(ada, "Groceries", 1);
    store.list_insert(&list).await.expect("insert");
    add_member(&db, list.id, "bob@example.com", Some(bob), "editor").await;

    let mut as_bob = store
        .list_get(bob, list.id)
        .await
        .expect("get")
        .expect("shared");
    as_bob.owner_id = bob;
    as_bob.name = "Mine now".into();
    as_bob.version += 1;
    assert!(
        !store.list_update(&as_bob, 1).await.expect("update"),
        "not the owner"
    );
    assert!(
        !store.list_delete(bob, list.id).await.expect("delete"),
        "not the owner"
    );

    let mut renamed = store
        .list_get(ada, list.id)
        .await
        .expect("get")
        .expect("own");
    renamed.name = "Shopping".into();
    renamed.archived = true;
    renamed.version = 2;
    renamed.updated_at = now();
    assert!(
        !store.list_update(&renamed, 7).await.expect("update"),
        "a stale version"
    );
    assert!(store.list_update(&renamed, 1).await.expect("update"));
    let stored = store
        .list_get(ada, list.id)
        .await
        .expect("get")
        .expect("own");
    assert_eq!(stored, renamed);
    assert!(store.list_delete(ada, list.id).await.expect("delete"));
    assert_eq!(store.list_get(bob, list.id).await.expect("get"), None);
    assert_eq!(
        store.lists_of(bob).await.expect("lists").len(),
        1,
        "bob keeps his inbox"
    );
    store.close().await;
}

on_both_databases!(
    every_account_has_its_inbox_with_the_pending_count,
    lists_are_seen_by_their_owner_and_active_members_only,
    only_the_owner_changes_or_deletes_a_list_and_versions_guard_it,
);
