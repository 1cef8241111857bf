//! The OpenAPI document: valid 3.1, covering every route of the contract, and every
//! documented route really served (no drift in either direction).

use std::collections::{BTreeSet, HashSet};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb};

/// The routes of API.md and API-2.md, as (method, path) in OpenAPI's path syntax.
const CONTRACT: &[(&str, &str)] = &[
    ("post", "/api/auth/signup"),
    ("post", "/api/auth/signin"),
    ("post", "/api/auth/refresh"),
    ("post", "/api/auth/signout"),
    ("post", "/api/auth/signout-all"),
    ("get", "/api/auth/me"),
    ("patch", "/api/auth/me"),
    ("post", "/api/auth/password"),
    ("delete", "/api/auth/me"),
    ("get", "/api/auth/sessions"),
    ("delete", "/api/auth/sessions/{id}"),
    ("post", "/api/auth/password-reset"),
    ("post", "/api/auth/password-reset/confirm"),
    ("post", "/api/auth/verify-email"),
    ("post", "/api/auth/verify-email/confirm"),
    ("post", "/api/auth/email"),
    ("post", "/api/auth/email/confirm"),
    ("post", "/api/auth/signin/2fa"),
    ("post", "/api/auth/2fa/totp"),
    ("post", "/api/auth/2fa/totp/confirm"),
    ("delete", "/api/auth/2fa/totp"),
    ("get", "/api/tasks"),
    ("post", "/api/tasks"),
    ("get", "/api/tasks/{id}"),
    ("put", "/api/tasks/{id}"),
    ("patch", "/api/tasks/{id}"),
    ("delete", "/api/tasks/{id}"),
    ("patch", "/api/tasks/{id}/complete"),
    ("post", "/api/tasks/parse"),
    ("get", "/api/notifications/channels"),
    ("post", "/api/notifications/channels"),
    ("delete", "/api/notifications/channels/{id}"),
    ("post", "/api/notifications/channels/{id}/test"),
    ("get", "/api/notifications/deliveries"),
    ("post", "/api/tasks/{id}/skip"),
    ("get", "/api/tasks/{id}/history"),
    ("get", "/api/{user_id}/tasks"),
    ("post", "/api/{user_id}/tasks"),
    ("get", "/api/{user_id}/tasks/{id}"),
    ("put", "/api/{user_id}/tasks/{id}"),
    ("patch", "/api/{user_id}/tasks/{id}"),
    ("delete", "/api/{user_id}/tasks/{id}"),
    ("patch", "/api/{user_id}/tasks/{id}/complete"),
    ("get", "/api/lists"),
    ("post", "/api/lists"),
    ("get", "/api/lists/{id}"),
    ("patch", "/api/lists/{id}"),
    ("delete", "/api/lists/{id}"),
    ("get", "/api/lists/{id}/members"),
    ("put", "/api/lists/{id}/members/{email}"),
    ("delete", "/api/lists/{id}/members/{email}"),
    ("get", "/api/auth/tokens"),
    ("post", "/api/auth/tokens"),
    ("delete", "/api/auth/tokens/{id}"),
    ("get", "/api/auth/applications"),
    ("delete", "/api/auth/applications/{id}"),
    ("get", "/api/feeds"),
    ("post", "/api/feeds"),
    ("delete", "/api/feeds/{id}"),
    ("get", "/feeds/{file}"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/openapi.json"),
    ("get", "/docs"),
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(app: &TestApp) -> Value {
    let res = app.get("/openapi.json").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    res.json().await.expect("json")
}

fn operations(doc: &Value) -> Vec<(String, String, &Value, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                out.push((m.to_owned(), path.clone(), op, item));
            }
        }
    }
    out
}

/// Every `$ref` in `v` must name an existing component.
fn check_refs(v: &Value, doc: &Value, broken: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let target = r
                    .strip_prefix("#/")
                    .map(|p| p.split('/').fold(doc, |node, key| &node[key]));
                if target.is_none_or(Value::is_null) {
                    broken.push(r.clone());
                }
            }
            map.values().for_each(|c| check_refs(c, doc, broken));
        }
        Value::Array(items) => items.iter().for_each(|c| check_refs(c, doc, broken)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_a_structurally_valid_openapi_3_1() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    let mut broken = Vec::new();
    check_refs(&doc, &doc, &mut broken);
    assert!(broken.is_empty(), "unresolved $refs: {broken:?}");

    let mut ids = HashSet::new();
    for (method, path, op, item) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(!id.is_empty(), "{method} {path} has no operationId");
        assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path}"
        );
        // Every path template variable is declared as a required path parameter.
        let declared: BTreeSet<String> = [&op["parameters"], &item["parameters"]]
            .into_iter()
            .filter_map(Value::as_array)
            .flatten()
            .filter(|p| p["in"] == "path" && p["required"] == true)
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect();
        let templated: BTreeSet<String> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_owned)
            .collect();
        assert_eq!(declared, templated, "{method} {path}: path parameters");
        // Public: signing up and in, refreshing, and what a mailed link's token proves.
        let public = path.starts_with("/api/auth/sign")
            || path == "/api/auth/refresh"
            || path == "/api/auth/password-reset"
            || (path.ends_with("/confirm") && !path.starts_with("/api/auth/2fa/"));
        if path.starts_with("/api/") && !public {
            assert_eq!(
                op["security"],
                json!([{"bearer": []}]),
                "{method} {path} needs the bearer scheme"
            );
        }
        // Examples make the reference usable: the task and user schemas carry them.
    }
    for schema in ["Task", "User", "Problem", "TaskInput"] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema} missing"
        );
    }
    assert!(doc["components"]["schemas"]["Task"]["example"].is_object());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_of_the_contract_is_documented_and_nothing_else() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let doc = document(&app).await;
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _, _)| (m, p))
        .collect();
    let contract: BTreeSet<(String, String)> = CONTRACT
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(documented, contract);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_is_served() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let doc = document(&app).await;
    app.signup("ada@example.com", "correct horse battery").await;
    for (method, template, _, _) in operations(&doc) {
        // A fresh session and task per call: some calls end theirs.
        let s = app.signin("ada@example.com", "correct horse battery").await;
        let task = app
            .call(
                Method::POST,
                "/api/tasks",
                &s.access,
                Some(&json!({"title": "probe"})),
            )
            .await
            .json::<Value>()
            .await
            .expect("json");
        let path = template
            .replace("{user_id}", &s.user_id)
            .replace("{id}", task["id"].as_str().expect("id"))
            .replace("{email}", "sam@example.com");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
        let res = app
            .call(method.clone(), &path, &s.access, body.as_ref())
            .await;
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        assert_ne!(status, 405, "{method} {path} is documented but not routed");
        assert!(
            !(status == 404 && text.contains("there is nothing at this address")),
            "{method} {path} is documented but not routed"
        );
    }
    // And the other way round: shapes the router must not serve.
    let s = app.signin("ada@example.com", "correct horse battery").await;
    for path in ["/api/tasks/", "/api/task", "/api/auth/me/", "/openapi.yaml"] {
        let res = app.get_as(path, &s.access).await;
        assert_eq!(res.status(), 404, "{path}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_page_loads_only_its_own_assets() {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let res = app.get("/docs/").await;
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = res.text().await.expect("text");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "an external asset: {html}"
    );
    let mut assets = 0;
    for src in html
        .split(['"', '\''])
        .filter(|s| s.ends_with(".js") || s.ends_with(".css"))
    {
        let url = format!("/docs/{}", src.trim_start_matches("./"));
        let res = app.get(&url).await;
        assert_eq!(res.status(), 200, "{url}");
        let body = res.text().await.expect("text");
        assert!(body.len() > 100, "{url} is empty");
        assets += 1;
    }
    assert!(assets >= 3, "only {assets} assets found in {html}");
    let init = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .expect("text");
    assert!(init.contains("/openapi.json"), "{init}");
    app.stop().await;
}
