//! CalDAV discovery and collections over HTTP (issue 18), on both databases: from the
//! well-known address to the principal, the calendar home and one calendar per list the
//! user sees (their own and those shared with them, never anyone else's), with the
//! properties clients read; a read-only token or a viewer cannot write; `MKCALENDAR` makes
//! a list the API sees, `PROPPATCH` renames it, all or nothing.

use reqwest::Method;
use serde_json::json;

use crate::caldav_helpers::{
    CAL, CALDAV, CS, DAV, PASSWORD, READ_WRITE, dav, propfind, read, todo, user,
};
use crate::helpers::{Session, TestApp, TestDb};
use crate::on_both_databases;

const APPLE: &str = "http://apple.com/ns/ical/";

async fn list(app: &TestApp, s: &Session, name: &str) -> String {
    let l = app
        .ok(s, Method::POST, "/api/lists", Some(json!({"name": name})))
        .await;
    l["id"].as_str().expect("id").to_owned()
}

async fn share(app: &TestApp, owner: &Session, list: &str, email: &str, role: &str) {
    let res = app
        .call(
            Method::PUT,
            &format!("/api/lists/{list}/members/{email}"),
            &owner.access,
            Some(&json!({"role": role})),
        )
        .await;
    assert_eq!(res.status(), 200);
}

/// The lists the API gives `s`, as `(id, name, color)`.
async fn lists(app: &TestApp, s: &Session) -> Vec<(String, String, String)> {
    let all = app.ok(s, Method::GET, "/api/lists", None).await;
    let mut v: Vec<_> = all
        .as_array()
        .expect("array")
        .iter()
        .map(|l| {
            let id = l["id"].as_str().expect("id").to_owned();
            (
                id,
                l["name"].as_str().expect("name").to_owned(),
                l["color"].to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

async fn discovery_finds_one_calendar_per_list_the_user_sees(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", READ_WRITE).await;
    let (bob, _) = user(&app, "bob@example.com", READ_WRITE).await;
    let who = ("ada@example.com", token.as_str());
    let garden = list(&app, &ada, "Garden").await;
    let shared = list(&app, &bob, "Bob's shopping").await;
    let private = list(&app, &bob, "Bob's secrets").await;
    share(&app, &bob, &shared, "ada@example.com", "viewer").await;

    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = plain
        .get(app.url("/.well-known/caldav"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "/dav/");

    let body = propfind(&[(DAV, "current-user-principal")]);
    let (root, _) = read(dav(&app, who, "PROPFIND", "/dav/", &[("depth", "0")], &body).await).await;
    let principal = &root[0]
        .ok(DAV, "current-user-principal")
        .expect("principal")
        .text;
    assert_eq!(principal, &format!("/dav/principals/{}/", ada.user_id));
    let body = propfind(&[(CALDAV, "calendar-home-set")]);
    let res = dav(&app, who, "PROPFIND", principal, &[("depth", "0")], &body).await;
    let (found, _) = read(res).await;
    let home = found[0]
        .ok(CALDAV, "calendar-home-set")
        .expect("home")
        .text
        .clone();
    assert_eq!(home, format!("/dav/calendars/{}/", ada.user_id));

    let body = propfind(&[
        (DAV, "resourcetype"),
        (DAV, "displayname"),
        (DAV, "sync-token"),
        (DAV, "current-user-privilege-set"),
        (CALDAV, "supported-calendar-component-set"),
        (CS, "getctag"),
        ("urn:example:unknown", "nope"),
    ]);
    let (found, _) = read(dav(&app, who, "PROPFIND", &home, &[("depth", "1")], &body).await).await;
    let mut hrefs: Vec<&str> = found.iter().map(|r| r.href.as_str()).collect();
    hrefs.sort();
    let mut want = vec![
        home.clone(),
        format!("{home}{}/", ada.user_id),
        format!("{home}{garden}/"),
        format!("{home}{shared}/"),
    ];
    want.sort();
    assert_eq!(hrefs, want, "one calendar per list Ada sees, not {private}");
    let names = [
        (ada.user_id.as_str(), "Inbox", true),
        (garden.as_str(), "Garden", true),
        (shared.as_str(), "Bob's shopping", false),
    ];
    for (id, name, writes) in names {
        let r = crate::caldav_helpers::at(&found, &format!("{home}{id}/"));
        let kind = &r.ok(DAV, "resourcetype").expect("resourcetype").inner;
        assert!(kind.contains(&format!("{{{CALDAV}}}calendar")), "{kind:?}");
        assert!(kind.contains(&format!("{{{DAV}}}collection")), "{kind:?}");
        let comps = &r
            .ok(CALDAV, "supported-calendar-component-set")
            .expect("set")
            .inner;
        assert!(
            comps.contains(&"@name=VTODO".to_owned()) && !comps.iter().any(|c| c == "@name=VEVENT")
        );
        assert_eq!(r.ok(DAV, "displayname").expect("name").text, name);
        assert!(!r.ok(CS, "getctag").expect("ctag").text.is_empty());
        assert!(!r.ok(DAV, "sync-token").expect("token").text.is_empty());
        let privileges = &r
            .ok(DAV, "current-user-privilege-set")
            .expect("privileges")
            .inner;
        assert!(
            privileges.contains(&format!("{{{DAV}}}read")),
            "{privileges:?}"
        );
        let write = privileges
            .iter()
            .any(|p| p.starts_with(&format!("{{{DAV}}}write")));
        assert_eq!(write, writes, "{name}: {privileges:?}");
        let missing: Vec<_> = r.with(404).map(|p| p.name.as_str()).collect();
        assert_eq!(missing, ["nope"], "{name}");
    }
    let infinite = dav(
        &app,
        who,
        "PROPFIND",
        &home,
        &[("depth", "infinity")],
        &body,
    )
    .await;
    assert_eq!(infinite.status(), 403);
}

/// A viewer and a read-only token read but change nothing; another user's resource is
/// not there.
async fn who_may_not_write_changes_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", READ_WRITE).await;
    let (bob, bob_token) = user(&app, "bob@example.com", READ_WRITE).await;
    let (_, read_only) = user(&app, "cat@example.com", &["tasks:read"]).await;
    let shared = list(&app, &bob, "Shared").await;
    share(&app, &bob, &shared, "ada@example.com", "viewer").await;
    let t = app
        .ok(
            &bob,
            Method::POST,
            "/api/tasks",
            Some(json!({"title": "Bob's", "list_id": shared})),
        )
        .await;
    let task = t["id"].as_str().expect("id");
    let who = ("ada@example.com", token.as_str());
    let mine = format!("/dav/calendars/{}/{shared}/", ada.user_id);
    // As a client does: the calendar home first (Ada's account lists the share).
    let home = format!("/dav/calendars/{}/", ada.user_id);
    let (found, _) = read(dav(&app, who, "PROPFIND", &home, &[("depth", "1")], "").await).await;
    assert!(found.iter().any(|r| r.href == mine));
    let res = dav(&app, who, "GET", &format!("{mine}{task}.ics"), &[], "").await;
    assert_eq!(res.status(), 200, "a viewer reads");
    let writes = [
        ("PUT", format!("{mine}{task}.ics"), todo("x", "Changed")),
        ("PUT", format!("{mine}new.ics"), todo("y", "New")),
        ("DELETE", format!("{mine}{task}.ics"), String::new()),
        ("PROPPATCH", mine.clone(), rename("Mine now")),
    ];
    for (verb, path, body) in &writes {
        let res = dav(&app, who, verb, path, &[CAL], body).await;
        assert_eq!(res.status(), 403, "a viewer's {verb} {path}");
    }
    // Bob's own resource under his tree, asked by Ada: not there.
    let bobs = format!("/dav/calendars/{0}/{shared}/{task}.ics", bob.user_id);
    for verb in ["GET", "DELETE", "PROPFIND"] {
        assert_eq!(
            dav(&app, who, verb, &bobs, &[], "").await.status(),
            404,
            "{verb}"
        );
    }
    // A read-only token: its own inbox, and a new calendar.
    let cat = app.signin("cat@example.com", PASSWORD).await;
    let ro = ("cat@example.com", read_only.as_str());
    let inbox = format!("/dav/calendars/{0}/{0}/", cat.user_id);
    let put = dav(
        &app,
        ro,
        "PUT",
        &format!("{inbox}a.ics"),
        &[CAL],
        &todo("a", "A"),
    )
    .await;
    assert_eq!(put.status(), 403);
    let own = app
        .ok(
            &cat,
            Method::POST,
            "/api/tasks",
            Some(json!({"title": "Kept"})),
        )
        .await;
    let own_path = format!("{inbox}{}.ics", own["id"].as_str().expect("id"));
    assert_eq!(dav(&app, ro, "GET", &own_path, &[], "").await.status(), 200);
    assert_eq!(
        dav(&app, ro, "DELETE", &own_path, &[], "").await.status(),
        403
    );
    let new = format!("/dav/calendars/{}/{}/", cat.user_id, uuid::Uuid::new_v4());
    assert_eq!(
        dav(&app, ro, "MKCALENDAR", &new, &[], "").await.status(),
        403
    );
    assert_eq!(
        dav(&app, ro, "PROPPATCH", &inbox, &[], &rename("X"))
            .await
            .status(),
        403
    );
    let cats = app.ok(&cat, Method::GET, "/api/tasks", None).await;
    assert_eq!(cats.as_array().map(Vec::len), Some(1));
    assert_eq!(lists(&app, &cat).await.len(), 1);
    assert_eq!(lists(&app, &cat).await[0].1, "Inbox");
    let bobs_tasks = app.ok(&bob, Method::GET, "/api/tasks", None).await;
    assert_eq!(bobs_tasks[0]["title"], "Bob's");
    assert_eq!(bobs_tasks.as_array().map(Vec::len), Some(1));
    assert!(lists(&app, &bob).await.iter().any(|l| l.1 == "Shared"));
    let _ = bob_token;
}

fn rename(name: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>{name}</d:displayname></d:prop></d:set></d:propertyupdate>"#
    )
}

async fn mkcalendar_and_proppatch_change_the_lists(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", READ_WRITE).await;
    let (bob, _) = user(&app, "bob@example.com", READ_WRITE).await;
    let who = ("ada@example.com", token.as_str());
    let home = format!("/dav/calendars/{}/", ada.user_id);
    let id = uuid::Uuid::new_v4().to_string();
    let make = format!(
        r#"<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="{CALDAV}" xmlns:a="{APPLE}"><d:set><d:prop><d:displayname>Errands</d:displayname><a:calendar-color>#1E90FFFF</a:calendar-color><c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"#
    );
    let res = dav(&app, who, "MKCALENDAR", &format!("{home}{id}/"), &[], &make).await;
    assert_eq!(res.status(), 201);
    let after = lists(&app, &ada).await;
    let made = after.iter().find(|l| l.0 == id).expect("the new list");
    assert_eq!(made.1, "Errands");
    assert_eq!(made.2.to_lowercase(), "\"#1e90ff\"");
    // Again at the same place, at the inbox, at a name that is not a UUID, at the id of
    // Bob's list (which Ada does not see: a conflict, and Bob's list is left alone).
    let bobs = list(&app, &bob, "Bob's").await;
    for (path, status) in [
        (format!("{home}{id}/"), 405),
        (format!("{home}{}/", ada.user_id), 405),
        (format!("{home}errands/"), 403),
        (format!("{home}{bobs}/"), 409),
    ] {
        let res = dav(&app, who, "MKCALENDAR", &path, &[], &make).await;
        assert_eq!(res.status(), status, "{path}");
    }
    assert_eq!(lists(&app, &ada).await, after);
    assert_eq!(
        lists(&app, &bob)
            .await
            .iter()
            .filter(|l| l.1 == "Bob's")
            .count(),
        1
    );

    // PROPPATCH: a rename is seen by the API; an unknown property fails it all.
    let path = format!("{home}{id}/");
    let (r, _) = read(dav(&app, who, "PROPPATCH", &path, &[], &rename("Chores")).await).await;
    assert_eq!(
        r[0].propstats.iter().map(|p| p.0).collect::<Vec<_>>(),
        [200]
    );
    let renamed = lists(&app, &ada).await;
    assert_eq!(
        renamed.iter().find(|l| l.0 == id).expect("list").1,
        "Chores"
    );
    let mixed = r#"<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:x="urn:example:x"><d:set><d:prop><d:displayname>Lost</d:displayname><x:mood>sunny</x:mood></d:prop></d:set></d:propertyupdate>"#;
    let (r, _) = read(dav(&app, who, "PROPPATCH", &path, &[], mixed).await).await;
    let failed: Vec<&str> = r[0].with(403).map(|p| p.name.as_str()).collect();
    let dependent: Vec<&str> = r[0].with(424).map(|p| p.name.as_str()).collect();
    assert_eq!((failed, dependent), (vec!["mood"], vec!["displayname"]));
    assert_eq!(lists(&app, &ada).await, renamed);

    // An editor of Bob's list writes its tasks (Bob sees them) but does not rename it.
    share(&app, &bob, &bobs, "ada@example.com", "editor").await;
    let (found, _) = read(dav(&app, who, "PROPFIND", &home, &[("depth", "1")], "").await).await;
    let shared = format!("{home}{bobs}/");
    assert!(found.iter().any(|r| r.href == shared), "{found:#?}");
    let put = dav(
        &app,
        who,
        "PUT",
        &format!("{shared}e.ics"),
        &[CAL],
        &todo("e", "By Ada"),
    )
    .await;
    assert_eq!(put.status(), 201);
    let theirs = app
        .ok(&bob, Method::GET, &format!("/api/tasks?list={bobs}"), None)
        .await;
    assert_eq!(theirs[0]["title"], "By Ada", "{theirs}");
    let res = dav(&app, who, "PROPPATCH", &shared, &[], &rename("Ada's now")).await;
    assert_eq!(res.status(), 403);
    assert!(lists(&app, &bob).await.iter().any(|l| l.1 == "Bob's"));
}

on_both_databases!(
    discovery_finds_one_calendar_per_list_the_user_sees,
    who_may_not_write_changes_nothing,
    mkcalendar_and_proppatch_change_the_lists,
);
