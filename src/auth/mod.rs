//! Accounts and tokens: password hashing, JWT access tokens, refresh-token sessions,
//! rate limits, external issuers' tokens, and the [`CurrentUser`] extractor every
//! protected route uses.

pub mod external;
pub mod extract;
pub mod jwks;
pub mod limit;
pub mod model;
pub mod password;
pub mod session;
pub mod token;

pub use extract::{ClientInfo, CurrentUser};

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::StartupError;
use crate::config::Config;

/// The authentication machinery shared by all requests.
pub struct Auth {
    /// Password hashing and verification, off the async runtime.
    pub passwords: password::Passwords,
    /// Access token signing and verification.
    pub tokens: token::Tokens,
    /// The external issuer's tokens, when `JWT_JWKS_URL` is set.
    pub external: Option<external::ExternalTokens>,
    /// Sign-in and sign-up rate limits.
    pub limits: limit::Limits,
    /// Key of the web app's CSRF tokens, derived from the signing secret so that every
    /// node sharing `JWT_SECRET` accepts the forms any of them rendered.
    pub csrf_key: [u8; 32],
}

impl Auth {
    /// Builds the machinery from the configuration, resolving (or generating) the JWT
    /// secret.
    pub fn new(config: &Config) -> Result<Self, StartupError> {
        let secret = token::resolve_secret(config)?;
        Ok(Self {
            passwords: password::Passwords::new().map_err(|e| {
                StartupError::Config(format!("cannot set up password hashing: {e}"))
            })?,
            tokens: token::Tokens::new(config, &secret),
            external: config
                .external_issuer
                .as_ref()
                .map(external::ExternalTokens::new)
                .transpose()
                .map_err(StartupError::Config)?,
            limits: limit::Limits::new(config),
            csrf_key: derive_key(&secret, b"taskward web csrf v1"),
        })
    }
}

/// A key for one purpose, derived from the signing secret (HMAC-SHA256 as a PRF, like
/// HKDF-Expand with one block): knowing a derived key reveals nothing about the secret.
fn derive_key(secret: &SecretString, purpose: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}
