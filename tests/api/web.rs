//! The web pages over plain HTTP: CSRF refusals, cookie attributes, `next=` and the HTML
//! 404. (What a user sees in a browser is in `browser.rs`.)

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use taskward::config::Config;

use crate::helpers::{TestApp, TestDb};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// Just enough of a browser: a cookie jar and form posts.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    pub(crate) cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: BTreeMap::new(),
        }
    }

    /// The app's origin, for the `Origin` of a form post.
    pub(crate) fn origin(&self) -> String {
        self.app.url("")
    }

    pub(crate) fn keep_cookies(&mut self, headers: &HeaderMap) {
        for c in headers.get_all(SET_COOKIE) {
            let c = c.to_str().expect("ascii cookie");
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            if value.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub(crate) fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) async fn get(&mut self, path: &str) -> reqwest::Response {
        let res = self
            .app
            .client
            .get(self.app.url(path))
            .header("cookie", self.cookie_header())
            .header("accept", "text/html")
            .send()
            .await
            .expect("request");
        self.keep_cookies(res.headers());
        res
    }

    /// The page's CSRF token (the hidden field of its first form).
    pub(crate) async fn csrf(&mut self, path: &str) -> String {
        let html = self.get(path).await.text().await.expect("page");
        let start = html.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
        html[start..].split('"').next().expect("a value").to_owned()
    }

    pub(crate) async fn post(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self
            .app
            .client
            .post(self.app.url(path))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish(),
            );
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        let res = req.send().await.expect("request");
        self.keep_cookies(res.headers());
        res
    }

    pub(crate) async fn sign_up(&mut self, email: &str) -> reqwest::Response {
        let csrf = self.csrf("/signup").await;
        let origin = self.app.url("");
        self.post(
            "/signup",
            &[("csrf", &csrf), ("email", email), ("password", PASSWORD)],
            Some(&origin),
        )
        .await
    }

    /// The page a refused form leads to: the answer is `303` to the form's page at its
    /// error summary (post/redirect/get), and that page shows the summary, once.
    pub(crate) async fn follow_refusal(&mut self, res: reqwest::Response) -> String {
        assert_eq!(res.status(), 303, "a refused form redirects");
        let to = location(&res).to_owned();
        let (page, fragment) = to.split_once('#').expect("a fragment");
        assert_eq!(fragment, "errors", "{to}");
        let res = self.get(page).await;
        assert_eq!(res.status(), 200, "{page}");
        let html = res.text().await.expect("page");
        let summary = r#"id="errors" role="alert" tabindex="-1""#;
        assert!(html.contains(summary), "{html}");
        html
    }

    /// Signs in through the sign-in form (an account made through the API, say).
    pub(crate) async fn sign_in(&mut self, email: &str) -> reqwest::Response {
        let csrf = self.csrf("/signin").await;
        let origin = self.app.url("");
        self.post(
            "/signin",
            &[("csrf", &csrf), ("email", email), ("password", PASSWORD)],
            Some(&origin),
        )
        .await
    }
}

pub(crate) fn location(res: &reqwest::Response) -> &str {
    res.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

async fn assert_refused(res: reqwest::Response) {
    assert_eq!(res.status(), 403);
    let ct = res.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(ct.starts_with("text/html"), "{ct}");
    let body = res.text().await.expect("body");
    assert!(body.contains("This form could not be accepted"), "{body}");
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_or_from_another_site_are_refused() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut browser = Browser::new(&app);
    let csrf = browser.csrf("/signup").await;
    let me = app.url("");
    let fields = |token: &'static str| {
        vec![
            ("csrf", token),
            ("email", "eve@example.com"),
            ("password", PASSWORD),
        ]
    };
    assert_refused(browser.post("/signup", &fields("")[1..], Some(&me)).await).await;
    assert_refused(browser.post("/signup", &fields("d3Jvbmc"), Some(&me)).await).await;
    let good: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("email", "eve@example.com"),
        ("password", PASSWORD),
    ];
    assert_refused(
        browser
            .post("/signup", &good, Some("http://evil.example"))
            .await,
    )
    .await;
    assert_refused(browser.post("/signup", &good, Some("null")).await).await;
    // A token from another browser (another CSRF cookie) is no good either.
    let mut other = Browser::new(&app);
    let foreign = other.csrf("/signup").await;
    let stolen: Vec<(&str, &str)> = vec![
        ("csrf", &foreign),
        ("email", "eve@example.com"),
        ("password", PASSWORD),
    ];
    assert_refused(browser.post("/signup", &stolen, Some(&me)).await).await;
    assert!(
        app.store
            .user_by_email("eve@example.com")
            .await
            .expect("store")
            .is_none()
    );

    let res = browser.post("/signup", &good, Some(&me)).await;
    assert_eq!(res.status(), 303);
    // Signed in, a form rendered before sign-in no longer fits the session.
    let res = browser
        .post("/signout", &[("csrf", &csrf)], Some(&me))
        .await;
    assert_refused(res).await;
    let token = browser.csrf("/account").await;
    let res = browser
        .post("/signout", &[("csrf", &token)], Some(&me))
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/signin");
    app.stop().await;
}

pub(crate) fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .collect()
}

#[tokio::test]
async fn session_cookies_are_httponly_and_samesite_lax() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut browser = Browser::new(&app);
    let res = browser.sign_up("ada@example.com").await;
    assert_eq!(res.status(), 303);
    let cookies = set_cookies(&res);
    for name in ["taskward_access=", "taskward_refresh="] {
        let c = cookies
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {cookies:?}"));
        assert!(c.contains("; HttpOnly"), "{c}");
        assert!(c.contains("; SameSite=Lax"), "{c}");
        assert!(c.contains("; Path=/"), "{c}");
        assert!(!c.contains("Secure"), "plain HTTP: {c}");
    }
    app.stop().await;
}

#[tokio::test]
async fn over_https_the_cookies_are_secure_and_host_prefixed() {
    let db = TestDb::sqlite();
    let mut config: Config = db.config();
    config.public_url = Some(url::Url::parse("https://todo.example").expect("url"));
    let app = TestApp::spawn_with(db, config).await;
    let mut browser = Browser::new(&app);
    let res = browser.get("/signin").await;
    let csrf_cookie = set_cookies(&res);
    assert!(
        csrf_cookie[0].starts_with("__Host-taskward_csrf="),
        "{csrf_cookie:?}"
    );
    let csrf = browser.csrf("/signup").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("email", "ada@example.com"),
        ("password", PASSWORD),
    ];
    let res = browser
        .post("/signup", &fields, Some("https://todo.example"))
        .await;
    assert_eq!(res.status(), 303);
    let cookies = set_cookies(&res);
    for name in ["__Host-taskward_access=", "__Host-taskward_refresh="] {
        let c = cookies
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {cookies:?}"));
        for attr in ["; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"] {
            assert!(c.contains(attr), "{attr} in {c}");
        }
        assert!(!c.contains("Domain="), "host-only: {c}");
    }
    // The prefixed cookie is the session.
    assert_eq!(browser.get("/account").await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn next_leads_only_to_paths_on_this_site() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut browser = Browser::new(&app);
    browser.sign_up("ada@example.com").await;
    let token = browser.csrf("/account").await;
    let me = app.url("");
    browser
        .post("/signout", &[("csrf", &token)], Some(&me))
        .await;
    for (next, landing) in [
        ("/tasks?status=pending", "/tasks?status=pending"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ] {
        let csrf = browser.csrf("/signin").await;
        let fields = [
            ("csrf", csrf.as_str()),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("next", next),
        ];
        let res = browser.post("/signin", &fields, Some(&me)).await;
        assert_eq!(res.status(), 303, "{next}");
        assert_eq!(location(&res), landing, "next={next}");
        let token = browser.csrf("/account").await;
        browser
            .post("/signout", &[("csrf", &token)], Some(&me))
            .await;
    }
    app.stop().await;
}

#[tokio::test]
async fn a_protected_page_without_a_session_redirects_to_sign_in_with_next() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut browser = Browser::new(&app);
    let res = browser.get("/tasks?tag=work").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/signin?next=%2Ftasks%3Ftag%3Dwork");
    let res = browser.get("/account").await;
    assert_eq!(location(&res), "/signin?next=%2Faccount");
    app.stop().await;
}

#[tokio::test]
async fn unknown_pages_are_an_html_404_for_browsers_and_problem_json_for_the_api() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut browser = Browser::new(&app);
    let res = browser.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(res.text().await.expect("body").contains("Page not found"));
    let res = browser.get("/api/no/such/route").await;
    crate::helpers::problem(res, 404).await;
    let res = app.get("/no/such/page").await;
    crate::helpers::problem(res, 404).await;
    app.stop().await;
}

#[tokio::test]
async fn pages_send_a_strict_content_security_policy_and_are_not_cached() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut browser = Browser::new(&app);
    let res = browser.get("/signin").await;
    assert_eq!(res.status(), 200);
    let h = res.headers();
    let csp = h["content-security-policy"].to_str().expect("ascii");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    let page = res.text().await.expect("page");
    let css = page
        .split(r#"rel="stylesheet" href=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a stylesheet link")
        .to_owned();
    let res = browser.get(&css).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("max-age=31536000")
    );
    assert!(
        res.headers().get(SET_COOKIE).is_none(),
        "no cookie on a cached asset"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_input_on_pages_is_a_page_never_a_server_error() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut browser = Browser::new(&app);
    browser.sign_up("ada@example.com").await;
    for path in [
        "/tasks?status=bogus&sort=nope&cursor=%%%",
        "/tasks?limit=-1&priority=urgent",
        "/tasks/not-a-uuid/edit",
        "/tasks/0190d7a8-0000-7000-8000-000000000000/edit",
        "/tasks/0190d7a8-0000-7000-8000-000000000000/delete",
    ] {
        let res = browser.get(path).await;
        assert!(
            res.status().is_success() || res.status() == 404,
            "{path}: {}",
            res.status()
        );
        assert!(
            res.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/html"),
            "{path}"
        );
    }
    let token = browser.csrf("/tasks").await;
    let me = app.url("");
    let res = browser
        .post(
            "/tasks",
            &[
                ("csrf", &token),
                ("title", &"x".repeat(300)),
                ("due", "soon"),
                ("priority", "urgent"),
            ],
            Some(&me),
        )
        .await;
    let body = browser.follow_refusal(res).await;
    assert!(
        body.contains("The title must be at most 200 characters long."),
        "{body}"
    );
    assert!(
        body.contains("The due date must be a date like 2026-11-25."),
        "{body}"
    );
    let res = browser
        .post(
            "/tasks/0190d7a8-0000-7000-8000-000000000000/toggle",
            &[("csrf", &token), ("completed", "true")],
            Some(&me),
        )
        .await;
    // A stale tab's action on a task that is not there is a notice, not a 404 page.
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/tasks");
    app.stop().await;
}

/// Right-to-left text keeps its punctuation on its own side: every user text (titles,
/// descriptions, tags, list names, and the fields they are typed in) has `dir="auto"`.
#[tokio::test]
async fn user_text_takes_its_own_direction() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut browser = Browser::new(&app);
    browser.sign_up("rtl@example.com").await;
    let token = browser.csrf("/tasks").await;
    let me = app.url("");
    let title = "שלום, עולם!";
    let res = browser
        .post(
            "/tasks",
            &[
                ("csrf", &token),
                ("title", title),
                ("description", "מה שלומך?"),
                ("tags", "עבודה"),
            ],
            Some(&me),
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let page = browser.get("/tasks").await.text().await.expect("page");
    for shown in [
        format!(r#"<p class="task-title" dir="auto">{title}</p>"#),
        r#"<p class="task-desc" dir="auto">מה שלומך?</p>"#.to_owned(),
        r#"<a class="tag" dir="auto" href="#.to_owned(),
        r#"<span class="list-name" dir="auto">"#.to_owned(),
        r#"<input id="quick-text" name="text" type="text" dir="auto""#.to_owned(),
    ] {
        assert!(page.contains(&shown), "{shown} in:\n{page}");
    }
    assert!(page.contains(r#"<input id="title" name="title" type="text" dir="auto""#));
    assert!(page.contains(r#"<textarea id="description" name="description" dir="auto""#));
}
