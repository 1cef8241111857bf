//! The operator commands: `taskward backup` and `taskward healthcheck` (the container's).

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use taskward::config::DatabaseUrl;
use taskward::store::{self, ConnectOptions};

use crate::helpers::{TEST_SECRET, TestApp, TestDb};

fn taskward(args: &[&str], database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taskward"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("JWT_SECRET", TEST_SECRET)
        .env_remove("BIND")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_copies_a_running_sqlite_database_and_never_overwrites() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    app.signup("ada@example.com", "correct horse battery").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("copy.db");
    let copy_arg = copy.display().to_string();
    let out = taskward(&["backup", &copy_arg], &app.db.url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let again = taskward(&["backup", &copy_arg], &app.db.url);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let url = DatabaseUrl::parse(&format!("sqlite://{copy_arg}")).expect("url");
    let options = ConnectOptions {
        pool_size: 2,
        acquire_timeout: Duration::from_secs(5),
    };
    let store = store::connect(&url, options).await.expect("the copy opens");
    assert!(
        store
            .user_by_email("ada@example.com")
            .await
            .expect("query")
            .is_some(),
        "the copy holds the account"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_passes_against_a_running_server_and_fails_without_one() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let addr = app.addr.to_string();
    let out = taskward(&["healthcheck", "--bind", &addr], &app.db.url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = app.stop().await;
    let out = taskward(&["healthcheck", "--bind", &addr], &db.url);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("taskward healthcheck:"));
}
