//! The MCP server (issue 19) through the official Python SDK (`mcp`, tests/oracles/
//! mcp_client.py) over Streamable HTTP, on both databases: the seven tools listed with
//! input and output schemas, each called with a personal access token and its effect seen
//! through the API, refusals as tool errors with the API's words, a `tasks:read` token
//! refused `add_task` (and nothing added), and `401` without a token.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, TestDb, venv_python};
use crate::oauth::mcp;
use crate::on_both_databases;

/// The seven tools, by name.
pub const TOOLS: [&str; 7] = [
    "add_task",
    "complete_task",
    "delete_task",
    "get_task",
    "list_lists",
    "list_tasks",
    "update_task",
];

fn client(python: &std::path::Path, url: &str, token: &str, mode: &str) -> Value {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/mcp_client.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .args([url, token, mode])
        .output()
        .expect("the client runs");
    assert!(
        out.status.success(),
        "mcp client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from the client")
}

/// A personal access token of `s` with `scopes`.
pub async fn token(app: &TestApp, s: &Session, scopes: &[&str]) -> String {
    app.ok(
        s,
        Method::POST,
        "/api/auth/tokens",
        Some(json!({"name": "assistant", "scopes": scopes})),
    )
    .await["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// The two tasks both SDKs' scripts add, as their calls answered them: "Water the plants"
/// by fields and "Pay rent" by quick-add text.
pub fn check_the_added_tasks(added: &Value, quick: &Value) {
    assert_eq!(
        (&added["title"], &added["priority"], &added["due_date"]),
        (
            &json!("Water the plants"),
            &json!("high"),
            &json!("2027-01-04")
        )
    );
    assert_eq!(
        (&quick["title"], &quick["recurrence"], &quick["tags"]),
        (
            &json!("Pay rent"),
            &json!("FREQ=MONTHLY;BYMONTHDAY=1"),
            &json!(["home"])
        )
    );
}

async fn the_python_sdk_calls_every_tool(db: TestDb) {
    let Some(python) = venv_python("MCP_VENV", "the MCP client") else {
        return;
    };
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", "correct horse battery").await;
    let url = app.url("/mcp");
    let res = app
        .client
        .post(&url)
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .starts_with("Bearer")
    );

    let writer = token(&app, &s, &["tasks:write"]).await;
    let out = tokio::task::spawn_blocking({
        let (python, url) = (python.clone(), url.clone());
        move || client(&python, &url, &writer, "all")
    })
    .await
    .expect("joined");
    assert_eq!(out["server"], "taskward");
    let tools = out["tools"].as_object().expect("tools");
    let mut names: Vec<&str> = tools.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, TOOLS);
    assert!(tools.values().all(|t| t["output"] == true), "{out}");
    assert_eq!(
        tools["add_task"]["input"],
        json!([
            "description",
            "due_at",
            "due_date",
            "list_id",
            "priority",
            "tags",
            "text",
            "title"
        ])
    );
    let calls = &out["calls"];
    let ok = |label: &str| {
        assert_eq!(calls[label]["error"], false, "{label}: {}", calls[label]);
        calls[label]["structured"].clone()
    };
    assert_eq!(ok("lists")["lists"][0]["name"], "Inbox");
    let added = ok("add")["task"].clone();
    let quick = ok("quick")["task"].clone();
    check_the_added_tasks(&added, &quick);
    assert_eq!(ok("get")["task"]["id"], added["id"]);
    assert_eq!(ok("update")["task"]["title"], "Water the plants twice");
    assert_eq!(ok("complete")["task"]["completed"], true);
    let listed = ok("list");
    assert_eq!(
        (&listed["total"], &listed["tasks"][0]["title"]),
        (&json!(1), &json!("Pay rent"))
    );
    assert_eq!(ok("delete")["deleted"], added["id"]);
    assert_eq!(calls["missing"]["error"], true);
    assert_eq!(calls["missing"]["text"], "there is no task with this id");
    assert_eq!(calls["invalid"]["error"], true);
    assert_eq!(calls["invalid"]["text"], "title: must not be empty");

    // Seen through the API: the quick-add task is there, the deleted one is gone.
    let tasks = app.ok(&s, Method::GET, "/api/tasks", None).await;
    let titles: Vec<&str> = tasks
        .as_array()
        .expect("tasks")
        .iter()
        .filter_map(|t| t["title"].as_str())
        .collect();
    assert_eq!(titles, ["Pay rent"]);

    // A read-only token reads and is refused writes, which change nothing.
    let reader = token(&app, &s, &["tasks:read"]).await;
    let out = tokio::task::spawn_blocking(move || client(&python, &url, &reader, "readonly"))
        .await
        .expect("joined");
    assert_eq!(out["calls"]["list"]["structured"]["total"], 1);
    assert_eq!(out["calls"]["add"]["error"], true);
    assert!(
        out["calls"]["add"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("tasks:write"))
    );
    let after = app.ok(&s, Method::GET, "/api/tasks", None).await;
    assert_eq!(after.as_array().map(Vec::len), Some(1));
}

/// Each tool's answer carries its `structuredContent` and, as its one text block, the same
/// JSON (MCP 2025-11-25: the serialized JSON for clients that read only text), with
/// strings that need escaping in both; the page is the API's.
async fn each_answer_s_text_is_its_structured_content(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let s = app.signup("ada@example.com", "correct horse battery").await;
    let fields = json!({
        "title": "Say \"hi\" \\ to Zoë \u{1F600}",
        "description": "a\ttab, a\nline, </script>",
        "due_at": "2027-01-04T09:30:00Z",
        "tags": ["home", "café"],
    });
    let odd = app.ok(&s, Method::POST, "/api/tasks", Some(fields)).await;
    let odd = odd["id"].as_str().expect("id").to_owned();
    app.ok(
        &s,
        Method::POST,
        "/api/tasks",
        Some(json!({"title": "Plain"})),
    )
    .await;
    let writer = token(&app, &s, &["tasks:write"]).await;
    let api = app.ok(&s, Method::GET, "/api/tasks", None).await;
    let api_ids: Vec<&Value> = api
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| &t["id"])
        .collect();
    for (name, arguments) in [
        ("list_tasks", json!({})),
        ("list_tasks", json!({"limit": 1})),
        ("get_task", json!({"id": odd})),
        ("list_lists", json!({})),
    ] {
        let params = json!({"name": name, "arguments": arguments});
        let (status, out) = mcp(&app, &writer, "tools/call", params).await;
        assert_eq!(status, 200, "{name}: {out}");
        let result = &out["result"];
        assert_eq!(result["isError"], false, "{name}: {out}");
        let content = result["content"].as_array().expect("content");
        assert_eq!(content.len(), 1, "{name}: {out}");
        assert_eq!(content[0]["type"], "text", "{name}: {out}");
        let text: Value =
            serde_json::from_str(content[0]["text"].as_str().expect("text")).expect("JSON text");
        assert_eq!(text, result["structuredContent"], "{name}");
        if name == "list_tasks" {
            let ids: Vec<&Value> = text["tasks"]
                .as_array()
                .expect("tasks")
                .iter()
                .map(|t| &t["id"])
                .collect();
            assert_eq!(ids, api_ids[..ids.len()], "{name} {arguments}");
            assert_eq!(text["total"], 2);
        }
    }
    let (_, out) = mcp(
        &app,
        &writer,
        "tools/call",
        json!({"name": "get_task", "arguments": {"id": odd}}),
    )
    .await;
    let task = &out["result"]["structuredContent"]["task"];
    assert_eq!(
        (&task["title"], &task["description"]),
        (
            &json!("Say \"hi\" \\ to Zoë \u{1F600}"),
            &json!("a\ttab, a\nline, </script>")
        )
    );
}

on_both_databases!(
    the_python_sdk_calls_every_tool,
    each_answer_s_text_is_its_structured_content
);
