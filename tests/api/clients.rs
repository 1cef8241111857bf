//! The OpenAPI document tells clients the truth: `clients/run` lints the served
//! `/openapi.json` with Redocly's recommended rules, generates a TypeScript client
//! (openapi-typescript + openapi-fetch, checked by `tsc --strict`) and a Python client
//! (openapi-python-client) from it, and drives a whole session through each against the
//! server that served it. Needs Node, `clients/node_modules` (`npm ci`) and a virtualenv
//! with `clients/requirements.txt` named by `CLIENTS_VENV`, all made by `.ci/run`; without
//! them the test prints a notice and passes as skipped, except under `CI=true`, where it
//! fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::helpers::{TestApp, TestDb};

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// The generator's virtualenv, or `None` (after a notice; a failure under `CI=true`) when a
/// tool is missing.
fn clients_venv() -> Option<PathBuf> {
    let venv = std::env::var_os("CLIENTS_VENV")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let mut missing = Vec::new();
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node".to_owned());
    }
    if !clients_dir()
        .join("node_modules/.bin/openapi-typescript")
        .exists()
    {
        missing.push("clients/node_modules (cd clients && npm ci)".to_owned());
    }
    match &venv {
        Some(venv) if venv.join("bin/openapi-python-client").exists() => {}
        _ => missing
            .push("CLIENTS_VENV, a virtualenv with clients/requirements.txt installed".to_owned()),
    }
    if missing.is_empty() {
        return venv;
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but the generated-clients test cannot run; missing: {}",
        missing.join(", ")
    );
    eprintln!(
        "notice: skipping the generated-clients test; missing: {}",
        missing.join(", ")
    );
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_generated_from_the_openapi_document_lint_clean_and_run_a_whole_session() {
    let Some(venv) = clients_venv() else { return };
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let mut cmd = Command::new(clients_dir().join("run"));
    cmd.env("BASE_URL", app.url(""))
        .env("CLIENTS_VENV", venv)
        .env_remove("CLIENTS_WORK_DIR")
        .stdin(Stdio::null());
    // clients/run stops each flow after 3 minutes, so a hung request cannot hang the suite.
    let output = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("the clients/run thread")
        .expect("clients/run starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "clients/run failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    app.stop().await;
}
