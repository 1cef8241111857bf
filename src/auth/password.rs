//! Password hashing: argon2id for new hashes; bcrypt (accounts from the FastAPI/passlib
//! stack) and Better Auth's scrypt strings (accounts imported from Better Auth) still
//! verify and are re-hashed at the next sign-in; all of it off the async runtime.
//!
//! Hashing is deliberately expensive. It runs in `spawn_blocking` behind a semaphore with
//! one permit per core but one (at least one permit), so a storm of sign-ins queues here
//! and leaves a core to the runtime threads that serve every other request. With a permit
//! per core, 16 concurrent sign-ins kept both cores of the benchmark machine busy with
//! argon2 and the p99 of plain list requests went from 15 ms to 36-60 ms; sign-ins have
//! throughput to spare, reads do not. On one core there is nothing to leave, and the one
//! permit only keeps hashes from piling up on it.

use std::sync::Arc;

use argon2::password_hash::PasswordHasher as _;
use argon2::{Argon2, Params, PasswordHash, PasswordVerifier as _};
use tokio::sync::Semaphore;

use crate::better_auth::scrypt::BetterAuthHash;
use crate::error::{AppError, AppResult};

/// Makes glibc return argon2id's 19 MiB work areas to the system when a hash is done.
///
/// glibc raises its mmap threshold after the first large block is freed, so later work
/// areas come from per-thread heap arenas and stay there: after a burst of concurrent
/// sign-ins the process kept over 500 MB (measured by the benchmark). A fixed threshold
/// keeps every allocation over 1 MiB on mmap, freed at once. Call it before the runtime
/// starts its threads.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator parameters and is called before any other
    // thread exists; its return value only says whether the value was accepted.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

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

/// argon2id with the OWASP parameters (m=19 MiB, t=2, p=1), bounded concurrency, and a
/// dummy hash that unknown emails are checked against.
pub struct Passwords {
    params: Params,
    permits: Arc<Semaphore>,
    /// A hash of a random password: verifying against it costs what a real check costs,
    /// so an unknown email cannot be told from a wrong password by timing.
    dummy: String,
}

/// How many hashes may run at once on `cores` cores: all but one, and at least one.
fn hashing_permits(cores: usize) -> usize {
    cores.saturating_sub(1).max(1)
}

impl Passwords {
    /// Sets up hashing with one permit per core but one.
    pub fn new() -> Result<Self, String> {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let permits = hashing_permits(cores);
        let params = Params::default();
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| e.to_string())?;
        let dummy = hash_blocking(&params, &random).map_err(|e| e.to_string())?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(permits)),
            dummy,
        })
    }

    /// Hashes a new password as an argon2id PHC string.
    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let params = self.params.clone();
        let password = password.as_bytes().to_vec();
        self.run(move || hash_blocking(&params, &password))
            .await?
            .map_err(|e| AppError::Internal(format!("argon2 hashing failed: {e}")))
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no
    /// account, so both cases cost the same.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> AppResult<Verified> {
        let known = stored.is_some();
        let hash = stored.unwrap_or(&self.dummy).to_owned();
        let password = password.as_bytes().to_vec();
        let params = self.params.clone();
        let verified = self
            .run(move || verify_blocking(&params, &password, &hash))
            .await?;
        Ok(if known { verified } else { Verified::Mismatch })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AppError::Unavailable)?;
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|e| AppError::Internal(format!("password hashing task failed: {e}")))
    }
}

fn hash_blocking(params: &Params, password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    Argon2::from(params)
        .hash_password(password)
        .map(|h| h.to_string())
}

/// Whether a stored hash is bcrypt, as written by passlib or the `bcrypt` package.
pub fn is_bcrypt(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p))
}

fn verify_blocking(current: &Params, password: &[u8], stored: &str) -> Verified {
    if is_bcrypt(stored) {
        return match bcrypt::verify(password, stored) {
            Ok(true) => Verified::Match { rehash: true },
            _ => Verified::Mismatch,
        };
    }
    if let Some(imported) = BetterAuthHash::parse(stored) {
        let password = String::from_utf8_lossy(password);
        return if imported.verify(&password) {
            Verified::Match { rehash: true }
        } else {
            Verified::Mismatch
        };
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verified::Mismatch;
    };
    // The hash carries its own parameters; Argon2::default() reads them from it.
    if Argon2::default()
        .verify_password(password, &parsed)
        .is_err()
    {
        return Verified::Mismatch;
    }
    let weaker = Params::try_from(&parsed).map_or(true, |p| {
        p.m_cost() < current.m_cost() || p.t_cost() < current.t_cost()
    }) || parsed.algorithm.as_str() != "argon2id";
    Verified::Match { rehash: weaker }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2id_hashes_verify_and_wrong_passwords_do_not() {
        let p = Passwords::new().expect("setup");
        let hash = p.hash("correct horse battery staple").await.expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert_eq!(
            p.verify("correct horse battery staple", Some(&hash))
                .await
                .expect("verify"),
            Verified::Match { rehash: false }
        );
        assert_eq!(
            p.verify("Correct horse battery staple", Some(&hash))
                .await
                .expect("verify"),
            Verified::Mismatch
        );
    }

    #[test]
    fn one_core_is_left_to_the_runtime() {
        assert_eq!(hashing_permits(1), 1);
        assert_eq!(hashing_permits(2), 1);
        assert_eq!(hashing_permits(8), 7);
    }

    #[tokio::test]
    async fn bcrypt_hashes_verify_and_ask_for_a_rehash() {
        let p = Passwords::new().expect("setup");
        let hash = bcrypt::hash("old-stack-password", 4).expect("bcrypt");
        for prefix in ["$2a$", "$2b$", "$2y$"] {
            let variant = format!("{prefix}{}", &hash[4..]);
            assert_eq!(
                p.verify("old-stack-password", Some(&variant))
                    .await
                    .expect("verify"),
                Verified::Match { rehash: true },
                "{prefix}"
            );
        }
        assert_eq!(
            p.verify("wrong-password", Some(&hash))
                .await
                .expect("verify"),
            Verified::Mismatch
        );
    }

    #[tokio::test]
    async fn better_auth_scrypt_hashes_verify_and_ask_for_a_rehash() {
        let p = Passwords::new().expect("setup");
        // From the peer's README: written by better-auth 1.7.25 on sign-up.
        let hash = "1530e6fb97b68137d8de7515497c54e1:d5b620b617ec52e3d2ca856f4f0db878f935cc571eb4dbaedfed73eab29a751e3906ce17ddc220d1e52587c44b68ffa0472a39a943e9338e81475a33c689c83e";
        assert_eq!(
            p.verify("Passw0rd!-test", Some(hash))
                .await
                .expect("verify"),
            Verified::Match { rehash: true }
        );
        assert_eq!(
            p.verify("passw0rd!-test", Some(hash))
                .await
                .expect("verify"),
            Verified::Mismatch
        );
    }

    #[tokio::test]
    async fn unknown_accounts_and_garbage_hashes_never_match() {
        let p = Passwords::new().expect("setup");
        assert_eq!(
            p.verify("anything", None).await.expect("verify"),
            Verified::Mismatch
        );
        assert_eq!(
            p.verify("anything", Some("not a hash"))
                .await
                .expect("verify"),
            Verified::Mismatch
        );
    }
}
