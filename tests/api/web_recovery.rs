//! The pages of account recovery over plain HTTP, on both databases, with the mails
//! received by a real SMTP server (aiosmtpd) and their links opened: "Forgot password?"
//! to a new password; the account page's email (verify, change) and sessions (sign one
//! out); `REQUIRE_EMAIL_VERIFICATION` sending the task pages to the account page.

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;
use crate::receivers::{Mail, Receivers};
use crate::recovery::{NEW_PASSWORD, PASSWORD, link_in, mailing, mails_to, token_of};
use crate::web::{Browser, location};

/// Sends the forgotten-password form with `email`.
async fn forgot(web: &mut Browser<'_>, email: &str) -> reqwest::Response {
    let csrf = web.csrf("/forgot-password").await;
    let origin = web.origin();
    web.post(
        "/forgot-password",
        &[("csrf", &csrf), ("email", email)],
        Some(&origin),
    )
    .await
}

async fn forgot_password_leads_to_a_new_password(db: TestDb) {
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let config = mailing(&db, &receivers);
    let app = TestApp::spawn_public(db, config).await;
    let api = app.signup("ada@example.com", PASSWORD).await;
    let mut web = Browser::new(&app);
    let origin = web.origin();
    let signin = web.get("/signin").await.text().await.expect("page");
    assert!(signin.contains(r#"<a href="/forgot-password">Forgot password?</a>"#));

    let res = forgot(&mut web, "ada@example.com").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/forgot-password?sent=1");
    let sent = web
        .get("/forgot-password?sent=1")
        .await
        .text()
        .await
        .expect("page");
    assert!(sent.contains(r#"id="sent""#), "{sent}");
    assert!(!sent.contains(r#"id="no-mail""#), "mail is set up");
    // An empty address is refused on the page, with the form kept.
    let res = forgot(&mut web, " ").await;
    let html = web.follow_refusal(res).await;
    assert!(
        html.contains("Enter the email address of your account."),
        "{html}"
    );

    let mail = mails_to(&receivers, "ada@example.com", 1).await.remove(0);
    let link = link_in(&app, &mail, "/reset-password");
    let token = token_of(&link);
    let page = web.get(&link).await;
    assert_eq!(page.status(), 200);
    let csrf = web.csrf(&link).await;
    let short = web
        .post(
            "/reset-password",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("new_password", "short"),
            ],
            Some(&origin),
        )
        .await;
    assert_eq!(short.status(), 422);
    let html = short.text().await.expect("page");
    assert!(html.contains(r#"id="new-error""#), "{html}");
    let res = web
        .post(
            "/reset-password",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("new_password", NEW_PASSWORD),
            ],
            Some(&origin),
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/signin");
    let notice = web.get("/signin").await.text().await.expect("page");
    assert!(notice.contains("every device signed out"), "{notice}");
    assert_eq!(app.get_as("/api/auth/me", &api.access).await.status(), 401);
    app.signin("ada@example.com", NEW_PASSWORD).await;

    // Used: the link's page and its form say so.
    let again = web.get(&link).await;
    assert_eq!(again.status(), 400);
    assert!(
        again
            .text()
            .await
            .expect("page")
            .contains(r#"id="dead-link""#)
    );
    let csrf = web.csrf("/forgot-password").await;
    let res = web
        .post(
            "/reset-password",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("new_password", "one more passphrase"),
            ],
            Some(&origin),
        )
        .await;
    assert_eq!(res.status(), 400);
    app.stop().await;
}

/// Opens the link to `page` in `mail` and sends its form: back to the account page.
async fn follow(web: &mut Browser<'_>, app: &TestApp, mail: &Mail, page: &str) {
    let link = link_in(app, mail, page);
    let csrf = web.csrf(&link).await;
    let token = token_of(&link);
    let origin = web.origin();
    let res = web
        .post(page, &[("csrf", &csrf), ("token", &token)], Some(&origin))
        .await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/account"));
}

async fn the_account_page_verifies_and_changes_the_address(db: TestDb) {
    let Some(receivers) = Receivers::start() else {
        return;
    };
    let config = mailing(&db, &receivers);
    let app = TestApp::spawn_public(db, config).await;
    let mut web = Browser::new(&app);
    let origin = web.origin();
    assert_eq!(web.sign_up("ada@example.com").await.status(), 303);
    let page = web.get("/account").await.text().await.expect("page");
    assert!(page.contains(r#"<span id="email-state">not verified yet</span>"#));

    let csrf = web.csrf("/account").await;
    let res = web
        .post("/account/verify-email", &[("csrf", &csrf)], Some(&origin))
        .await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/account"));
    let mail = mails_to(&receivers, "ada@example.com", 1).await.remove(0);
    follow(&mut web, &app, &mail, "/verify-email").await;
    let page = web.get("/account").await.text().await.expect("page");
    assert!(page.contains("Your email address is verified."), "{page}");
    assert!(page.contains(r#"<span id="email-state">verified</span>"#));

    // A change with the wrong password is refused on the page, the address typed kept.
    let csrf = web.csrf("/account").await;
    let change = |password: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("new_email", "ada@lovelace.example".to_owned()),
            ("password", password.to_owned()),
        ]
    };
    let wrong = change("wrong password");
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = web.post("/account/email", &wrong, Some(&origin)).await;
    let html = web.follow_refusal(res).await;
    assert!(html.contains("The password is wrong."), "{html}");
    assert!(html.contains(r#"value="ada@lovelace.example""#), "{html}");
    let right = change(PASSWORD);
    let right: Vec<(&str, &str)> = right.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = web.post("/account/email", &right, Some(&origin)).await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/account"));
    mails_to(&receivers, "ada@example.com", 2).await;
    let mail = mails_to(&receivers, "ada@lovelace.example", 1)
        .await
        .remove(0);
    follow(&mut web, &app, &mail, "/confirm-email").await;
    let page = web.get("/account").await.text().await.expect("page");
    assert!(
        page.contains("Your email address has been changed."),
        "{page}"
    );
    assert!(
        page.contains("<strong>ada@lovelace.example</strong>"),
        "{page}"
    );
    app.stop().await;
}

async fn the_account_page_signs_out_another_session(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let phone = app.signup("ada@example.com", PASSWORD).await;
    let mut web = Browser::new(&app);
    let origin = web.origin();
    assert_eq!(web.sign_in("ada@example.com").await.status(), 303);
    let page = web.get("/account").await.text().await.expect("page");
    assert_eq!(page.matches(r#"<li class="session">"#).count(), 2, "{page}");
    assert_eq!(page.matches("This device").count(), 1);
    let action = page
        .split(r#"action="/account/sessions/"#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a sign-out form for the other session")
        .to_owned();
    let csrf = web.csrf("/account").await;
    let res = web
        .post(
            &format!("/account/sessions/{action}"),
            &[("csrf", &csrf)],
            Some(&origin),
        )
        .await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/account"));
    assert_eq!(
        app.get_as("/api/auth/me", &phone.access).await.status(),
        401
    );
    let page = web.get("/account").await.text().await.expect("page");
    assert!(page.contains("That device has been signed out."), "{page}");
    assert_eq!(page.matches(r#"<li class="session">"#).count(), 1);
    // Someone else's session, or one ended already: not found.
    let res = web
        .post(
            &format!("/account/sessions/{action}"),
            &[("csrf", &csrf)],
            Some(&origin),
        )
        .await;
    assert_eq!(res.status(), 404);
    app.stop().await;
}

async fn required_verification_sends_task_pages_to_the_account_page(db: TestDb) {
    let mut config = db.config();
    config.accounts.require_email_verification = true;
    let app = TestApp::spawn_public(db, config).await;
    let mut web = Browser::new(&app);
    assert_eq!(web.sign_up("ada@example.com").await.status(), 303);
    for page in ["/tasks", "/today", "/lists"] {
        let res = web.get(page).await;
        assert_eq!(
            (res.status().as_u16(), location(&res)),
            (303, "/account"),
            "{page}"
        );
    }
    let page = web.get("/account").await.text().await.expect("page");
    assert!(
        page.contains("verified email address before you use your tasks"),
        "{page}"
    );
    assert!(page.contains(r#"action="/account/verify-email""#));
    app.stop().await;
}

on_both_databases!(
    forgot_password_leads_to_a_new_password,
    the_account_page_verifies_and_changes_the_address,
    the_account_page_signs_out_another_session,
    required_verification_sends_task_pages_to_the_account_page,
);
