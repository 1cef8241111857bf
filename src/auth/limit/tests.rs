use super::*;

use crate::config::Config;
use crate::store::TempSqlite;

fn rule(max: u32, seconds: u64) -> RateRule {
    RateRule {
        max,
        window: Duration::from_secs(seconds),
    }
}

async fn limits(kind: LimitStoreKind, configure: impl FnOnce(&mut Config)) -> (Limits, TempSqlite) {
    let db = TempSqlite::open().await;
    let mut c = Config::defaults();
    c.rate_limit_store = kind;
    configure(&mut c);
    let backend = db.store.backend();
    (Limits::new(&c, db.store.clone(), backend), db)
}

async fn retry_after(r: Result<(), AppError>) -> Option<u64> {
    match r {
        Ok(()) => None,
        Err(AppError::RateLimited { retry_after }) => Some(retry_after),
        Err(other) => panic!("expected a rate limit, got {other:?}"),
    }
}

#[tokio::test]
async fn attempts_per_email_are_counted_when_admitted_and_a_success_clears_them() {
    for kind in [LimitStoreKind::Memory, LimitStoreKind::Database] {
        let (l, _dir) = limits(kind, |c| c.rate_limit_per_email = rule(3, 900)).await;
        for _ in 0..3 {
            assert_eq!(retry_after(l.admit_email("a@x.io").await).await, None);
        }
        let wait = retry_after(l.admit_email("a@x.io").await).await;
        assert!(
            wait.is_some_and(|s| s > 800 && s <= 900),
            "{kind:?}: the fourth attempt waits for the window: {wait:?}"
        );
        assert_eq!(
            retry_after(l.admit_email("b@x.io").await).await,
            None,
            "{kind:?}"
        );
        l.succeeded("a@x.io").await;
        assert_eq!(
            retry_after(l.admit_email("a@x.io").await).await,
            None,
            "{kind:?}"
        );
    }
}

#[tokio::test]
async fn ipv6_addresses_are_counted_by_their_prefix() {
    for kind in [LimitStoreKind::Memory, LimitStoreKind::Database] {
        let (l, _dir) = limits(kind, |c| c.rate_limit_per_ip = rule(2, 60)).await;
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        assert!(l.admit_address(ip("2001:db8:1:2::1")).await.is_ok());
        assert!(l.admit_address(ip("2001:db8:1:2:ffff::9")).await.is_ok());
        assert!(
            l.admit_address(ip("2001:db8:1:2:abcd::7")).await.is_err(),
            "{kind:?}: a third address of the same /64 is over the limit"
        );
        assert!(
            l.admit_address(ip("2001:db8:1:3::1")).await.is_ok(),
            "{kind:?}"
        );
        assert!(l.admit_address(ip("192.0.2.7")).await.is_ok(), "{kind:?}");
        assert!(
            l.admit_address(ip("::ffff:192.0.2.7")).await.is_ok(),
            "{kind:?}"
        );
        assert!(
            l.admit_address(ip("192.0.2.7")).await.is_err(),
            "{kind:?}: an IPv4-mapped address is its IPv4 address"
        );
    }
}

#[test]
fn the_prefix_length_is_configurable() {
    let a: IpAddr = "2001:db8::1".parse().expect("ip");
    let b: IpAddr = "2001:db8::2".parse().expect("ip");
    assert_eq!(address_key(a, 64), address_key(b, 64));
    assert_ne!(address_key(a, 128), address_key(b, 128));
    assert_ne!(
        address_key(a, 64),
        address_key(a, 56),
        "the prefix is part of the key"
    );
}

#[tokio::test]
async fn off_means_off() {
    let (l, _dir) = limits(LimitStoreKind::Auto, |c| {
        c.rate_limit = false;
        c.rate_limit_per_ip = rule(1, 60);
    })
    .await;
    let ip: IpAddr = "192.0.2.7".parse().expect("ip");
    for _ in 0..10 {
        assert!(l.admit_address(ip).await.is_ok());
    }
}
