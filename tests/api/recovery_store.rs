//! The store of account recovery, on SQLite and PostgreSQL alike: mailed-link tokens
//! (found while live, used once, replaced by a newer one of the same purpose), verifying
//! and changing an address, a password change dropping pending links, and the sessions
//! list with the address each started from.

use std::time::Duration;

use taskward::store::{AccountToken, DynStore, StoreError, TokenPurpose};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::helpers::TestDb;
use crate::on_both_databases;
use crate::store::{new_session, new_user, now};

fn token(user_id: Uuid, byte: u8, purpose: TokenPurpose, at: OffsetDateTime) -> AccountToken {
    AccountToken {
        token_hash: [byte; 32],
        user_id,
        purpose,
        email: "Ada@Example.com".into(),
        created_at: at,
        expires_at: at + time::Duration::minutes(30),
    }
}

async fn user(store: &DynStore, email: &str) -> Uuid {
    let u = new_user(email);
    store.user_insert(&u).await.expect("user");
    u.id
}

async fn tokens_are_found_while_live_and_used_once(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store, "ada@example.com").await;
    let at = now();
    let t = token(ada, 1, TokenPurpose::PasswordReset, at);
    store.account_token_insert(&t).await.expect("insert");
    let reset = TokenPurpose::PasswordReset;
    let found = store
        .account_token_find([1; 32], reset, at)
        .await
        .expect("find");
    assert_eq!(found.as_ref(), Some(&t), "read back exactly");
    let other = TokenPurpose::VerifyEmail;
    assert_eq!(
        store
            .account_token_find([1; 32], other, at)
            .await
            .expect("find"),
        None
    );
    assert_eq!(
        store
            .account_token_take([1; 32], other, at)
            .await
            .expect("take"),
        None
    );
    let late = t.expires_at;
    assert_eq!(
        store
            .account_token_find([1; 32], reset, late)
            .await
            .expect("find"),
        None
    );
    assert_eq!(
        store
            .account_token_take([1; 32], reset, late)
            .await
            .expect("take"),
        None
    );
    // Concurrent uses of one token: one wins.
    let (a, b) = tokio::join!(
        store.account_token_take([1; 32], reset, at),
        store.account_token_take([1; 32], reset, at)
    );
    let won = [a.expect("take"), b.expect("take")];
    assert_eq!(won.iter().filter(|w| w.is_some()).count(), 1, "{won:?}");
    assert_eq!(
        store
            .account_token_find([1; 32], reset, at)
            .await
            .expect("find"),
        None
    );
}

async fn a_newer_token_replaces_the_older_of_its_purpose_only(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store, "ada@example.com").await;
    let grace = user(&store, "grace@example.com").await;
    let at = now();
    let reset = TokenPurpose::PasswordReset;
    for t in [
        token(ada, 1, reset, at),
        token(ada, 2, TokenPurpose::VerifyEmail, at),
        token(grace, 3, reset, at),
        token(ada, 4, reset, at),
    ] {
        store.account_token_insert(&t).await.expect("insert");
    }
    let live = |hash: u8, purpose| {
        let store = store.clone();
        async move {
            store
                .account_token_find([hash; 32], purpose, at)
                .await
                .expect("find")
                .is_some()
        }
    };
    assert!(!live(1, reset).await, "replaced by 4");
    assert!(live(2, TokenPurpose::VerifyEmail).await);
    assert!(live(3, reset).await, "another user's");
    assert!(live(4, reset).await);
    // Deleting the user deletes their tokens.
    store.user_delete(ada).await.expect("delete");
    assert!(!live(4, reset).await);
    assert!(live(3, reset).await);
}

async fn addresses_are_verified_and_changed(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store, "ada@example.com").await;
    user(&store, "grace@example.com").await;
    let at = now();
    let unverified = store.user_by_id(ada).await.expect("read").expect("ada");
    assert!(!unverified.email_verified);
    assert!(
        !store
            .user_set_email_verified(ada, "ada@old.example", at)
            .await
            .expect("verify"),
        "another address verifies nothing"
    );
    assert!(
        store
            .user_set_email_verified(ada, "ada@example.com", at)
            .await
            .expect("verify")
    );
    assert!(
        store
            .user_by_id(ada)
            .await
            .expect("read")
            .expect("ada")
            .email_verified
    );

    let taken = store
        .user_change_email(ada, "Grace@example.com", "grace@example.com", at)
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    assert!(
        store
            .user_change_email(ada, "Ada@New.example", "ada@new.example", at)
            .await
            .expect("change")
    );
    let moved = store
        .user_by_email("ada@new.example")
        .await
        .expect("read")
        .expect("found by the new address");
    assert_eq!((moved.id, moved.email.as_str()), (ada, "Ada@New.example"));
    assert!(moved.email_verified);
    assert!(
        store
            .user_by_email("ada@example.com")
            .await
            .expect("read")
            .is_none()
    );
    let nobody = store
        .user_change_email(Uuid::now_v7(), "x@y.example", "x@y.example", at)
        .await;
    assert!(!nobody.expect("no such user"));
}

async fn a_password_change_drops_pending_reset_and_change_links(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store, "ada@example.com").await;
    let at = now();
    for (byte, purpose) in [
        (1, TokenPurpose::PasswordReset),
        (2, TokenPurpose::ChangeEmail),
        (3, TokenPurpose::VerifyEmail),
    ] {
        store
            .account_token_insert(&token(ada, byte, purpose, at))
            .await
            .expect("insert");
    }
    store
        .user_change_password(ada, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$bmV3", None, at)
        .await
        .expect("change");
    let find = |byte: u8, purpose| store.account_token_find([byte; 32], purpose, at);
    assert!(
        find(1, TokenPurpose::PasswordReset)
            .await
            .expect("find")
            .is_none()
    );
    assert!(
        find(2, TokenPurpose::ChangeEmail)
            .await
            .expect("find")
            .is_none()
    );
    assert!(
        find(3, TokenPurpose::VerifyEmail)
            .await
            .expect("find")
            .is_some()
    );
}

async fn active_sessions_are_listed_newest_first_with_their_address(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store, "ada@example.com").await;
    let grace = user(&store, "grace@example.com").await;
    let first = new_session(ada, 1);
    store.session_insert(&first).await.expect("insert");
    let mut second = new_session(ada, 2);
    second.created_at = first.created_at + Duration::from_secs(1);
    second.ip = None;
    store.session_insert(&second).await.expect("insert");
    store
        .session_insert(&new_session(grace, 3))
        .await
        .expect("insert");
    let mut ended = new_session(ada, 4);
    ended.created_at = first.created_at + Duration::from_secs(2);
    store.session_insert(&ended).await.expect("insert");
    store
        .session_revoke(ended.id, ada, now())
        .await
        .expect("revoke");

    let listed = store.sessions_active_of(ada, now()).await.expect("list");
    let ids: Vec<Uuid> = listed.iter().map(|s| s.id).collect();
    assert_eq!(ids, [second.id, first.id]);
    assert_eq!(listed[1].ip.as_deref(), Some("203.0.113.9"));
    assert_eq!(listed[1].user_agent.as_deref(), Some("test-agent/1"));
    assert_eq!(listed[0].ip, None);
    let after = first.expires_at + Duration::from_secs(1);
    assert!(
        store
            .sessions_active_of(ada, after)
            .await
            .expect("list")
            .is_empty()
    );
}

on_both_databases!(
    tokens_are_found_while_live_and_used_once,
    a_newer_token_replaces_the_older_of_its_purpose_only,
    addresses_are_verified_and_changed,
    a_password_change_drops_pending_reset_and_change_links,
    active_sessions_are_listed_newest_first_with_their_address,
);
