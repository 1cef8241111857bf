//! The signing secret and the keys derived from it.
//!
//! `JWT_SECRET` (or `BETTER_AUTH_SECRET`) when set; otherwise, for SQLite, a random secret
//! generated once and kept next to the database. Other keys (the web app's CSRF key) are
//! derived from it, so every node that shares the secret shares them too.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::config::{Config, DatabaseUrl, MIN_SECRET_BYTES, secret_path_for_sqlite};

/// Key of the web app's CSRF tokens, derived from the signing secret so that every node
/// sharing `JWT_SECRET` accepts the forms any of them rendered.
#[derive(Clone, Copy)]
pub struct CsrfKey(pub [u8; 32]);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey([redacted])")
    }
}

impl CsrfKey {
    /// The CSRF key of `secret`.
    pub fn derive(secret: &SecretString) -> Self {
        Self(derive_key(secret, b"taskward web csrf v1"))
    }
}

/// A key for one purpose, derived from the signing secret (HMAC-SHA256 as a PRF, like
/// HKDF-Expand with one block): knowing a derived key reveals nothing about the secret.
pub fn derive_key(secret: &SecretString, purpose: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}

/// The signing secret: `JWT_SECRET` (or `BETTER_AUTH_SECRET`) when set; otherwise, for
/// SQLite, a random secret kept in `<database>.secret` (created once, mode 0600); for
/// PostgreSQL an error, since every node must sign with the same secret.
pub fn resolve_secret(config: &Config) -> Result<SecretString, String> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.clone());
    }
    let url = match &config.database_url {
        // Config::check refuses PostgreSQL without a secret; this is a second guard.
        DatabaseUrl::Postgres(_) => {
            return Err("JWT_SECRET must be set when DATABASE_URL is PostgreSQL".into());
        }
        DatabaseUrl::Sqlite(url) => url,
    };
    let Some(path) = secret_path_for_sqlite(url) else {
        tracing::warn!(
            "JWT_SECRET is not set and the database is in memory: using a random secret for this run only"
        );
        return Ok(SecretString::from(random_secret()?));
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let secret = text.trim().to_owned();
            if secret.len() < MIN_SECRET_BYTES {
                return Err(format!(
                    "the generated secret in {} is shorter than {MIN_SECRET_BYTES} bytes; delete the file to generate a new one (this signs everyone out) or set JWT_SECRET",
                    path.display()
                ));
            }
            tracing::info!(path = %path.display(), "JWT_SECRET is not set: using the secret generated earlier");
            Ok(SecretString::from(secret))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = random_secret()?;
            write_private(&path, &secret).map_err(|e| {
                format!(
                    "JWT_SECRET is not set and the generated secret cannot be saved to {}: {e}",
                    path.display()
                )
            })?;
            tracing::info!(path = %path.display(), "JWT_SECRET is not set: generated a random secret and saved it");
            Ok(SecretString::from(secret))
        }
        Err(e) => Err(format!(
            "cannot read the generated secret in {}: {e}",
            path.display()
        )),
    }
}

/// 48 random bytes, base64url: 64 characters, 384 bits.
fn random_secret() -> Result<String, String> {
    let mut bytes = [0u8; 48];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness available: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}
