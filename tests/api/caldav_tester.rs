//! `caldav-server-tester` 1.7.0, the compatibility checker of the Python `caldav` library,
//! against the real server (issue 18): the checks that apply to a server of tasks, on the
//! user's inbox. The whole report is printed (docs/calendars.md has it, with what each
//! finding means); the test holds the features Taskward claims: Basic authentication
//! offered on a `401`, the calendar colour kept, tasks accepted and journals refused, and
//! a run that completes.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, caldav_python};
use crate::on_both_databases;

const EMAIL: &str = "tester@example.com";

/// The checks that do not need events or scheduling (the checker's other checks save
/// events as their fixtures, which a tasks-only server refuses).
const CHECKS: &[&str] = &[
    "CheckGetCurrentUserPrincipal",
    "CheckWWWAuthenticate",
    "CheckCalendarProperties",
    "CheckSupportedComponentSet",
    "CheckPropfindAllprop",
    "CheckNonExistingResource",
    "CheckPutEtag",
    "CheckIfMatchOptional",
    "CheckSyncToken",
    "CheckTodoUncomplete",
    "CheckTodoNoDtstartSearch",
    "CheckTodoTimeRangeStrict",
    "CheckIsNotDefined",
    "CheckNoUidConflict",
    "CheckDuplicateUID",
];

async fn caldav_server_tester_finds_what_taskward_claims(db: TestDb) {
    let Some(python) = caldav_python("caldav-server-tester") else {
        return;
    };
    let app = TestApp::spawn(db).await;
    let s = app.signup(EMAIL, "correct horse battery").await;
    let token = app
        .ok(
            &s,
            Method::POST,
            "/api/auth/tokens",
            Some(json!({"name": "tester", "scopes": ["tasks:read", "tasks:write"]})),
        )
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let tester = python.with_file_name("caldav-server-tester");
    let mut cmd = std::process::Command::new(tester);
    cmd.args(["--caldav-url", &app.url("/dav/")])
        .args(["--caldav-username", EMAIL, "--caldav-password", &token])
        .args(["--caldav-calendar", "Inbox", "--format", "json"]);
    for check in CHECKS {
        cmd.args(["--run-checks", check]);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("joined")
        .expect("the checker runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "caldav-server-tester failed: {stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let features = &report["features"];
    println!(
        "{}",
        serde_json::to_string_pretty(features).unwrap_or_default()
    );
    let support = |key: &str| {
        features[key]["support"]
            .as_str()
            .unwrap_or("absent")
            .to_owned()
    };
    assert_eq!(support("auth.www-authenticate"), "full", "{features}");
    assert_eq!(support("auth.www-authenticate.usable-scheme"), "full");
    assert_eq!(support("calendar-color"), "full");
    // Tasks only: journals are refused (and a calendar named by anything but a UUID).
    assert_eq!(support("save-load.journal"), "unsupported");
    assert_eq!(support("create-calendar"), "unsupported");
    // The checker's own todos were cleaned up through DELETE: nothing of it is left.
    let left = app.ok(&s, Method::GET, "/api/tasks", None).await;
    assert_eq!(left, json!([]), "{stderr}");
}

on_both_databases!(caldav_server_tester_finds_what_taskward_claims);
