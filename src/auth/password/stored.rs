//! The stored hashes verification accepts, and the most work one may ask for.
//!
//! Stored hashes come from sign-up (argon2id with the current parameters) and from imports,
//! whose sources chose their own parameters. A hash's parameters decide what verifying it
//! costs, so a source with argon2 `m` = 4 GiB or bcrypt cost 31 would make every sign-in
//! attempt for that email allocate gigabytes or burn a core for hours. The caps below admit
//! every OWASP and RFC 9106 (second option) argon2 setting and bcrypt as deployed (passlib
//! writes cost 12); imports refuse hashes beyond them and verification treats such a hash
//! as no password at all.

use argon2::{Params, PasswordHash};

use super::is_bcrypt;
use crate::auth::scrypt::BetterAuthHash;

/// Largest argon2 memory, in KiB (64 MiB: RFC 9106's second recommended option).
pub const MAX_ARGON2_MEMORY_KIB: u32 = 64 * 1024;
/// Largest argon2 memory times passes, in KiB (RFC 9106's second option: 64 MiB, t = 3).
pub const MAX_ARGON2_WORK_KIB: u64 = 3 * 64 * 1024;
/// Largest argon2 lane count (hashing here runs the lanes on one thread).
pub const MAX_ARGON2_LANES: u32 = 8;
/// Largest bcrypt cost (2^14 rounds, about a second on one core).
pub const MAX_BCRYPT_COST: u32 = 14;

/// A stored hash Taskward can verify.
pub(super) enum Stored<'a> {
    /// bcrypt (`$2a$`, `$2b$`, `$2y$`) within the cost cap.
    Bcrypt(&'a str),
    /// Better Auth's scrypt string (its parameters are fixed).
    BetterAuth(BetterAuthHash),
    /// An argon2 PHC string within the caps.
    Argon2(PasswordHash),
}

impl<'a> Stored<'a> {
    /// The hash, or why it can never be verified (no password, another scheme, parameters
    /// beyond the caps).
    pub(super) fn parse(stored: &'a str) -> Result<Self, String> {
        if is_bcrypt(stored) {
            let cost = stored
                .get(4..7)
                .and_then(|c| c.strip_suffix('$'))
                .and_then(|c| c.parse::<u32>().ok())
                .ok_or("the bcrypt hash has no cost")?;
            if cost > MAX_BCRYPT_COST {
                return Err(format!(
                    "the bcrypt cost {cost} is above the {MAX_BCRYPT_COST} Taskward verifies"
                ));
            }
            return Ok(Self::Bcrypt(stored));
        }
        if let Some(hash) = BetterAuthHash::parse(stored) {
            return Ok(Self::BetterAuth(hash));
        }
        let parsed = PasswordHash::new(stored)
            .ok()
            .filter(|p| p.algorithm.as_str().starts_with("argon2"))
            .ok_or("not a bcrypt, argon2 or Better Auth password hash")?;
        let params =
            Params::try_from(&parsed).map_err(|e| format!("bad argon2 parameters: {e}"))?;
        let work = u64::from(params.m_cost()) * u64::from(params.t_cost());
        if params.m_cost() > MAX_ARGON2_MEMORY_KIB
            || work > MAX_ARGON2_WORK_KIB
            || params.p_cost() > MAX_ARGON2_LANES
        {
            return Err(format!(
                "the argon2 parameters m={} t={} p={} ask for more than Taskward verifies \
                 (m at most {MAX_ARGON2_MEMORY_KIB} KiB, m x t at most {MAX_ARGON2_WORK_KIB}, \
                 p at most {MAX_ARGON2_LANES})",
                params.m_cost(),
                params.t_cost(),
                params.p_cost()
            ));
        }
        Ok(Self::Argon2(parsed))
    }
}

/// Whether Taskward can verify `stored`; the reason when not. Imports check every hash
/// with it.
pub fn check(stored: &str) -> Result<(), String> {
    Stored::parse(stored).map(|_| ())
}
