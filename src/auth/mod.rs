//! Accounts and tokens: password hashing, JWT access tokens, refresh-token sessions,
//! rate limits, and the [`CurrentUser`] extractor every protected route uses.

pub mod extract;
pub mod limit;
pub mod model;
pub mod password;
pub mod session;
pub mod token;

pub use extract::{ClientInfo, CurrentUser};

use crate::StartupError;
use crate::config::Config;

/// The authentication machinery shared by all requests.
pub struct Auth {
    /// Password hashing and verification, off the async runtime.
    pub passwords: password::Passwords,
    /// Access token signing and verification.
    pub tokens: token::Tokens,
    /// Sign-in and sign-up rate limits.
    pub limits: limit::Limits,
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
            limits: limit::Limits::new(config),
        })
    }
}
