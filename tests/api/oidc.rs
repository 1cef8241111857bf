//! Single sign-on over HTTP on both databases, against a real OpenID provider: node
//! `oidc-provider` (tests/oidc/provider.mjs), started here and stopped when dropped. A new
//! person gets an account (found again through its link), an existing account is linked
//! only when the provider vouches for its email and `OIDC_LINK_BY_EMAIL` is on, and
//! passwords keep working. (The attacks are in the browser: e2e/oidc.js.) Without its
//! node_modules the tests print a notice and pass as skipped, except under `CI=true`
//! (`.ci/run` installs it), where they fail.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use reqwest::StatusCode;
use taskward::config::Config;

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, PASSWORD, location};

/// The provider's client secret for Taskward.
pub(crate) const CLIENT_SECRET: &str = "the-client-secret-of-the-tests";

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// A running provider.
pub(crate) struct OpenIdProvider {
    child: Child,
    /// Its issuer URL.
    pub(crate) issuer: String,
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OpenIdProvider {
    /// Starts the provider; `None` (with a notice) when it cannot run outside CI.
    pub(crate) fn start() -> Option<Self> {
        if !provider_dir().join("node_modules/oidc-provider").exists() {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "CI=true but the OpenID provider cannot run: tests/oidc/node_modules is missing (cd tests/oidc && npm ci)"
            );
            eprintln!("notice: skipping the single sign-on tests: cd tests/oidc && npm ci");
            return None;
        }
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .arg(CLIENT_SECRET)
            .current_dir(provider_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts the provider");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the provider's first line");
        let ready: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
        let issuer = ready["issuer"].as_str().expect("issuer").to_owned();
        Some(Self { child, issuer })
    }

    /// `config` with this provider for single sign-on, named "Test provider".
    pub(crate) fn configure(&self, mut config: Config, link_by_email: bool) -> Config {
        config.oidc.oidc_issuer = Some(self.issuer.parse().expect("issuer URL"));
        config.oidc.oidc_client_id = Some("taskward".into());
        config.oidc.oidc_client_secret = Some(CLIENT_SECRET.to_owned().into());
        config.oidc.oidc_name = Some("Test provider".into());
        config.oidc.oidc_link_by_email = link_by_email;
        config
    }
}

/// Signs in through the provider as `login` over plain HTTP, the way a browser would:
/// Taskward's start, the provider's login and consent forms, the callback. The browser's
/// cookies for Taskward are in `browser`; the answer of Taskward's callback is returned.
pub(crate) async fn sign_in_through(
    app: &TestApp,
    browser: &mut Browser<'_>,
    login: &str,
) -> reqwest::Response {
    let res = browser.get("/auth/oidc/start?next=/account").await;
    assert_eq!(res.status(), 303);
    let mut to = location(&res).to_owned();
    let mut jar: BTreeMap<String, String> = BTreeMap::new();
    let mut form: Option<Vec<(String, String)>> = None;
    for _ in 0..12 {
        if to.starts_with(&app.url("/auth/oidc/callback")) {
            let path = to.trim_start_matches(&app.url(""));
            return browser.get(path).await;
        }
        let cookie = jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let req = match form.take() {
            Some(fields) => app.client.post(&to).form_body(&fields),
            None => app.client.get(&to),
        };
        let res = req
            .header("cookie", cookie)
            .send()
            .await
            .expect("the provider answers");
        for c in res.headers().get_all("set-cookie") {
            let pair = c
                .to_str()
                .expect("ascii")
                .split(';')
                .next()
                .unwrap_or_default();
            if let Some((k, v)) = pair.split_once('=') {
                jar.insert(k.to_owned(), v.to_owned());
            }
        }
        if res.status().is_redirection() {
            let next = location(&res).to_owned();
            to = if next.starts_with('/') {
                format!(
                    "{}{next}",
                    to.split('/').take(3).collect::<Vec<_>>().join("/")
                )
            } else {
                next
            };
            continue;
        }
        assert_eq!(res.status(), 200, "{to}");
        let page = res.text().await.expect("page");
        let prompt = if page.contains(r#"name="login""#) {
            "login"
        } else {
            "consent"
        };
        let mut fields = vec![("prompt".to_owned(), prompt.to_owned())];
        if prompt == "login" {
            fields.push(("login".into(), login.into()));
            fields.push(("password".into(), "anything".into()));
        }
        form = Some(fields);
    }
    panic!("the sign-in did not come back to Taskward");
}

/// A form body on a request.
trait FormBody {
    fn form_body(self, fields: &[(String, String)]) -> Self;
}

impl FormBody for reqwest::RequestBuilder {
    fn form_body(self, fields: &[(String, String)]) -> Self {
        self.header("content-type", "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish(),
            )
    }
}

async fn accounts_are_found_linked_or_refused_by_the_rules(db: TestDb, link_by_email: bool) {
    let Some(provider) = OpenIdProvider::start() else {
        return;
    };
    let config = provider.configure(db.config(), link_by_email);
    let app = TestApp::spawn_with(db, config).await;
    app.signup("has-password@example.com", PASSWORD).await;
    app.signup("unverified-owner@example.com", PASSWORD).await;

    // A new person: a new account, signed in, at the page they asked for; the next
    // sign-in finds the same account through the link.
    for _ in 0..2 {
        let mut browser = Browser::new(&app);
        let res = sign_in_through(&app, &mut browser, "newcomer@example.com").await;
        assert_eq!(
            (res.status(), location(&res)),
            (StatusCode::SEE_OTHER, "/account")
        );
        let page = browser.get("/account").await.text().await.expect("page");
        assert!(page.contains("newcomer@example.com"), "{page}");
    }
    let found = app
        .store
        .user_by_email("newcomer@example.com")
        .await
        .expect("read");
    let newcomer = found.expect("an account");
    assert_eq!(
        newcomer.password_hash, "!external",
        "no password works for it"
    );

    // An existing account: linked only when the provider vouches and the operator allows.
    let mut browser = Browser::new(&app);
    let res = sign_in_through(&app, &mut browser, "has-password@example.com").await;
    if link_by_email {
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let page = browser.get("/account").await.text().await.expect("page");
        assert!(page.contains("has-password@example.com"), "{page}");
    } else {
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let page = res.text().await.expect("page");
        assert!(page.contains("already exists"), "{page}");
        assert_eq!(
            browser.get("/account").await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let mut browser = Browser::new(&app);
    let res = sign_in_through(&app, &mut browser, "unverified-owner@example.com").await;
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "an unverified email links nothing"
    );
    // Their passwords still work either way.
    app.signin("has-password@example.com", PASSWORD).await;
    app.signin("unverified-owner@example.com", PASSWORD).await;
}

async fn linking_by_email_off(db: TestDb) {
    accounts_are_found_linked_or_refused_by_the_rules(db, false).await;
}

async fn linking_by_email_on(db: TestDb) {
    accounts_are_found_linked_or_refused_by_the_rules(db, true).await;
}

on_both_databases!(linking_by_email_off, linking_by_email_on);
