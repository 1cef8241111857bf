//! The store conformance suite, on SQLite and PostgreSQL: external identities, imports
//! (one transaction, ids kept, reruns write nothing) and the total over a big import.

use taskward::lists::model::Role;
use taskward::store::{ImportBatch, ImportCounts, LinkOutcome, LinkedUser, StoreError};
use taskward::tasks::model::{Priority, Task};
use taskward::tasks::query::{Cursor, ListQuery};
use uuid::Uuid;

use crate::helpers::TestDb;
use crate::on_both_databases;
use crate::store::{new_user, now};

fn linked(email: &str, subject: &str) -> LinkedUser {
    LinkedUser {
        user: new_user(email),
        issuer: "https://app.example.com".into(),
        subject: subject.into(),
    }
}

async fn an_external_identity_links_once_and_finds_its_user(db: TestDb) {
    let store = db.open_store().await;
    let first = linked("ext@example.com", "eOW8tzpWtD63udJLJo7yL1StQK9kfW4Y");
    assert_eq!(
        store.external_user_create(&first).await.expect("create"),
        LinkOutcome::Created
    );
    let found = store
        .user_by_external_identity(
            "https://app.example.com",
            "eOW8tzpWtD63udJLJo7yL1StQK9kfW4Y",
        )
        .await
        .expect("q")
        .expect("linked");
    assert_eq!(found.id, first.user.id);
    assert_eq!(found.email, "ext@example.com");
    // The same subject again, even with another email: linked already, nothing new.
    let again = linked("other@example.com", "eOW8tzpWtD63udJLJo7yL1StQK9kfW4Y");
    assert_eq!(
        store.external_user_create(&again).await.expect("create"),
        LinkOutcome::AlreadyLinked(first.user.id)
    );
    assert!(store.user_by_id(again.user.id).await.expect("q").is_none());
    // The same subject of another issuer is another identity.
    assert!(
        store
            .user_by_external_identity(
                "https://other.example.com",
                "eOW8tzpWtD63udJLJo7yL1StQK9kfW4Y"
            )
            .await
            .expect("q")
            .is_none()
    );
}

async fn an_external_identity_is_never_linked_to_an_existing_account_by_email(db: TestDb) {
    let store = db.open_store().await;
    let local = new_user("Taken@Example.com");
    store.user_insert(&local).await.expect("insert");
    let outcome = store
        .external_user_create(&linked("taken@example.com", "sub-1"))
        .await
        .expect("create");
    assert_eq!(outcome, LinkOutcome::EmailTaken);
    assert!(
        store
            .user_by_external_identity("https://app.example.com", "sub-1")
            .await
            .expect("q")
            .is_none()
    );
}

async fn deleting_a_user_deletes_their_external_identities(db: TestDb) {
    let store = db.open_store().await;
    let l = linked("gone@example.com", "sub-gone");
    store.external_user_create(&l).await.expect("create");
    assert!(store.user_delete(l.user.id).await.expect("delete"));
    assert!(
        store
            .user_by_external_identity("https://app.example.com", "sub-gone")
            .await
            .expect("q")
            .is_none()
    );
    // The identity is free again: the next token creates a fresh user.
    assert_eq!(
        store
            .external_user_create(&linked("gone@example.com", "sub-gone"))
            .await
            .expect("create"),
        LinkOutcome::Created
    );
}

async fn an_import_is_one_transaction_a_dry_run_writes_nothing_and_a_rerun_changes_nothing(
    db: TestDb,
) {
    let store = db.open_store().await;
    store
        .user_insert(&new_user("local@example.com"))
        .await
        .expect("insert");
    let batch = vec![
        linked("a@example.com", "sub-a"),
        linked("local@example.com", "sub-local"),
        linked("b@example.com", "sub-b"),
    ];
    let dry = store
        .external_users_import(&batch, true)
        .await
        .expect("dry run");
    assert_eq!(
        dry,
        [
            LinkOutcome::Created,
            LinkOutcome::EmailTaken,
            LinkOutcome::Created
        ]
    );
    assert!(
        store
            .user_by_email("a@example.com")
            .await
            .expect("q")
            .is_none()
    );
    let real = store
        .external_users_import(&batch, false)
        .await
        .expect("import");
    assert_eq!(real, dry);
    assert!(
        store
            .user_by_email("b@example.com")
            .await
            .expect("q")
            .is_some()
    );
    let rerun: Vec<_> = batch
        .iter()
        .map(|l| linked(&l.user.email, &l.subject))
        .collect();
    let again = store
        .external_users_import(&rerun, false)
        .await
        .expect("rerun");
    assert_eq!(
        again,
        [
            LinkOutcome::AlreadyLinked(batch[0].user.id),
            LinkOutcome::EmailTaken,
            LinkOutcome::AlreadyLinked(batch[2].user.id)
        ]
    );
}

fn imported_task(user_id: Uuid, title: &str) -> Task {
    Task {
        id: Uuid::new_v4(),
        user_id,
        list_id: user_id,
        title: title.into(),
        description: String::new(),
        completed: true,
        priority: Priority::High,
        due_at: None,
        due_date: None,
        due_key: None,
        tags: vec!["home".into(), "errands".into()],
        recurrence: None,
        reminders: taskward::tasks::reminders::Reminders::default(),
        created_at: now(),
        updated_at: now(),
        completed_at: Some(now()),
        version: 1,
        dav: Default::default(),
    }
}

async fn an_import_keeps_ids_and_a_second_run_writes_nothing(db: TestDb) {
    let store = db.open_store().await;
    let mut user = new_user("old@example.com");
    user.id = Uuid::new_v4();
    user.password_hash = "$2b$12$ApIy6nGI9mtoZcoli9c1kuWP/Wp.TOpweaysJq3lwpmxvfQt7AZzi".into();
    let batch = ImportBatch {
        users: vec![user.clone()],
        tasks: vec![imported_task(user.id, "One"), imported_task(user.id, "Two")],
    };
    let dry = store.import(&batch, false, &|_| {}).await.expect("dry run");
    assert_eq!(dry, ImportCounts { users: 1, tasks: 2 });
    assert!(
        store.user_by_id(user.id).await.expect("q").is_none(),
        "a dry run writes nothing"
    );

    let seen = std::sync::atomic::AtomicU64::new(0);
    let first = store
        .import(&batch, true, &|n| {
            seen.store(n, std::sync::atomic::Ordering::Relaxed)
        })
        .await
        .expect("import");
    assert_eq!(first, ImportCounts { users: 1, tasks: 2 });
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 3);
    let again = store.import(&batch, true, &|_| {}).await.expect("again");
    assert_eq!(again, ImportCounts::default());

    let stored = store
        .user_by_id(user.id)
        .await
        .expect("q")
        .expect("kept id");
    assert_eq!(stored.password_hash, user.password_hash);
    let task = &batch.tasks[0];
    assert_eq!(
        store.task_get(user.id, task.id).await.expect("q"),
        Some((task.clone(), Role::Owner))
    );
    let query = ListQuery::parse("tag=errands").expect("query");
    let (page, total) = store
        .task_list(user.id, &query)
        .await
        .expect("list")
        .expect("visible");
    assert_eq!((page.len(), total), (2, 2), "tags are indexed for filters");
    // The list's counts (the unfiltered total) saw each task once, the rerun's none.
    for (query, expected) in [
        ("status=all", 2),
        ("status=completed", 2),
        ("status=pending", 0),
    ] {
        let q = ListQuery::parse(query).expect("query");
        let (_, total) = store
            .task_list(user.id, &q)
            .await
            .expect("list")
            .expect("visible");
        assert_eq!(total, expected, "{query}");
    }
}

async fn an_import_that_fails_writes_nothing(db: TestDb) {
    let store = db.open_store().await;
    let taken = new_user("taken@example.com");
    store.user_insert(&taken).await.expect("insert");
    let newcomer = new_user("new@example.com");
    let mut clash = new_user("TAKEN@example.com");
    clash.id = Uuid::new_v4();
    let batch = ImportBatch {
        users: vec![newcomer.clone(), clash],
        tasks: vec![imported_task(newcomer.id, "Mine")],
    };
    let err = store
        .import(&batch, true, &|_| {})
        .await
        .expect_err("email clash");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(
        store.user_by_id(newcomer.id).await.expect("q").is_none(),
        "rolled back"
    );
}

/// The total counts every match on every page, past the end, and for a user big enough
/// that SQLite moves the read off the calling thread (its work budget runs out).
async fn the_total_counts_every_match_on_every_page(db: TestDb) {
    let store = db.open_store().await;
    let (big, other) = (new_user("big@example.com"), new_user("other@example.com"));
    let tasks: Vec<Task> = (0..20_000)
        .map(|i| {
            let mut t = imported_task(big.id, &format!("task {i}"));
            t.completed = i % 4 != 0;
            t
        })
        .chain((0..5).map(|i| imported_task(other.id, &format!("theirs {i}"))))
        .collect();
    let batch = ImportBatch {
        users: vec![big.clone(), other.clone()],
        tasks,
    };
    store.import(&batch, true, &|_| {}).await.expect("import");

    for (query, expected) in [
        ("limit=50", 20_000),
        ("status=pending&limit=100", 5_000),
        ("q=task+1&limit=20", 11_111),
        ("q=nothing like it", 0),
    ] {
        let mut q = ListQuery::parse(query).expect("query");
        let (page, total) = store
            .task_list(big.id, &q)
            .await
            .expect("list")
            .expect("visible");
        assert_eq!(total, expected, "{query}: first page");
        assert_eq!(
            page.len() as u64,
            expected.min(u64::from(q.limit) + 1),
            "{query}"
        );
        let Some(last) = page.get(q.limit as usize - 1) else {
            continue;
        };
        q.cursor = Some(Cursor::after(last, q.sort));
        let (next, total) = store
            .task_list(big.id, &q)
            .await
            .expect("next")
            .expect("visible");
        assert_eq!(total, expected, "{query}: second page");
        assert!(!next.is_empty() && next[0].id != last.id, "{query}");
        // Past the last task: an empty page, and still the total.
        let mut oldest_first = q.clone();
        oldest_first.sort.descending = false;
        oldest_first.cursor = None;
        oldest_first.limit = 1;
        let (oldest, _) = store
            .task_list(big.id, &oldest_first)
            .await
            .expect("oldest")
            .expect("visible");
        let mut all = q.clone();
        all.cursor = oldest.first().map(|t| Cursor::after(t, q.sort));
        let (past, total) = store
            .task_list(big.id, &all)
            .await
            .expect("past")
            .expect("visible");
        assert_eq!((past.len(), total), (0, expected), "{query}: past the end");
    }
    let (theirs, total) = store
        .task_list(other.id, &ListQuery::parse("").expect("q"))
        .await
        .expect("other")
        .expect("visible");
    assert_eq!(
        (theirs.len(), total),
        (5, 5),
        "another user sees only theirs"
    );
}

on_both_databases!(
    an_external_identity_links_once_and_finds_its_user,
    an_external_identity_is_never_linked_to_an_existing_account_by_email,
    deleting_a_user_deletes_their_external_identities,
    an_import_is_one_transaction_a_dry_run_writes_nothing_and_a_rerun_changes_nothing,
    an_import_keeps_ids_and_a_second_run_writes_nothing,
    an_import_that_fails_writes_nothing,
    the_total_counts_every_match_on_every_page,
);
