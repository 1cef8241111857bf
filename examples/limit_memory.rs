//! What the sign-in limits cost: resident memory under many distinct junk emails, the time
//! of one count as the counters fill, and what counting in the database adds to a sign-in,
//! next to the password check every sign-in pays (issue 14). Run by `bench/limits`; its
//! tables go into docs/benchmarks.md. Every figure is read against a baseline of the same
//! run: the RSS before any count, the cost of the password check.
//!
//! `cargo run --release --example limit_memory [-- EMAILS]` (default 1 000 000); with
//! `TEST_DATABASE_URL` naming a PostgreSQL server, the database counters are measured
//! there too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use taskward::auth::limit::Limits;
use taskward::auth::password::Passwords;
use taskward::config::{Config, DatabaseUrl, LimitStoreKind};
use taskward::store::{self, ConnectOptions, DynStore};

/// Resident set size of this process, in KiB (Linux).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

async fn open(url: &str) -> Result<DynStore, String> {
    let url = DatabaseUrl::parse(url)?;
    let options = ConnectOptions {
        pool_size: 4,
        acquire_timeout: Duration::from_secs(5),
    };
    store::connect(&url, options)
        .await
        .map_err(|e| e.to_string())
}

fn limits(store: &DynStore, kind: LimitStoreKind) -> Limits {
    let mut config = Config::defaults();
    config.rate_limit_store = kind;
    // Junk must never be refused here: the point is to count it.
    config.rate_limit_per_email.max = u32::MAX;
    config.rate_limit_per_ip.max = u32::MAX;
    Limits::new(&config, Arc::clone(store) as _, store.backend())
}

/// A well-formed junk email of about 200 characters, distinct per `n`.
fn junk(n: u64) -> String {
    format!("{}{n}@junk-{}.example.com", "x".repeat(160), n % 997)
}

/// What the limiter adds to one sign-in that succeeds: the address and the email counted,
/// the email's count cleared. Mean over `rounds`, in microseconds.
async fn per_sign_in(l: &Limits, rounds: u32) -> f64 {
    let ip = "192.0.2.1".parse().expect("ip");
    let started = Instant::now();
    for n in 0..rounds {
        let email = format!("user{n}@example.com");
        l.admit_address(ip).await.expect("admitted");
        l.admit_email(&email).await.expect("admitted");
        l.succeeded(&email).await;
    }
    started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), String> {
    let emails: u64 = std::env::args().nth(1).map_or(Ok(1_000_000), |a| {
        a.parse().map_err(|_| format!("`{a}` is not a count"))
    })?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let sqlite = open(&format!(
        "sqlite://{}",
        dir.path().join("limits.db").display()
    ))
    .await?;

    println!("## Memory under distinct junk emails (memory counters)\n");
    let l = limits(&sqlite, LimitStoreKind::Memory);
    let base = rss_kib();
    println!("| emails counted | RSS (MiB) | RSS / before | mean time of one count (µs) |");
    println!("|---:|---:|---:|---:|");
    println!("| 0 | {:.1} | 1.00 | |", base as f64 / 1024.0);
    let mut done = 0u64;
    for target in [1_000u64, 10_000, 100_000, emails.max(100_000)] {
        let started = Instant::now();
        for n in done..target {
            l.admit_email(&junk(n)).await.map_err(|e| e.to_string())?;
        }
        let each = started.elapsed().as_secs_f64() * 1e6 / (target - done) as f64;
        done = target;
        let rss = rss_kib();
        println!(
            "| {target} | {:.1} | {:.2} | {each:.2} |",
            rss as f64 / 1024.0,
            rss as f64 / base as f64
        );
    }

    println!("\n## What counting adds to a sign-in\n");
    let passwords = Passwords::new()?;
    let hash = passwords
        .hash("a password")
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    for _ in 0..20 {
        passwords
            .verify("a password", Some(&hash))
            .await
            .map_err(|e| e.to_string())?;
    }
    let check = started.elapsed().as_secs_f64() * 1e6 / 20.0;
    println!("| counters | per sign-in (µs) | share of the password check |");
    println!("|---|---:|---:|");
    println!("| (the argon2id check itself) | {check:.0} | 100 % |");
    let mut runs = vec![
        ("memory", limits(&sqlite, LimitStoreKind::Memory)),
        ("SQLite", limits(&sqlite, LimitStoreKind::Database)),
    ];
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        let pg = open(&url).await?;
        runs.push(("PostgreSQL", limits(&pg, LimitStoreKind::Database)));
    }
    for (name, l) in &runs {
        per_sign_in(l, 200).await; // warm up
        let cost = per_sign_in(l, 2000).await;
        println!("| {name} | {cost:.1} | {:.2} % |", 100.0 * cost / check);
    }
    Ok(())
}
