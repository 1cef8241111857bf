//! Rate limits on sign-in and sign-up, per client IP and per email.
//!
//! Fixed windows counted in memory, per node. Two things no rate-limit crate offers made
//! this a small hand-written module: failed sign-ins must be *checked* before the attempt
//! but *counted* only after it failed, and a success clears an email's failures. With
//! several nodes behind a load balancer each node counts on its own, so the effective
//! limit is the per-node limit times the number of nodes (docs/security.md).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use crate::config::{Config, RateRule};
use crate::error::AppError;

/// Entries kept before expired windows are swept out.
const SWEEP_ABOVE: usize = 10_000;

struct Window {
    started: Instant,
    count: u32,
}

/// Counters for one kind of key.
struct Counter<K> {
    rule: RateRule,
    windows: Mutex<HashMap<K, Window>>,
}

impl<K: Eq + Hash + Clone> Counter<K> {
    fn new(rule: RateRule) -> Self {
        Self {
            rule,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds to wait when `key` is at its limit, else `None`.
    fn blocked(&self, key: &K, now: Instant) -> Option<u64> {
        let windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let w = windows.get(key)?;
        let elapsed = now.duration_since(w.started);
        if elapsed >= self.rule.window || w.count < self.rule.max {
            return None;
        }
        Some((self.rule.window - elapsed).as_secs().max(1))
    }

    /// Counts one event for `key`.
    fn add(&self, key: &K, now: Instant) {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > SWEEP_ABOVE {
            let window = self.rule.window;
            windows.retain(|_, w| now.duration_since(w.started) < window);
        }
        let w = windows.entry(key.clone()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(w.started) >= self.rule.window {
            *w = Window {
                started: now,
                count: 0,
            };
        }
        w.count = w.count.saturating_add(1);
    }

    fn clear(&self, key: &K) {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }
}

/// The limits of one node.
pub struct Limits {
    enabled: bool,
    per_ip: Counter<IpAddr>,
    per_email: Counter<String>,
}

impl Limits {
    /// Limits from the configuration (`RATE_LIMIT`, `RATE_LIMIT_PER_IP`,
    /// `RATE_LIMIT_PER_EMAIL`).
    pub fn new(config: &Config) -> Self {
        Self {
            enabled: config.rate_limit,
            per_ip: Counter::new(config.rate_limit_per_ip),
            per_email: Counter::new(config.rate_limit_per_email),
        }
    }

    /// Counts a sign-in or sign-up attempt from `ip`; `429` once the window is full.
    pub fn attempt_from(&self, ip: IpAddr) -> Result<(), AppError> {
        if !self.enabled {
            return Ok(());
        }
        let now = Instant::now();
        if let Some(retry_after) = self.per_ip.blocked(&ip, now) {
            tracing::warn!(%ip, "rate limit: too many sign-in attempts from one address");
            return Err(AppError::RateLimited { retry_after });
        }
        self.per_ip.add(&ip, now);
        Ok(())
    }

    /// `429` when `email` (lower-cased) has used up its failures; counts nothing.
    pub fn check_email(&self, email: &str) -> Result<(), AppError> {
        if !self.enabled {
            return Ok(());
        }
        match self.per_email.blocked(&email.to_owned(), Instant::now()) {
            Some(retry_after) => {
                tracing::warn!("rate limit: too many failed attempts for one account");
                Err(AppError::RateLimited { retry_after })
            }
            None => Ok(()),
        }
    }

    /// Counts a failed attempt (wrong password, sign-up refused) for `email`.
    pub fn failed(&self, email: &str) {
        if self.enabled {
            self.per_email.add(&email.to_owned(), Instant::now());
        }
    }

    /// Forgets the failures of `email` after a successful sign-in.
    pub fn succeeded(&self, email: &str) {
        if self.enabled {
            self.per_email.clear(&email.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::config::{Config, RateRule};

    fn limits(configure: impl FnOnce(&mut Config)) -> Limits {
        let mut c = Config::defaults();
        configure(&mut c);
        Limits::new(&c)
    }

    fn rule(max: u32, seconds: u64) -> RateRule {
        RateRule {
            max,
            window: Duration::from_secs(seconds),
        }
    }

    #[test]
    fn failures_per_email_block_until_the_window_ends_and_success_clears_them() {
        let l = limits(|c| c.rate_limit_per_email = rule(3, 900));
        for _ in 0..3 {
            assert!(l.check_email("a@x.io").is_ok());
            l.failed("a@x.io");
        }
        match l.check_email("a@x.io") {
            Err(AppError::RateLimited { retry_after }) => {
                assert!(retry_after > 800 && retry_after <= 900)
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert!(
            l.check_email("b@x.io").is_ok(),
            "other accounts are not affected"
        );
        l.succeeded("a@x.io");
        assert!(l.check_email("a@x.io").is_ok());
    }

    #[test]
    fn attempts_per_ip_are_counted() {
        let l = limits(|c| c.rate_limit_per_ip = rule(2, 60));
        let ip: IpAddr = "192.0.2.7".parse().expect("ip");
        assert!(l.attempt_from(ip).is_ok());
        assert!(l.attempt_from(ip).is_ok());
        assert!(l.attempt_from(ip).is_err());
        assert!(l.attempt_from("192.0.2.8".parse().expect("ip")).is_ok());
    }

    #[test]
    fn off_means_off() {
        let l = limits(|c| {
            c.rate_limit = false;
            c.rate_limit_per_ip = rule(1, 60);
        });
        let ip: IpAddr = "192.0.2.7".parse().expect("ip");
        for _ in 0..10 {
            assert!(l.attempt_from(ip).is_ok());
        }
    }
}
