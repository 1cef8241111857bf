//! `taskward import` end to end: the real FastAPI peer (the old stack) holds users and tasks
//! created through its HTTP API; the real binary imports them; the old passwords sign in to
//! Taskward and the tasks are there under both route shapes; a second run changes nothing.
//!
//! Needs the peer's virtualenv (`PEER_VENV`, prepared by `.ci/run`); without it the tests
//! print a notice and skip, except under `CI=true` where they fail.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TEST_SECRET, TestApp, TestDb};

const PASSWORD_ADA: &str = "old stack password 1";
const PASSWORD_BOB: &str = "old stack password 2";

/// The running peer; killed when dropped.
struct Peer {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn skip_or_fail(why: &str) -> Option<Peer> {
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but the FastAPI peer cannot run: {why}"
    );
    eprintln!("notice: skipping the import end-to-end test: {why}");
    None
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read peer dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            if entry.file_name() != ".venv" && entry.file_name() != "__pycache__" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Starts the peer on `database_url` (a SQLAlchemy URL), or skips.
async fn start_peer(database_url: &str) -> Option<Peer> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/peers/fastapi");
    if !source.join("run.sh").is_file() {
        return skip_or_fail(&format!("{} is missing", source.display()));
    }
    let Some(venv) = std::env::var_os("PEER_VENV").map(PathBuf::from) else {
        return skip_or_fail("PEER_VENV is not set (.ci/run prepares it)");
    };
    if !venv.join("bin/uvicorn").is_file() {
        return skip_or_fail(&format!("{} has no uvicorn", venv.display()));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&source, dir.path());
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new("bash")
        .arg(dir.path().join("run.sh"))
        .current_dir(dir.path())
        .env("PEER_VENV", &venv)
        .env("PORT", port.to_string())
        .env("WORKERS", "1")
        .env("BCRYPT_ROUNDS", "4")
        .env("DATABASE_URL", database_url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("run.sh starts");
    let peer = Peer {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    let client = crate::helpers::http_client();
    for _ in 0..150 {
        if let Ok(res) = client.get(format!("{}/healthz", peer.base)).send().await
            && res.status() == 200
        {
            return Some(peer);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the FastAPI peer did not answer /healthz within 30 s");
}

async fn peer_post(peer: &Peer, path: &str, token: Option<&str>, body: Value) -> Value {
    let mut req = crate::helpers::http_client()
        .post(format!("{}{path}", peer.base))
        .json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("peer answers");
    assert_eq!(res.status(), 201, "peer {path}");
    res.json().await.expect("json")
}

/// Two users and their tasks, created through the old stack's API. Returns Ada's id and
/// the titles of her tasks.
async fn fill_peer(peer: &Peer) -> String {
    let ada = peer_post(
        peer,
        "/api/auth/signup",
        None,
        json!({"email": "ada@example.com", "password": PASSWORD_ADA, "name": "Ada"}),
    )
    .await;
    let bob = peer_post(
        peer,
        "/api/auth/signup",
        None,
        json!({"email": "bob@example.com", "password": PASSWORD_BOB}),
    )
    .await;
    let (ada_token, ada_id) = (
        ada["access_token"].as_str().expect("token").to_owned(),
        ada["user"]["id"].as_str().expect("id").to_owned(),
    );
    let bob_token = bob["access_token"].as_str().expect("token");
    peer_post(
        peer,
        "/api/tasks",
        Some(&ada_token),
        json!({"title": "Buy milk", "tags": ["Home", "errands"], "priority": "high",
               "due_at": "2026-12-01T10:00:00+02:00"}),
    )
    .await;
    peer_post(
        peer,
        &format!("/api/{ada_id}/tasks"),
        Some(&ada_token),
        json!({"title": "Write report", "description": "Q4"}),
    )
    .await;
    // Legal in the old stack (20 tags), too many for Taskward (10): listed, not imported.
    let tags: Vec<String> = (0..12).map(|i| format!("t{i}")).collect();
    peer_post(
        peer,
        "/api/tasks",
        Some(&ada_token),
        json!({"title": "Over-tagged", "tags": tags}),
    )
    .await;
    peer_post(
        peer,
        "/api/tasks",
        Some(bob_token),
        json!({"title": "Bob's task"}),
    )
    .await;
    ada_id
}

/// Runs `taskward import --from FROM` into `target` and returns its report.
pub(crate) fn import(from: &str, target: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_taskward"))
        .args(["import", "--from", from])
        .args(extra)
        .env("DATABASE_URL", target)
        .env("JWT_SECRET", TEST_SECRET)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "import failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The sorted titles a list path answers.
pub(crate) async fn titles(app: &TestApp, path: &str, token: &str) -> Vec<String> {
    let res = app.get_as(path, token).await;
    assert_eq!(res.status(), 200, "{path}");
    let body: Value = res.json().await.expect("json");
    let mut titles: Vec<String> = body
        .as_array()
        .expect("array")
        .iter()
        .map(|t| t["title"].as_str().expect("title").to_owned())
        .collect();
    titles.sort();
    titles
}

/// Imports from `from` into a fresh Taskward and checks everything a user would notice.
async fn import_and_check(from: &str, ada_id: &str) {
    let target = TestDb::sqlite();
    let dry = import(from, &target.url, &["--dry-run"]);
    assert!(dry.contains("users: 2 read, 2 would import"), "{dry}");
    assert!(dry.contains("dry run: nothing was written"), "{dry}");

    let first = import(from, &target.url, &[]);
    assert!(
        first.contains("users: 2 read, 2 imported, 0 already present, 0 rejected"),
        "{first}"
    );
    assert!(
        first.contains("tasks: 4 read, 3 imported, 0 already present, 1 rejected"),
        "{first}"
    );
    assert!(
        first.contains("tags: must hold at most 10 different tags"),
        "{first}"
    );

    let app = TestApp::spawn(target).await;
    let ada = app.signin("ada@example.com", PASSWORD_ADA).await;
    assert_eq!(ada.user_id, ada_id, "the user keeps their id");
    let expected = ["Buy milk", "Write report"];
    assert_eq!(titles(&app, "/api/tasks", &ada.access).await, expected);
    assert_eq!(
        titles(&app, &format!("/api/{ada_id}/tasks"), &ada.access).await,
        expected
    );
    let bob = app.signin("bob@example.com", PASSWORD_BOB).await;
    assert_eq!(
        titles(&app, "/api/tasks", &bob.access).await,
        ["Bob's task"]
    );
    let res = app.get_as("/api/tasks?tag=errands", &ada.access).await;
    let milk: Value = res.json().await.expect("json");
    assert_eq!(milk[0]["due_at"], "2026-12-01T08:00:00Z");
    assert_eq!(milk[0]["priority"], "high");
    assert_eq!(milk[0]["tags"], json!(["home", "errands"]));
    // Imported tasks are in their owner's inbox, which the account has like any other.
    assert_eq!(milk[0]["list_id"], ada_id);
    let lists: Value = app
        .get_as("/api/lists", &ada.access)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(lists.as_array().map(Vec::len), Some(1), "{lists}");
    assert_eq!(lists[0]["is_inbox"], true);
    assert_eq!(lists[0]["id"], ada_id);
    assert_eq!(lists[0]["pending_count"], 2, "{lists}");

    let db = app.stop().await;
    let second = import(from, &db.url, &[]);
    assert!(
        second.contains("users: 2 read, 0 imported, 2 already present"),
        "{second}"
    );
    assert!(
        second.contains("tasks: 4 read, 0 imported, 3 already present, 1 rejected"),
        "{second}"
    );
    let app = TestApp::spawn(db).await;
    let ada = app.signin("ada@example.com", PASSWORD_ADA).await;
    assert_eq!(titles(&app, "/api/tasks", &ada.access).await, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_tasks_of_the_old_stack_on_sqlite_sign_in_and_show_up_after_import() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("peer.db");
    // SQLAlchemy's absolute form: four slashes.
    let Some(peer) = start_peer(&format!("sqlite:///{}", file.display())).await else {
        return;
    };
    let ada_id = fill_peer(&peer).await;
    import_and_check(&format!("sqlite://{}", file.display()), &ada_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_tasks_of_the_old_stack_on_postgres_sign_in_and_show_up_after_import() {
    let Some(old) = TestDb::postgres().await else {
        return;
    };
    let sqlalchemy = old.url.replacen("postgres://", "postgresql+psycopg://", 1);
    let Some(peer) = start_peer(&sqlalchemy).await else {
        return;
    };
    let ada_id = fill_peer(&peer).await;
    import_and_check(&sqlalchemy, &ada_id).await;
    drop(peer);
    crate::helpers::drop_database(&old).await;
}
