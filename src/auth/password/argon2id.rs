//! argon2 hashing into work areas kept between hashes (see the notes of `password`), and
//! the dummy hash unknown accounts are checked against.

use std::sync::{Mutex, PoisonError};

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};

pub(super) type HashResult<T> = Result<T, argon2::password_hash::Error>;

/// argon2 work areas kept between hashes: at most `keep` of `blocks` blocks each. A hash
/// takes one while its hashing thread runs it, so with `keep` equal to the number of
/// threads every hash finds one (after the first few) and no more are ever made.
pub(super) struct WorkAreas {
    pub(super) free: Mutex<Vec<Vec<Block>>>,
    blocks: usize,
    pub(super) keep: usize,
}

impl WorkAreas {
    pub(super) fn new(blocks: usize, keep: usize) -> Self {
        Self {
            free: Mutex::new(Vec::with_capacity(keep)),
            blocks,
            keep,
        }
    }

    /// Frees the areas no hash is using (the hashing threads call it after a while idle).
    pub(super) fn release(&self) {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        free.clear();
        free.shrink_to(self.keep);
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
pub(super) fn hash_blocking(
    params: &Params,
    areas: &WorkAreas,
    password: &[u8],
) -> HashResult<String> {
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
pub(super) fn dummy_hash(params: &Params) -> HashResult<String> {
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

/// Whether `password` matches an argon2 PHC hash, computed with the hash's own algorithm,
/// version, parameters (m, t, p, output length) and salt.
pub(super) fn argon2_matches(
    areas: &WorkAreas,
    password: &[u8],
    parsed: &PasswordHash,
) -> HashResult<bool> {
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
