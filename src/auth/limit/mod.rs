//! Rate limits on sign-in and sign-up, per client address and per email, on the
//! account mails asked for one address, and on the two-factor codes tried for one account.
//!
//! Fixed windows. An attempt is counted when it is admitted, in one atomic step that also
//! says whether it is over the limit, so concurrent attempts cannot all pass a check made
//! before any of them is counted; a success clears its email's count. Keys are hashes:
//! an email is counted by a hash of its normalised form (only emails that are well-formed
//! or belong to an account), an IPv6 address by its prefix (`RATE_LIMIT_IPV6_PREFIX`).
//!
//! The counters live in memory ([`memory`], bounded) or in the database
//! (`RATE_LIMIT_STORE`), where every node of a deployment counts against one budget.

mod memory;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::config::{Config, LimitStoreKind, RateRule};
use crate::error::AppError;
use crate::store::{Backend, LimitStore};
use crate::timestamp::now;
use memory::Windows;

/// A counted key: 128 bits of a hash, whatever the length of what it counts.
type Key = [u8; 16];

/// Keys kept in memory per rule at most (about 100 bytes each).
const MEMORY_CAP: usize = 50_000;

/// Hits on a node between two sweeps of ended windows in the database.
const SWEEP_EVERY: u32 = 1000;

/// Where one rule's counters live.
enum Counters {
    Memory(Windows),
    Database(Arc<dyn LimitStore>),
}

/// One rule and its counters.
struct Counter {
    rule: RateRule,
    counters: Counters,
}

impl Counter {
    /// Counts a hit on `key`; `429` with the seconds left when it is over the rule.
    async fn admit(&self, key: Key) -> Result<(), AppError> {
        let (hits, left) = match &self.counters {
            Counters::Memory(windows) => windows.hit(key, Instant::now()),
            Counters::Database(store) => {
                let now = now();
                let hit = store.limit_hit(&key, now, now + self.rule.window).await?;
                let left = (hit.expires - now).try_into().unwrap_or(Duration::ZERO);
                (hit.hits, left)
            }
        };
        if hits > self.rule.max {
            let retry_after = left.as_secs().max(1);
            return Err(AppError::RateLimited { retry_after });
        }
        Ok(())
    }

    async fn clear(&self, key: Key) -> Result<(), AppError> {
        match &self.counters {
            Counters::Memory(windows) => windows.clear(&key),
            Counters::Database(store) => store.limit_clear(&key).await?,
        }
        Ok(())
    }
}

/// The sign-in and sign-up limits.
pub struct Limits {
    enabled: bool,
    ipv6_prefix: u8,
    per_ip: Counter,
    per_email: Counter,
    /// Account mails asked for one address (reset, verification, change).
    per_mail: Counter,
    /// Two-factor codes tried for one account (the rule of `per_email`).
    per_code: Counter,
    /// The database to sweep, when the counters live there.
    sweep: Option<(Arc<dyn LimitStore>, AtomicU32)>,
}

impl Limits {
    /// Limits from the configuration (`RATE_LIMIT`, `RATE_LIMIT_PER_IP`,
    /// `RATE_LIMIT_PER_EMAIL`, `RATE_LIMIT_STORE`, `RATE_LIMIT_IPV6_PREFIX`), counted in
    /// `store` when they live in the database.
    pub fn new(config: &Config, store: Arc<dyn LimitStore>, backend: Backend) -> Self {
        let shared = match config.rate_limit_store {
            LimitStoreKind::Database => true,
            LimitStoreKind::Memory => false,
            LimitStoreKind::Auto => backend == Backend::Postgres,
        };
        let counter = |rule: RateRule| Counter {
            rule,
            counters: if shared {
                Counters::Database(Arc::clone(&store))
            } else {
                Counters::Memory(Windows::new(rule.window, MEMORY_CAP))
            },
        };
        Self {
            enabled: config.rate_limit,
            ipv6_prefix: config.rate_limit_ipv6_prefix,
            per_ip: counter(config.rate_limit_per_ip),
            per_email: counter(config.rate_limit_per_email),
            per_mail: counter(config.accounts.rate_limit_account_mails),
            per_code: counter(config.rate_limit_per_email),
            sweep: shared.then(|| (Arc::clone(&store), AtomicU32::new(0))),
        }
    }

    /// Counts a sign-in or sign-up attempt from `ip`; `429` once its window is full.
    pub async fn admit_address(&self, ip: IpAddr) -> Result<(), AppError> {
        if !self.enabled {
            return Ok(());
        }
        self.sweep_now_and_then();
        let key = address_key(ip, self.ipv6_prefix);
        self.per_ip.admit(key).await.inspect_err(|e| {
            if matches!(e, AppError::RateLimited { .. }) {
                tracing::warn!(%ip, "rate limit: too many sign-in attempts from one address");
            }
        })
    }

    /// Counts an attempt on the account of `email` (normalised: trimmed, lower case);
    /// `429` once its window is full. The count lasts until the window ends or
    /// [`Limits::succeeded`] clears it.
    pub async fn admit_email(&self, email: &str) -> Result<(), AppError> {
        if !self.enabled {
            return Ok(());
        }
        self.per_email
            .admit(email_key(email))
            .await
            .inspect_err(|e| {
                if matches!(e, AppError::RateLimited { .. }) {
                    tracing::warn!("rate limit: too many attempts for one account");
                }
            })
    }

    /// Counts an account mail (password reset, verification, email change) asked for the
    /// address `email` (normalised), whether or not an account has it; `429` once its
    /// window is full. A separate count from sign-in's: asking for mails never locks the
    /// owner out of signing in.
    pub async fn admit_mail(&self, email: &str) -> Result<(), AppError> {
        if !self.enabled {
            return Ok(());
        }
        self.per_mail
            .admit(hash(b"mail", email.as_bytes()))
            .await
            .inspect_err(|e| {
                if matches!(e, AppError::RateLimited { .. }) {
                    tracing::warn!("rate limit: too many account mails asked for one address");
                }
            })
    }

    /// Counts a two-factor code (TOTP or recovery code) tried for the account `user`;
    /// `429` once its window is full. Signing in with the password again does not clear
    /// it: only a right code does ([`Limits::code_succeeded`]).
    pub async fn admit_code(&self, user: uuid::Uuid) -> Result<(), AppError> {
        if !self.enabled {
            return Ok(());
        }
        self.per_code
            .admit(hash(b"code", user.as_bytes()))
            .await
            .inspect_err(|e| {
                if matches!(e, AppError::RateLimited { .. }) {
                    tracing::warn!(%user, "rate limit: too many two-factor codes for one account");
                }
            })
    }

    /// Clears the code count of `user` after a right code; a failure is logged.
    pub async fn code_succeeded(&self, user: uuid::Uuid) {
        if self.enabled
            && let Err(e) = self.per_code.clear(hash(b"code", user.as_bytes())).await
        {
            tracing::warn!(error = %e, "rate limit: could not clear a count");
        }
    }

    /// Clears the count of `email` after a successful attempt. A failure to clear is
    /// logged, not fatal: the count ends with its window.
    pub async fn succeeded(&self, email: &str) {
        if self.enabled
            && let Err(e) = self.per_email.clear(email_key(email)).await
        {
            tracing::warn!(error = %e, "rate limit: could not clear a count");
        }
    }

    /// Every [`SWEEP_EVERY`] attempts on this node, deletes the ended windows from the
    /// database in the background.
    fn sweep_now_and_then(&self) {
        let Some((store, hits)) = &self.sweep else {
            return;
        };
        if hits.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY != SWEEP_EVERY - 1 {
            return;
        }
        let store = Arc::clone(store);
        tokio::spawn(async move {
            match store.limit_sweep(now()).await {
                Ok(n) => tracing::debug!(deleted = n, "rate limit: ended windows swept"),
                Err(e) => tracing::warn!(error = %e, "rate limit: sweep failed"),
            }
        });
    }
}

fn hash(kind: &[u8], bytes: &[u8]) -> Key {
    let digest = Sha256::new()
        .chain_update(b"taskward rate limit\0")
        .chain_update(kind)
        .chain_update([0])
        .chain_update(bytes)
        .finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// The key of an address: IPv4 (and IPv4-mapped IPv6) whole, IPv6 by its first
/// `prefix` bits.
fn address_key(ip: IpAddr, prefix: u8) -> Key {
    match ip.to_canonical() {
        IpAddr::V4(v4) => hash(b"ipv4", &v4.octets()),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let kept = match u32::from(prefix.min(128)) {
                0 => 0,
                p => bits & (u128::MAX << (128 - p)),
            };
            let mut bytes = kept.to_be_bytes().to_vec();
            bytes.push(prefix);
            hash(b"ipv6", &bytes)
        }
    }
}

fn email_key(email: &str) -> Key {
    hash(b"email", email.as_bytes())
}

#[cfg(test)]
mod tests;
