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
//!
//! Each argon2 hash needs 19 MiB of work area (m = 19456 KiB). Allocated per hash, it was
//! either kept by glibc in per-thread arenas (over 500 MiB after a burst of sign-ins) or,
//! with a fixed mmap threshold (`mallopt`), mapped and zeroed afresh for every hash, a third
//! of the hash's CPU. Instead the work areas belong to the permits: a pool of at most one
//! area per permit, allocated on first use and reused by every hash and verification after
//! it, so memory stays at permits x 19 MiB with glibc's default settings and no page is
//! faulted in twice. A stored hash with a larger `m` than the current parameters gets a
//! one-off area.
//! The areas are not wiped between hashes: they hold intermediate argon2 state, which is
//! only worth something to someone who can already read the process memory (and with it
//! the passwords being hashed).

use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use tokio::sync::Semaphore;

use super::scrypt::BetterAuthHash;
use crate::error::{AppError, AppResult};

type HashResult<T> = Result<T, argon2::password_hash::Error>;

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

/// argon2id with the OWASP parameters (m=19 MiB, t=2, p=1), bounded concurrency, reused
/// work areas, and a dummy hash that unknown emails are checked against.
pub struct Passwords {
    params: Params,
    permits: Arc<Semaphore>,
    areas: Arc<WorkAreas>,
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
        let areas = Arc::new(WorkAreas::new(params.block_count(), permits));
        let dummy = dummy_hash(&params).map_err(|e| e.to_string())?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(permits)),
            areas,
            dummy,
        })
    }

    /// Hashes a new password as an argon2id PHC string.
    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let params = self.params.clone();
        let areas = Arc::clone(&self.areas);
        let password = password.as_bytes().to_vec();
        self.run(move || hash_blocking(&params, &areas, &password))
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
        let areas = Arc::clone(&self.areas);
        let verified = self
            .run(move || verify_blocking(&params, &areas, &password, &hash))
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

/// argon2 work areas kept between hashes: at most `keep` of `blocks` blocks each. A hash
/// takes one while it holds a permit, so with `keep` equal to the number of permits every
/// hash finds one (after the first few) and no more are ever made.
struct WorkAreas {
    free: Mutex<Vec<Vec<Block>>>,
    blocks: usize,
    keep: usize,
}

impl WorkAreas {
    fn new(blocks: usize, keep: usize) -> Self {
        Self {
            free: Mutex::new(Vec::with_capacity(keep)),
            blocks,
            keep,
        }
    }

    /// Runs `work` on an area of at least `needed` blocks: a pooled one when that is big
    /// enough, else a one-off area freed afterwards.
    fn with<T>(&self, needed: usize, work: impl FnOnce(&mut [Block]) -> T) -> HashResult<T> {
        if needed > self.blocks || self.keep == 0 {
            return Ok(work(&mut allocate(needed)?));
        }
        let pooled = self
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut area = match pooled {
            Some(area) => area,
            None => allocate(self.blocks)?,
        };
        let out = work(&mut area);
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        if free.len() < self.keep {
            free.push(area);
        }
        Ok(out)
    }
}

/// A zeroed work area; an allocation failure is an error, not an abort (a stored hash
/// decides `blocks`).
fn allocate(blocks: usize) -> HashResult<Vec<Block>> {
    let mut area = Vec::new();
    area.try_reserve_exact(blocks)
        .map_err(|_| argon2::Error::OutOfMemory)?;
    area.resize(blocks, Block::new());
    Ok(area)
}

/// Hashes `password` with `argon2` and `salt` into an area from `areas`; `len` bytes out.
fn compute(
    argon2: &Argon2<'_>,
    areas: &WorkAreas,
    password: &[u8],
    salt: &[u8],
    len: usize,
) -> HashResult<Output> {
    let mut buffer = [0u8; Output::MAX_LENGTH];
    let out = buffer
        .get_mut(..len)
        .ok_or(argon2::password_hash::Error::OutputSize)?;
    areas.with(argon2.params().block_count(), |blocks| {
        argon2.hash_password_into_with_memory(password, salt, &mut *out, blocks)
    })??;
    Ok(Output::new(out)?)
}

/// A new argon2id hash as a PHC string, the same string `PasswordHasher::hash_password`
/// makes: 16 random bytes of salt, version 0x13, the output length of `params`.
fn hash_blocking(params: &Params, areas: &WorkAreas, password: &[u8]) -> HashResult<String> {
    let salt = Salt::new(&argon2::password_hash::try_generate_salt()?)?;
    let (algorithm, version) = (Algorithm::Argon2id, Version::V0x13);
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = compute(&argon2, areas, password, &salt, len)?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt),
        hash: Some(output),
    }
    .to_string())
}

/// A hash that costs what a real one costs to verify and that no password matches: the
/// parameters of new hashes, a random salt and a random output (a match would take
/// finding an argon2 preimage). Made without hashing, so start-up allocates no work area.
fn dummy_hash(params: &Params) -> HashResult<String> {
    let salt = Salt::new(&argon2::password_hash::try_generate_salt()?)?;
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let mut random = vec![0u8; len];
    getrandom::fill(&mut random).map_err(|_| argon2::password_hash::Error::Crypto)?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt),
        hash: Some(Output::new(&random)?),
    }
    .to_string())
}

/// Whether a stored hash is bcrypt, as written by passlib or the `bcrypt` package.
pub fn is_bcrypt(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p))
}

/// Whether `password` matches an argon2 PHC hash, computed with the hash's own algorithm,
/// version, parameters (m, t, p, output length) and salt.
fn argon2_matches(areas: &WorkAreas, password: &[u8], parsed: &PasswordHash) -> HashResult<bool> {
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::new(parsed.algorithm)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(parsed)?;
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = compute(&argon2, areas, password, salt, expected.len())?;
    // `Output`'s equality is constant-time.
    Ok(computed == *expected)
}

fn verify_blocking(current: &Params, areas: &WorkAreas, password: &[u8], stored: &str) -> Verified {
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
    if !matches!(argon2_matches(areas, password, &parsed), Ok(true)) {
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
    async fn new_hashes_verify_with_the_argon2_crate_and_its_hashes_verify_here() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

        let p = Passwords::new().expect("setup");
        let ours = p.hash("interchangeable").await.expect("hash");
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        assert!(
            Argon2::default()
                .verify_password(b"interchangeable", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"interchangeable!", &parsed)
                .is_err()
        );
        let salt = parsed.salt.expect("salt");
        assert_eq!(salt.len(), 16);

        let theirs = Argon2::default()
            .hash_password(b"interchangeable")
            .expect("hash")
            .to_string();
        // Same shape: algorithm, version, parameters, salt and output lengths.
        assert_eq!(theirs.len(), ours.len(), "{theirs} / {ours}");
        assert_eq!(theirs[..31], ours[..31]);
        assert_eq!(
            p.verify("interchangeable", Some(&theirs))
                .await
                .expect("verify"),
            Verified::Match { rehash: false }
        );
        assert_eq!(
            p.verify("Interchangeable", Some(&theirs))
                .await
                .expect("verify"),
            Verified::Mismatch
        );
    }

    /// A hash made elsewhere with `params`, `algorithm` and `version`.
    fn foreign_hash(algorithm: Algorithm, version: Version, params: Params, pw: &str) -> String {
        use argon2::password_hash::PasswordHasher as _;

        Argon2::new(algorithm, version, params)
            .hash_password(pw.as_bytes())
            .expect("hash")
            .to_string()
    }

    #[tokio::test]
    async fn the_stored_hash_decides_the_parameters() {
        let p = Passwords::new().expect("setup");
        let params = |m, t, p, len| Params::new(m, t, p, Some(len)).expect("params");
        let cases = [
            // Less memory, more passes: weaker, so re-hashed.
            (
                Algorithm::Argon2id,
                Version::V0x13,
                params(4096, 3, 1, 32),
                true,
            ),
            // More memory than a pooled work area, two lanes, a longer output.
            (
                Algorithm::Argon2id,
                Version::V0x13,
                params(24 * 1024, 2, 2, 64),
                false,
            ),
            // Another variant and the old version: honoured, and replaced by argon2id.
            (
                Algorithm::Argon2i,
                Version::V0x10,
                params(19 * 1024, 2, 1, 32),
                true,
            ),
            (
                Algorithm::Argon2d,
                Version::V0x13,
                params(1024, 1, 1, 16),
                true,
            ),
        ];
        for (algorithm, version, params, rehash) in cases {
            let label = format!("{algorithm} {version:?} {params:?}");
            let hash = foreign_hash(algorithm, version, params, "tuned elsewhere");
            assert_eq!(
                p.verify("tuned elsewhere", Some(&hash))
                    .await
                    .expect("verify"),
                Verified::Match { rehash },
                "{label}: {hash}"
            );
            assert_eq!(
                p.verify("tuned elsewhere.", Some(&hash))
                    .await
                    .expect("verify"),
                Verified::Mismatch,
                "{label}"
            );
        }
    }

    #[tokio::test]
    async fn altered_hashes_do_not_match() {
        let p = Passwords::new().expect("setup");
        let hash = p.hash("tamper-proof").await.expect("hash");
        // The same salt and output under other parameters, and no output at all.
        let other_t = hash.replace(",t=2,", ",t=3,");
        let (no_output, _) = hash.rsplit_once('$').expect("fields");
        for altered in [other_t.as_str(), no_output] {
            assert_eq!(
                p.verify("tamper-proof", Some(altered))
                    .await
                    .expect("verify"),
                Verified::Mismatch,
                "{altered}"
            );
        }
    }

    #[tokio::test]
    async fn work_areas_are_reused_and_bounded_by_the_permits() {
        let p = Arc::new(Passwords::new().expect("setup"));
        let pooled = || p.areas.free.lock().expect("pool").len();
        assert_eq!(pooled(), 0, "allocated on first use, not at start");
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let p = Arc::clone(&p);
                tokio::spawn(async move {
                    let password = format!("concurrent {i}");
                    let hash = p.hash(&password).await.expect("hash");
                    p.verify(&password, Some(&hash)).await.expect("verify")
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.expect("task"), Verified::Match { rehash: false });
        }
        let permits = p.areas.keep;
        assert!(
            (1..=permits).contains(&pooled()),
            "{} > {permits}",
            pooled()
        );
        // A larger stored hash gets a one-off area; the pooled ones keep their size.
        let big = Params::new(24 * 1024, 2, 1, None).expect("params");
        let hash = foreign_hash(Algorithm::Argon2id, Version::V0x13, big, "big");
        assert_eq!(
            p.verify("big", Some(&hash)).await.expect("verify"),
            Verified::Match { rehash: false }
        );
        let free = p.areas.free.lock().expect("pool");
        assert!(free.len() <= permits);
        assert!(
            free.iter()
                .all(|area| area.len() == Params::default().block_count())
        );
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

    #[tokio::test]
    async fn the_dummy_hash_has_the_parameters_of_a_real_one() {
        let p = Passwords::new().expect("setup");
        let real = p.hash("a real password").await.expect("hash");
        let (real, dummy) = (
            PasswordHash::new(&real).expect("real parses"),
            PasswordHash::new(&p.dummy).expect("dummy parses"),
        );
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params, "so verifying it costs the same");
        assert_eq!(
            dummy.hash.map(|h| h.len()),
            real.hash.map(|h| h.len()),
            "same output length"
        );
        assert_ne!(dummy.salt, real.salt);
    }
}
