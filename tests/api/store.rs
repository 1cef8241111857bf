//! The store conformance suite: the same checks against SQLite and PostgreSQL. Users and
//! sessions here; external identities and imports in store_imports.rs.

use std::time::Duration;

use taskward::store::{DynStore, NewSession, NewUser, Rotation, StoreError};
use taskward::timestamp::truncate_to_micros;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::helpers::TestDb;
use crate::on_both_databases;

pub(crate) fn now() -> OffsetDateTime {
    truncate_to_micros(OffsetDateTime::now_utc())
}

pub(crate) fn new_user(email: &str) -> NewUser {
    NewUser {
        id: Uuid::now_v7(),
        email: email.to_owned(),
        email_lower: email.to_lowercase(),
        name: "Ada".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: now(),
    }
}

pub(crate) fn new_session(user_id: Uuid, refresh: u8) -> NewSession {
    NewSession {
        id: Uuid::now_v7(),
        user_id,
        refresh_hash: [refresh; 32],
        created_at: now(),
        expires_at: now() + Duration::from_secs(3600),
        user_agent: Some("test-agent/1".into()),
        ip: Some("203.0.113.9".into()),
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

async fn pool_stats_name_every_pool(db: TestDb) {
    let store = db.open_store().await;
    let stats = store.pool_stats();
    assert!(!stats.is_empty());
    for pool in stats {
        assert!(pool.idle <= pool.size && pool.size <= pool.max, "{pool:?}");
    }
}

on_both_databases!(
    users_round_trip_with_exact_timestamps,
    a_second_user_with_the_same_email_in_other_case_is_a_conflict,
    renaming_and_rehashing_change_only_that_user,
    refresh_tokens_rotate_once_and_reuse_revokes_the_session,
    an_expired_session_neither_rotates_nor_counts_as_active,
    concurrent_rotations_of_one_token_succeed_at_most_once,
    password_change_ends_every_other_session_and_revoke_all_ends_the_rest,
    deleting_a_user_deletes_their_sessions_and_frees_the_email,
    migrations_are_idempotent_on_reopen,
    pool_stats_name_every_pool,
);
