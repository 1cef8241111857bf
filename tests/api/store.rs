//! The store conformance suite: the same checks against SQLite and PostgreSQL.

use std::time::Duration;

use taskward::lists::model::Role;
use taskward::store::{
    DynStore, ImportBatch, ImportCounts, LinkOutcome, LinkedUser, NewSession, NewUser, Rotation,
    StoreError,
};
use taskward::tasks::model::{Priority, Task};
use taskward::tasks::query::{Cursor, ListQuery};
use taskward::timestamp::truncate_to_micros;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::helpers::TestDb;
use crate::on_both_databases;

fn now() -> OffsetDateTime {
    truncate_to_micros(OffsetDateTime::now_utc())
}

fn new_user(email: &str) -> NewUser {
    NewUser {
        id: Uuid::now_v7(),
        email: email.to_owned(),
        email_lower: email.to_lowercase(),
        name: "Ada".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: now(),
    }
}

fn new_session(user_id: Uuid, refresh: u8) -> NewSession {
    NewSession {
        id: Uuid::now_v7(),
        user_id,
        refresh_hash: [refresh; 32],
        created_at: now(),
        expires_at: now() + Duration::from_secs(3600),
        user_agent: Some("test-agent/1".into()),
    }
}

async fn users_round_trip_with_exact_timestamps(db: TestDb) {
    let store = db.open_store().await;
    let user = new_user("Ada@Example.com");
    store.user_insert(&user).await.expect("insert");
    let by_id = store
        .user_by_id(user.id)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(by_id.email, "Ada@Example.com");
    assert_eq!(by_id.name, "Ada");
    assert_eq!(by_id.created_at, user.created_at);
    let by_email = store
        .user_by_email("ada@example.com")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(by_email, by_id);
    assert!(
        store
            .user_by_id(Uuid::now_v7())
            .await
            .expect("query")
            .is_none()
    );
    assert!(
        store
            .user_by_email("nobody@example.com")
            .await
            .expect("query")
            .is_none()
    );
}

async fn a_second_user_with_the_same_email_in_other_case_is_a_conflict(db: TestDb) {
    let store = db.open_store().await;
    store
        .user_insert(&new_user("ada@example.com"))
        .await
        .expect("insert");
    let err = store
        .user_insert(&new_user("ADA@example.com"))
        .await
        .expect_err("duplicate");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}

async fn renaming_and_rehashing_change_only_that_user(db: TestDb) {
    let store = db.open_store().await;
    let a = new_user("a@example.com");
    let b = new_user("b@example.com");
    store.user_insert(&a).await.expect("insert");
    store.user_insert(&b).await.expect("insert");
    let renamed = store
        .user_set_profile(a.id, Some("Grace"), None, now())
        .await
        .expect("update")
        .expect("found");
    assert_eq!(renamed.name, "Grace");
    assert!(
        !store
            .user_upgrade_password_hash(a.id, "not-the-stored-hash", "stale-hash", now())
            .await
            .expect("rehash"),
        "an upgrade of a hash that has changed since it was verified writes nothing"
    );
    assert!(
        store
            .user_upgrade_password_hash(a.id, &a.password_hash, "new-hash", now())
            .await
            .expect("rehash")
    );
    let a2 = store.user_by_id(a.id).await.expect("q").expect("found");
    let b2 = store.user_by_id(b.id).await.expect("q").expect("found");
    assert_eq!(a2.password_hash, "new-hash");
    assert_eq!(b2.password_hash, b.password_hash);
    assert_eq!(b2.name, "Ada");
    assert!(
        store
            .user_set_profile(Uuid::now_v7(), Some("x"), None, now())
            .await
            .expect("update")
            .is_none()
    );
}

async fn refresh_tokens_rotate_once_and_reuse_revokes_the_session(db: TestDb) {
    let store = db.open_store().await;
    let user = new_user("r@example.com");
    store.user_insert(&user).await.expect("insert");
    let s = new_session(user.id, 1);
    store.session_insert(&s).await.expect("session");
    assert!(
        store
            .session_is_active(s.id, user.id, now())
            .await
            .expect("q")
    );
    // Another user's id never matches the session.
    assert!(
        !store
            .session_is_active(s.id, Uuid::now_v7(), now())
            .await
            .expect("q")
    );

    let later = now() + Duration::from_secs(7200);
    let rotated = store
        .session_rotate(&[1; 32], &[2; 32], later, now())
        .await
        .expect("rotate");
    let Rotation::Rotated(session) = rotated else {
        panic!("expected a rotation, got {rotated:?}");
    };
    assert_eq!(session.id, s.id);
    assert_eq!(session.expires_at, later);
    assert_eq!(session.user_agent.as_deref(), Some("test-agent/1"));

    // The new token works once more, then the first one comes back: reuse.
    assert!(matches!(
        store
            .session_rotate(&[2; 32], &[3; 32], later, now())
            .await
            .expect("rotate"),
        Rotation::Rotated(_)
    ));
    assert_eq!(
        store
            .session_rotate(&[1; 32], &[4; 32], later, now())
            .await
            .expect("rotate"),
        Rotation::Reused
    );
    assert!(
        !store
            .session_is_active(s.id, user.id, now())
            .await
            .expect("q")
    );
    // The current token of the revoked session is dead too.
    assert_eq!(
        store
            .session_rotate(&[3; 32], &[5; 32], later, now())
            .await
            .expect("rotate"),
        Rotation::Invalid
    );
    assert_eq!(
        store
            .session_rotate(&[9; 32], &[8; 32], later, now())
            .await
            .expect("rotate"),
        Rotation::Invalid
    );
}

async fn an_expired_session_neither_rotates_nor_counts_as_active(db: TestDb) {
    let store = db.open_store().await;
    let user = new_user("e@example.com");
    store.user_insert(&user).await.expect("insert");
    let mut s = new_session(user.id, 7);
    s.expires_at = now() - Duration::from_secs(1);
    store.session_insert(&s).await.expect("session");
    assert!(
        !store
            .session_is_active(s.id, user.id, now())
            .await
            .expect("q")
    );
    assert_eq!(
        store
            .session_rotate(&[7; 32], &[8; 32], now() + Duration::from_secs(60), now())
            .await
            .expect("rotate"),
        Rotation::Invalid
    );
}

async fn concurrent_rotations_of_one_token_succeed_at_most_once(db: TestDb) {
    let store = db.open_store().await;
    let user = new_user("c@example.com");
    store.user_insert(&user).await.expect("insert");
    store
        .session_insert(&new_session(user.id, 1))
        .await
        .expect("session");
    let later = now() + Duration::from_secs(60);
    let mut handles = Vec::new();
    for i in 0..8u8 {
        let store: DynStore = store.clone();
        handles.push(tokio::spawn(async move {
            store
                .session_rotate(&[1; 32], &[100 + i; 32], later, now())
                .await
        }));
    }
    let mut rotated = 0;
    for h in handles {
        if let Rotation::Rotated(_) = h.await.expect("join").expect("rotate") {
            rotated += 1;
        }
    }
    assert!(rotated <= 1, "{rotated} concurrent rotations succeeded");
}

async fn password_change_ends_every_other_session_and_revoke_all_ends_the_rest(db: TestDb) {
    let store = db.open_store().await;
    let user = new_user("p@example.com");
    let other = new_user("o@example.com");
    store.user_insert(&user).await.expect("insert");
    store.user_insert(&other).await.expect("insert");
    let keep = new_session(user.id, 1);
    let lose = new_session(user.id, 2);
    let bystander = new_session(other.id, 3);
    for s in [&keep, &lose, &bystander] {
        store.session_insert(s).await.expect("session");
    }
    store
        .user_change_password(user.id, "h2", Some(keep.id), now())
        .await
        .expect("change");
    assert!(
        store
            .session_is_active(keep.id, user.id, now())
            .await
            .expect("q")
    );
    assert!(
        !store
            .session_is_active(lose.id, user.id, now())
            .await
            .expect("q")
    );
    assert!(
        store
            .session_is_active(bystander.id, other.id, now())
            .await
            .expect("q")
    );

    assert!(
        !store
            .session_revoke(bystander.id, user.id, now())
            .await
            .expect("q"),
        "not theirs"
    );
    assert_eq!(
        store.sessions_revoke_all(user.id, now()).await.expect("q"),
        1
    );
    assert!(
        !store
            .session_is_active(keep.id, user.id, now())
            .await
            .expect("q")
    );
    assert!(
        store
            .session_is_active(bystander.id, other.id, now())
            .await
            .expect("q")
    );
    assert!(
        store
            .session_revoke(bystander.id, other.id, now())
            .await
            .expect("q")
    );
    assert!(
        !store
            .session_revoke(bystander.id, other.id, now())
            .await
            .expect("q"),
        "once"
    );
}

async fn deleting_a_user_deletes_their_sessions_and_frees_the_email(db: TestDb) {
    let store = db.open_store().await;
    let user = new_user("d@example.com");
    store.user_insert(&user).await.expect("insert");
    let s = new_session(user.id, 1);
    store.session_insert(&s).await.expect("session");
    assert!(store.user_delete(user.id).await.expect("delete"));
    assert!(!store.user_delete(user.id).await.expect("delete twice"));
    assert!(
        !store
            .session_is_active(s.id, user.id, now())
            .await
            .expect("q")
    );
    assert_eq!(
        store
            .session_rotate(&[1; 32], &[2; 32], now(), now())
            .await
            .expect("q"),
        Rotation::Invalid
    );
    store
        .user_insert(&new_user("D@example.com"))
        .await
        .expect("the email is free again");
}

async fn migrations_are_idempotent_on_reopen(db: TestDb) {
    let first = db.open_store().await;
    first
        .user_insert(&new_user("m@example.com"))
        .await
        .expect("insert");
    first.close().await;
    let second = db.open_store().await;
    assert!(
        second
            .user_by_email("m@example.com")
            .await
            .expect("q")
            .is_some()
    );
}

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

async fn pool_stats_name_every_pool(db: TestDb) {
    let store = db.open_store().await;
    let stats = store.pool_stats();
    assert!(!stats.is_empty());
    for pool in stats {
        assert!(pool.idle <= pool.size && pool.size <= pool.max, "{pool:?}");
    }
}

on_both_databases!(
    an_external_identity_links_once_and_finds_its_user,
    an_external_identity_is_never_linked_to_an_existing_account_by_email,
    deleting_a_user_deletes_their_external_identities,
    an_import_is_one_transaction_a_dry_run_writes_nothing_and_a_rerun_changes_nothing,
    users_round_trip_with_exact_timestamps,
    a_second_user_with_the_same_email_in_other_case_is_a_conflict,
    renaming_and_rehashing_change_only_that_user,
    refresh_tokens_rotate_once_and_reuse_revokes_the_session,
    an_expired_session_neither_rotates_nor_counts_as_active,
    concurrent_rotations_of_one_token_succeed_at_most_once,
    password_change_ends_every_other_session_and_revoke_all_ends_the_rest,
    deleting_a_user_deletes_their_sessions_and_frees_the_email,
    migrations_are_idempotent_on_reopen,
    an_import_keeps_ids_and_a_second_run_writes_nothing,
    an_import_that_fails_writes_nothing,
    pool_stats_name_every_pool,
    the_total_counts_every_match_on_every_page,
);
