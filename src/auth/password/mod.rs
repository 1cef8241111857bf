//! Password hashing: argon2id for new hashes; bcrypt (accounts from the FastAPI/passlib
//! stack) and Better Auth's scrypt strings (accounts imported from Better Auth) still
//! verify and are re-hashed at the next sign-in; all of it off the async runtime.
//!
//! Hashing is deliberately expensive. It runs on its own threads (`pool`), one per core but
//! one (at least one), at a lower priority, so a storm of sign-ins queues here and leaves
//! the cores to the runtime threads that serve every other request. With a hashing slot
//! per core, 16 concurrent sign-ins kept both cores of the benchmark machine busy with
//! argon2 and the p99 of plain list requests went from 15 ms to 36-60 ms; sign-ins have
//! throughput to spare, reads do not. On one core there is nothing to leave, and the one
//! thread only keeps hashes from piling up on it.
//!
//! Each argon2 hash needs 19 MiB of work area (m = 19456 KiB). Allocated per hash, it was
//! either kept by glibc in per-thread arenas (over 500 MiB after a burst of sign-ins) or,
//! with a fixed mmap threshold (`mallopt`), mapped and zeroed afresh for every hash, a third
//! of the hash's CPU. Instead the work areas belong to the hashing threads: a pool of at
//! most one area per thread, allocated on first use and reused by every hash and
//! verification after it, so memory stays at threads x 19 MiB and no page is faulted in
//! twice while sign-ins come; the threads free the areas after `IDLE_RELEASE` without a
//! hash. A stored hash with a larger `m` than the current parameters gets a one-off area.
//! The areas are not wiped between hashes: they hold intermediate argon2 state, which is
//! only worth something to someone who can already read the process memory (and with it
//! the passwords being hashed).

mod argon2id;
mod pool;
mod stored;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use argon2::{Params, PasswordHash};

use crate::error::{AppError, AppResult};
use argon2id::{WorkAreas, argon2_matches, dummy_hash, hash_blocking};
use pool::HashingThreads;
use stored::Stored;
pub use stored::{
    MAX_ARGON2_LANES, MAX_ARGON2_MEMORY_KIB, MAX_ARGON2_WORK_KIB, MAX_BCRYPT_COST,
    check as check_stored,
};

/// What a verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// The password is right; `rehash` when the stored hash is bcrypt, Better Auth scrypt
    /// or weaker argon2.
    Match {
        /// Store a fresh argon2id hash.
        rehash: bool,
    },
    /// Wrong password, or no such account.
    Mismatch,
}

/// How long the work areas outlive the last hash: long enough for a burst of sign-ins to
/// reuse them, short enough that an idle server holds none.
const IDLE_RELEASE: Duration = Duration::from_secs(10);

/// argon2id with the OWASP parameters (m=19 MiB, t=2, p=1), bounded concurrency, reused
/// work areas, and a dummy hash that unknown emails are checked against.
pub struct Passwords {
    params: Params,
    threads: HashingThreads,
    areas: Arc<WorkAreas>,
    /// A hash of a random password: verifying against it costs what a real check costs,
    /// so an unknown email cannot be told from a wrong password by timing.
    dummy: String,
}

/// How many hashes may run at once on `cores` cores: all but one, and at least one.
fn hashing_threads(cores: usize) -> usize {
    cores.saturating_sub(1).max(1)
}

impl Passwords {
    /// Sets up hashing with one thread per core but one.
    pub fn new() -> Result<Self, String> {
        Self::releasing_after(IDLE_RELEASE)
    }

    /// Sets up hashing whose work areas are freed after `idle` without a hash.
    fn releasing_after(idle: Duration) -> Result<Self, String> {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let threads = hashing_threads(cores);
        let params = Params::default();
        let areas = Arc::new(WorkAreas::new(params.block_count(), threads));
        let dummy = dummy_hash(&params).map_err(|e| e.to_string())?;
        Ok(Self {
            params,
            threads: HashingThreads::start(threads, Arc::clone(&areas), idle)?,
            areas,
            dummy,
        })
    }

    /// Hashes a new password as an argon2id PHC string.
    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let params = self.params.clone();
        let areas = Arc::clone(&self.areas);
        let password = password.as_bytes().to_vec();
        self.threads
            .run(move || hash_blocking(&params, &areas, &password))
            .await?
            .map_err(|e| AppError::Internal(format!("argon2 hashing failed: {e}")))
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no
    /// account or its hash cannot be verified (no password, parameters beyond the caps), so
    /// every case costs what a real check costs.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> AppResult<Verified> {
        let stored = stored.map(str::to_owned);
        let dummy = self.dummy.clone();
        let password = password.as_bytes().to_vec();
        let params = self.params.clone();
        let areas = Arc::clone(&self.areas);
        self.threads
            .run(move || {
                let parsed = match stored.as_deref().map(Stored::parse) {
                    Some(Ok(parsed)) => parsed,
                    Some(Err(reason)) => {
                        tracing::debug!(%reason, "a stored password hash cannot be verified");
                        return burn(&areas, &password, &dummy);
                    }
                    None => return burn(&areas, &password, &dummy),
                };
                verify_blocking(&params, &areas, &password, parsed)
            })
            .await
    }
}

/// Whether a stored hash is bcrypt, as written by passlib or the `bcrypt` package.
pub fn is_bcrypt(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p))
}

/// Verifies `password` against the dummy hash: the cost of a real check, never a match.
fn burn(areas: &WorkAreas, password: &[u8], dummy: &str) -> Verified {
    if let Ok(dummy) = PasswordHash::new(dummy) {
        // The answer is always no; only the work matters.
        let _ = argon2_matches(areas, password, &dummy);
    }
    Verified::Mismatch
}

/// What `password` is worth against a stored hash of any kind Taskward knows.
fn verify_blocking(
    current: &Params,
    areas: &WorkAreas,
    password: &[u8],
    stored: Stored<'_>,
) -> Verified {
    let parsed = match stored {
        Stored::Bcrypt(hash) => {
            return match bcrypt::verify(password, hash) {
                Ok(true) => Verified::Match { rehash: true },
                _ => Verified::Mismatch,
            };
        }
        Stored::BetterAuth(imported) => {
            let password = String::from_utf8_lossy(password);
            return if imported.verify(&password) {
                Verified::Match { rehash: true }
            } else {
                Verified::Mismatch
            };
        }
        Stored::Argon2(parsed) => parsed,
    };
    if !matches!(argon2_matches(areas, password, &parsed), Ok(true)) {
        return Verified::Mismatch;
    }
    let weaker = Params::try_from(&parsed).map_or(true, |p| {
        p.m_cost() < current.m_cost() || p.t_cost() < current.t_cost()
    }) || parsed.algorithm.as_str() != "argon2id";
    Verified::Match { rehash: weaker }
}
