//! The external issuer's key set (JWKS): fetched from the configured URL only, cached, and
//! refetched at most once per interval, so a flood of tokens with unknown `kid`s cannot
//! become a flood of requests to the issuer (API.md "External issuers").

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

/// Largest key set read; Better Auth's holds one small key per rotation.
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// A key set older than this is refetched on the next request (keys the issuer withdrew
/// stop working); if that fails the old set stays in use.
const MAX_AGE: Duration = Duration::from_secs(3600);
/// After a failed fetch the next attempt may come this soon (the `Retry-After` of the 503),
/// unless the configured interval is shorter.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);

/// One verification key of the set.
pub struct Key {
    decoding: DecodingKey,
    /// The algorithms this key may verify: its `alg` if it names one, else every
    /// algorithm of its key type and curve.
    algorithms: Vec<Algorithm>,
}

impl Key {
    /// The decoding key.
    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// Whether a token signed with `alg` may be checked with this key (RFC 8725 3.1: a key
    /// is used with its own algorithm only).
    pub fn allows(&self, alg: Algorithm) -> bool {
        self.algorithms.contains(&alg)
    }
}

/// Why no key was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key set is known and has no key with this `kid`.
    #[error("no key with this kid")]
    UnknownKid,
    /// The key set cannot be fetched now.
    #[error("the key set cannot be fetched")]
    Unavailable,
}

struct Snapshot {
    keys: HashMap<String, Arc<Key>>,
    fetched_at: Option<Instant>,
}

#[derive(Default)]
struct FetchState {
    last_attempt: Option<Instant>,
    last_failed: bool,
}

/// An HTTP client for an operator-configured party (an issuer's key set, an OpenID
/// provider): `timeout` per request, 3 s to connect, and no redirects (only the configured
/// URLs are trusted: a redirect could point anywhere).
pub fn outbound_client(timeout: Duration) -> Result<reqwest::Client, String> {
    crate::tls::install_tls_provider();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(3))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("taskward/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// The cached key set of one issuer.
pub struct KeySet {
    url: url::Url,
    client: reqwest::Client,
    interval: Duration,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Held while fetching: concurrent misses wait for one fetch instead of each starting one.
    fetch: tokio::sync::Mutex<FetchState>,
}

impl KeySet {
    /// A key set fetched from `url` (nothing is fetched until a token needs a key).
    pub fn new(url: url::Url, interval: Duration) -> Result<Self, String> {
        let client = outbound_client(Duration::from_secs(5))
            .map_err(|e| format!("cannot build the JWKS client: {e}"))?;
        Ok(Self {
            url,
            client,
            interval,
            snapshot: RwLock::new(Arc::new(Snapshot {
                keys: HashMap::new(),
                fetched_at: None,
            })),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
        })
    }

    fn current(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, snapshot: Snapshot) {
        let new = Arc::new(snapshot);
        match self.snapshot.write() {
            Ok(mut guard) => *guard = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }

    /// The key with this `kid`, fetching the set when the kid is unknown (or the set is
    /// old) and the last fetch is at least one interval ago.
    pub async fn key(&self, kid: &str) -> Result<Arc<Key>, KeyError> {
        let snap = self.current();
        let fresh = snap.fetched_at.is_some_and(|t| t.elapsed() < MAX_AGE);
        if fresh && let Some(key) = snap.keys.get(kid) {
            return Ok(key.clone());
        }
        let mut state = self.fetch.lock().await;
        // Another request may have fetched while this one waited.
        let snap = self.current();
        let fresh = snap.fetched_at.is_some_and(|t| t.elapsed() < MAX_AGE);
        if fresh && let Some(key) = snap.keys.get(kid) {
            return Ok(key.clone());
        }
        let wait = if state.last_failed {
            self.interval.min(RETRY_AFTER_FAILURE)
        } else {
            self.interval
        };
        let due = state.last_attempt.is_none_or(|t| t.elapsed() >= wait);
        if due {
            state.last_attempt = Some(Instant::now());
            match self.download().await {
                Ok(keys) => {
                    state.last_failed = false;
                    tracing::info!(url = %self.url, keys = keys.len(), "fetched the external key set");
                    self.replace(Snapshot {
                        keys,
                        fetched_at: Some(Instant::now()),
                    });
                }
                Err(e) => {
                    state.last_failed = true;
                    tracing::warn!(url = %self.url, error = %e, "cannot fetch the external key set");
                }
            }
        }
        let snap = self.current();
        if let Some(key) = snap.keys.get(kid) {
            // An old set is still better than none while the issuer cannot be reached.
            return Ok(key.clone());
        }
        if state.last_failed {
            Err(KeyError::Unavailable)
        } else {
            Err(KeyError::UnknownKid)
        }
    }

    async fn download(&self) -> Result<HashMap<String, Arc<Key>>, String> {
        let mut res = self
            .client
            .get(self.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            return Err(format!("the issuer answered {}", res.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| e.to_string())? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("the key set is larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        parse_key_set(&body)
    }
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

/// The usable keys of a JWKS document by `kid`. Keys without a `kid`, for encryption,
/// symmetric (`oct`), or of a type this cannot verify are skipped, not fatal: one odd key
/// must not take down the others.
pub fn parse_key_set(body: &[u8]) -> Result<HashMap<String, Arc<Key>>, String> {
    let raw: RawSet =
        serde_json::from_slice(body).map_err(|e| format!("the key set is not a JWKS: {e}"))?;
    let mut keys = HashMap::new();
    for value in raw.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
            continue;
        }
        let by_type = match &jwk.algorithm {
            AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
                vec![Algorithm::EdDSA]
            }
            AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
                vec![Algorithm::ES256]
            }
            AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P384 => {
                vec![Algorithm::ES384]
            }
            AlgorithmParameters::RSA(_) => vec![
                Algorithm::RS256,
                Algorithm::RS384,
                Algorithm::RS512,
                Algorithm::PS256,
                Algorithm::PS384,
                Algorithm::PS512,
            ],
            // `oct` (a shared secret) and anything else: never from a public key set.
            _ => continue,
        };
        let algorithms = match jwk.common.key_algorithm {
            Some(named) => by_type
                .into_iter()
                .filter(|a| format!("{a:?}") == format!("{named:?}"))
                .collect(),
            None => by_type,
        };
        if algorithms.is_empty() {
            continue;
        }
        let Ok(decoding) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        keys.insert(
            kid,
            Arc::new(Key {
                decoding,
                algorithms,
            }),
        );
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_unnamed_and_mismatched_keys_are_skipped() {
        let set = br#"{"keys":[
            {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"ed"},
            {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty":"oct","k":"c2VjcmV0","kid":"hmac"},
            {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"wrong-alg","alg":"ES256"},
            {"kty":"EC","crv":"P-521","x":"AA","y":"AA","kid":"p521","alg":"ES512"},
            {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"enc","use":"enc"}
        ]}"#;
        let keys = parse_key_set(set).expect("a JWKS");
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["ed"]);
        let ed = &keys["ed"];
        assert!(ed.allows(Algorithm::EdDSA));
        assert!(!ed.allows(Algorithm::HS256));
        assert!(!ed.allows(Algorithm::ES256));
    }

    #[test]
    fn a_document_that_is_not_a_key_set_is_an_error() {
        assert!(parse_key_set(b"<html>").is_err());
        assert!(parse_key_set(br#"{"nokeys":[]}"#).is_err());
    }
}
