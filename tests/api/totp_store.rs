//! The store of two-factor sign-in, on SQLite and PostgreSQL alike: a pending secret (kept
//! only while off), turning it on with the recovery codes (only with the secret checked),
//! each step and recovery code accepted once (concurrent uses included), challenges
//! counted and taken once, and everything gone with the account — but not with a
//! password change or reset.

use taskward::store::{DynStore, MfaChallenge, TotpRecord};
use uuid::Uuid;

use crate::helpers::TestDb;
use crate::on_both_databases;
use crate::store::{new_user, now};

async fn user(store: &DynStore, email: &str) -> Uuid {
    let u = new_user(email);
    store.user_insert(&u).await.expect("user");
    u.id
}

async fn two_factor(store: &DynStore, id: Uuid) -> bool {
    store
        .user_by_id(id)
        .await
        .expect("read")
        .expect("user")
        .two_factor
}

async fn a_secret_is_pending_until_enabled_and_each_step_is_used_once(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store, "ada@example.com").await;
    let at = now();
    assert_eq!(store.totp_get(ada).await.expect("read"), None);
    assert!(
        store
            .totp_set_pending(ada, &[1; 20], at)
            .await
            .expect("set")
    );
    assert!(
        store
            .totp_set_pending(ada, &[2; 20], at)
            .await
            .expect("replace")
    );
    let pending = TotpRecord {
        secret: vec![2; 20],
        created_at: at,
        enabled_at: None,
        last_step: -1,
    };
    assert_eq!(store.totp_get(ada).await.expect("read"), Some(pending));
    assert!(!two_factor(&store, ada).await);
    // Pending: no step is accepted, and the replaced secret cannot be enabled.
    assert!(!store.totp_use_step(ada, 5).await.expect("use"));
    let hashes = [[7u8; 32], [8u8; 32]];
    assert!(
        !store
            .totp_enable(ada, &[1; 20], 100, &hashes, at)
            .await
            .expect("enable")
    );
    assert!(
        store
            .totp_enable(ada, &[2; 20], 100, &hashes, at)
            .await
            .expect("enable")
    );
    assert!(
        !store
            .totp_enable(ada, &[2; 20], 100, &hashes, at)
            .await
            .expect("twice")
    );
    assert!(two_factor(&store, ada).await);
    assert!(
        store
            .user_by_email("ada@example.com")
            .await
            .expect("read")
            .expect("user")
            .two_factor
    );
    let on = store.totp_get(ada).await.expect("read").expect("on");
    assert_eq!((on.enabled_at, on.last_step), (Some(at), 100));
    // On: a new pending secret is refused.
    assert!(
        !store
            .totp_set_pending(ada, &[3; 20], at)
            .await
            .expect("set")
    );
    // Steps: only later ones, each once, one winner of two at once.
    assert!(!store.totp_use_step(ada, 100).await.expect("same"));
    assert!(!store.totp_use_step(ada, 99).await.expect("older"));
    let (a, b) = tokio::join!(store.totp_use_step(ada, 101), store.totp_use_step(ada, 101));
    assert_eq!(
        [a.expect("a"), b.expect("b")]
            .iter()
            .filter(|w| **w)
            .count(),
        1
    );
    assert!(store.totp_use_step(ada, 103).await.expect("later"));
    assert!(!store.totp_use_step(ada, 102).await.expect("skipped"));
}

async fn recovery_codes_are_used_once_and_replaced_by_a_new_set(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store, "ada@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let at = now();
    for (id, first) in [(ada, 1u8), (bob, 50)] {
        store
            .totp_set_pending(id, &[first; 20], at)
            .await
            .expect("set");
        let hashes: Vec<[u8; 32]> = (first..first + 10).map(|b| [b; 32]).collect();
        assert!(
            store
                .totp_enable(id, &[first; 20], 1, &hashes, at)
                .await
                .expect("on")
        );
    }
    assert_eq!(store.recovery_codes_left(ada).await.expect("left"), 10);
    // Bob's code is nothing to Ada.
    assert!(
        !store
            .recovery_code_use(ada, [50; 32], at)
            .await
            .expect("use")
    );
    let (a, b) = tokio::join!(
        store.recovery_code_use(ada, [1; 32], at),
        store.recovery_code_use(ada, [1; 32], at)
    );
    assert_eq!(
        [a.expect("a"), b.expect("b")]
            .iter()
            .filter(|w| **w)
            .count(),
        1
    );
    assert!(
        !store
            .recovery_code_use(ada, [1; 32], at)
            .await
            .expect("again")
    );
    assert_eq!(store.recovery_codes_left(ada).await.expect("left"), 9);
    // Off and on again: a new set, the old codes gone.
    assert!(store.totp_delete(ada).await.expect("off"));
    assert!(!store.totp_delete(ada).await.expect("off again"));
    assert_eq!(store.recovery_codes_left(ada).await.expect("left"), 0);
    store
        .totp_set_pending(ada, &[9; 20], at)
        .await
        .expect("set");
    let new = [[200u8; 32]];
    assert!(
        store
            .totp_enable(ada, &[9; 20], 1, &new, at)
            .await
            .expect("on")
    );
    assert!(
        !store
            .recovery_code_use(ada, [2; 32], at)
            .await
            .expect("old set")
    );
    assert!(
        store
            .recovery_code_use(ada, [200; 32], at)
            .await
            .expect("new set")
    );
    assert_eq!(store.recovery_codes_left(bob).await.expect("left"), 10);
}

async fn challenges_count_attempts_expire_and_are_taken_once(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store, "ada@example.com").await;
    let at = now();
    let challenge = |byte: u8, minutes: i64| MfaChallenge {
        token_hash: [byte; 32],
        user_id: ada,
        created_at: at,
        expires_at: at + time::Duration::minutes(minutes),
    };
    store
        .mfa_challenge_insert(&challenge(1, 5))
        .await
        .expect("insert");
    for _ in 0..3 {
        let got = store
            .mfa_challenge_attempt([1; 32], at, 3)
            .await
            .expect("try");
        assert_eq!(got, Some(ada));
    }
    assert_eq!(
        store
            .mfa_challenge_attempt([1; 32], at, 3)
            .await
            .expect("try"),
        None
    );
    // Taken (used) once, whatever its attempts.
    let (a, b) = tokio::join!(
        store.mfa_challenge_take([1; 32], at),
        store.mfa_challenge_take([1; 32], at)
    );
    let won: Vec<_> = [a.expect("a"), b.expect("b")]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(won, [ada]);
    // Expired: neither tried nor taken; swept by the next insert.
    store
        .mfa_challenge_insert(&challenge(2, 5))
        .await
        .expect("insert");
    let late = at + time::Duration::minutes(5);
    assert_eq!(
        store
            .mfa_challenge_attempt([2; 32], late, 5)
            .await
            .expect("try"),
        None
    );
    assert_eq!(
        store.mfa_challenge_take([2; 32], late).await.expect("take"),
        None
    );
    assert_eq!(
        store
            .mfa_challenge_attempt([3; 32], at, 5)
            .await
            .expect("unknown"),
        None
    );
    let mut later = challenge(4, 5);
    later.created_at = late;
    store.mfa_challenge_insert(&later).await.expect("insert");
    assert_eq!(
        store.mfa_challenge_take([2; 32], at).await.expect("swept"),
        None
    );
    // Turning two-factor sign-in off ends the challenges in flight.
    store
        .totp_set_pending(ada, &[1; 20], at)
        .await
        .expect("set");
    store
        .totp_enable(ada, &[1; 20], 1, &[], at)
        .await
        .expect("on");
    store
        .mfa_challenge_insert(&challenge(5, 5))
        .await
        .expect("insert");
    store.totp_delete(ada).await.expect("off");
    assert_eq!(
        store.mfa_challenge_take([5; 32], at).await.expect("take"),
        None
    );
}

async fn a_password_change_keeps_it_and_deleting_the_account_drops_it(db: TestDb) {
    let store = db.open_store().await;
    let ada = user(&store, "ada@example.com").await;
    let at = now();
    store
        .totp_set_pending(ada, &[1; 20], at)
        .await
        .expect("set");
    store
        .totp_enable(ada, &[1; 20], 1, &[[1; 32]], at)
        .await
        .expect("on");
    let challenge = MfaChallenge {
        token_hash: [9; 32],
        user_id: ada,
        created_at: at,
        expires_at: at + time::Duration::minutes(5),
    };
    store
        .mfa_challenge_insert(&challenge)
        .await
        .expect("insert");
    // A password change or reset (the same statement, no session kept) keeps it on.
    store
        .user_change_password(ada, "$argon2id$v=19$m=19456,t=2,p=1$bmV3$aGFzaA", None, at)
        .await
        .expect("changed");
    assert!(two_factor(&store, ada).await);
    assert!(store.user_delete(ada).await.expect("deleted"));
    assert_eq!(store.totp_get(ada).await.expect("read"), None);
    assert_eq!(store.recovery_codes_left(ada).await.expect("left"), 0);
    assert_eq!(
        store.mfa_challenge_take([9; 32], at).await.expect("take"),
        None
    );
}

on_both_databases!(
    a_secret_is_pending_until_enabled_and_each_step_is_used_once,
    recovery_codes_are_used_once_and_replaced_by_a_new_set,
    challenges_count_attempts_expire_and_are_taken_once,
    a_password_change_keeps_it_and_deleting_the_account_drops_it,
);
