//! The web app's silent renewal: two tabs of one browser racing with one refresh cookie
//! share the renewal, but nobody else does, and a session signed out is over at once.

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, location};

const ACCESS: &str = "taskward_access";
const REFRESH: &str = "taskward_refresh";
const CSRF: &str = "taskward_csrf";

/// A signed-up browser whose access cookie is gone, so that its next page renews.
async fn due_for_renewal<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let res = browser.sign_up(email).await;
    assert_eq!(res.status(), 303, "signed up");
    assert!(browser.cookies.contains_key(REFRESH));
    browser.cookies.remove(ACCESS);
    browser
}

/// Whether `res` is the tasks page of a signed-in visitor.
fn signed_in(res: &reqwest::Response) -> bool {
    res.status() == 200
}

async fn a_stolen_refresh_cookie_replayed_within_the_window_gets_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut owner = due_for_renewal(&app, "owner@example.com").await;
    let stolen = owner.cookies[REFRESH].clone();
    let res = owner.get("/tasks").await;
    assert!(signed_in(&res), "renewed silently");
    assert_ne!(owner.cookies[REFRESH], stolen, "the refresh token rotated");

    // Someone with only the old refresh cookie, seconds later: another browser.
    let mut thief = Browser::new(&app);
    thief.cookies.insert(REFRESH.into(), stolen.clone());
    let res = thief.get("/tasks").await;
    assert_eq!(res.status(), 303, "not signed in");
    assert!(location(&res).starts_with("/signin?"), "{}", location(&res));
    assert!(
        !thief.cookies.contains_key(ACCESS) && !thief.cookies.contains_key(REFRESH),
        "no tokens handed out: {:?}",
        thief.cookies
    );
    // As after the window: the reuse of a spent refresh token ends the session.
    let res = owner.get("/tasks").await;
    assert_eq!(res.status(), 303, "the session was ended by the reuse");

    // A thief who also copied the CSRF cookie is the same browser to the server and
    // shares its renewal; that is what two tabs racing need.
    let mut owner = due_for_renewal(&app, "tabs@example.com").await;
    let old = owner.cookies[REFRESH].clone();
    let csrf = owner.cookies[CSRF].clone();
    let (a, b) = {
        let header = owner.cookie_header();
        let get = || {
            app.client
                .get(app.url("/tasks"))
                .header("cookie", header.clone())
                .header("accept", "text/html")
                .send()
        };
        tokio::join!(get(), get())
    };
    let (a, b) = (a.expect("tab a"), b.expect("tab b"));
    assert!(signed_in(&a) && signed_in(&b), "both tabs renewed");
    let refresh_of = |res: &reqwest::Response| {
        crate::web::set_cookies(res)
            .into_iter()
            .find(|c| c.starts_with(&format!("{REFRESH}=")))
            .expect("a new refresh cookie")
    };
    assert_eq!(refresh_of(&a), refresh_of(&b), "one renewal, shared");
    assert_ne!(refresh_of(&a), format!("{REFRESH}={old}"));
    owner.keep_cookies(a.headers());
    assert_eq!(owner.cookies[CSRF], csrf);
    app.stop().await;
}

async fn a_session_signed_out_after_a_renewal_is_not_revived_by_the_window(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut owner = due_for_renewal(&app, "leaving@example.com").await;
    let old = owner.cookies[REFRESH].clone();
    let res = owner.get("/tasks").await;
    assert!(signed_in(&res), "renewed");
    let csrf = owner.csrf("/tasks").await;
    let origin = app.url("");
    let res = owner
        .post("/signout", &[("csrf", &csrf)], Some(&origin))
        .await;
    assert_eq!(res.status(), 303, "signed out");

    // The same browser (same CSRF cookie) presenting the old refresh cookie again, well
    // within the window: the shared renewal belongs to a session that has ended.
    let mut again = Browser::new(&app);
    again
        .cookies
        .insert(CSRF.into(), owner.cookies[CSRF].clone());
    again.cookies.insert(REFRESH.into(), old);
    let res = again.get("/tasks").await;
    assert_eq!(res.status(), 303, "signed out means signed out");
    assert!(location(&res).starts_with("/signin?"), "{}", location(&res));
    app.stop().await;
}

on_both_databases!(
    a_stolen_refresh_cookie_replayed_within_the_window_gets_nothing,
    a_session_signed_out_after_a_renewal_is_not_revived_by_the_window,
);
