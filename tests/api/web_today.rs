//! The Today and Upcoming pages and the quick-add box over plain HTTP, on both databases:
//! a user at UTC+14 (Pacific/Kiritimati, no daylight saving, so the expected days are
//! computable here) sees their own days; the rows' forms come back to the view; quick
//! add creates what the text means and keeps the text when it is refused.

use reqwest::Method;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

use crate::helpers::{Session, TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, PASSWORD, location};

const ZONE: &str = "Pacific/Kiritimati";
const HOURS: i8 = 14;

fn offset() -> UtcOffset {
    UtcOffset::from_hms(HOURS, 0, 0).expect("offset")
}

/// The local date in Kiritimati `days` after today.
fn local_day(days: i64) -> Date {
    OffsetDateTime::now_utc().to_offset(offset()).date() + Duration::days(days)
}

/// The instant the local day `days` after today starts in Kiritimati.
fn day_start(days: i64) -> OffsetDateTime {
    local_day(days)
        .midnight()
        .assume_offset(offset())
        .to_offset(UtcOffset::UTC)
}

/// "Wednesday 9 December".
fn long_date(day: Date) -> String {
    format!("{} {} {}", day.weekday(), day.day(), day.month())
}

/// Ada, at UTC+14, signed up through the API and signed in through the web.
async fn ada<'a>(app: &'a TestApp) -> (Session, Browser<'a>) {
    let s = app.signup_in("ada@example.com", PASSWORD, ZONE).await;
    let mut browser = Browser::new(app);
    let res = browser.sign_in("ada@example.com").await;
    assert_eq!(res.status(), 303);
    (s, browser)
}

async fn create(app: &TestApp, s: &Session, body: Value) -> Value {
    let res = app
        .call(Method::POST, "/api/tasks", &s.access, Some(&body))
        .await;
    assert_eq!(res.status(), 201, "{body}");
    res.json().await.expect("json")
}

/// The HTML of the `<section id="{id}"` element, if the page has one.
fn section<'h>(html: &'h str, id: &str) -> Option<&'h str> {
    let start = html.find(&format!(r#"<section id="{id}""#))?;
    let rest = &html[start..];
    Some(&rest[..rest.find("</section>")?])
}

/// The task titles in `html`, in order.
fn titles(html: &str) -> Vec<&str> {
    html.split(r#"<p class="task-title" dir="auto">"#)
        .skip(1)
        .filter_map(|s| s.split("</p>").next())
        .collect()
}

async fn page(browser: &mut Browser<'_>, path: &str) -> String {
    let res = browser.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.expect("page")
}

/// The user's tasks through the API, newest first.
async fn api_tasks(app: &TestApp, s: &Session, query: &str) -> Vec<Value> {
    let res = app.get_as(&format!("/api/tasks?{query}"), &s.access).await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

async fn today_and_upcoming_show_the_users_own_days(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (s, mut browser) = ada(&app).await;
    let at = |t: OffsetDateTime| t.format(&Rfc3339).expect("format");
    let day = |n: i64| local_day(n).to_string();
    let now = OffsetDateTime::now_utc();
    for body in [
        json!({"title": "two days ago", "due_at": at(now - Duration::days(2))}),
        json!({"title": "all day yesterday", "due_date": day(-1)}),
        // Overdue too, unless the test runs in the first second of the local day.
        json!({"title": "early today", "due_at": at(day_start(0) + Duration::seconds(1))}),
        json!({"title": "all day today", "due_date": day(0)}),
        // Still ahead, unless the test runs in the last second of the local day.
        json!({"title": "late today", "due_at": at(day_start(1) - Duration::seconds(1))}),
        json!({"title": "done today", "due_date": day(0), "completed": true}),
        json!({"title": "tomorrow 9am", "due_at": at(day_start(1) + Duration::hours(9))}),
        json!({"title": "in six days", "due_date": day(6)}),
        json!({"title": "in seven days", "due_at": at(day_start(7) + Duration::hours(1))}),
        json!({"title": "in eight days", "due_date": day(8)}),
        json!({"title": "someday"}),
    ] {
        create(&app, &s, body).await;
    }

    let html = page(&mut browser, "/today").await;
    assert!(html.contains("<h1>Today</h1>"), "{html}");
    assert!(html.contains(r#"<a href="/today" aria-current="page">Today</a>"#));
    assert!(
        html.contains(&long_date(local_day(0))),
        "today's date in words"
    );
    let overdue = section(&html, "overdue").expect("an Overdue section");
    assert!(overdue.contains("Overdue"));
    assert_eq!(
        titles(overdue),
        ["two days ago", "all day yesterday", "early today"]
    );
    let today = section(&html, "due-today").expect("a Due today section");
    assert_eq!(titles(today), ["all day today", "late today"]);
    assert_eq!(titles(&html).len(), 5, "nothing else: {:?}", titles(&html));

    let html = page(&mut browser, "/upcoming").await;
    assert!(html.contains(r#"<a href="/upcoming" aria-current="page">Upcoming</a>"#));
    let group = |n: i64| section(&html, &format!("day-{}", local_day(n))).expect("a day");
    assert!(group(0).contains(">Today <"), "{}", group(0));
    assert_eq!(
        titles(group(0)),
        ["all day today", "early today", "late today"]
    );
    assert!(group(1).contains(">Tomorrow <"), "{}", group(1));
    assert_eq!(titles(group(1)), ["tomorrow 9am"]);
    assert!(group(6).contains(&format!(">{}<", long_date(local_day(6)))));
    assert_eq!(titles(group(6)), ["in six days"]);
    for n in 2..6 {
        assert!(titles(group(n)).is_empty());
        assert!(group(n).contains("Nothing planned."));
    }
    // The last day of the API's `upcoming` window is not shown, nor anything later.
    assert!(section(&html, &format!("day-{}", local_day(7))).is_none());
    assert_eq!(titles(&html).len(), 5, "{:?}", titles(&html));
    app.stop().await;
}

async fn home_is_today_and_the_rows_come_back_to_their_view(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut stranger = Browser::new(&app);
    let res = stranger.get("/").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/signin?next=%2F");

    let (s, mut browser) = ada(&app).await;
    let html = page(&mut browser, "/").await;
    assert!(html.contains("<h1>Today</h1>"));
    assert!(html.contains("Nothing due today."), "the empty state");
    assert!(html.contains(r#"href="/upcoming""#));

    let task = create(
        &app,
        &s,
        json!({"title": "Plan", "due_date": local_day(0).to_string()}),
    )
    .await;
    let id = task["id"].as_str().expect("id");
    let html = page(&mut browser, "/today").await;
    assert!(
        html.contains(&format!(r#"href="/tasks/{id}/edit?back=/today""#)),
        "{html}"
    );
    let csrf = browser.csrf("/today").await;
    let me = app.url("");
    for view in ["/today", "/upcoming"] {
        let res = browser
            .post(
                &format!("/tasks/{id}/toggle"),
                &[("csrf", &csrf), ("completed", "false"), ("back", view)],
                Some(&me),
            )
            .await;
        assert_eq!(res.status(), 303);
        // Back to the row, which lands on itself (no `land` sent).
        assert_eq!(location(&res), format!("{view}#task-{id}"));
    }
    // Anything else is the tasks page, never another site.
    for back in ["https://evil.example/", "//evil.example", "/today/../x"] {
        let res = browser
            .post(
                &format!("/tasks/{id}/toggle"),
                &[("csrf", &csrf), ("completed", "false"), ("back", back)],
                Some(&me),
            )
            .await;
        assert!(location(&res).starts_with("/tasks"), "{back}");
    }
    let res = browser
        .post(
            &format!("/tasks/{id}/toggle"),
            &[("csrf", &csrf), ("completed", "true"), ("back", "/today")],
            Some(&me),
        )
        .await;
    assert_eq!(location(&res), format!("/today#task-{id}"));
    let html = page(&mut browser, "/today").await;
    assert!(html.contains("Marked as done."));
    assert!(titles(&html).is_empty(), "a done task leaves Today");
    let html = page(&mut browser, &format!("/tasks/{id}/edit?back=%2Fupcoming")).await;
    assert!(html.contains(r#"href="/upcoming" class="button subtle">Cancel"#));
    let res = browser
        .post(
            &format!("/tasks/{id}"),
            &[
                ("csrf", &csrf),
                ("title", "Plan the week"),
                ("back", "/upcoming"),
            ],
            Some(&me),
        )
        .await;
    assert_eq!(location(&res), "/upcoming");
    let res = browser
        .post(
            &format!("/tasks/{id}/delete"),
            &[("csrf", &csrf), ("back", "/today")],
            Some(&me),
        )
        .await;
    assert_eq!(location(&res), "/today");
    assert!(api_tasks(&app, &s, "").await.is_empty());
    app.stop().await;
}

async fn quick_add_creates_the_task_the_text_means(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (s, mut browser) = ada(&app).await;
    let res = app
        .call(
            Method::POST,
            "/api/lists",
            &s.access,
            Some(&json!({"name": "Groceries"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let groceries: Value = res.json().await.expect("json");
    let groceries = groceries["id"].as_str().expect("id").to_owned();
    let csrf = browser.csrf("/today").await;
    let me = app.url("");
    let fields = [
        ("csrf", csrf.as_str()),
        ("text", "Call mom tomorrow 5pm #family !high"),
        ("back", "/today"),
    ];
    let res = browser.post("/tasks/quick", &fields, Some(&me)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/today#quick-text", "focus back in the box");
    assert!(page(&mut browser, "/today").await.contains("Task added."));
    let task = &api_tasks(&app, &s, "q=mom").await[0];
    assert_eq!(task["title"], "Call mom");
    let five_pm = (day_start(1) + Duration::hours(17))
        .format(&Rfc3339)
        .expect("format");
    assert_eq!(task["due_at"], five_pm);
    assert_eq!(task["tags"], json!(["family"]));
    assert_eq!(task["priority"], "high");
    assert_eq!(task["list_id"], s.user_id, "the inbox");

    let fields = [
        ("csrf", csrf.as_str()),
        ("text", "Water the plants every! 3 days #home"),
        ("back", "/upcoming"),
    ];
    let res = browser.post("/tasks/quick", &fields, Some(&me)).await;
    assert_eq!(location(&res), "/upcoming#quick-text");
    let task = &api_tasks(&app, &s, "q=plants").await[0];
    assert_eq!(task["title"], "Water the plants");
    assert_eq!(task["due_date"], local_day(0).to_string());
    assert_eq!(
        task["recurrence"],
        json!({"rule": "FREQ=DAILY;INTERVAL=3", "from": "completion"})
    );
    let html = page(&mut browser, "/upcoming").await;
    let today = section(&html, &format!("day-{}", local_day(0))).expect("today");
    assert_eq!(titles(today), ["Water the plants"]);

    // On a list's page the box adds to that list, unless the text names another.
    let back = format!("list={groceries}");
    for (text, list) in [
        ("Eggs !low", groceries.as_str()),
        ("Stamps @inbox", s.user_id.as_str()),
    ] {
        let fields = [
            ("csrf", csrf.as_str()),
            ("text", text),
            ("back", &back),
            ("list_id", &groceries),
        ];
        let res = browser.post("/tasks/quick", &fields, Some(&me)).await;
        assert_eq!(
            location(&res),
            format!("/tasks?{back}#quick-text"),
            "{text}"
        );
        let word = text.split(' ').next().expect("a word");
        let task = &api_tasks(&app, &s, &format!("q={word}")).await[0];
        assert_eq!(task["list_id"], list, "{text}");
        assert!(task["due_at"].is_null() && task["due_date"].is_null());
    }
    assert_eq!(api_tasks(&app, &s, "q=eggs").await[0]["priority"], "low");
    app.stop().await;
}

async fn quick_add_refusals_keep_the_text_and_change_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (s, mut browser) = ada(&app).await;
    let csrf = browser.csrf("/today").await;
    let me = app.url("");
    let long = format!("<b>{}</b> tomorrow", "x".repeat(250));
    for (text, back, heading, error) in [
        (
            "   ",
            "/today",
            "<h1>Today</h1>",
            "The text must be 1 to 500 characters",
        ),
        (
            long.as_str(),
            "/upcoming",
            "<h1>Upcoming</h1>",
            "The title must be at most 200 characters long.",
        ),
        (
            long.as_str(),
            "status=pending",
            "<h1>Your tasks</h1>",
            "The title must be at most 200 characters long.",
        ),
    ] {
        let fields = [("csrf", csrf.as_str()), ("text", text), ("back", back)];
        let res = browser.post("/tasks/quick", &fields, Some(&me)).await;
        let html = browser.follow_refusal(res).await;
        assert!(html.contains(heading), "{back}: {html}");
        assert!(
            html.contains(r#"<p class="field-error" id="quick-error">"#),
            "{html}"
        );
        assert!(html.contains(error), "{back}: {html}");
        assert!(html.contains(r#"aria-invalid="true""#));
    }
    // The text is kept, escaped.
    let fields = [
        ("csrf", csrf.as_str()),
        ("text", long.as_str()),
        ("back", "/today"),
    ];
    let res = browser.post("/tasks/quick", &fields, Some(&me)).await;
    let html = browser.follow_refusal(res).await;
    let kept = format!(
        r#"value="&#60;b&#62;{}&#60;/b&#62; tomorrow""#,
        "x".repeat(250)
    );
    assert!(html.contains(&kept), "{html}");
    assert!(!html.contains("<b>x"), "never unescaped");

    // A list Ada only views: refused, with the text kept.
    let bob = app.signup("bob@example.com", PASSWORD).await;
    let res = app
        .call(
            Method::POST,
            "/api/lists",
            &bob.access,
            Some(&json!({"name": "Family"})),
        )
        .await;
    let family: Value = res.json().await.expect("json");
    let family = family["id"].as_str().expect("id").to_owned();
    let res = app
        .call(
            Method::PUT,
            &format!("/api/lists/{family}/members/ada@example.com"),
            &bob.access,
            Some(&json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    // Her next page turns the share active.
    let back = format!("list={family}");
    page(&mut browser, "/tasks").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("text", "Bake a cake"),
        ("back", &back),
        ("list_id", &family),
    ];
    let res = browser.post("/tasks/quick", &fields, Some(&me)).await;
    let html = browser.follow_refusal(res).await;
    assert!(html.contains(r#"value="Bake a cake""#), "{html}");
    assert!(html.contains("You may view this list but not add to it"));

    // Without the CSRF token, or from another site: refused like every form.
    let fields = [("text", "Sneaky task"), ("back", "/today")];
    let res = browser.post("/tasks/quick", &fields, Some(&me)).await;
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .expect("page")
            .contains("This form could not be accepted")
    );
    let fields = [
        ("csrf", csrf.as_str()),
        ("text", "Sneaky task"),
        ("back", "/today"),
    ];
    let res = browser
        .post("/tasks/quick", &fields, Some("http://evil.example"))
        .await;
    assert_eq!(res.status(), 403);
    assert!(
        api_tasks(&app, &s, "").await.is_empty(),
        "nothing was created"
    );
    let bobs = api_tasks(&app, &bob, "").await;
    assert!(bobs.is_empty(), "{bobs:?}");
    app.stop().await;
}

on_both_databases!(
    today_and_upcoming_show_the_users_own_days,
    home_is_today_and_the_rows_come_back_to_their_view,
    quick_add_creates_the_task_the_text_means,
    quick_add_refusals_keep_the_text_and_change_nothing,
);
