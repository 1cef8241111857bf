//! The pages of two-factor sign-in over plain HTTP (no JavaScript), on both databases,
//! with the codes computed by pyotp from the secret the page shows: setting it up from the
//! account page (the QR code an SVG image drawn on the server), the recovery codes shown
//! once, turning it off; signing in through the second page with a code or a recovery
//! code, CSRF-checked, the challenge carried by a short-lived cookie, and sent back to
//! sign in once it is dead.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;
use crate::totp::{PASSWORD, code_at, fresh_now, pyotp, turn_on, wrong_code};
use crate::web::{Browser, location};

/// The text between `start` and the next `end` in `html`.
fn between<'h>(html: &'h str, start: &str, end: &str) -> &'h str {
    let at = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {html}"))
        + start.len();
    html[at..].split(end).next().expect("an end")
}

/// Posts the form at `action` of the page `page` with `fields` and its CSRF token.
async fn submit(
    web: &mut Browser<'_>,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = web.csrf(page).await;
    let origin = web.origin();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    web.post(action, &all, Some(&origin)).await
}

async fn setting_it_up_and_off_on_the_account_page(db: TestDb) {
    let Some(python) = pyotp() else { return };
    let app = TestApp::spawn(db).await;
    let mut web = Browser::new(&app);
    assert_eq!(web.sign_up("ada@example.com").await.status(), 303);
    let account = web.get("/account").await.text().await.expect("page");
    assert!(
        account.contains(r#"<span id="two-factor-state">Off</span>"#),
        "{account}"
    );

    let res = submit(
        &mut web,
        "/account",
        "/account/2fa/start",
        &[("password", "wrong one")],
    )
    .await;
    let html = web.follow_refusal(res).await;
    assert!(html.contains(r#"id="totp-password-error""#), "{html}");
    // Nothing pending yet: the set-up page sends back to the account.
    assert_eq!(location(&web.get("/account/2fa").await), "/account");
    let res = submit(
        &mut web,
        "/account",
        "/account/2fa/start",
        &[("password", PASSWORD)],
    )
    .await;
    assert_eq!(location(&res), "/account/2fa");

    let setup = web.get("/account/2fa").await.text().await.expect("page");
    let src = between(&setup, r#"id="totp-qr" src=""#, "\"");
    let svg = STANDARD
        .decode(
            src.strip_prefix("data:image/svg+xml;base64,")
                .expect("a data: SVG"),
        )
        .expect("base64");
    let svg = String::from_utf8(svg).expect("utf-8");
    assert!(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.ends_with("</svg>"));
    assert_eq!(
        setup.matches("<script").count(),
        setup.matches("<script src=").count(),
        "no inline script"
    );
    let secret: String = between(&setup, r#"id="totp-secret">"#, "<")
        .split_whitespace()
        .collect();
    assert_eq!(secret.len(), 32, "{setup}");
    let uri = format!("otpauth://totp/Taskward:ada?secret={secret}&issuer=Taskward");
    let now = fresh_now().await;

    let wrong = wrong_code(&python, &uri, now);
    let res = submit(
        &mut web,
        "/account/2fa",
        "/account/2fa/confirm",
        &[("code", &wrong)],
    )
    .await;
    let html = web.follow_refusal(res).await;
    assert!(html.contains(r#"id="code-error""#), "{html}");
    assert!(
        !html.contains(&format!(r#"value="{wrong}""#)),
        "a code is never kept: {html}"
    );
    let code = code_at(&python, &uri, now, 0);
    let res = submit(
        &mut web,
        "/account/2fa",
        "/account/2fa/confirm",
        &[("code", &code)],
    )
    .await;
    assert_eq!(res.status(), 200, "the codes are this answer");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let shown = res.text().await.expect("page");
    let list = between(&shown, r#"id="recovery-codes">"#, "</ol>");
    let recovery: Vec<String> = list
        .split("<code>")
        .skip(1)
        .map(|c| c.split('<').next().expect("code").to_owned())
        .collect();
    assert_eq!(recovery.len(), 10, "{shown}");
    let account = web.get("/account").await.text().await.expect("page");
    assert!(
        account.contains(r#"<span id="two-factor-state">On</span>"#),
        "{account}"
    );
    assert!(
        account.contains("10 of 10 recovery codes left"),
        "{account}"
    );
    assert!(!account.contains(&recovery[0]), "shown once only");
    assert_eq!(location(&web.get("/account/2fa").await), "/account");

    // Off: the password and a code (here a recovery code) are both needed.
    let off = |password: &'static str, code: String| (password, code);
    for (fields, error) in [
        (
            off("wrong one", recovery[0].clone()),
            "totp-off-password-error",
        ),
        (off(PASSWORD, wrong.clone()), "totp-off-code-error"),
    ] {
        let (password, code) = fields;
        let res = submit(
            &mut web,
            "/account",
            "/account/2fa/disable",
            &[("password", password), ("code", &code)],
        )
        .await;
        let html = web.follow_refusal(res).await;
        assert!(html.contains(&format!(r#"id="{error}""#)), "{html}");
    }
    let res = submit(
        &mut web,
        "/account",
        "/account/2fa/disable",
        &[("password", PASSWORD), ("code", &recovery[0])],
    )
    .await;
    assert_eq!(location(&res), "/account");
    let account = web.get("/account").await.text().await.expect("page");
    assert!(account.contains("Two-factor sign-in is off"), "{account}");
    assert!(account.contains(r#"<span id="two-factor-state">Off</span>"#));
    app.stop().await;
}

async fn signing_in_asks_for_a_code_on_a_second_page(db: TestDb) {
    let Some(python) = pyotp() else { return };
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let (uri, recovery) = turn_on(&app, &ada, &python).await;
    let now = fresh_now().await;

    let mut web = Browser::new(&app);
    let res = submit(
        &mut web,
        "/signin",
        "/signin",
        &[
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("next", "/account"),
        ],
    )
    .await;
    assert_eq!(location(&res), "/signin/2fa?next=%2Faccount");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("taskward_mfa="))
        .expect("the challenge's cookie")
        .to_owned();
    assert!(
        cookie.contains("Max-Age=300") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert!(
        !web.cookies.contains_key("taskward_access"),
        "no session yet"
    );
    let page = web
        .get("/signin/2fa?next=%2Faccount")
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains(r#"name="code""#) && page.contains("/signin/2fa?recovery=1"),
        "{page}"
    );

    // Without the CSRF token: refused. A wrong code: the page again, with the error.
    let origin = web.origin();
    let code = code_at(&python, &uri, now, 0);
    let res = web
        .post("/signin/2fa", &[("code", &code)], Some(&origin))
        .await;
    assert_eq!(res.status(), 403);
    let wrong = wrong_code(&python, &uri, now);
    let page = "/signin/2fa?next=%2Faccount";
    let res = submit(
        &mut web,
        page,
        "/signin/2fa",
        &[("code", &wrong), ("next", "/account")],
    )
    .await;
    let html = web.follow_refusal(res).await;
    assert!(html.contains(r#"id="code-error""#), "{html}");
    let res = submit(
        &mut web,
        page,
        "/signin/2fa",
        &[("code", &code), ("next", "/account")],
    )
    .await;
    assert_eq!(location(&res), "/account");
    assert!(web.cookies.contains_key("taskward_access"), "signed in");
    assert!(
        !web.cookies.contains_key("taskward_mfa"),
        "the challenge is used up"
    );
    assert_eq!(web.get("/account").await.status(), 200);

    // Another browser, with a recovery code.
    let mut other = Browser::new(&app);
    assert_eq!(
        location(&other.sign_in("ada@example.com").await),
        "/signin/2fa"
    );
    let page = "/signin/2fa?recovery=1";
    let html = other.get(page).await.text().await.expect("page");
    assert!(html.contains(r#"name="recovery_code""#), "{html}");
    let res = submit(
        &mut other,
        page,
        "/signin/2fa",
        &[("recovery_code", &recovery[0])],
    )
    .await;
    assert_eq!(location(&res), "/");
    assert_eq!(other.get("/account").await.status(), 200);

    // A third: five wrong codes end the challenge; the next try goes back to sign in.
    let mut third = Browser::new(&app);
    third.sign_in("ada@example.com").await;
    for _ in 0..5 {
        let res = submit(
            &mut third,
            "/signin/2fa",
            "/signin/2fa",
            &[("code", &wrong)],
        )
        .await;
        third.follow_refusal(res).await;
    }
    let next = code_at(&python, &uri, now, 30);
    let res = submit(&mut third, "/signin/2fa", "/signin/2fa", &[("code", &next)]).await;
    assert_eq!(location(&res), "/signin");
    assert!(!third.cookies.contains_key("taskward_access"));
    let signin = third.get("/signin").await.text().await.expect("page");
    assert!(signin.contains("too many wrong codes"), "{signin}");
    assert_eq!(location(&third.get("/signin/2fa").await), "/signin");
    app.stop().await;
}

on_both_databases!(
    setting_it_up_and_off_on_the_account_page,
    signing_in_asks_for_a_code_on_a_second_page,
);
