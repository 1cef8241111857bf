//! Better Auth's password hashes: `<salt: 32 hex>:<key: 128 hex>`, scrypt with N=16384,
//! r=16, p=1, dkLen=64 over the NFKC-normalised password, the salt being the 32-character
//! hex *text* (its ASCII bytes), as `@better-auth/utils/password` computes it.

use unicode_normalization::UnicodeNormalization as _;

/// log2 of N = 16384.
const LOG_N: u8 = 14;
const R: u32 = 16;
const P: u32 = 1;
const KEY_BYTES: usize = 64;
const SALT_HEX_CHARS: usize = 32;

/// A parsed Better Auth password string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BetterAuthHash {
    salt_hex: String,
    key: [u8; KEY_BYTES],
}

impl BetterAuthHash {
    /// Parses `<32 hex>:<128 hex>`; `None` for anything else (argon2 and bcrypt strings
    /// start with `$` and never match).
    pub fn parse(stored: &str) -> Option<Self> {
        let (salt, key_hex) = stored.split_once(':')?;
        let is_hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
        if salt.len() != SALT_HEX_CHARS || key_hex.len() != KEY_BYTES * 2 {
            return None;
        }
        if !is_hex(salt) || !is_hex(key_hex) {
            return None;
        }
        let mut key = [0u8; KEY_BYTES];
        for (i, out) in key.iter_mut().enumerate() {
            *out = u8::from_str_radix(key_hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self {
            salt_hex: salt.to_owned(),
            key,
        })
    }

    /// Whether `password` derives this key. Costs one scrypt (64 MiB, tens of ms): call it
    /// off the async runtime.
    pub fn verify(&self, password: &str) -> bool {
        let normalised: String = password.nfkc().collect();
        let Ok(params) = scrypt::Params::new(LOG_N, R, P, KEY_BYTES) else {
            return false;
        };
        let mut derived = [0u8; KEY_BYTES];
        // The salt is the hex text itself, not the bytes it encodes (see the module doc).
        if scrypt::scrypt(
            normalised.as_bytes(),
            self.salt_hex.as_bytes(),
            &params,
            &mut derived,
        )
        .is_err()
        {
            return false;
        }
        // Constant time: look at every byte whatever the first difference.
        derived
            .iter()
            .zip(self.key.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // From the peer's README: produced by better-auth 1.7.25 (`hash-check.mjs`).
    const HORSE: &str = "d5af054f550eb19de4077cb3fc0c5a06:4c188fcd4334e907db2e7ef4caf11a9e287d7411f28594585be13405d02aa44df70d4f83e27d87883345bb369d981dbce08e2d46dfa7cc2e50c51a75568e122f";

    #[test]
    fn a_hash_written_by_better_auth_verifies_its_password_only() {
        let hash = BetterAuthHash::parse(HORSE).expect("parses");
        assert!(hash.verify("correct horse battery staple"));
        assert!(!hash.verify("correct horse battery stapler"));
    }

    #[test]
    fn other_hash_formats_are_not_better_auth_hashes() {
        assert!(BetterAuthHash::parse("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA").is_none());
        assert!(BetterAuthHash::parse("$2b$12$abcdefghijklmnopqrstuv").is_none());
        assert!(BetterAuthHash::parse("abc:def").is_none());
        let bad_hex = format!("{}:{}", "z".repeat(32), "0".repeat(128));
        assert!(BetterAuthHash::parse(&bad_hex).is_none());
    }
}
