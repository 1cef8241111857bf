//! Two-factor sign-in with TOTP (issue 20, API-2.md section 6), over HTTP on both
//! databases, every code computed by pyotp (tests/oracles/totp.py), an independent RFC 6238
//! implementation that also reads the `otpauth://` URI: set-up, the second step of
//! sign-in, a code used twice, drift of one step accepted and of two refused, recovery
//! codes used once, turning it off, wrong passwords, and another user's codes. The
//! challenge's expiry and death and the rate limit are in `totp_limits.rs`, the pages in
//! `web_totp.rs`.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, TestDb, oracle_python, problem, run_oracle};
use crate::on_both_databases;

pub(crate) const PASSWORD: &str = "correct horse battery";

/// The oracle's Python, or `None` (with a notice) outside CI without it.
pub(crate) fn pyotp() -> Option<PathBuf> {
    oracle_python("the two-factor tests (pyotp)")
}

/// Unix seconds now, at least 8 seconds before the current 30-second step ends (waiting
/// for the next one when it is closer), so that codes computed now stay of the step the
/// server sees during the next few requests.
pub(crate) async fn fresh_now() -> u64 {
    loop {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        if now % 30 < 22 {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_secs(30 - now % 30)).await;
    }
}

/// pyotp's codes of `uri` at each instant of `at`, after checking what it read from the
/// URI: SHA-1, 6 digits, 30 seconds, issuer Taskward.
pub(crate) fn codes(python: &Path, uri: &str, at: &[i64]) -> Vec<String> {
    let input = json!({"uri": uri, "at": at}).to_string();
    let out: Value =
        serde_json::from_slice(&run_oracle(python, "totp.py", input.as_bytes())).expect("json");
    assert_eq!(out["digits"], 6, "{out}");
    assert_eq!(out["interval"], 30, "{out}");
    assert_eq!(out["algorithm"], "sha1", "{out}");
    assert_eq!(out["issuer"], "Taskward", "{out}");
    out["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("a code").to_owned())
        .collect()
}

/// pyotp's code of `uri` at `now + offset` seconds.
pub(crate) fn code_at(python: &Path, uri: &str, now: u64, offset: i64) -> String {
    codes(python, uri, &[now as i64 + offset]).remove(0)
}

/// A 6-digit code that is none of `uri`'s within two steps of `now`: surely wrong.
pub(crate) fn wrong_code(python: &Path, uri: &str, now: u64) -> String {
    let near = codes(python, uri, &[-60, -30, 0, 30, 60].map(|o| now as i64 + o));
    (0..)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .expect("a wrong code")
}

/// Starts a set-up for `s`: the pending secret's URI.
pub(crate) async fn begin(app: &TestApp, s: &Session) -> String {
    let setup = app
        .ok(
            s,
            Method::POST,
            "/api/auth/2fa/totp",
            Some(json!({"password": PASSWORD})),
        )
        .await;
    let uri = setup["otpauth_uri"].as_str().expect("uri").to_owned();
    let secret = setup["secret"].as_str().expect("secret");
    assert_eq!(secret.len(), 32, "160 bits in base32: {secret}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    uri
}

/// Turns two-factor sign-in on for `s` with the code of the step before this one (so the
/// steps from now on are free): the URI and the recovery codes.
pub(crate) async fn turn_on(app: &TestApp, s: &Session, python: &Path) -> (String, Vec<String>) {
    let uri = begin(app, s).await;
    let now = fresh_now().await;
    let body = json!({"code": code_at(python, &uri, now, -30)});
    let on = app
        .ok(s, Method::POST, "/api/auth/2fa/totp/confirm", Some(body))
        .await;
    let recovery: Vec<String> = on["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    assert_eq!(recovery.len(), 10, "{on}");
    (uri, recovery)
}

/// Signs in with the password of an account with two-factor sign-in on: the mfa_token.
pub(crate) async fn challenge(app: &TestApp, email: &str) -> String {
    let res = app
        .post_json(
            "/api/auth/signin",
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["mfa_required"], true, "{body}");
    assert_eq!(body["methods"], json!(["totp", "recovery_code"]));
    assert!(body.get("access_token").is_none(), "no tokens yet: {body}");
    assert!(body.get("refresh_token").is_none(), "no tokens yet: {body}");
    let token = body["mfa_token"].as_str().expect("mfa_token").to_owned();
    assert_eq!(token.len(), 43);
    token
}

/// The second step with `factor` (`{"code": ...}` or `{"recovery_code": ...}`).
pub(crate) async fn second(app: &TestApp, token: &str, factor: Value) -> reqwest::Response {
    let mut body = factor;
    body["mfa_token"] = json!(token);
    app.post_json("/api/auth/signin/2fa", &body).await
}

/// The second step succeeds: the session.
pub(crate) async fn signed_in(app: &TestApp, token: &str, factor: Value) -> Session {
    let res = second(app, token, factor).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer", "{body}");
    assert_eq!(body["user"]["two_factor"], true, "{body}");
    Session::from(body)
}

/// The second step is refused with `422` on `field`.
pub(crate) async fn refused_on(app: &TestApp, token: &str, factor: Value, field: &str) {
    let body = problem(second(app, token, factor).await, 422).await;
    assert_eq!(body["errors"][0]["field"], field, "{body}");
}

async fn me(app: &TestApp, s: &Session) -> Value {
    app.ok(s, Method::GET, "/api/auth/me", None).await
}

async fn setting_up_needs_the_password_and_a_first_code_within_one_step(db: TestDb) {
    let Some(python) = pyotp() else { return };
    let app = TestApp::spawn(db).await;
    let ada = app.signup("Ada@Example.com", PASSWORD).await;
    assert_eq!(me(&app, &ada).await["two_factor"], false);

    let wrong = json!({"password": "not the password"});
    let res = app
        .call(
            Method::POST,
            "/api/auth/2fa/totp",
            &ada.access,
            Some(&wrong),
        )
        .await;
    problem(res, 401).await;
    let nothing = json!({"code": "123456"});
    let res = app
        .call(
            Method::POST,
            "/api/auth/2fa/totp/confirm",
            &ada.access,
            Some(&nothing),
        )
        .await;
    problem(res, 409).await;

    let uri = begin(&app, &ada).await;
    assert!(uri.starts_with("otpauth://totp/Taskward:"), "{uri}");
    let now = fresh_now().await;
    let read = run_oracle(
        &python,
        "totp.py",
        json!({"uri": uri, "at": []}).to_string().as_bytes(),
    );
    let read: Value = serde_json::from_slice(&read).expect("json");
    assert_eq!(read["name"], "Ada@Example.com", "{read}");
    // Pending: signing in still gives tokens, and the User says off.
    app.signin("ada@example.com", PASSWORD).await;
    assert_eq!(me(&app, &ada).await["two_factor"], false);

    // Two steps away either way is refused; so is junk.
    for (offset, code) in [
        (-60, None),
        (60, None),
        (0, Some("12345")),
        (0, Some("abcdef")),
    ] {
        let code = code.map_or_else(|| code_at(&python, &uri, now, offset), str::to_owned);
        let res = app
            .call(
                Method::POST,
                "/api/auth/2fa/totp/confirm",
                &ada.access,
                Some(&json!({"code": code})),
            )
            .await;
        let body = problem(res, 422).await;
        assert_eq!(body["errors"][0]["field"], "code", "{body}");
    }
    // A second set-up replaces the pending secret: the first one's codes stop working.
    let again = begin(&app, &ada).await;
    assert_ne!(again, uri);
    let old = json!({"code": code_at(&python, &uri, now, 0)});
    let res = app
        .call(
            Method::POST,
            "/api/auth/2fa/totp/confirm",
            &ada.access,
            Some(&old),
        )
        .await;
    problem(res, 422).await;
    // One step of drift (the code of the next step) turns it on.
    let next = json!({"code": code_at(&python, &again, now, 30)});
    let on = app
        .ok(&ada, Method::POST, "/api/auth/2fa/totp/confirm", Some(next))
        .await;
    assert_eq!(on["recovery_codes"].as_array().map(Vec::len), Some(10));
    assert_eq!(me(&app, &ada).await["two_factor"], true);
    // On: a new set-up or confirmation is a conflict until it is off.
    let res = app
        .call(
            Method::POST,
            "/api/auth/2fa/totp",
            &ada.access,
            Some(&json!({"password": PASSWORD})),
        )
        .await;
    problem(res, 409).await;
    app.stop().await;
}

async fn signing_in_takes_a_second_step_and_each_code_works_once(db: TestDb) {
    let Some(python) = pyotp() else { return };
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let (uri, _) = turn_on(&app, &ada, &python).await;
    let now = fresh_now().await;

    // Two steps ahead is refused, one step ahead works, once.
    let token = challenge(&app, "ADA@example.com").await;
    let ahead2 = code_at(&python, &uri, now, 60);
    refused_on(&app, &token, json!({"code": ahead2}), "code").await;
    let ahead = code_at(&python, &uri, now, 30);
    let session = signed_in(
        &app,
        &token,
        json!({"code": format!(" {} {}", &ahead[..3], &ahead[3..])}),
    )
    .await;
    assert_eq!(me(&app, &session).await["email"], "ada@example.com");
    // The token was used: it signs in no one again.
    problem(
        second(&app, &token, json!({"code": ahead.clone()})).await,
        401,
    )
    .await;
    // The same code again, with a new challenge: refused; so is the current step's code,
    // older than the step already used.
    let token = challenge(&app, "ada@example.com").await;
    refused_on(&app, &token, json!({"code": ahead}), "code").await;
    let current = code_at(&python, &uri, now, 0);
    refused_on(&app, &token, json!({"code": current}), "code").await;
    // Neither a missing nor a doubled factor is read.
    let body = problem(second(&app, &token, json!({})).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "code", "{body}");
    let both = json!({"code": "123456", "recovery_code": "abcde-fghjk"});
    problem(second(&app, &token, both).await, 422).await;
    problem(
        second(&app, "not-a-token", json!({"code": "123456"})).await,
        401,
    )
    .await;
    app.stop().await;
}

async fn recovery_codes_sign_in_once_each(db: TestDb) {
    let Some(python) = pyotp() else { return };
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let (_, recovery) = turn_on(&app, &ada, &python).await;
    for c in &recovery {
        assert!(c.len() == 11 && c.as_bytes()[5] == b'-', "xxxxx-xxxxx: {c}");
    }
    let token = challenge(&app, "ada@example.com").await;
    signed_in(&app, &token, json!({"recovery_code": recovery[0]})).await;
    let token = challenge(&app, "ada@example.com").await;
    refused_on(
        &app,
        &token,
        json!({"recovery_code": recovery[0]}),
        "recovery_code",
    )
    .await;
    refused_on(
        &app,
        &token,
        json!({"recovery_code": "abcde-fghjk"}),
        "recovery_code",
    )
    .await;
    // Case, spaces and the dash do not matter.
    let typed = recovery[1].replace('-', " ").to_uppercase();
    signed_in(&app, &token, json!({"recovery_code": typed})).await;
    let id = ada.user_id.parse().expect("uuid");
    assert_eq!(app.store.recovery_codes_left(id).await.expect("left"), 8);
    app.stop().await;
}

async fn turning_it_off_needs_the_password_and_a_code(db: TestDb) {
    let Some(python) = pyotp() else { return };
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let (uri, recovery) = turn_on(&app, &ada, &python).await;
    let now = fresh_now().await;
    let code = code_at(&python, &uri, now, 0);
    let off = |body: Value| {
        let app = &app;
        let access = ada.access.clone();
        async move {
            app.call(Method::DELETE, "/api/auth/2fa/totp", &access, Some(&body))
                .await
        }
    };
    problem(
        off(json!({"password": "wrong password", "code": code})).await,
        401,
    )
    .await;
    let body = problem(off(json!({"password": PASSWORD})).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "code", "{body}");
    let wrong = wrong_code(&python, &uri, now);
    let body = problem(off(json!({"password": PASSWORD, "code": wrong})).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "code", "{body}");
    assert_eq!(me(&app, &ada).await["two_factor"], true, "still on");
    // A recovery code does it too (the device is lost).
    let res = off(json!({"password": PASSWORD, "recovery_code": recovery[3]})).await;
    assert_eq!(res.status(), 204);
    assert_eq!(me(&app, &ada).await["two_factor"], false);
    // Off: the password alone signs in; turning off again is a conflict.
    let s = app.signin("ada@example.com", PASSWORD).await;
    assert_eq!(me(&app, &s).await["two_factor"], false);
    problem(off(json!({"password": PASSWORD, "code": code})).await, 409).await;

    // On again with a new secret; the code of the app turns it off.
    let (uri, _) = turn_on(&app, &ada, &python).await;
    let now = fresh_now().await;
    let res = off(json!({"password": PASSWORD, "code": code_at(&python, &uri, now, 0)})).await;
    assert_eq!(res.status(), 204);
    let id = ada.user_id.parse().expect("uuid");
    assert_eq!(app.store.totp_get(id).await.expect("read"), None);
    assert_eq!(app.store.recovery_codes_left(id).await.expect("left"), 0);
    app.stop().await;
}

async fn another_users_codes_and_set_up_are_nothing_to_them(db: TestDb) {
    let Some(python) = pyotp() else { return };
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let (ada_uri, ada_recovery) = turn_on(&app, &ada, &python).await;
    let (bob_uri, _) = turn_on(&app, &bob, &python).await;
    let now = fresh_now().await;
    // Bob's challenge takes none of Ada's codes.
    let token = challenge(&app, "bob@example.com").await;
    refused_on(
        &app,
        &token,
        json!({"code": code_at(&python, &ada_uri, now, 0)}),
        "code",
    )
    .await;
    let recovery = json!({"recovery_code": ada_recovery[0]});
    refused_on(&app, &token, recovery, "recovery_code").await;
    let bob_in = signed_in(
        &app,
        &token,
        json!({"code": code_at(&python, &bob_uri, now, 0)}),
    )
    .await;
    assert_eq!(me(&app, &bob_in).await["email"], "bob@example.com");
    // Ada's recovery code still works for Ada; her set-up and codes are hers alone.
    let token = challenge(&app, "ada@example.com").await;
    signed_in(&app, &token, json!({"recovery_code": ada_recovery[0]})).await;
    let carol = app.signup("carol@example.com", PASSWORD).await;
    let res = app
        .call(
            Method::POST,
            "/api/auth/2fa/totp/confirm",
            &carol.access,
            Some(&json!({"code": code_at(&python, &ada_uri, now, 0)})),
        )
        .await;
    problem(res, 409).await;
    let off = json!({"password": PASSWORD, "recovery_code": ada_recovery[1]});
    let res = app
        .call(
            Method::DELETE,
            "/api/auth/2fa/totp",
            &carol.access,
            Some(&off),
        )
        .await;
    problem(res, 409).await;
    assert_eq!(me(&app, &carol).await["two_factor"], false);
    assert_eq!(me(&app, &ada).await["two_factor"], true);
    // Deleting Ada deletes her secret and codes.
    let id = ada.user_id.parse().expect("uuid");
    app.ok(
        &ada,
        Method::DELETE,
        "/api/auth/me",
        Some(json!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(app.store.totp_get(id).await.expect("read"), None);
    assert_eq!(app.store.recovery_codes_left(id).await.expect("left"), 0);
    app.stop().await;
}

on_both_databases!(
    setting_up_needs_the_password_and_a_first_code_within_one_step,
    signing_in_takes_a_second_step_and_each_code_works_once,
    recovery_codes_sign_in_once_each,
    turning_it_off_needs_the_password_and_a_code,
    another_users_codes_and_set_up_are_nothing_to_them,
);
