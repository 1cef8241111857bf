//! One sign-in with the OpenID provider in flight: its `state`, `nonce` and PKCE verifier,
//! and the page to land on, kept in the browser between the redirect to the provider and
//! the callback as a cookie sealed with an HMAC (any node can open it; no row to clean
//! up). The cookie is cleared at the callback, so a flow is used once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::accounts::random_token;
use crate::error::AppResult;

/// How long the user may take at the provider, in seconds.
pub const FLOW_LIFETIME: i64 = 600;

/// A sign-in in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// Sent as `state`, compared at the callback (CSRF, RFC 6749 10.12).
    pub state: String,
    /// Sent as `nonce`, compared with the ID token's (replay, OIDC Core 3.1.2.1).
    pub nonce: String,
    /// The PKCE verifier (RFC 7636); its S256 challenge is sent.
    pub verifier: String,
    /// The local page to land on after signing in.
    pub next: String,
    /// When the flow stops being accepted (Unix seconds).
    pub expires: i64,
}

impl Flow {
    /// A new flow at `now` (Unix seconds) leading to `next`.
    pub fn new(next: &str, now: i64) -> AppResult<Self> {
        Ok(Self {
            state: random_token()?,
            nonce: random_token()?,
            verifier: random_token()?,
            next: next.to_owned(),
            expires: now + FLOW_LIFETIME,
        })
    }

    /// The PKCE S256 challenge of the verifier.
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()))
    }

    /// The flow as a cookie value: base64url JSON, `.`, base64url HMAC-SHA256 under `key`.
    pub fn seal(&self, key: &[u8; 32]) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default());
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(mac(key, &body)))
    }

    /// The flow of a cookie value sealed under `key` and not expired at `now`; `None` for
    /// anything else (forged, altered, expired, garbage).
    pub fn open(sealed: &str, key: &[u8; 32], now: i64) -> Option<Self> {
        let (body, tag) = sealed.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let mut check = <Hmac<Sha256> as Mac>::new_from_slice(key).ok()?;
        check.update(body.as_bytes());
        check.verify_slice(&tag).ok()?;
        let flow: Self = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
        (flow.expires > now).then_some(flow)
    }
}

fn mac(key: &[u8; 32], body: &str) -> Vec<u8> {
    // HMAC takes keys of any length.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    m.update(body.as_bytes());
    m.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_flow_opens_once_whole_and_only_in_time() {
        let key = [7u8; 32];
        let flow = Flow::new("/tasks", 1_000).expect("random");
        let sealed = flow.seal(&key);
        assert_eq!(Flow::open(&sealed, &key, 1_000), Some(flow.clone()));
        assert_eq!(Flow::open(&sealed, &key, 1_000 + FLOW_LIFETIME), None);
        assert_eq!(Flow::open(&sealed, &[8u8; 32], 1_000), None);
        let (body, tag) = sealed.split_once('.').expect("two parts");
        let mut other = flow.clone();
        other.next = "https://evil.example".into();
        let forged_body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).expect("json"));
        assert_eq!(
            Flow::open(&format!("{forged_body}.{tag}"), &key, 1_000),
            None
        );
        assert_eq!(Flow::open(body, &key, 1_000), None);
        assert_eq!(Flow::open("", &key, 1_000), None);
        assert_ne!(flow.state, flow.nonce);
        assert_eq!(flow.challenge().len(), 43);
    }
}
