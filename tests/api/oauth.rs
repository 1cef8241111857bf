//! OAuth 2.1 for MCP clients over HTTP, on both databases, driven the way an MCP client
//! drives it: `/mcp`'s `401` names the resource metadata, which names Taskward as the
//! authorization server; the client registers, sends the user to the consent page (signed
//! out: sign-in first, then back), the user allows, the code comes back with `state` and
//! `iss`, the code and the PKCE verifier give tokens, the access token calls a tool, the
//! refresh token rotates and a spent one revokes the grant, a replayed code revokes what
//! it gave, a read-only grant cannot add a task, and the connected application is listed
//! and disconnected on the Access tokens page. Two nodes on one PostgreSQL share it all.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;
use crate::web::{Browser, location};

/// Where the test's client says it listens (a native app on this computer).
pub(crate) const REDIRECT: &str = "http://127.0.0.1/callback";

/// A PKCE verifier and its S256 challenge, computed here (RFC 7636 section 4.2).
pub(crate) fn pkce(seed: &str) -> (String, String) {
    let mut verifier: String = seed
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    verifier.push_str("-verifier-");
    while verifier.len() < 64 {
        verifier.push('x');
    }
    verifier.truncate(128);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Registers a client named `name` with `redirect`; its id.
pub(crate) async fn register(app: &TestApp, name: &str, redirect: &str) -> String {
    let res = app
        .client
        .post(app.url("/oauth/register"))
        .json(&json!({"client_name": name, "redirect_uris": [redirect],
                      "grant_types": ["authorization_code", "refresh_token"],
                      "token_endpoint_auth_method": "none"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["token_endpoint_auth_method"], "none");
    body["client_id"].as_str().expect("client_id").to_owned()
}

/// The authorization request's path.
pub(crate) fn authorize_path(client: &str, challenge: &str, state: &str, scope: &str) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("response_type", "code"),
            ("client_id", client),
            ("redirect_uri", "http://127.0.0.1:49152/callback"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("state", state),
            ("scope", scope),
        ])
        .finish();
    format!("/oauth/authorize?{q}")
}

/// The query parameters of a redirect `to`.
pub(crate) fn query_of(to: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(to)
        .expect("an absolute redirect")
        .query_pairs()
        .into_owned()
        .collect()
}

/// Answers the consent page at `path` with `decision`; where the browser is sent.
pub(crate) async fn answer(browser: &mut Browser<'_>, path: &str, decision: &str) -> String {
    let page = browser.get(path).await.text().await.expect("page");
    let fields = hidden_fields(&page);
    let mut form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    form.push(("decision", decision));
    let origin = browser.origin();
    let res = browser.post("/oauth/authorize", &form, Some(&origin)).await;
    assert_eq!(res.status(), 303);
    location(&res).to_owned()
}

/// The hidden fields of the consent form, unescaped.
fn hidden_fields(page: &str) -> Vec<(String, String)> {
    page.split(r#"<input type="hidden" name=""#)
        .skip(1)
        .filter_map(|rest| {
            let (name, rest) = rest.split_once('"')?;
            let value = rest.split_once(r#"value=""#)?.1.split('"').next()?;
            Some((name.to_owned(), unescape(value)))
        })
        .collect()
}

/// Text of an HTML attribute value: character references (`&#43;`, `&#x2f;`, `&amp;`)
/// back to characters.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let (entity, after) = rest[at + 1..].split_once(';').expect("a reference ends");
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            hex if hex.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&hex[2..], 16).expect("hex")).expect("char")
            }
            dec => char::from_u32(dec[1..].parse().expect("decimal")).expect("char"),
        };
        out.push(c);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `POST /oauth/token` with `fields`: the status and the JSON answer.
pub(crate) async fn token(app: &TestApp, fields: &[(&str, &str)]) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish(),
        )
        .send()
        .await
        .expect("sent");
    let status = res.status().as_u16();
    if status == 200 {
        assert_eq!(res.headers()["cache-control"], "no-store");
    }
    (status, res.json().await.expect("json"))
}

/// Exchanges `code` for tokens.
pub(crate) async fn exchange(
    app: &TestApp,
    client: &str,
    code: &str,
    verifier: &str,
) -> (u16, Value) {
    token(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", "http://127.0.0.1:49152/callback"),
            ("client_id", client),
            ("code_verifier", verifier),
        ],
    )
    .await
}

/// A JSON-RPC call to `/mcp` with `bearer`: the status and the answer.
pub(crate) async fn mcp(app: &TestApp, bearer: &str, method: &str, params: Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/mcp"))
        .bearer_auth(bearer)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .send()
        .await
        .expect("sent");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Runs consent and exchange for `scope`: the tokens.
pub(crate) async fn connect(
    app: &TestApp,
    browser: &mut Browser<'_>,
    client: &str,
    scope: &str,
) -> Value {
    let (verifier, challenge) = pkce(scope);
    let to = answer(
        browser,
        &authorize_path(client, &challenge, "s", scope),
        "allow",
    )
    .await;
    let code = query_of(&to)["code"].clone();
    let (status, tokens) = exchange(app, client, &code, &verifier).await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

async fn an_mcp_client_is_authorized_end_to_end(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let base = app.url("");

    // Discovery: the 401 names the resource metadata, which names the server.
    let (status, _) = mcp(&app, "", "tools/list", json!({})).await;
    assert_eq!(status, 401);
    let res = app
        .client
        .post(app.url("/mcp"))
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    let challenge = res.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let metadata_url = format!("{base}/.well-known/oauth-protected-resource/mcp");
    assert!(
        challenge.contains(&format!(r#"resource_metadata="{metadata_url}""#)),
        "{challenge}"
    );
    let prm: Value = app
        .client
        .get(&metadata_url)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(prm["resource"], format!("{base}/mcp"));
    assert_eq!(prm["authorization_servers"], json!([base]));
    let asm: Value = app
        .get("/.well-known/oauth-authorization-server")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(asm["issuer"], base);
    assert_eq!(asm["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(asm["token_endpoint"], format!("{base}/oauth/token"));
    assert_eq!(
        asm["registration_endpoint"],
        format!("{base}/oauth/register")
    );

    // Registration, then the user: signed out first, sent to sign in and back.
    let client = register(&app, "Claude <b>Desktop</b>", REDIRECT).await;
    let (verifier, challenge) = pkce("first");
    let path = authorize_path(&client, &challenge, "xyz+/=", "tasks:read tasks:write");
    let mut browser = Browser::new(&app);
    let res = browser.get(&path).await;
    assert_eq!(res.status(), 303);
    let signin = location(&res).to_owned();
    assert!(
        signin.starts_with("/signin?next=%2Foauth%2Fauthorize%3F"),
        "{signin}"
    );
    assert_eq!(browser.sign_up("ada@example.com").await.status(), 303);
    let res = browser.get(&path).await;
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        csp.contains("form-action 'self' http://127.0.0.1:49152"),
        "{csp}"
    );
    let page = res.text().await.expect("page");
    assert!(
        page.contains("Claude &#60;b&#62;Desktop&#60;/b&#62;"),
        "{page}"
    );
    assert!(!page.contains("<b>Desktop"), "the client's name is text");
    assert!(page.contains("ada@example.com"));
    assert!(page.contains("Add, change, complete and delete tasks"));
    assert!(page.contains("an application on this computer"));

    // Allowed: the code comes back with the state and the issuer.
    let to = answer(&mut browser, &path, "allow").await;
    assert!(to.starts_with("http://127.0.0.1:49152/callback?"), "{to}");
    let q = query_of(&to);
    assert_eq!(q["state"], "xyz+/=");
    assert_eq!(q["iss"], base);
    let (status, tokens) = exchange(&app, &client, &q["code"], &verifier).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "tasks:read tasks:write");
    let access = tokens["access_token"].as_str().expect("access").to_owned();
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    assert!(access.starts_with("tw_oat_") && refresh.starts_with("tw_ort_"));
    let (status, listed) = mcp(&app, &access, "tools/list", json!({})).await;
    assert_eq!(status, 200, "{listed}");
    assert!(listed.to_string().contains("\"list_tasks\""), "{listed}");
    let add = json!({"name": "add_task", "arguments": {"title": "Call the plumber"}});
    let (status, added) = mcp(&app, &access, "tools/call", add.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(added["result"]["isError"], json!(false), "{added}");
    // Not a web session's or the API's bearer: only /mcp takes it.
    let res = app.get_as("/api/tasks", &access).await;
    assert_eq!(res.status(), 401);

    // The refresh token rotates; the spent one, presented again, ends the grant.
    let refresh_with = |t: String| {
        let client = client.clone();
        let app = &app;
        async move {
            token(
                app,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &t),
                    ("client_id", &client),
                ],
            )
            .await
        }
    };
    let (status, second) = refresh_with(refresh.clone()).await;
    assert_eq!(status, 200, "{second}");
    let access2 = second["access_token"].as_str().expect("access").to_owned();
    let refresh2 = second["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    assert_ne!(refresh2, refresh);
    assert_eq!(mcp(&app, &access2, "tools/list", json!({})).await.0, 200);
    let (status, again) = refresh_with(refresh.clone()).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant")),
        "{again}"
    );
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(mcp(&app, &access2, "tools/list", json!({})).await.0, 401);
    assert_eq!(refresh_with(refresh2).await.0, 400);

    // Denied: the client hears access_denied with its state.
    let (_, challenge) = pkce("denied");
    let to = answer(
        &mut browser,
        &authorize_path(&client, &challenge, "d1", "tasks:read"),
        "deny",
    )
    .await;
    let q = query_of(&to);
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("access_denied", "d1")
    );
    assert!(!q.contains_key("code"));

    // A code works once; replayed, what it gave is revoked.
    let (verifier, challenge) = pkce("replay");
    let to = answer(
        &mut browser,
        &authorize_path(&client, &challenge, "r", "tasks:read"),
        "allow",
    )
    .await;
    let code = query_of(&to)["code"].clone();
    let (status, first) = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(status, 200);
    let replayed_access = first["access_token"].as_str().expect("access").to_owned();
    assert_eq!(
        mcp(&app, &replayed_access, "tools/list", json!({})).await.0,
        200
    );
    let (status, replay) = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(
        (status, replay["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        mcp(&app, &replayed_access, "tools/list", json!({})).await.0,
        401
    );

    // A wrong verifier spends the code without tokens.
    let (verifier, challenge) = pkce("verify");
    let to = answer(
        &mut browser,
        &authorize_path(&client, &challenge, "v", "tasks:read"),
        "allow",
    )
    .await;
    let code = query_of(&to)["code"].clone();
    let (status, wrong) = exchange(&app, &client, &code, &pkce("other").0).await;
    assert_eq!(
        (status, wrong["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(
        wrong["error_description"]
            .as_str()
            .expect("why")
            .contains("code_verifier")
    );
    assert_eq!(exchange(&app, &client, &code, &verifier).await.0, 400);

    // A read-only grant reads, and cannot add a task (a tool error naming the scope).
    let reader = connect(&app, &mut browser, &client, "tasks:read").await;
    let reader = reader["access_token"].as_str().expect("access").to_owned();
    let (status, refused) = mcp(&app, &reader, "tools/call", add).await;
    assert_eq!(status, 200);
    assert_eq!(refused["result"]["isError"], json!(true), "{refused}");
    assert!(refused.to_string().contains("tasks:write"), "{refused}");
    let list = json!({"name": "list_tasks", "arguments": {}});
    let (_, listed) = mcp(&app, &reader, "tools/call", list).await;
    let titles = listed["result"]["structuredContent"].to_string();
    assert_eq!(titles.matches("Call the plumber").count(), 1, "{listed}");

    // Listed on the Access tokens page; disconnected there, its token dies at once.
    let page = browser.get("/tokens").await.text().await.expect("page");
    assert!(page.contains("<h2 id=\"apps-heading\">Connected applications</h2>"));
    assert!(
        page.contains("Claude &#60;b&#62;Desktop&#60;/b&#62;"),
        "{page}"
    );
    let start = page.find("/tokens/apps/").expect("a disconnect form") + "/tokens/apps/".len();
    let grant = page[start..start + 36].to_owned();
    let csrf = browser.csrf("/tokens").await;
    let origin = browser.origin();
    let gone = format!("/tokens/apps/{grant}/revoke");
    let res = browser.post(&gone, &[("csrf", &csrf)], Some(&origin)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(mcp(&app, &reader, "tools/list", json!({})).await.0, 401);
    let res = browser.post(&gone, &[("csrf", &csrf)], Some(&origin)).await;
    assert_eq!(res.status(), 404, "gone, or someone else's");
}

on_both_databases!(an_mcp_client_is_authorized_end_to_end);

/// Two nodes on one PostgreSQL: a grant made on one works on the other, and its
/// revocation on one is seen by the other at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_are_shared_by_nodes() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let second = db.second_node();
    let a = TestApp::spawn(db).await;
    let b = TestApp::spawn(second).await;
    let client = register(&a, "Two nodes", REDIRECT).await;
    let mut browser = Browser::new(&a);
    assert_eq!(browser.sign_up("nodes@example.com").await.status(), 303);
    let tokens = connect(&a, &mut browser, &client, "tasks:write").await;
    let access = tokens["access_token"].as_str().expect("access").to_owned();
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    assert_eq!(mcp(&b, &access, "tools/list", json!({})).await.0, 200);
    // Refreshed on b; the spent token presented on a ends the grant everywhere.
    let fields = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", client.as_str()),
    ];
    let (status, fresh) = token(&b, &fields).await;
    assert_eq!(status, 200, "{fresh}");
    let access2 = fresh["access_token"].as_str().expect("access").to_owned();
    assert_eq!(mcp(&a, &access2, "tools/list", json!({})).await.0, 200);
    assert_eq!(token(&a, &fields).await.0, 400);
    assert_eq!(mcp(&b, &access2, "tools/list", json!({})).await.0, 401);
}
