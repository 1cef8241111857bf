//! `kill -9` under a concurrent write load: after a restart on the same database every
//! write acknowledged with 2xx is there, and nothing is half-written.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::node::Node;
use crate::helpers::TestDb;

const WORKERS: usize = 6;
const ROUNDS: usize = 3;

/// What a worker knows about one task: the last acknowledged state, and the state of a
/// write still in flight when the server died (which may or may not have committed).
#[derive(Debug, Clone, Default)]
struct Known {
    acked: Option<(String, Vec<String>)>,
    in_flight: Option<(String, Vec<String>)>,
}

type Ledger = Arc<Mutex<BTreeMap<String, Known>>>;

async fn signup(client: &reqwest::Client, node: &Node, email: &str) -> String {
    let res = client
        .post(node.url("/api/auth/signup"))
        .json(&json!({"email": email, "password": "a long enough password"}))
        .send()
        .await
        .expect("signup");
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.expect("json");
    body["access_token"].as_str().expect("token").to_owned()
}

/// Creates tasks and rewrites their title and tags until the server stops answering.
async fn worker(base: String, token: String, id: usize, round: usize, ledger: Ledger) {
    let client = crate::helpers::http_client();
    let mut mine: Vec<String> = Vec::new();
    for n in 0..200 {
        let title = format!("r{round} w{id} n{n}");
        let tags = vec![format!("w{id}"), format!("n{}", n % 7)];
        let update = n % 2 == 1 && !mine.is_empty();
        let res = if update {
            let task = mine[n % mine.len()].clone();
            ledger
                .lock()
                .expect("ledger")
                .entry(task.clone())
                .or_default()
                .in_flight = Some((title.clone(), tags.clone()));
            let res = client
                .patch(format!("{base}/api/tasks/{task}"))
                .bearer_auth(&token)
                .json(&json!({"title": title, "tags": tags}))
                .send()
                .await;
            match res {
                Ok(r) if r.status().is_success() => {
                    let mut l = ledger.lock().expect("ledger");
                    let k = l.entry(task).or_default();
                    k.acked = Some((title, tags));
                    k.in_flight = None;
                    continue;
                }
                _ => return,
            }
        } else {
            client
                .post(format!("{base}/api/tasks"))
                .bearer_auth(&token)
                .json(&json!({"title": title, "tags": tags}))
                .send()
                .await
        };
        let Ok(res) = res else { return };
        if res.status() != 201 {
            return;
        }
        let Ok(body) = res.json::<Value>().await else {
            return;
        };
        let task = body["id"].as_str().expect("id").to_owned();
        ledger.lock().expect("ledger").insert(
            task.clone(),
            Known {
                acked: Some((title, tags)),
                in_flight: None,
            },
        );
        mine.push(task);
    }
}

/// Every task of the user, through the paged list.
async fn all_tasks(client: &reqwest::Client, node: &Node, token: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut url = node.url(&format!("/api/tasks?limit=200{query}"));
    for _ in 0..100 {
        let res = client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("list");
        assert_eq!(res.status(), 200);
        let next = res
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.split_once('<').and_then(|(_, r)| r.split_once('>')))
            .map(|(u, _)| u.to_owned());
        out.extend(res.json::<Vec<Value>>().await.expect("json"));
        match next {
            Some(n) if n.starts_with("http") => url = n,
            Some(n) => url = node.url(&n),
            None => return out,
        }
    }
    panic!("the list never ended");
}

fn tags_of(task: &Value) -> Vec<String> {
    task["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| t.as_str().expect("tag").to_owned())
        .collect()
}

async fn acknowledged_writes_survive_kill_9(db: TestDb) {
    let client = crate::helpers::http_client();
    let mut tokens = Vec::new();
    let mut ledgers = Vec::new();
    for round in 0..ROUNDS {
        let node = Node::start(&db.url, &[]);
        let token = signup(&client, &node, &format!("crash{round}@example.com")).await;
        let ledger: Ledger = Arc::default();
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                tokio::spawn(worker(
                    format!("http://{}", node.addr),
                    token.clone(),
                    w,
                    round,
                    ledger.clone(),
                ))
            })
            .collect();
        // Let the load build up, then pull the plug mid-write.
        tokio::time::sleep(Duration::from_millis(600 + 250 * round as u64)).await;
        node.kill9();
        for w in workers {
            tokio::time::timeout(Duration::from_secs(30), w)
                .await
                .expect("the workers stop once the server is gone")
                .expect("worker");
        }
        tokens.push(token);
        ledgers.push(ledger);

        // Restart on the same database and check every round so far.
        let node = Node::start(&db.url, &[]);
        for (token, ledger) in tokens.iter().zip(&ledgers) {
            let ledger = ledger.lock().expect("ledger").clone();
            assert!(
                !ledger.is_empty(),
                "no write was acknowledged before the kill"
            );
            let tasks = all_tasks(&client, &node, token, "").await;
            let stored: BTreeMap<String, &Value> = tasks
                .iter()
                .map(|t| (t["id"].as_str().expect("id").to_owned(), t))
                .collect();
            for (id, known) in &ledger {
                let task = stored
                    .get(id)
                    .unwrap_or_else(|| panic!("acknowledged task {id} is gone"));
                let now = (
                    task["title"].as_str().expect("title").to_owned(),
                    tags_of(task),
                );
                assert!(
                    known.acked.as_ref() == Some(&now) || known.in_flight.as_ref() == Some(&now),
                    "task {id} is {now:?}, neither the acknowledged {:?} nor the in-flight {:?}",
                    known.acked,
                    known.in_flight
                );
            }
            // The tag index agrees with the tags column: filtering by each tag finds
            // exactly the tasks that carry it.
            let all_tags: BTreeSet<String> = tasks.iter().flat_map(tags_of).collect();
            for tag in all_tags {
                let by_index: BTreeSet<String> =
                    all_tasks(&client, &node, token, &format!("&tag={tag}"))
                        .await
                        .iter()
                        .map(|t| t["id"].as_str().expect("id").to_owned())
                        .collect();
                let by_column: BTreeSet<String> = tasks
                    .iter()
                    .filter(|t| tags_of(t).contains(&tag))
                    .map(|t| t["id"].as_str().expect("id").to_owned())
                    .collect();
                assert_eq!(
                    by_index, by_column,
                    "task_tags disagrees with tags for {tag}"
                );
            }
        }
        node.stop();
    }
}

crate::on_both_databases!(acknowledged_writes_survive_kill_9);
