//! The access tokens part of the store conformance suite, and the checks the CalDAV face
//! makes through the service, on both databases: a token round-trips; the limit per
//! user holds; someone else's is not deleted; an expired token is refused at once by
//! `authenticate` and `authenticate_basic`; the last use is written by a conditional
//! update, at most once a minute; deleting the user deletes their tokens.

use sha2::{Digest, Sha256};
use taskward::auth::AccessTokens;
use taskward::auth::pat::{AccessToken, Scope, Scopes};
use taskward::store::DynStore;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::TestDb;
use crate::lists_store::{account, now};
use crate::on_both_databases;

/// Whether a token hashes to `hash`.
async fn is_found(store: &DynStore, hash: [u8; 32]) -> bool {
    store
        .access_token_by_hash(hash)
        .await
        .expect("read")
        .is_some()
}

/// Records a use of token `id` at `at` unless it was used in the minute before.
async fn touch(store: &DynStore, id: Uuid, at: OffsetDateTime) -> bool {
    store
        .access_token_touch(id, at, at - Duration::minutes(1))
        .await
        .expect("touch")
}

/// A secret of the right shape, different for each `n`.
fn secret(n: u8) -> String {
    format!("tw_pat_{}{n:03}", "A".repeat(40))
}

fn token(user_id: Uuid, secret: &str, expires_at: Option<OffsetDateTime>) -> AccessToken {
    AccessToken {
        id: Uuid::now_v7(),
        user_id,
        name: "Phone".into(),
        token_hash: Sha256::digest(secret.as_bytes()).into(),
        scopes: Scopes::new("scopes", [Scope::TasksRead]).expect("scopes"),
        created_at: now(),
        expires_at,
        last_used_at: None,
    }
}

async fn tokens_round_trip_with_a_limit_per_user(db: TestDb) {
    let store = db.open_store().await;
    let ada = account(&store, "ada@example.com").await;
    let bob = account(&store, "bob@example.com").await;
    let expires = Some(now() + Duration::days(30));
    let first = token(ada, &secret(1), expires);
    assert!(store.access_token_insert(&first, 2).await.expect("insert"));
    assert!(
        store
            .access_token_insert(&token(ada, &secret(2), None), 2)
            .await
            .expect("insert")
    );
    assert!(
        !store
            .access_token_insert(&token(ada, &secret(3), None), 2)
            .await
            .expect("insert"),
        "the third of two"
    );
    assert!(
        store
            .access_token_insert(&token(bob, &secret(4), None), 2)
            .await
            .expect("insert")
    );
    let all = store.access_tokens_of(ada).await.expect("list");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], first);
    assert_eq!(all[1].expires_at, None);

    let found = store
        .access_token_by_hash(first.token_hash)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(found.token, first);
    assert_eq!(found.email_lower, "ada@example.com");
    assert!(!is_found(&store, [7; 32]).await);

    // Bob cannot delete Ada's; Ada can, once.
    assert!(
        !store
            .access_token_delete(bob, first.id)
            .await
            .expect("delete")
    );
    assert!(
        store
            .access_token_delete(ada, first.id)
            .await
            .expect("delete")
    );
    assert!(
        !store
            .access_token_delete(ada, first.id)
            .await
            .expect("delete")
    );
    assert!(!is_found(&store, first.token_hash).await);

    // The account's end is its tokens' end.
    assert!(store.user_delete(ada).await.expect("delete user"));
    assert!(store.access_tokens_of(ada).await.expect("list").is_empty());
    assert_eq!(store.access_tokens_of(bob).await.expect("list").len(), 1);
}

async fn a_use_is_written_at_most_once_a_minute(db: TestDb) {
    let store = db.open_store().await;
    let ada = account(&store, "ada@example.com").await;
    let t = token(ada, &secret(1), None);
    assert!(store.access_token_insert(&t, 50).await.expect("insert"));
    let last_used = |store: DynStore| async move {
        store.access_tokens_of(ada).await.expect("list")[0].last_used_at
    };

    // The store: written when never used, or used before `since`; else not.
    let t0 = now();
    assert!(touch(&store, t.id, t0).await);
    assert_eq!(last_used(store.clone()).await, Some(t0));
    let t1 = t0 + Duration::seconds(30);
    assert!(!touch(&store, t.id, t1).await);
    assert_eq!(last_used(store.clone()).await, Some(t0));
    let t2 = t0 + Duration::seconds(61);
    assert!(touch(&store, t.id, t2).await);
    assert_eq!(last_used(store.clone()).await, Some(t2));

    // The service: a use with a recent last use does not write it again.
    let u = token(ada, &secret(2), None);
    assert!(store.access_token_insert(&u, 50).await.expect("insert"));
    let tokens = AccessTokens::new(store.clone());
    let before = now();
    assert!(
        tokens
            .authenticate(&secret(2))
            .await
            .expect("read")
            .is_some()
    );
    let used = store.access_tokens_of(ada).await.expect("list")[1]
        .last_used_at
        .expect("written on the first use");
    assert!(used >= before, "{used} {before}");
    assert!(
        tokens
            .authenticate(&secret(2))
            .await
            .expect("read")
            .is_some()
    );
    assert_eq!(
        store.access_tokens_of(ada).await.expect("list")[1].last_used_at,
        Some(used)
    );
}

async fn an_expired_token_is_refused_at_once(db: TestDb) {
    let store = db.open_store().await;
    let ada = account(&store, "ada@example.com").await;
    let tokens = AccessTokens::new(store.clone());
    let expired = token(ada, &secret(1), Some(now() - Duration::seconds(1)));
    let live = token(ada, &secret(2), Some(now() + Duration::minutes(5)));
    for t in [&expired, &live] {
        assert!(store.access_token_insert(t, 50).await.expect("insert"));
    }
    assert_eq!(tokens.authenticate(&secret(1)).await.expect("read"), None);
    assert_eq!(
        tokens
            .authenticate_basic("ada@example.com", &secret(1))
            .await
            .expect("read"),
        None
    );
    let grant = tokens
        .authenticate_basic("ADA@example.com", &secret(2))
        .await
        .expect("read")
        .expect("live");
    assert_eq!((grant.user_id, grant.token_id), (ada, live.id));
    assert!(grant.allows(Scope::TasksRead) && !grant.allows(Scope::TasksWrite));
    // An expired token's use is not recorded.
    let all = store.access_tokens_of(ada).await.expect("list");
    assert_eq!(all[0].last_used_at, None);
    assert!(all[1].last_used_at.is_some());
}

on_both_databases!(
    tokens_round_trip_with_a_limit_per_user,
    a_use_is_written_at_most_once_a_minute,
    an_expired_token_is_refused_at_once,
);
