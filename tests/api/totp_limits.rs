//! The limits of two-factor sign-in (issue 20, API-2.md section 6), over HTTP on both
//! databases with codes from pyotp: a challenge lives 5 minutes (one stored through the
//! store with a past expiry is dead), dies with its 5th wrong code (concurrent guesses
//! included), and the codes tried for one account are rate limited, a limit that signing
//! in with the password again does not reset.

use std::time::Duration;

use serde_json::json;
use sha2::{Digest, Sha256};
use taskward::config::RateRule;
use taskward::store::MfaChallenge;

use crate::helpers::{TestApp, TestDb, problem};
use crate::on_both_databases;
use crate::totp::{
    PASSWORD, challenge, code_at, fresh_now, pyotp, refused_on, second, signed_in, turn_on,
    wrong_code,
};

async fn an_expired_challenge_signs_in_no_one(db: TestDb) {
    let Some(python) = pyotp() else { return };
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let (uri, _) = turn_on(&app, &ada, &python).await;
    let now = fresh_now().await;
    let stored = |token: &str, minutes: i64| MfaChallenge {
        token_hash: Sha256::digest(token.as_bytes()).into(),
        user_id: ada.user_id.parse().expect("uuid"),
        created_at: crate::store::now() - time::Duration::minutes(6),
        expires_at: crate::store::now() + time::Duration::minutes(minutes),
    };
    let expired = "E".repeat(43);
    app.store
        .mfa_challenge_insert(&stored(&expired, -1))
        .await
        .expect("stored");
    let code = json!({"code": code_at(&python, &uri, now, 0)});
    let body = problem(second(&app, &expired, code.clone()).await, 401).await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("sign in again")),
        "{body}"
    );
    // The same row, still live, would have worked: the expiry is what refused it.
    let live = "L".repeat(43);
    app.store
        .mfa_challenge_insert(&stored(&live, 4))
        .await
        .expect("stored");
    signed_in(&app, &live, code).await;
    app.stop().await;
}

async fn a_challenge_dies_with_its_fifth_wrong_code(db: TestDb) {
    let Some(python) = pyotp() else { return };
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let (uri, _) = turn_on(&app, &ada, &python).await;
    let now = fresh_now().await;
    let wrong = json!({"code": wrong_code(&python, &uri, now)});
    let right = json!({"code": code_at(&python, &uri, now, 0)});

    // Four wrong codes leave the fifth try: the right code signs in.
    let token = challenge(&app, "ada@example.com").await;
    for _ in 0..4 {
        refused_on(&app, &token, wrong.clone(), "code").await;
    }
    signed_in(&app, &token, right.clone()).await;

    // Five wrong codes end it: the right code of the next step no longer helps.
    let token = challenge(&app, "ada@example.com").await;
    for _ in 0..5 {
        refused_on(&app, &token, wrong.clone(), "code").await;
    }
    let next = json!({"code": code_at(&python, &uri, now, 30)});
    problem(second(&app, &token, next.clone()).await, 401).await;

    // Ten guesses at once: five are tried, the others find the challenge dead.
    let token = challenge(&app, "ada@example.com").await;
    let guesses = (0..10).map(|_| second(&app, &token, wrong.clone()));
    let mut statuses: Vec<u16> = futures_util::future::join_all(guesses)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    statuses.sort_unstable();
    let mut want = vec![401; 5];
    want.extend([422; 5]);
    assert_eq!(statuses, want);
    app.stop().await;
}

async fn codes_tried_for_one_account_are_rate_limited(db: TestDb) {
    let Some(python) = pyotp() else { return };
    let mut config = db.config();
    config.rate_limit = true;
    config.rate_limit_per_email = RateRule {
        max: 3,
        window: Duration::from_secs(900),
    };
    let app = TestApp::spawn_with(db, config).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let (uri, _) = turn_on(&app, &ada, &python).await;
    let now = fresh_now().await;
    let wrong = json!({"code": wrong_code(&python, &uri, now)});
    let token = challenge(&app, "ada@example.com").await;
    for _ in 0..3 {
        refused_on(&app, &token, wrong.clone(), "code").await;
    }
    let right = json!({"code": code_at(&python, &uri, now, 0)});
    let res = second(&app, &token, right.clone()).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    // A new challenge (the password is right) does not buy new guesses.
    let token = challenge(&app, "ada@example.com").await;
    problem(second(&app, &token, right).await, 429).await;
    app.stop().await;
}

on_both_databases!(
    an_expired_challenge_signs_in_no_one,
    a_challenge_dies_with_its_fifth_wrong_code,
    codes_tried_for_one_account_are_rate_limited,
);
