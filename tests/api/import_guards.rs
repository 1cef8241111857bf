//! What a crafted FastAPI source cannot do: attach tasks to accounts it does not bring
//! (unless the operator says so), or store password hashes whose parameters would make
//! every sign-in attempt allocate gigabytes.

use crate::helpers::{TestApp, TestDb};
use crate::import_fastapi::{import, titles};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

/// A source database of the old stack's schema: `users` (id, email, name, password_hash,
/// created_at) and `tasks`, every value text as SQLModel writes it on SQLite.
fn source(
    dir: &std::path::Path,
    users: &[(&str, &str, String)],
    tasks: &[(&str, &str, &str)],
) -> String {
    let path = dir.join("old.db");
    let db = rusqlite::Connection::open(&path).expect("source db");
    db.execute_batch(
        "CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT, name TEXT, password_hash TEXT,
                             created_at TEXT);
         CREATE TABLE tasks (id TEXT PRIMARY KEY, user_id TEXT, title TEXT, description TEXT,
                             completed INTEGER, priority TEXT, due_at TEXT, tags TEXT,
                             created_at TEXT, updated_at TEXT, completed_at TEXT);",
    )
    .expect("schema");
    let at = "2026-01-05 10:00:00.000000";
    for (id, email, hash) in users {
        db.execute(
            "INSERT INTO users VALUES (?1, ?2, NULL, ?3, ?4)",
            rusqlite::params![id, email, hash, at],
        )
        .expect("user");
    }
    for (id, user_id, title) in tasks {
        db.execute(
            "INSERT INTO tasks VALUES (?1, ?2, ?3, NULL, 0, 'medium', NULL, '[]', ?4, ?4, NULL)",
            rusqlite::params![id, user_id, title, at],
        )
        .expect("task");
    }
    format!("sqlite:///{}", path.display())
}

async fn an_import_writes_tasks_only_into_the_accounts_it_brings(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let victim = app.signup("victim@example.com", PASSWORD).await;
    let dir = tempfile::tempdir().expect("dir");
    let newcomer = "0f9c2a4e-5b1d-4c3e-9a8f-1b2c3d4e5f60";
    let from = source(
        dir.path(),
        &[(
            newcomer,
            "newcomer@example.com",
            bcrypt::hash(PASSWORD, 4).expect("bcrypt"),
        )],
        &[
            (
                "1a2b3c4d-0000-4000-8000-000000000001",
                newcomer,
                "The newcomer's task",
            ),
            (
                "1a2b3c4d-0000-4000-8000-000000000002",
                &victim.user_id,
                "Planted",
            ),
        ],
    );
    let url = app.db.url.clone();
    let report = import(&from, &url, &[]);
    assert!(
        report.contains("tasks: 2 read, 1 imported, 0 already present, 1 rejected"),
        "{report}"
    );
    assert!(
        report.contains("is not among the users of this import"),
        "{report}"
    );
    assert!(
        titles(&app, "/api/tasks", &victim.access).await.is_empty(),
        "nothing planted"
    );
    let newcomer_session = app.signin("newcomer@example.com", PASSWORD).await;
    assert_eq!(
        titles(&app, "/api/tasks", &newcomer_session.access).await,
        ["The newcomer's task"]
    );

    // The operator who means it says so.
    let report = import(&from, &url, &["--tasks-for-existing-users"]);
    assert!(
        report.contains("tasks: 2 read, 1 imported, 1 already present, 0 rejected"),
        "{report}"
    );
    assert_eq!(
        titles(&app, "/api/tasks", &victim.access).await,
        ["Planted"]
    );
    app.stop().await;
}

async fn an_import_refuses_password_hashes_beyond_the_caps(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let dir = tempfile::tempdir().expect("dir");
    // Well-formed argon2id strings whose parameters ask for 4 GiB, and a bcrypt cost of 31.
    let salt = "c29tZXNhbHRzb21lc2FsdA";
    let out = "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    let greedy = format!("$argon2id$v=19$m=4194304,t=1,p=1${salt}${out}");
    let slow = bcrypt::hash(PASSWORD, 4)
        .expect("bcrypt")
        .replacen("$04$", "$31$", 1);
    let fine = bcrypt::hash(PASSWORD, 4).expect("bcrypt");
    let from = source(
        dir.path(),
        &[
            (
                "0f9c2a4e-5b1d-4c3e-9a8f-000000000001",
                "greedy@example.com",
                greedy,
            ),
            (
                "0f9c2a4e-5b1d-4c3e-9a8f-000000000002",
                "slow@example.com",
                slow,
            ),
            (
                "0f9c2a4e-5b1d-4c3e-9a8f-000000000003",
                "fine@example.com",
                fine,
            ),
        ],
        &[],
    );
    let report = import(&from, &app.db.url.clone(), &[]);
    assert!(
        report.contains("users: 3 read, 1 imported, 0 already present, 2 rejected"),
        "{report}"
    );
    assert!(
        report.contains("ask for more than Taskward verifies"),
        "{report}"
    );
    assert!(report.contains("bcrypt cost 31"), "{report}");
    app.signin("fine@example.com", PASSWORD).await;
    app.stop().await;
}

on_both_databases!(
    an_import_writes_tasks_only_into_the_accounts_it_brings,
    an_import_refuses_password_hashes_beyond_the_caps,
);
