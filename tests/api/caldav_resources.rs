//! CalDAV resources over HTTP (issue 18), on both databases, read by an independent
//! iCalendar implementation (tests/oracles/vtodo.py, Python's `icalendar`): a `VTODO`
//! with a rule, an alarm, categories (one with an escaped comma) and an `X-` property with
//! a parameter comes back the same in meaning, and the API's task holds what the mapping
//! says; a delete goes to the trash as the API's does; hostile bodies are a clear `4xx`,
//! never a `500`, and write nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::caldav_helpers::{CAL, CALDAV, READ_WRITE, dav, put_new, read, todo, user};
use crate::helpers::{TestApp, TestDb, oracle_python, run_oracle};
use crate::on_both_databases;
use crate::web_undo::rows;

const SENT: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VTODO\r\n\
UID:water@example.com\r\nSUMMARY:Water the plants\r\nDUE:20300401T070000Z\r\nPRIORITY:2\r\n\
RRULE:FREQ=WEEKLY;BYDAY=MO,TH\r\nCATEGORIES:home,garden\\, front\r\n\
X-TEST-KEPT;LANG=en:bar\\, baz\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Water\r\n\
TRIGGER;RELATED=END:-PT30M\r\nEND:VALARM\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";

const BAD_RANGE: &str = r#"<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:time-range start="yesterday" end="99999999T999999Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#;

fn parsed(python: &std::path::Path, ics: &str) -> Value {
    let out = run_oracle(python, "vtodo.py", ics.as_bytes());
    serde_json::from_slice(&out).expect("JSON from the oracle")
}

async fn a_vtodo_round_trips_through_the_oracle_and_the_api(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", READ_WRITE).await;
    let who = ("ada@example.com", token.as_str());
    let path = format!("/dav/calendars/{0}/{0}/water.ics", ada.user_id);
    assert_eq!(put_new(&app, who, &path, SENT).await, 201);
    let got = dav(&app, who, "GET", &path, &[], "").await;
    assert_eq!(got.status(), 200);
    assert!(
        got.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/calendar")
    );
    assert!(got.headers().contains_key("etag"));
    let back = got.text().await.expect("body");

    let tasks = app.ok(&ada, Method::GET, "/api/tasks", None).await;
    let id = tasks[0]["id"].as_str().expect("id");
    let task = app
        .ok(&ada, Method::GET, &format!("/api/tasks/{id}"), None)
        .await;
    assert_eq!(task["title"], "Water the plants");
    assert_eq!(task["tags"], json!(["home", "garden, front"]));
    assert_eq!(task["priority"], "high");
    assert_eq!(task["due_at"], "2030-04-01T07:00:00Z");
    assert_eq!(
        task["recurrence"]["rule"], "FREQ=WEEKLY;BYDAY=MO,TH",
        "{task}"
    );
    assert_eq!(task["reminders"], json!([{"before": "PT30M"}]));

    // The same resource in a report's calendar-data.
    let inbox = format!("/dav/calendars/{0}/{0}/", ada.user_id);
    let multiget = format!(
        r#"<c:calendar-multiget xmlns:d="DAV:" xmlns:c="{CALDAV}"><d:prop><c:calendar-data/></d:prop><d:href>{path}</d:href></c:calendar-multiget>"#
    );
    let (found, _) = read(dav(&app, who, "REPORT", &inbox, &[], &multiget).await).await;
    let data = found[0].ok(CALDAV, "calendar-data").expect("calendar-data");

    let Some(python) = oracle_python("the VTODO oracle") else {
        return;
    };
    let reported = parsed(&python, &data.text);
    let (sent, back) = (parsed(&python, SENT), parsed(&python, &back));
    assert_eq!(reported, back);
    assert_eq!(back["components"], json!(["VTODO"]), "{back}");
    let (s, b) = (&sent["todos"][0], &back["todos"][0]);
    for key in [
        "uid",
        "summary",
        "categories",
        "rrule",
        "due",
        "priority",
        "alarms",
        "x",
    ] {
        assert_eq!(s[key], b[key], "{key}: sent {s}, back {b}");
    }
    assert_eq!(b["status"], "NEEDS-ACTION");
    // A task made through the API, and one changed there, are read by the oracle too.
    let made = app
        .ok(
            &ada,
            Method::POST,
            "/api/tasks",
            Some(
                json!({"title": "Pay rent; now, please", "due_date": "2030-05-01",
                        "tags": ["a,b"], "priority": "low", "completed": true}),
            ),
        )
        .await;
    let other = format!(
        "/dav/calendars/{0}/{0}/{1}.ics",
        ada.user_id,
        made["id"].as_str().expect("id")
    );
    let text = dav(&app, who, "GET", &other, &[], "")
        .await
        .text()
        .await
        .expect("body");
    let o = &parsed(&python, &text)["todos"][0];
    assert_eq!(
        (&o["summary"], &o["categories"], &o["due"], &o["status"]),
        (
            &json!("Pay rent; now, please"),
            &json!(["a,b"]),
            &json!("2030-05-01"),
            &json!("COMPLETED")
        )
    );
    assert!(o["priority"].as_i64().is_some_and(|p| p >= 6), "{o}");
    // In a zone with summer time, DUE is written there with a VTIMEZONE the oracle checks
    // against zoneinfo, and means the same instants.
    app.set_timezone(&ada.access, "Europe/Berlin").await;
    let text = dav(&app, who, "GET", &path, &[], "")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        text.contains("DUE;TZID=Europe/Berlin:20300401T090000"),
        "{text}"
    );
    assert_eq!(parsed(&python, &text)["todos"][0]["due"], s["due"]);
}

async fn a_caldav_delete_goes_to_the_trash(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", READ_WRITE).await;
    let who = ("ada@example.com", token.as_str());
    let path = format!("/dav/calendars/{0}/{0}/bin.ics", ada.user_id);
    assert_eq!(
        dav(
            &app,
            who,
            "PUT",
            &path,
            &[CAL],
            &todo("bin", "Take the bin out")
        )
        .await
        .status(),
        201
    );
    let tasks = app.ok(&ada, Method::GET, "/api/tasks", None).await;
    let id = uuid::Uuid::parse_str(tasks[0]["id"].as_str().expect("id")).expect("uuid");
    assert_eq!(dav(&app, who, "DELETE", &path, &[], "").await.status(), 204);
    assert_eq!(dav(&app, who, "GET", &path, &[], "").await.status(), 404);
    assert_eq!(dav(&app, who, "DELETE", &path, &[], "").await.status(), 404);
    let tasks = app.ok(&ada, Method::GET, "/api/tasks", None).await;
    assert_eq!(tasks, json!([]));
    let trash = rows(
        &app.db,
        &format!(
            "SELECT title, 0 FROM deleted_tasks WHERE id = X'{}'",
            id.simple()
        ),
        &format!("SELECT title, 0::BIGINT FROM deleted_tasks WHERE id = '{id}'"),
    )
    .await;
    assert_eq!(trash, [("Take the bin out".to_owned(), 0)]);

    // A multiget naming another user's resource, in their tree or under Ada's: not found.
    let (bob, _) = user(&app, "bob@example.com", READ_WRITE).await;
    let theirs = app
        .ok(
            &bob,
            Method::POST,
            "/api/tasks",
            Some(json!({"title": "Bob's secret"})),
        )
        .await;
    let bob_task = theirs["id"].as_str().expect("id");
    let inbox = format!("/dav/calendars/{0}/{0}/", ada.user_id);
    let hrefs = [
        format!("/dav/calendars/{0}/{0}/{bob_task}.ics", bob.user_id),
        format!(
            "/dav/calendars/{}/{}/{bob_task}.ics",
            ada.user_id, bob.user_id
        ),
        format!("{inbox}{bob_task}.ics"),
    ];
    let multiget = format!(
        r#"<c:calendar-multiget xmlns:d="DAV:" xmlns:c="{CALDAV}"><d:prop><c:calendar-data/></d:prop>{}</c:calendar-multiget>"#,
        hrefs
            .iter()
            .map(|h| format!("<d:href>{h}</d:href>"))
            .collect::<String>()
    );
    let res = dav(&app, who, "REPORT", &inbox, &[], &multiget).await;
    let (found, _) = read(res).await;
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found
            .iter()
            .all(|r| r.status == Some(404) && r.propstats.is_empty()),
        "{found:#?}"
    );
}

async fn hostile_bodies_are_a_clear_4xx_and_write_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (ada, token) = user(&app, "ada@example.com", READ_WRITE).await;
    let who = ("ada@example.com", token.as_str());
    let inbox = format!("/dav/calendars/{0}/{0}/", ada.user_id);
    let home = format!("/dav/calendars/{}/", ada.user_id);
    let deep = "<a>".repeat(200) + &"</a>".repeat(200);
    let many = format!(
        "<d:propfind xmlns:d=\"DAV:\"><d:prop>{}</d:prop></d:propfind>",
        "<d:x/>".repeat(30_000)
    );
    let billion = r#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><d:propfind xmlns:d="DAV:"><d:prop>&b;</d:prop></d:propfind>"#;
    let xml_bodies: Vec<String> = vec![
        "<d:propfind".into(),
        "<a><b></a>".into(),
        "<x:propfind xmlns:d=\"DAV:\"/>".into(),
        "\u{0}\u{1}binary".into(),
        billion.into(),
        deep,
        many,
        "<d:propfind xmlns:d=\"DAV:\"><d:prop><d:getetag/></d:prop></d:propfind><again/>".into(),
    ];
    for body in &xml_bodies {
        for (verb, path) in [
            ("PROPFIND", &inbox),
            ("REPORT", &inbox),
            ("PROPFIND", &home),
        ] {
            let res = dav(&app, who, verb, path, &[("depth", "1")], body).await;
            let short: String = body.chars().take(60).collect();
            // The most elements is beyond the body limit first: `413`.
            let want = if body.len() > 65_536 { 413 } else { 400 };
            assert_eq!(res.status(), want, "{verb} {path} {short:?}");
        }
    }
    // A well-formed body of the wrong kind: refused, not a 500.
    for (verb, body) in [
        ("REPORT", r#"<d:propfind xmlns:d="DAV:"/>"#),
        ("REPORT", r#"<x:nonsense xmlns:x="urn:x"/>"#),
        (
            "REPORT",
            r#"<?xml version="1.0" encoding="UTF-16"?><propfind xmlns="DAV:"/>"#,
        ),
        ("PROPPATCH", r#"<d:propfind xmlns:d="DAV:"/>"#),
        ("PROPPATCH", "<d:propertyupdate"),
        ("MKCALENDAR", "<c:mkcalendar"),
        ("REPORT", BAD_RANGE),
    ] {
        let res = dav(&app, who, verb, &inbox, &[("depth", "1")], body).await;
        assert!(
            res.status().is_client_error(),
            "{verb} {body}: {}",
            res.status()
        );
    }
    let wrap = |inner: &str| format!("BEGIN:VCALENDAR\r\n{inner}END:VCALENDAR\r\n");
    let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    let tags = format!("CATEGORIES:{}\r\nX-KEPT", eleven.join(","));
    let calendars = [
        (String::new(), "valid-calendar-data"),
        (wrap(""), "valid-calendar"),
        (
            wrap("BEGIN:VTODO\r\nSUMMARY:no uid\r\nEND:VTODO\r\n"),
            "UID",
        ),
        (
            wrap(
                "BEGIN:VTODO\r\nUID:a\r\nSUMMARY:a\r\nEND:VTODO\r\nBEGIN:VTODO\r\nUID:b\r\nSUMMARY:b\r\nEND:VTODO\r\n",
            ),
            "valid-calendar",
        ),
        (
            wrap("BEGIN:VJOURNAL\r\nUID:j\r\nEND:VJOURNAL\r\n"),
            "supported-calendar-component",
        ),
        (
            wrap("BEGIN:VTODO\r\nUID:d\r\nSUMMARY:x\r\nDUE:2030-13-45\r\nEND:VTODO\r\n"),
            "DUE",
        ),
        (todo("l", &"t".repeat(201)), "SUMMARY"),
        (todo("tags", "x").replace("X-KEPT", &tags), "CATEGORIES"),
        ("\u{feff}\u{0}\u{ff}".to_owned(), "valid-calendar-data"),
    ];
    for (body, says) in calendars {
        let res = dav(&app, who, "PUT", &format!("{inbox}bad.ics"), &[CAL], &body).await;
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        let short: String = body.chars().take(70).collect();
        assert_eq!(status, 403, "{short:?}: {text}");
        assert!(text.contains(says), "{short:?}: {text}");
    }
    // Names and headers a client should not send.
    let long = format!("{}.ics", "n".repeat(300));
    let names = [
        "a%00b.ics",
        "%FF.ics",
        "..",
        ".hidden.ics",
        "a%2Fb.ics",
        long.as_str(),
    ];
    for name in names {
        let path = format!("{inbox}{name}");
        let res = dav(&app, who, "PUT", &path, &[CAL], &todo(name, "Odd name")).await;
        assert!(res.status().is_client_error(), "{name}: {}", res.status());
        let res = dav(&app, who, "GET", &path, &[], "").await;
        assert!(
            res.status().is_client_error(),
            "GET {name}: {}",
            res.status()
        );
    }
    let odd_headers: [&[(&str, &str)]; 4] = [
        &[("depth", "banana")],
        &[("if-match", "W/\"no-end")],
        &[("if-none-match", ",,,")],
        &[("content-type", "application/x-nonsense")],
    ];
    for headers in odd_headers {
        let res = dav(&app, who, "PROPFIND", &inbox, headers, "").await;
        assert!(res.status().as_u16() < 500, "{headers:?}: {}", res.status());
        let path = format!("{inbox}h.ics");
        let res = dav(&app, who, "PUT", &path, headers, "BEGIN:VCALENDAR").await;
        assert!(
            res.status().is_client_error(),
            "{headers:?}: {}",
            res.status()
        );
    }
    let tasks = app.ok(&ada, Method::GET, "/api/tasks", None).await;
    assert_eq!(tasks, json!([]));
    // A rule Taskward cannot hold is kept and given back; the task does not recur.
    let odd = "RRULE:FREQ=SECONDLY;COUNT=0;BYDAY=XX";
    let body = todo("r", "Odd").replace(
        "X-KEPT",
        &format!("DUE:20300101T000000Z\r\n{odd}\r\nX-KEPT"),
    );
    let path = format!("{inbox}odd.ics");
    assert_eq!(
        dav(&app, who, "PUT", &path, &[CAL], &body).await.status(),
        201
    );
    let tasks = app.ok(&ada, Method::GET, "/api/tasks", None).await;
    assert_eq!(tasks[0]["recurrence"], Value::Null, "{tasks}");
    let back = dav(&app, who, "GET", &path, &[], "")
        .await
        .text()
        .await
        .expect("body");
    assert!(back.contains(odd), "{back}");
    let lists = app.ok(&ada, Method::GET, "/api/lists", None).await;
    assert_eq!(lists.as_array().map(Vec::len), Some(1));
}

on_both_databases!(
    a_vtodo_round_trips_through_the_oracle_and_the_api,
    a_caldav_delete_goes_to_the_trash,
    hostile_bodies_are_a_clear_4xx_and_write_nothing,
);
