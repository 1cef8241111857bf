//! The values of two-factor sign-in: TOTP secrets and their codes (RFC 6238: HMAC-SHA-1,
//! 6 digits, 30-second steps, one step of drift either side, computed by `totp-rs`), and
//! recovery codes (random, shown once, kept as hashes).

use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::error::{AppError, AppResult};

/// Digits of a code.
pub const DIGITS: usize = 6;
/// Seconds of a time step.
pub const STEP_SECONDS: u64 = 30;
/// The issuer an authenticator app shows beside the account.
const ISSUER: &str = "Taskward";
/// Bytes of a new secret: 160 bits, as RFC 4226 section 4 recommends.
const SECRET_BYTES: usize = 20;
/// Recovery codes in a set.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (5 bits each: 50 bits).
const RECOVERY_LEN: usize = 10;
/// Crockford's base32 alphabet: no `i`, `l`, `o` or `u` to misread.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

fn random<const N: usize>() -> AppResult<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(format!("no randomness available: {e}")))?;
    Ok(bytes)
}

/// A TOTP secret (the raw bytes; shown in base32).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

impl TotpSecret {
    /// 160 fresh random bits.
    pub fn generate() -> AppResult<Self> {
        Ok(Self(random::<SECRET_BYTES>()?.to_vec()))
    }

    /// A secret as stored.
    pub fn from_stored(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The raw bytes, to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret in base32 (RFC 4648, no padding), for typing into an app by hand.
    pub fn base32(&self) -> String {
        Secret::from(self.0.clone()).to_base32()
    }

    fn totp(&self, account: &str) -> AppResult<Totp> {
        // The label may not hold a colon (Key URI format); an address rarely does.
        let account: String = account.chars().filter(|c| *c != ':').collect();
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS as u8)
            .with_skew(1)
            .with_step_duration(STEP_SECONDS)
            .with_secret(self.0.clone())
            .with_issuer(Some(ISSUER))
            .with_account_name(account)
            .build()
            .map_err(|e| AppError::Internal(format!("unusable TOTP secret: {e}")))
    }

    /// The `otpauth://totp/Taskward:<account>?secret=...&issuer=Taskward` URI of the Key
    /// URI format, which authenticator apps read from the QR code.
    pub fn otpauth_uri(&self, account: &str) -> AppResult<String> {
        self.totp(account)?
            .to_url()
            .map_err(|e| AppError::Internal(format!("cannot write the otpauth URI: {e}")))
    }

    /// The time step `code` belongs to, at `unix_seconds`, within one step of drift
    /// either side; `None` for a wrong or malformed code.
    pub fn step_of(&self, code: &str, unix_seconds: u64) -> AppResult<Option<i64>> {
        let step = self.totp("")?.check(code, unix_seconds);
        Ok(step.and_then(|s| i64::try_from(s).ok()))
    }
}

/// A code as typed: spaces and dashes dropped ("123 456").
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// A new set of recovery codes, as shown (`xxxxx-xxxxx`).
pub fn new_recovery_codes() -> AppResult<Vec<String>> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let bytes = random::<RECOVERY_LEN>()?;
            let chars: String = bytes
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
                .collect();
            Ok(format!("{}-{}", &chars[..5], &chars[5..]))
        })
        .collect()
}

/// A recovery code as typed, in its one spelling: lower case, without spaces or dashes,
/// the look-alikes Crockford's base32 leaves out read as the digits they resemble;
/// `None` when it cannot be one.
pub fn normalise_recovery_code(typed: &str) -> Option<String> {
    let code: String = normalise_code(typed)
        .to_ascii_lowercase()
        .chars()
        .map(|c| match c {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect();
    let valid = code.len() == RECOVERY_LEN && code.bytes().all(|b| ALPHABET.contains(&b));
    valid.then_some(code)
}

/// What is kept of a recovery code: the SHA-256 of its normalised spelling. The codes
/// carry 50 random bits and are looked up per account, so no slow hash is needed.
pub fn hash_recovery_code(normalised: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"taskward recovery code\0")
        .chain_update(normalised.as_bytes())
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, cut to 6 digits.
    #[test]
    fn codes_match_the_rfc_vectors() {
        let secret = TotpSecret::from_stored(b"12345678901234567890".to_vec());
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(
                secret.step_of(code, time).expect("check"),
                Some((time / 30) as i64)
            );
        }
        // One step of drift either way, not two.
        assert_eq!(secret.step_of("287082", 59 + 30).expect("check"), Some(1));
        assert_eq!(secret.step_of("287082", 59 + 60).expect("check"), None);
        assert_eq!(secret.step_of("28708", 59).expect("check"), None);
        assert_eq!(secret.step_of("+87082", 59).expect("check"), None);
    }

    #[test]
    fn uris_follow_the_key_uri_format() {
        let secret = TotpSecret::from_stored(b"12345678901234567890".to_vec());
        assert_eq!(secret.base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            secret.otpauth_uri("ada@example.com").expect("uri"),
            "otpauth://totp/Taskward:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Taskward"
        );
    }

    #[test]
    fn recovery_codes_are_random_and_read_leniently() {
        let codes = new_recovery_codes().expect("codes");
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let code = &codes[0];
        assert_eq!(code.len(), 11);
        let plain = normalise_recovery_code(code).expect("own code");
        assert_eq!(
            normalise_recovery_code(&code.to_uppercase()),
            Some(plain.clone())
        );
        assert_eq!(normalise_recovery_code(&plain), Some(plain.clone()));
        assert_eq!(
            normalise_recovery_code("abcde-fghiO"),
            Some("abcdefgh10".into())
        );
        assert_eq!(normalise_recovery_code("abcde-fghu0"), None);
        assert_eq!(normalise_recovery_code("abcd"), None);
        assert_ne!(
            hash_recovery_code("abcdefgh10"),
            hash_recovery_code("abcdefgh11")
        );
    }
}
