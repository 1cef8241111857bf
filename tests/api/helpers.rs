//! The test harness: a real Taskward on 127.0.0.1:0 with a fresh database, and a client.

use std::net::SocketAddr;
use std::sync::Once;

use secrecy::SecretString;
use serde_json::{Value, json};
use taskward::config::{Config, DatabaseUrl};
use taskward::store::{self, ConnectOptions, DynStore};
use taskward::{AppState, run};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The JWT secret of every test app (tests mint foreign tokens with it).
pub const TEST_SECRET: &str = "test-secret-that-is-long-enough-0123456789abcdef";

/// A fresh, empty database for one test. SQLite: a file in a temporary directory.
/// PostgreSQL: a new database on the server named by `TEST_DATABASE_URL`.
pub struct TestDb {
    pub url: String,
    _dir: Option<TempDir>,
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/taskward.db", dir.path().display());
        Self {
            url,
            _dir: Some(dir),
        }
    }

    /// `None` (after a notice) when no PostgreSQL is configured; a failure when `CI` is set,
    /// so the PostgreSQL half of the suite can never silently vanish from CI.
    pub async fn postgres() -> Option<Self> {
        let Some(admin_url) = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|s| !s.is_empty())
        else {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "CI=true but TEST_DATABASE_URL is not set: the PostgreSQL tests must run in CI"
            );
            static NOTICE: Once = Once::new();
            NOTICE.call_once(|| {
                eprintln!("notice: TEST_DATABASE_URL is not set; skipping the PostgreSQL tests");
            });
            return None;
        };
        let name = format!("taskward_test_{}", uuid::Uuid::now_v7().simple());
        create_database(&admin_url, &name).await;
        let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        Some(Self {
            url: url.to_string(),
            _dir: None,
        })
    }

    /// The same PostgreSQL database again, for a second node.
    pub fn second_node(&self) -> Self {
        assert!(
            self.url.starts_with("postgres"),
            "only PostgreSQL is shared by nodes"
        );
        Self {
            url: self.url.clone(),
            _dir: None,
        }
    }

    /// Opens this database as a store (running migrations).
    pub async fn open_store(&self) -> DynStore {
        let url = DatabaseUrl::parse(&self.url).expect("valid test URL");
        store::connect(
            &url,
            ConnectOptions {
                pool_size: 5,
                acquire_timeout: std::time::Duration::from_secs(5),
            },
        )
        .await
        .expect("the test database opens")
    }

    /// Defaults, plus the test secret and no rate limits (tests that check limits turn
    /// them back on).
    pub fn config(&self) -> Config {
        let mut config = Config::defaults();
        config.database_url = DatabaseUrl::parse(&self.url).expect("valid test URL");
        config.jwt_secret = Some(SecretString::from(TEST_SECRET));
        config.rate_limit = false;
        config.check().expect("valid test config");
        config
    }
}

async fn create_database(admin_url: &str, name: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach TEST_DATABASE_URL: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .expect("CREATE DATABASE");
    let _ = conn.close().await;
}

/// Drops a test database while the app may still hold connections to it.
pub async fn drop_database(db: &TestDb) {
    use sqlx::Connection;
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("postgres test");
    let name = url::Url::parse(&db.url)
        .expect("url")
        .path()
        .trim_start_matches('/')
        .to_owned();
    let mut conn = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("admin connection");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE \"{name}\" WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .expect("DROP DATABASE");
}

/// A running Taskward and a client for it.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub store: DynStore,
    pub db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    /// Sends `method path` as `s` and answers the JSON body (`null` when empty), after
    /// asserting a 2xx status (the failure says which request and what came back).
    pub async fn ok(
        &self,
        s: &Session,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let res = self
            .call(method.clone(), path, &s.access, body.as_ref())
            .await;
        let status = res.status();
        let text = res.text().await.expect("body");
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("json")
        }
    }

    /// Starts the app on `db` with default settings.
    pub async fn spawn(db: TestDb) -> Self {
        let config = db.config();
        Self::spawn_with(db, config).await
    }

    /// Starts the app on `db` with `config` (whose database URL is replaced by `db`'s).
    pub async fn spawn_with(db: TestDb, config: Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        Self::serve(listener, db, config).await
    }

    /// As [`TestApp::spawn_with`], with `PUBLIC_URL` the app's own address: the links
    /// it mails lead back to it.
    pub async fn spawn_public(db: TestDb, mut config: Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        config.public_url = Some(url::Url::parse(&format!("http://{addr}/")).expect("url"));
        Self::serve(listener, db, config).await
    }

    async fn serve(listener: tokio::net::TcpListener, db: TestDb, mut config: Config) -> Self {
        config.database_url = DatabaseUrl::parse(&db.url).expect("valid test URL");
        let addr = listener.local_addr().expect("local addr");
        let state = AppState::build(config).await.expect("the app starts");
        let store = state.store.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(run(listener, state, async {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            addr,
            client,
            store,
            db,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// Stops the server, waits until it has finished, and hands back the database.
    pub async fn stop(mut self) -> TestDb {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran");
        }
        self.db
    }

    /// POSTs a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Sends `method path` with a bearer token and an optional JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.expect("request")
    }

    /// `GET path` with a bearer token.
    pub async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    /// Signs up and returns the AuthResponse body.
    pub async fn signup(&self, email: &str, password: &str) -> Session {
        let res = self
            .post_json(
                "/api/auth/signup",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(res.status(), 201, "sign-up of {email}");
        Session::from(res.json::<Value>().await.expect("json"))
    }

    /// Moves the account of `token` to the IANA time zone `zone`.
    pub async fn set_timezone(&self, token: &str, zone: &str) {
        let res = self
            .call(
                reqwest::Method::PATCH,
                "/api/auth/me",
                token,
                Some(&json!({"timezone": zone})),
            )
            .await;
        assert_eq!(res.status(), 200, "time zone {zone}");
    }

    /// Signs up and moves the new account to the IANA time zone `zone`.
    pub async fn signup_in(&self, email: &str, password: &str, zone: &str) -> Session {
        let s = self.signup(email, password).await;
        self.set_timezone(&s.access, zone).await;
        s
    }

    /// Signs in and returns the AuthResponse body.
    pub async fn signin(&self, email: &str, password: &str) -> Session {
        let res = self
            .post_json(
                "/api/auth/signin",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(res.status(), 200, "sign-in of {email}");
        Session::from(res.json::<Value>().await.expect("json"))
    }
}

/// The interesting parts of an AuthResponse.
#[derive(Debug, Clone)]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub user_id: String,
    pub body: Value,
}

impl From<Value> for Session {
    fn from(body: Value) -> Self {
        Self {
            access: body["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            refresh: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
            user_id: body["user"]["id"].as_str().expect("user.id").to_owned(),
            body,
        }
    }
}

/// The next page's path from a list response's `Link: <...>; rel="next"`, if any (and
/// that the header, when present, is exactly that form).
pub fn next_link(res: &reqwest::Response) -> Option<String> {
    res.headers().get("link").map(|l| {
        let l = l.to_str().expect("ascii Link header");
        assert!(l.starts_with('<') && l.ends_with(">; rel=\"next\""), "{l}");
        l.trim_start_matches('<')
            .trim_end_matches(">; rel=\"next\"")
            .to_owned()
    })
}

/// The `field` of every entry of a 422 body's `errors`, in order.
pub fn error_fields(body: &Value) -> Vec<&str> {
    body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect()
}

/// A parsed problem+json body, checked for the RFC 9457 members API.md requires.
pub async fn problem(res: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(ct, "application/problem+json", "content type");
    let body: serde_json::Value = res.json().await.expect("JSON body");
    assert_eq!(body["status"], status, "status member: {body}");
    assert!(body["type"].is_string(), "type member: {body}");
    assert!(body["title"].is_string(), "title member: {body}");
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(!detail.is_empty(), "detail is a sentence: {body}");
    body
}

/// An HTTP client for tests that talk to a server they did not start in-process: reqwest
/// is built without a default TLS provider, so one is installed first (a test run alone
/// in its own process, as nextest runs them, has no other code that installs it).
pub fn http_client() -> reqwest::Client {
    taskward::install_tls_provider();
    reqwest::Client::new()
}

/// Runs each named `async fn(TestDb)` against SQLite and PostgreSQL, as
/// `<module>::sqlite::<name>` and `<module>::postgres::<name>`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::TestDb::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = $crate::helpers::TestDb::postgres().await {
                        super::$name(db).await;
                    }
                }
            )*
        }
    };
}

/// The Python of the virtualenv `ORACLE_VENV` (tests/oracles/requirements.txt), for a test
/// that checks Taskward against an independent implementation (`what` names it in the
/// notice). `None` with a notice outside CI; under `CI=true` its absence fails the test.
pub fn oracle_python(what: &str) -> Option<std::path::PathBuf> {
    let venv = std::env::var_os("ORACLE_VENV").map(std::path::PathBuf::from);
    let python = venv.map(|v| v.join("bin/python")).filter(|p| p.is_file());
    if python.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but ORACLE_VENV (a virtualenv with tests/oracles/requirements.txt) is not set"
        );
        eprintln!("notice: skipping {what}: ORACLE_VENV is not set");
    }
    python
}

/// The Python of the virtualenv named by `var` (a venv of test counterparts made by
/// .ci/run), as [`oracle_python`] finds its own.
pub fn venv_python(var: &str, what: &str) -> Option<std::path::PathBuf> {
    let venv = std::env::var_os(var).map(std::path::PathBuf::from);
    let python = venv.map(|v| v.join("bin/python")).filter(|p| p.is_file());
    if python.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but {var} (a virtualenv of .ci/run) is not set"
        );
        eprintln!("notice: skipping {what}: {var} is not set");
    }
    python
}

/// The Python of `CALDAV_VENV` (tests/oracles/caldav-requirements.txt).
pub fn caldav_python(what: &str) -> Option<std::path::PathBuf> {
    venv_python("CALDAV_VENV", what)
}

/// Runs the oracle script `tests/oracles/<script>` with `python`, `input` on its stdin,
/// and answers its stdout; a failing script fails the test with its stderr.
pub fn run_oracle(python: &std::path::Path, script: &str, input: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oracles")
        .join(script);
    let mut child = Command::new(python)
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the oracle starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("input written");
    let out = child.wait_with_output().expect("the oracle ends");
    assert!(
        out.status.success(),
        "the oracle {script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
