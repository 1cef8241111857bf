//! The MCP server (issue 19) through the official TypeScript SDK client
//! (`@modelcontextprotocol/sdk`, tests/mcp-js/tools.mjs) over Streamable HTTP, on both
//! databases, and through the MCP Inspector's CLI (`@modelcontextprotocol/inspector-cli`,
//! `--method tools/list`). Every tool is called with a personal access token and its
//! answer compared with the API's own (the task a tool answers is what
//! `GET /api/tasks/{id}` answers, a page is the API's page, a refusal is a tool error with
//! the API's words); a `tasks:read` token's `add_task` is a tool error naming the scope and
//! adds nothing (the API's `403 insufficient_scope` for the same token is
//! tests/api/access_tokens_bearer.rs's). Needs Node and `tests/mcp-js/node_modules` (`npm
//! ci`, done by `.ci/run`); without them the tests print a notice and pass as skipped,
//! except under `CI=true`, where they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::helpers::{Session, TestApp, TestDb, next_link};
use crate::mcp_client::{TOOLS, check_the_added_tasks, token};
use crate::on_both_databases;

fn mcp_js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp-js")
}

/// Whether Node and the package's `node_modules/<package>` are here; a failure under
/// `CI=true` when they are not.
fn installed(package: &str) -> bool {
    let mut missing = Vec::new();
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node".to_owned());
    }
    if !mcp_js_dir().join("node_modules").join(package).exists() {
        missing.push(format!(
            "tests/mcp-js/node_modules/{package} (cd tests/mcp-js && npm ci)"
        ));
    }
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but the MCP TypeScript tests cannot run; missing: {}",
        missing.join(", ")
    );
    eprintln!(
        "notice: skipping an MCP TypeScript test; missing: {}",
        missing.join(", ")
    );
    false
}

/// Runs `program args` in `dir` off the async runtime: (success, stdout, stderr).
async fn run(program: PathBuf, args: Vec<String>, dir: PathBuf) -> (bool, String, String) {
    let out = tokio::task::spawn_blocking(move || {
        Command::new(program).args(args).current_dir(dir).output()
    })
    .await
    .expect("joined")
    .expect("node starts");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// tests/mcp-js/tools.mjs against `url` with `token`: its JSON.
async fn tools_script(url: &str, token: &str, mode: &str) -> Value {
    let args = ["tools.mjs", url, token, mode].map(str::to_owned).to_vec();
    let (ok, stdout, stderr) = run("node".into(), args, mcp_js_dir()).await;
    assert!(ok, "tools.mjs failed:\n{stdout}\n{stderr}");
    serde_json::from_str(&stdout).expect("JSON from tools.mjs")
}

/// The task with `id` as the API answers it, in the tools' shape: the API's fields of
/// the same names, the recurrence's rule, and the version of its `ETag`.
async fn api_task(app: &TestApp, s: &Session, id: &Value) -> Value {
    let id = id.as_str().expect("an id");
    let res = app.get_as(&format!("/api/tasks/{id}"), &s.access).await;
    assert_eq!(res.status(), 200, "GET /api/tasks/{id}");
    let version = res.headers()["etag"]
        .to_str()
        .expect("ascii")
        .trim_matches('"');
    let version: i64 = version.parse().expect("a numeric ETag");
    let task: Value = res.json().await.expect("task");
    let mut out = Map::new();
    for key in [
        "id",
        "list_id",
        "title",
        "description",
        "completed",
        "priority",
        "due_at",
        "due_date",
        "tags",
    ] {
        out.insert(key.to_owned(), task[key].clone());
    }
    out.insert("recurrence".into(), task["recurrence"]["rule"].clone());
    out.insert("version".into(), json!(version));
    Value::Object(out)
}

/// The API's problem `detail` for `method path body`, which must answer `status`.
async fn api_refusal(app: &TestApp, s: &Session, req: (Method, &str, Option<Value>)) -> String {
    let (method, path, body) = req;
    let res = app.call(method, path, &s.access, body.as_ref()).await;
    let status = res.status().as_u16();
    let problem: Value = res.json().await.expect("problem");
    assert!((400..500).contains(&status), "{path}: {status} {problem}");
    problem["detail"].as_str().expect("detail").to_owned()
}

/// The ids of a page of the API's task list, and its `X-Total-Count` and next link.
async fn api_page(app: &TestApp, s: &Session, path: &str) -> (Vec<Value>, Value, Option<String>) {
    let res = app.get_as(path, &s.access).await;
    assert_eq!(res.status(), 200, "{path}");
    let total: u64 = res.headers()["x-total-count"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("a count");
    let next = next_link(&res);
    let tasks: Vec<Value> = res.json().await.expect("tasks");
    (
        tasks.iter().map(|t| t["id"].clone()).collect(),
        json!(total),
        next,
    )
}

fn ids(page: &Value) -> Vec<Value> {
    page["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["id"].clone())
        .collect()
}

async fn the_typescript_sdk_calls_every_tool(db: TestDb) {
    if !installed("@modelcontextprotocol/sdk") {
        return;
    }
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", "correct horse battery").await;
    let errands = app
        .ok(
            &s,
            Method::POST,
            "/api/lists",
            Some(json!({"name": "Errands"})),
        )
        .await;
    let writer = token(&app, &s, &["tasks:write"]).await;
    let out = tools_script(&app.url("/mcp"), &writer, "all").await;

    assert_eq!(out["server"], "taskward");
    assert!(out["protocol"].is_string(), "{out}");
    let tools = out["tools"].as_object().expect("tools");
    let names: Vec<&str> = tools.keys().map(String::as_str).collect();
    assert_eq!(names, TOOLS, "{out}");
    assert!(tools.values().all(|t| t["output"] == true), "{out}");
    assert_eq!(
        tools["list_tasks"]["input"],
        json!([
            "cursor", "due", "limit", "list_id", "q", "sort", "status", "tag"
        ])
    );
    let calls = &out["calls"];
    let ok = |label: &str| {
        assert_eq!(calls[label]["error"], false, "{label}: {}", calls[label]);
        calls[label]["structured"].clone()
    };

    // list_lists is the API's list of lists.
    let lists = app.ok(&s, Method::GET, "/api/lists", None).await;
    let api_lists: Vec<(&Value, &Value)> = lists
        .as_array()
        .expect("lists")
        .iter()
        .map(|l| (&l["id"], &l["name"]))
        .collect();
    let mcp_lists = ok("lists");
    let mcp_lists: Vec<(&Value, &Value)> = mcp_lists["lists"]
        .as_array()
        .expect("lists")
        .iter()
        .map(|l| (&l["id"], &l["name"]))
        .collect();
    assert_eq!(mcp_lists, api_lists);

    // The task added by fields, as each call answered it, then as the API has it now.
    let added = ok("add")["task"].clone();
    let quick = ok("quick")["task"].clone();
    check_the_added_tasks(&added, &quick);
    assert_eq!(
        (&added["list_id"], &added["tags"]),
        (&errands["id"], &json!(["home", "garden"]))
    );
    assert_eq!(ok("get")["task"], added);
    let updated = ok("update")["task"].clone();
    assert_eq!(
        (
            &updated["title"],
            &updated["due_at"],
            &updated["description"]
        ),
        (
            &json!("Water the plants twice"),
            &json!("2027-01-05T09:30:00Z"),
            &added["description"]
        )
    );
    let completed = ok("complete")["task"].clone();
    assert_eq!(completed["completed"], true);
    assert_eq!(api_task(&app, &s, &added["id"]).await, completed);

    // The quick-add task is what the grammar means, and what the API has.
    assert_eq!(quick["priority"], "high");
    assert_eq!(api_task(&app, &s, &quick["id"]).await, quick);

    // The deleted task is gone for the API too; refusals carry the API's words.
    let doomed = ok("doomed")["task"]["id"].clone();
    assert_eq!(ok("delete")["deleted"], doomed);
    let doomed = doomed.as_str().expect("id");
    let refusals = [
        (
            "missing",
            (Method::GET, format!("/api/tasks/{doomed}"), None),
        ),
        (
            "invalid",
            (
                Method::POST,
                "/api/tasks".to_owned(),
                Some(json!({"title": ""})),
            ),
        ),
        (
            "bad_filter",
            (Method::GET, "/api/tasks?status=sleeping".to_owned(), None),
        ),
    ];
    for (label, (method, path, body)) in refusals {
        let api = api_refusal(&app, &s, (method, &path, body)).await;
        assert_eq!(calls[label]["error"], true, "{label}: {}", calls[label]);
        // A query parameter the API names `query.status` is the tool's argument `status`.
        let api = api.strip_prefix("query.").unwrap_or(&api);
        assert_eq!(calls[label]["text"], api, "{label}");
    }

    // Each list_tasks page is the API's page of the same query.
    for (label, path) in [
        ("pending", "/api/tasks?status=pending&tag=home&sort=title"),
        ("completed", "/api/tasks?status=completed"),
        ("page1", "/api/tasks?sort=title&limit=1"),
    ] {
        let page = ok(label);
        let (api_ids, total, _) = api_page(&app, &s, path).await;
        assert_eq!((ids(&page), &page["total"]), (api_ids, &total), "{label}");
    }
    assert_eq!(ids(&ok("pending")), [quick["id"].clone()]);
    assert_eq!(ids(&ok("completed")), [added["id"].clone()]);
    let (_, _, next) = api_page(&app, &s, "/api/tasks?sort=title&limit=1").await;
    let (api_ids, _, _) = api_page(&app, &s, &next.expect("a second page")).await;
    let page2 = ok("page2");
    assert_eq!(ids(&page2), api_ids);
    assert_eq!(page2["next_cursor"], Value::Null);
    assert_ne!(ids(&page2), ids(&ok("page1")));

    // A read-only token reads and is refused the write, naming the scope; nothing added.
    let reader = token(&app, &s, &["tasks:read"]).await;
    let out = tools_script(&app.url("/mcp"), &reader, "readonly").await;
    assert_eq!(out["calls"]["list"]["error"], false, "{out}");
    assert_eq!(out["calls"]["list"]["structured"]["total"], 2);
    let add = &out["calls"]["add"];
    assert_eq!(add["error"], true, "{out}");
    assert!(
        add["text"]
            .as_str()
            .is_some_and(|t| t.contains("tasks:write")),
        "{add}"
    );
    let after = app.ok(&s, Method::GET, "/api/tasks", None).await;
    assert_eq!(after.as_array().map(Vec::len), Some(2));
}

/// The Inspector's CLI, the installed binary (nothing fetched at run time), with a token
/// lists the seven tools; with the token revoked it fails on the `401`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_cli_lists_the_tools() {
    if !installed("@modelcontextprotocol/inspector-cli") {
        return;
    }
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let s = app.signup("ada@example.com", "correct horse battery").await;
    let reader = token(&app, &s, &["tasks:read"]).await;
    let cli = mcp_js_dir().join("node_modules/.bin/mcp-inspector-cli");
    // Version 1.0.3 looks for `../package.json` from the working directory but imports it
    // from its module (modelcontextprotocol/inspector#1334): it runs from its own build
    // directory, whose parent has its package.json.
    let dir = mcp_js_dir().join("node_modules/@modelcontextprotocol/inspector-cli/build");
    let inspect = |token: &str| {
        [
            "--cli",
            &app.url("/mcp"),
            "--transport",
            "http",
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--method",
            "tools/list",
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let (ok, stdout, stderr) = run(cli.clone(), inspect(&reader), dir.clone()).await;
    assert!(ok, "the Inspector CLI failed:\n{stdout}\n{stderr}");
    let listed: Value = serde_json::from_str(&stdout).expect("JSON from the Inspector CLI");
    let mut names: Vec<&str> = listed["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, TOOLS, "{stdout}");

    let tokens = app.ok(&s, Method::GET, "/api/auth/tokens", None).await;
    let id = tokens[0]["id"].as_str().expect("id");
    let path = format!("/api/auth/tokens/{id}");
    app.ok(&s, Method::DELETE, &path, None).await;
    let (ok, stdout, stderr) = run(cli, inspect(&reader), dir).await;
    assert!(!ok, "a revoked token listed the tools:\n{stdout}");
    assert!(stderr.contains("401"), "{stderr}");
}

/// The TypeScript SDK's own OAuth client runs the whole authorization against Taskward
/// (tests/mcp-js/oauth.mjs): a 401, discovery, registration, the consent page answered by
/// this test's signed-in user, the code with PKCE, tool calls, a refresh that rotates, and
/// the spent refresh token refused and the grant ended.
async fn the_typescript_sdks_oauth_client_authorizes_itself(db: TestDb) {
    if !installed("@modelcontextprotocol/sdk") {
        return;
    }
    let app = TestApp::spawn(db).await;
    let mut browser = crate::web::Browser::new(&app);
    assert_eq!(browser.sign_up("oauth-ts@example.com").await.status(), 303);
    let base = app.url("");
    let args = vec![
        "oauth.mjs".to_owned(),
        app.url("/mcp"),
        browser.cookie_header(),
        base.clone(),
    ];
    let (ok, stdout, stderr) = run("node".into(), args, mcp_js_dir()).await;
    assert!(ok, "oauth.mjs failed:\n{stdout}\n{stderr}");
    let out: Value = serde_json::from_str(&stdout).expect("JSON from oauth.mjs");
    assert_eq!(out["first_connect_unauthorized"], true, "{out}");
    assert_eq!(out["registered"], true);
    assert_eq!(out["authorize"]["path"], "/oauth/authorize");
    assert_eq!(out["authorize"]["method"], "S256");
    assert_eq!(out["authorize"]["resource"], app.url("/mcp"));
    assert_eq!(out["consent_named_the_client"], true);
    assert_eq!(out["state_matches"], true);
    assert_eq!(out["iss"], base);
    assert_eq!(out["token_type"], "Bearer");
    assert_eq!(out["scope"], "tasks:read tasks:write");
    let listed: Vec<&str> = out["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut expected = TOOLS.to_vec();
    expected.sort_unstable();
    assert_eq!(listed, expected);
    assert_eq!(out["added"]["error"], false, "{out}");
    assert_eq!(
        out["added"]["structured"]["task"]["title"],
        "Water the plants"
    );
    assert_eq!(out["listed"]["structured"]["total"], 1);
    assert_eq!(out["refresh_result"], "AUTHORIZED");
    assert_eq!(out["rotated"], true);
    assert_eq!(out["fresh_status"], 200);
    assert_eq!(
        out["reuse"],
        json!({"status": 400, "error": "invalid_grant"})
    );
    assert_eq!(out["after_reuse_status"], 401);

    // Through the API: the task the SDK added is the user's; the grant is gone.
    let s = app
        .signin("oauth-ts@example.com", crate::web::PASSWORD)
        .await;
    let tasks: Value = app.ok(&s, Method::GET, "/api/tasks", None).await;
    assert_eq!(tasks[0]["title"], "Water the plants");
    assert_eq!(tasks[0]["tags"], json!(["home"]));
    let apps: Value = app
        .ok(&s, Method::GET, "/api/auth/applications", None)
        .await;
    assert_eq!(apps, json!([]), "the reuse ended the grant");
}

on_both_databases!(
    the_typescript_sdk_calls_every_tool,
    the_typescript_sdks_oauth_client_authorizes_itself
);
