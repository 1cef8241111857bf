//! Sign-in limits under hostile use: concurrent guesses for one email, IPv6 clients
//! rotating addresses within their /64, and several nodes on one PostgreSQL database.

use std::time::Duration;

use serde_json::json;
use taskward::config::{Config, LimitStoreKind, RateRule};

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;

const PASSWORD: &str = "correct horse battery";

fn rule(max: u32, seconds: u64) -> RateRule {
    RateRule {
        max,
        window: Duration::from_secs(seconds),
    }
}

fn limited(db: &TestDb, configure: impl FnOnce(&mut Config)) -> Config {
    let mut config = db.config();
    config.rate_limit = true;
    configure(&mut config);
    config
}

/// Statuses of wrong sign-ins for `email`, one per node in turn.
async fn wrong_sign_ins(nodes: &[&TestApp], email: &str, count: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for i in 0..count {
        let app = nodes[i % nodes.len()];
        let body = json!({"email": email, "password": "a wrong guess"});
        statuses.push(
            app.post_json("/api/auth/signin", &body)
                .await
                .status()
                .as_u16(),
        );
    }
    statuses
}

async fn concurrent_wrong_sign_ins_for_one_email_pass_at_most_the_limit(db: TestDb) {
    let config = limited(&db, |c| c.rate_limit_per_email = rule(3, 900));
    let app = TestApp::spawn_with(db, config).await;
    app.signup("ada@example.com", PASSWORD).await;
    let body = json!({"email": "ada@example.com", "password": "a wrong guess"});
    let attempts = (0..12).map(|_| app.post_json("/api/auth/signin", &body));
    let mut statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [401, 401, 401, 429, 429, 429, 429, 429, 429, 429, 429, 429],
        "twelve guesses at once: only the limit's three are checked"
    );
    // The account's owner is limited too until the window ends; nothing else is.
    let right = json!({"email": "ada@example.com", "password": PASSWORD});
    assert_eq!(
        app.post_json("/api/auth/signin", &right).await.status(),
        429
    );
    app.signup("bob@example.com", PASSWORD).await;
    app.stop().await;
}

async fn ipv6_clients_of_one_prefix_share_a_budget(db: TestDb) {
    let config = limited(&db, |c| {
        c.rate_limit_per_ip = rule(2, 60);
        c.trusted_proxies = vec!["127.0.0.0/8".parse().expect("net")];
    });
    let app = TestApp::spawn_with(db, config).await;
    let body = json!({"email": "nobody@example.com", "password": "whatever it is"});
    let mut statuses = Vec::new();
    for client in [
        "2001:db8:5:6::1",
        "2001:db8:5:6:aaaa::2",
        "2001:db8:5:6:ffff:ffff:ffff:3",
        "2001:db8:5:7::1",
    ] {
        let res = app
            .client
            .post(app.url("/api/auth/signin"))
            .header("x-forwarded-for", client)
            .json(&body)
            .send()
            .await
            .expect("request");
        statuses.push(res.status().as_u16());
    }
    assert_eq!(
        statuses,
        [401, 401, 429, 401],
        "three addresses of one /64 are one client; the next /64 is another"
    );
    app.stop().await;
}

on_both_databases!(
    concurrent_wrong_sign_ins_for_one_email_pass_at_most_the_limit,
    ipv6_clients_of_one_prefix_share_a_budget,
);

/// Two nodes on one PostgreSQL database share one budget per email and per address
/// (`RATE_LIMIT_STORE=auto` is the database there); with `memory` each node has its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgres_share_one_budget() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let second = db.second_node();
    let shared = |db: &TestDb| {
        limited(db, |c| {
            c.rate_limit_per_email = rule(4, 900);
            c.rate_limit_per_ip = rule(9, 60);
        })
    };
    let (config_a, config_b) = (shared(&db), shared(&second));
    let a = TestApp::spawn_with(db, config_a).await;
    let b = TestApp::spawn_with(second, config_b).await;
    a.signup("ada@example.com", PASSWORD).await;

    let statuses = wrong_sign_ins(&[&a, &b], "ada@example.com", 6).await;
    assert_eq!(
        statuses,
        [401, 401, 401, 401, 429, 429],
        "one budget per email"
    );
    // One sign-up and six sign-ins so far from this address; two more pass, on either node.
    let statuses = wrong_sign_ins(&[&b, &a], "nobody@example.com", 3).await;
    assert_eq!(statuses, [401, 401, 429], "one budget per address");

    // The same two nodes with per-node counters: each allows the whole budget.
    let per_node = |db: &TestDb| {
        limited(db, |c| {
            c.rate_limit_per_email = rule(2, 900);
            c.rate_limit_store = LimitStoreKind::Memory;
        })
    };
    let db = a.stop().await;
    let second = b.stop().await;
    let (config_a, config_b) = (per_node(&db), per_node(&second));
    let a = TestApp::spawn_with(db, config_a).await;
    let b = TestApp::spawn_with(second, config_b).await;
    let statuses = wrong_sign_ins(&[&a, &b], "ada@example.com", 6).await;
    assert_eq!(
        statuses,
        [401, 401, 401, 401, 429, 429],
        "two budgets of two"
    );
    a.stop().await;
    b.stop().await;
}
