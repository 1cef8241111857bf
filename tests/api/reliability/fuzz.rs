//! Fuzzing the API from its own OpenAPI document with schemathesis (installed by `.ci/run`
//! into a virtual environment named by `SCHEMATHESIS_BIN`), signed in, on both databases:
//! no 5xx, and every response matches the documented schema.

use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::node::Node;
use crate::helpers::TestDb;

/// Examples per operation and phase: enough to find the classic bugs, few enough that both
/// databases are fuzzed in about a minute each.
const MAX_EXAMPLES: &str = "25";

fn schemathesis() -> Option<String> {
    match std::env::var("SCHEMATHESIS_BIN") {
        Ok(bin) if !bin.is_empty() => Some(bin),
        _ => {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "CI=true but SCHEMATHESIS_BIN is not set: .ci/run installs schemathesis"
            );
            eprintln!("notice: SCHEMATHESIS_BIN is not set; skipping the API fuzzing");
            None
        }
    }
}

async fn the_api_survives_schemathesis_with_no_5xx_and_conforming_responses(db: TestDb) {
    let Some(bin) = schemathesis() else { return };
    let node = Node::start(&db.url, &[]);
    let client = crate::helpers::http_client();
    let res = client
        .post(node.url("/api/auth/signup"))
        .json(&json!({"email": "fuzz@example.com", "password": "a long enough password"}))
        .send()
        .await
        .expect("signup");
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.expect("json");
    let token = body["access_token"].as_str().expect("token").to_owned();
    let report = tempfile::tempdir().expect("report dir");
    let url = node.url("/openapi.json");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(bin)
            .args(["run", &url])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args([
                "--checks",
                "not_a_server_error,response_schema_conformance,content_type_conformance",
            ])
            .args(["--max-examples", MAX_EXAMPLES, "--seed", "7"])
            .args(["--request-timeout", "10", "--no-color"])
            // Ending the session or the account would leave the rest of the run
            // unauthenticated; those routes have their own tests.
            .args(["--exclude-path-regex", "signout|/auth/password|/auth/me$"])
            .arg("--report-dir")
            .arg(report.path())
            .env("SCHEMATHESIS_HOOKS", "")
            .stdin(Stdio::null())
            .output()
            .expect("schemathesis runs")
    })
    .await
    .expect("schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    let logs = node.stop();
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{}\nserver logs:\n{}",
        String::from_utf8_lossy(&out.stderr),
        logs.join("\n")
    );
}

crate::on_both_databases!(the_api_survives_schemathesis_with_no_5xx_and_conforming_responses);
