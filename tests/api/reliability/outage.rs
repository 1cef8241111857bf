//! PostgreSQL goes away while Taskward runs: answers are quick 503s with `Retry-After`,
//! never a hang, a 500 or a crash; when the database is back, Taskward recovers by itself.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::node::Node;
use super::pg_cluster::PgCluster;

/// The request timeout of the node under test; every answer must come well within it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

async fn expect_503(
    node: &Node,
    client: &reqwest::Client,
    req: reqwest::RequestBuilder,
    what: &str,
) {
    let started = Instant::now();
    let res = client
        .execute(req.build().expect("request"))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{what}: no answer during the outage after {:?}: {e:?}\nnode logs:\n{}",
                started.elapsed(),
                node.logs().join("\n")
            )
        });
    let took = started.elapsed();
    assert_eq!(res.status(), 503, "{what} during the outage");
    assert!(
        res.headers().contains_key("retry-after"),
        "{what}: 503 without Retry-After"
    );
    assert!(
        took < REQUEST_TIMEOUT + Duration::from_secs(1),
        "{what} took {took:?}, past the request timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_gives_quick_503s_and_taskward_recovers_by_itself() {
    let Some(pg) = PgCluster::start() else {
        return;
    };
    let mut node = Node::start(&pg.url(), &[("REQUEST_TIMEOUT", "2s")]);
    taskward::install_tls_provider();
    // A connection per request: a 503 sent before the body was read (the token check comes
    // first) may end its connection, and a next request racing that close on a kept-alive
    // connection fails in the client, not in Taskward (seen once in CI).
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let res = client
        .post(node.url("/api/auth/signup"))
        .json(&json!({"email": "ops@example.com", "password": "a long enough password"}))
        .send()
        .await
        .expect("signup");
    assert_eq!(res.status(), 201);
    let token = res.json::<Value>().await.expect("json")["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let res = client
        .post(node.url("/api/tasks"))
        .bearer_auth(&token)
        .json(&json!({"title": "survives the outage"}))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 201);

    pg.stop_server();
    for round in 0..2 {
        expect_503(
            &node,
            &client,
            client.get(node.url("/readyz")),
            "GET /readyz",
        )
        .await;
        expect_503(
            &node,
            &client,
            client.get(node.url("/api/tasks")).bearer_auth(&token),
            "GET /api/tasks",
        )
        .await;
        expect_503(
            &node,
            &client,
            client
                .post(node.url("/api/tasks"))
                .bearer_auth(&token)
                .json(&json!({"title": format!("written during the outage {round}")})),
            "POST /api/tasks",
        )
        .await;
        expect_503(
            &node,
            &client,
            client
                .post(node.url("/api/auth/signin"))
                .json(&json!({"email": "ops@example.com", "password": "a long enough password"})),
            "POST /api/auth/signin",
        )
        .await;
    }
    let res = client
        .get(node.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(res.status(), 200, "the process itself stays healthy");
    assert!(node.is_running(), "Taskward crashed during the outage");

    pg.start_server();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let res = client
            .get(node.url("/readyz"))
            .send()
            .await
            .expect("readyz");
        if res.status() == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not ready 20 s after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let res = client
        .get(node.url("/api/tasks"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), 200, "the API works again without a restart");
    let tasks: Vec<Value> = res.json().await.expect("json");
    let titles: Vec<&str> = tasks.iter().filter_map(|t| t["title"].as_str()).collect();
    assert_eq!(
        titles,
        ["survives the outage"],
        "nothing was written during the outage"
    );
    let logs = node.stop();
    assert!(
        !logs.iter().any(|l| l.contains("panicked")),
        "a panic during the outage: {logs:?}"
    );
}
