//! Private calendar feeds over HTTP (API-2.md section 4), on both databases: a feed's URL
//! is shown once and only its token opens it; revoking it, or deleting its list, makes it
//! `404` at once; someone else's list is `404`; at most 20 per user; the `ETag` changes
//! exactly when the calendar does (`304` otherwise); and every feed is read back by the
//! Python `icalendar` package (tests/oracles/ics.py), which must find the events, times,
//! zones, rules and alarms Taskward was given, with text folded and escaped.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, TestDb, error_fields, problem};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

/// Makes a feed (`201`) and answers it.
async fn make(app: &TestApp, s: &Session, body: Value) -> Value {
    let res = app
        .call(Method::POST, "/api/feeds", &s.access, Some(&body))
        .await;
    assert_eq!(res.status(), 201, "POST /api/feeds {body}");
    let location = res.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let feed: Value = res.json().await.expect("json");
    assert_eq!(
        location,
        format!("/api/feeds/{}", feed["id"].as_str().expect("id"))
    );
    feed
}

/// The path of a feed's URL (`/feeds/<token>.ics`).
fn path_of(feed: &Value) -> String {
    let url = feed["url"].as_str().expect("url");
    let at = url.find("/feeds/").expect("a feed URL");
    url[at..].to_owned()
}

/// Fetches a feed without credentials, optionally with `If-None-Match`.
async fn fetch(app: &TestApp, path: &str, etag: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(tag) = etag {
        req = req.header("if-none-match", tag);
    }
    req.send().await.expect("request")
}

/// A feed's body and `ETag` (asserting `200` and the headers of a calendar).
async fn calendar(app: &TestApp, path: &str) -> (String, String) {
    let res = fetch(app, path, None).await;
    assert_eq!(res.status(), 200, "GET {path}");
    let h = res.headers();
    assert_eq!(h["content-type"], "text/calendar; charset=utf-8");
    assert_eq!(h["cache-control"], "private, max-age=300");
    let etag = h["etag"].to_str().expect("ascii").to_owned();
    (res.text().await.expect("body"), etag)
}

async fn task(app: &TestApp, s: &Session, body: Value) -> Value {
    app.ok(s, Method::POST, "/api/tasks", Some(body)).await
}

async fn feeds_are_made_listed_and_revoked(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let feed = make(&app, &ada, json!({})).await;
    let url = feed["url"].as_str().expect("url");
    assert!(url.starts_with(&app.url("/feeds/")), "{url}");
    let token = url
        .rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".ics"))
        .expect("token");
    assert!(token.len() >= 22, "at least 128 bits: {token}");
    assert_eq!(feed["list_id"], Value::Null);
    assert!(feed["created_at"].is_string());

    // Listed without the URL: the token was shown once.
    let listed = app.ok(&ada, Method::GET, "/api/feeds", None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], feed["id"]);
    assert!(listed[0].get("url").is_none());
    assert!(!listed.to_string().contains(token));
    assert_eq!(
        app.ok(&bob, Method::GET, "/api/feeds", None).await,
        json!([])
    );
    assert_eq!(app.get("/api/feeds").await.status(), 401);

    let path = path_of(&feed);
    let (body, _) = calendar(&app, &path).await;
    assert!(
        body.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{body}"
    );

    // Anything but a feed's token is a 404 that says nothing of the feeds.
    let other = format!("/feeds/{}.ics", "A".repeat(token.len()));
    for wrong in [
        other.as_str(),
        "/feeds/nonsense.ics",
        "/feeds/x",
        &path.replace(".ics", ""),
    ] {
        let p = problem(fetch(&app, wrong, None).await, 404).await;
        assert!(!p.to_string().contains(token), "{wrong}");
    }

    // Someone else's list, a list that does not exist and a malformed id.
    let bobs = app
        .ok(
            &bob,
            Method::POST,
            "/api/lists",
            Some(json!({"name": "Bob's"})),
        )
        .await;
    for list in [bobs["id"].clone(), json!(uuid::Uuid::now_v7())] {
        let res = app
            .call(
                Method::POST,
                "/api/feeds",
                &ada.access,
                Some(&json!({"list_id": list})),
            )
            .await;
        problem(res, 404).await;
    }
    let res = app
        .call(
            Method::POST,
            "/api/feeds",
            &ada.access,
            Some(&json!({"list_id": "x"})),
        )
        .await;
    assert_eq!(error_fields(&problem(res, 422).await), ["list_id"]);

    // Revoked: someone else cannot, the owner can, and the URL is 404 at once.
    let gone = format!("/api/feeds/{}", feed["id"].as_str().expect("id"));
    problem(
        app.call(Method::DELETE, &gone, &bob.access, None).await,
        404,
    )
    .await;
    assert_eq!(
        app.call(Method::DELETE, &gone, &ada.access, None)
            .await
            .status(),
        204
    );
    problem(fetch(&app, &path, None).await, 404).await;
    problem(
        app.call(Method::DELETE, &gone, &ada.access, None).await,
        404,
    )
    .await;
    assert_eq!(
        app.ok(&ada, Method::GET, "/api/feeds", None).await,
        json!([])
    );

    // Deleting a list deletes its feeds.
    let list = app
        .ok(
            &ada,
            Method::POST,
            "/api/lists",
            Some(json!({"name": "Errands"})),
        )
        .await;
    let of_list = make(&app, &ada, json!({"list_id": list["id"]})).await;
    assert_eq!(of_list["list_id"], list["id"]);
    calendar(&app, &path_of(&of_list)).await;
    let list_path = format!("/api/lists/{}", list["id"].as_str().expect("id"));
    app.ok(&ada, Method::DELETE, &list_path, None).await;
    problem(fetch(&app, &path_of(&of_list), None).await, 404).await;
    assert_eq!(
        app.ok(&ada, Method::GET, "/api/feeds", None).await,
        json!([])
    );

    // At most 20.
    for _ in 0..20 {
        make(&app, &ada, json!({"list_id": null})).await;
    }
    let res = app
        .call(Method::POST, "/api/feeds", &ada.access, Some(&json!({})))
        .await;
    assert_eq!(error_fields(&problem(res, 422).await), ["list_id"]);
}

async fn the_etag_changes_exactly_when_the_calendar_does(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signup("ada@example.com", PASSWORD).await;
    let path = path_of(&make(&app, &ada, json!({})).await);
    let t = task(
        &app,
        &ada,
        json!({"title": "Dentist", "due_date": "2030-05-02"}),
    )
    .await;
    let other = task(
        &app,
        &ada,
        json!({"title": "Tax", "due_at": "2030-05-03T10:00:00Z"}),
    )
    .await;
    let at = |t: &Value| format!("/api/tasks/{}", t["id"].as_str().expect("id"));

    let (first, e1) = calendar(&app, &path).await;
    let (again, same) = calendar(&app, &path).await;
    assert_eq!((&first, &e1), (&again, &same), "nothing changed");
    for tag in [
        e1.clone(),
        format!("W/{e1}"),
        format!("\"x\", {e1}"),
        "*".to_owned(),
    ] {
        let res = fetch(&app, &path, Some(&tag)).await;
        assert_eq!(res.status(), 304, "If-None-Match: {tag}");
        assert_eq!(res.headers()["etag"], e1.as_str());
        assert!(res.text().await.expect("body").is_empty());
    }
    assert_eq!(fetch(&app, &path, Some("\"x\"")).await.status(), 200);

    // A task without a due, or on no feed's terms, changes nothing.
    task(&app, &ada, json!({"title": "Someday"})).await;
    assert_eq!(fetch(&app, &path, Some(&e1)).await.status(), 304);

    let mut seen = vec![e1.clone()];
    let edit = json!({"title": "Dentist at noon"});
    app.ok(&ada, Method::PATCH, &at(&t), Some(edit)).await;
    let complete = json!({"completed": true});
    let steps: [(Method, String, Option<Value>); 2] = [
        (Method::PATCH, at(&t), Some(complete)),
        (Method::DELETE, at(&other), None),
    ];
    let (edited, e2) = calendar(&app, &path).await;
    assert!(edited.contains("SUMMARY:Dentist at noon\r\n"));
    assert_eq!(fetch(&app, &path, Some(&e1)).await.status(), 200, "edited");
    seen.push(e2);
    for (method, p, body) in steps {
        app.ok(&ada, method.clone(), &p, body).await;
        let (text, etag) = calendar(&app, &path).await;
        assert!(!seen.contains(&etag), "{method} {p}: a new ETag");
        assert_eq!(fetch(&app, &path, Some(&etag)).await.status(), 304);
        seen.push(etag);
        let _ = text;
    }
    let (empty, _) = calendar(&app, &path).await;
    assert!(
        !empty.contains("BEGIN:VEVENT"),
        "completed and deleted: {empty}"
    );
}

/// The feed read by the oracle (`None` when there is no oracle outside CI), after
/// checking its lines: CRLF only, at most 75 octets each.
fn read_back(body: &str) -> Option<Value> {
    assert!(body.ends_with("\r\n"));
    for line in body.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "a bare line break: {line}"
        );
    }
    let python = crate::helpers::oracle_python("the calendar oracle")?;
    let out = crate::helpers::run_oracle(&python, "ics.py", body.as_bytes());
    Some(serde_json::from_slice(&out).expect("json"))
}

/// The oracle's event with the UID of task `t`.
fn event<'a>(cal: &'a Value, t: &Value) -> &'a Value {
    let uid = format!("{}@taskward", t["id"].as_str().expect("id"));
    cal["events"]
        .as_array()
        .and_then(|all| all.iter().find(|e| e["uid"] == uid.as_str()))
        .unwrap_or_else(|| panic!("no event {uid} in {cal}"))
}

async fn every_feed_reads_back_in_icalendar(db: TestDb) {
    let mut config = db.config();
    config.public_url = Some(url::Url::parse("https://todo.example.com/").expect("url"));
    let app = TestApp::spawn_with(db, config).await;
    let ada = app
        .signup_in("ada@example.com", PASSWORD, "Europe/Berlin")
        .await;
    let work = app
        .ok(
            &ada,
            Method::POST,
            "/api/lists",
            Some(json!({"name": "Work; home, etc."})),
        )
        .await;
    // Weekly on Mondays at 09:30 Berlin time, across the change to summer time (31 March).
    let weekly = task(
        &app,
        &ada,
        json!({"title": "Stand-up", "due_at": "2030-03-25T08:30:00Z",
        "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=MO;UNTIL=20300630"}, "list_id": work["id"],
        "reminders": [{"before": "PT30M"}, {"at": "2030-03-20T09:00:00Z"}]}),
    )
    .await;
    let long_title = "Überprüfung der Kästen ✓ — "
        .repeat(6)
        .trim_end()
        .to_owned();
    let description = "Bring: pens, paper; a \\ backslash\nand a second line\r\nand a third";
    let all_day = task(
        &app,
        &ada,
        json!({"title": long_title, "due_date": "2030-07-01",
        "description": description, "tags": ["home", "errands"],
        "reminders": [{"before": "PT30M"}]}),
    )
    .await;
    let summer = task(
        &app,
        &ada,
        json!({"title": "Tax, finally", "due_at": "2030-07-15T12:00:00Z",
        "list_id": work["id"]}),
    )
    .await;
    task(&app, &ada, json!({"title": "No due"})).await;
    task(
        &app,
        &ada,
        json!({"title": "Done", "due_date": "2030-01-01", "completed": true}),
    )
    .await;

    let (body, _) = calendar(&app, &path_of(&make(&app, &ada, json!({})).await)).await;
    let (of_work, _) = calendar(
        &app,
        &path_of(&make(&app, &ada, json!({"list_id": work["id"]})).await),
    )
    .await;
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let utc = task(
        &app,
        &bob,
        json!({"title": "UTC", "due_at": "2030-01-10T07:00:00Z"}),
    )
    .await;
    let (of_bob, _) = calendar(&app, &path_of(&make(&app, &bob, json!({})).await)).await;

    let Some(cal) = read_back(&body) else {
        read_back(&of_work);
        read_back(&of_bob);
        return;
    };
    assert_eq!(cal["name"], "Taskward");
    assert_eq!(cal["timezones"], json!(["Europe/Berlin"]));
    assert_eq!(cal["events"].as_array().map(Vec::len), Some(3), "{cal}");

    let e = event(&cal, &weekly);
    assert_eq!(e["summary"], "Stand-up");
    assert_eq!(e["dtstart"], "2030-03-25T09:30:00+01:00");
    assert_eq!(e["tzid"], "Europe/Berlin");
    assert_eq!(e["all_day"], false);
    // The date UNTIL of a timed series: the end of that day in Berlin (summer time), in UTC.
    assert_eq!(e["rrule"], "FREQ=WEEKLY;UNTIL=20300630T215959Z;BYDAY=MO");
    assert_eq!(
        e["alarms"],
        json!([{"relative": -1800}, {"at": "2030-03-20T09:00:00Z"}])
    );
    let link = format!(
        "https://todo.example.com/tasks/{}/edit",
        weekly["id"].as_str().expect("id")
    );
    assert_eq!(e["url"], link.as_str());

    let e = event(&cal, &all_day);
    assert_eq!(e["summary"], long_title.as_str());
    assert_eq!(
        e["description"],
        "Bring: pens, paper; a \\ backslash\nand a second line\nand a third"
    );
    assert_eq!(e["categories"], json!(["home", "errands"]));
    assert_eq!(
        (&e["dtstart"], &e["dtend"]),
        (&json!("2030-07-01"), &json!("2030-07-02"))
    );
    assert_eq!(e["all_day"], true);
    assert_eq!(e["rrule"], Value::Null);
    // At 09:00 of its day, as Taskward sends it: 8 h 30 min after the day begins.
    assert_eq!(e["alarms"], json!([{"relative": 8 * 3600 + 1800}]));

    let e = event(&cal, &summer);
    assert_eq!(e["summary"], "Tax, finally");
    assert_eq!(e["dtstart"], "2030-07-15T14:00:00+02:00");

    let cal = read_back(&of_work).expect("oracle");
    assert_eq!(cal["name"], "Taskward: Work; home, etc.");
    let uids: Vec<&str> = cal["events"]
        .as_array()
        .map(|all| all.iter().filter_map(|e| e["uid"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(uids.len(), 2, "the list's tasks only: {cal}");
    event(&cal, &weekly);
    event(&cal, &summer);

    // A user in UTC gets UTC times and no VTIMEZONE.
    let cal = read_back(&of_bob).expect("oracle");
    assert_eq!(cal["timezones"], json!([]));
    let e = event(&cal, &utc);
    assert_eq!(
        (&e["dtstart"], &e["tzid"]),
        (&json!("2030-01-10T07:00:00+00:00"), &Value::Null)
    );
}

on_both_databases!(
    feeds_are_made_listed_and_revoked,
    the_etag_changes_exactly_when_the_calendar_does,
    every_feed_reads_back_in_icalendar,
);
