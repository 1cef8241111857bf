//! The calendars page over HTTP, on both databases: a new feed (of all lists or of one)
//! shows its URL once, in a read-only field, and the URL serves the calendar; the list
//! shows each feed's list; a refused form comes back on the page with its error; delete
//! (a CSRF-checked POST) makes the URL `404`; someone else's list is not found.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, PASSWORD, location};

/// The value of the read-only feed URL field of `page`, if it has one.
fn feed_url(page: &str) -> Option<&str> {
    let marker = r#"<input id="feed-url" type="text" readonly value=""#;
    let start = page.find(marker)? + marker.len();
    page[start..].split('"').next()
}

/// Sends the "New feed" form with `list` (a list's id, or empty for all lists).
async fn add(browser: &mut Browser<'_>, csrf: &str, list: &str) -> reqwest::Response {
    let origin = browser.origin();
    browser
        .post(
            "/calendars/feeds",
            &[("csrf", csrf), ("list", list)],
            Some(&origin),
        )
        .await
}

/// Sends the form with `list` and asserts that it comes back refused on its field.
async fn refused(browser: &mut Browser<'_>, csrf: &str, list: &str) {
    let res = add(browser, csrf, list).await;
    let page = browser.follow_refusal(res).await;
    assert!(page.contains(r#"id="list-error""#), "{list}: {page}");
}

async fn page(browser: &mut Browser<'_>, path: &str) -> String {
    browser.get(path).await.text().await.expect("page")
}

async fn the_calendars_page_makes_shows_once_and_deletes_feeds(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_up("cy@example.com").await.status(), 303);
    let api = app.signin("cy@example.com", PASSWORD).await;
    let origin = app.url("");
    let list = app
        .ok(
            &api,
            Method::POST,
            "/api/lists",
            Some(json!({"name": "Garden & shed"})),
        )
        .await;
    let list_id = list["id"].as_str().expect("id").to_owned();

    let shown = page(&mut browser, "/calendars").await;
    assert!(shown.contains("No feeds yet"), "{shown}");
    assert!(shown.contains(r#"<a href="/calendars" aria-current="page">"#));
    // The CalDAV card: the server's address on this host and the user name to give.
    let host = origin.trim_start_matches("http://").trim_end_matches('/');
    assert!(
        shown.contains(&format!(
            r#"<input id="dav-url" type="text" readonly value="http://{host}/dav/""#
        )),
        "{shown}"
    );
    assert!(
        shown.contains(r#"<input id="dav-user" type="text" readonly value="cy@example.com""#),
        "{shown}"
    );
    assert!(shown.contains("Apple Reminders") && shown.contains("DAVx"));
    assert!(
        shown.contains(&format!(
            r#"<option value="{list_id}">Garden &#38; shed</option>"#
        )) || shown.contains(&format!(
            r#"<option value="{list_id}">Garden &amp; shed</option>"#
        )),
        "{shown}"
    );
    let csrf = browser.csrf("/calendars").await;

    // A feed of one list: its URL on the page the form made, this once, and it works.
    let res = add(&mut browser, &csrf, &list_id).await;
    assert_eq!(res.status(), 201);
    let made = res.text().await.expect("page");
    let url = feed_url(&made).expect("the URL").to_owned();
    assert!(
        url.starts_with(&app.url("/feeds/")) && url.ends_with(".ics"),
        "{url}"
    );
    assert!(made.contains("shown only this once"), "{made}");
    let path = &url[url.find("/feeds/").expect("path")..];
    let res = app.get(path).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("X-WR-CALNAME:Taskward: Garden & shed")
    );

    // Listed by its list, the URL not shown again; a feed of all lists too.
    let res = add(&mut browser, &csrf, "").await;
    assert_eq!(res.status(), 201);
    let shown = page(&mut browser, "/calendars").await;
    assert_eq!(feed_url(&shown), None);
    assert!(!shown.contains(path));
    assert!(shown.contains(r#"<span class="channel-target" dir="auto">All lists</span>"#));
    assert!(shown.contains("Garden"), "{shown}");

    // A choice that is not one: refused on its field, and nothing made.
    refused(&mut browser, &csrf, "nonsense").await;
    let feeds: Value = app.ok(&api, Method::GET, "/api/feeds", None).await;
    assert_eq!(feeds.as_array().map(Vec::len), Some(2));

    // Someone else's list is not found.
    let other = app.signup("dee@example.com", PASSWORD).await;
    let theirs = app
        .ok(
            &other,
            Method::POST,
            "/api/lists",
            Some(json!({"name": "Dee's"})),
        )
        .await;
    let theirs = theirs["id"].as_str().expect("id");
    let res = add(&mut browser, &csrf, theirs).await;
    assert_eq!(res.status(), 404);

    // Delete: without the CSRF token nothing happens; with it the URL is 404 at once.
    let id = feeds
        .as_array()
        .and_then(|all| all.iter().find(|f| f["list_id"] == list["id"]))
        .and_then(|f| f["id"].as_str())
        .expect("the list's feed")
        .to_owned();
    let delete = format!("/calendars/feeds/{id}/delete");
    let res = browser
        .post(&delete, &[("csrf", "forged")], Some(&origin))
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert_eq!(app.get(path).await.status(), 200);
    let res = browser
        .post(&delete, &[("csrf", &csrf)], Some(&origin))
        .await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/calendars"));
    assert_eq!(app.get(path).await.status(), 404);
    let shown = page(&mut browser, "/calendars").await;
    assert!(shown.contains("Feed deleted"), "{shown}");

    // At most 20: the form says so on its field.
    for _ in 0..19 {
        app.ok(&api, Method::POST, "/api/feeds", Some(json!({})))
            .await;
    }
    let shown = page(&mut browser, "/calendars").await;
    assert!(shown.contains("You have 20 feeds"), "{shown}");
    refused(&mut browser, &csrf, "").await;
}

on_both_databases!(the_calendars_page_makes_shows_once_and_deletes_feeds);
