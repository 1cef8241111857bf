//! Access tokens: HS256 JWTs signed with `JWT_SECRET`, verified by the rules of API.md
//! and RFC 8725 (JWT best current practices).

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::config::Config;

/// Tokens longer than this are refused before any parsing (API.md).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Clock skew allowed on `exp` and `nbf` (API.md: at most 60 s).
const LEEWAY_SECONDS: u64 = 60;

/// Claims written into our access tokens.
#[derive(Debug, Serialize)]
struct IssuedClaims<'a> {
    sub: String,
    email: &'a str,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
    jti: String,
    sid: String,
}

/// The claims verification needs; the library checks `exp`, `nbf`, `iss` and `aud`.
/// Numeric dates may be fractional (RFC 7519 2, NumericDate).
#[derive(Debug, Deserialize)]
struct VerifiedClaims {
    sub: String,
    #[serde(default)]
    sid: Option<String>,
    #[serde(default)]
    iat: Option<f64>,
    exp: f64,
}

/// Who a valid token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSubject {
    /// The `sub` claim.
    pub user_id: Uuid,
    /// The `sid` claim: absent in tokens minted by other components with the shared
    /// secret (PyJWT, a Next.js frontend), which are therefore not tied to a session.
    pub session_id: Option<Uuid>,
    /// The `iat` claim in whole seconds, when present.
    pub issued_at: Option<i64>,
}

/// Why a token was refused. Never shown to clients beyond "invalid token".
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Longer than [`MAX_TOKEN_BYTES`].
    #[error("token too large")]
    TooLarge,
    /// Signature, algorithm, expiry, issuer, audience or format.
    #[error("{0}")]
    Rejected(#[from] jsonwebtoken::errors::Error),
    /// `sub` or `sid` is not a UUID.
    #[error("malformed subject or session claim")]
    BadClaims,
    /// A token without a session while `SESSIONLESS_TOKENS=off`.
    #[error("tokens without a session are not accepted (SESSIONLESS_TOKENS=off)")]
    Sessionless,
    /// A token without a session whose `exp` lies further ahead than
    /// `SESSIONLESS_TOKEN_MAX_TTL`.
    #[error("a token without a session expires too far in the future")]
    LivesTooLong,
}

/// Signs and verifies access tokens.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
    ttl: Duration,
    /// Whether tokens without `sid` (minted by another component) are accepted.
    sessionless: bool,
    /// How far ahead the `exp` of such a token may lie.
    sessionless_max_ttl: Duration,
}

impl Tokens {
    /// Keys and rules from the configuration.
    pub fn new(config: &Config, secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        // RFC 8725 3.1: accept exactly the algorithm we sign with; `alg: none`, HS512 and
        // RS256 headers are all refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // A configured issuer or audience must be present, not merely right when present.
        let mut required = vec!["exp", "sub"];
        match &config.jwt_issuer {
            Some(iss) => {
                validation.set_issuer(&[iss]);
                required.push("iss");
            }
            None => validation.iss = None,
        }
        match &config.jwt_audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            // Foreign tokens may carry an `aud` we know nothing about; without a configured
            // audience there is nothing to check it against.
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl: config.access_token_ttl,
            sessionless: config.sessionless_tokens,
            sessionless_max_ttl: config.sessionless_token_max_ttl,
        }
    }

    /// Lifetime of the tokens this issues.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Signs an access token for `user_id` in session `session_id`.
    pub fn issue(
        &self,
        user_id: Uuid,
        email: &str,
        session_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let iat = now.unix_timestamp();
        let claims = IssuedClaims {
            sub: user_id.to_string(),
            email,
            iat,
            exp: iat + i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2),
            iss: self.issuer.as_deref(),
            aud: self.audience.as_deref(),
            jti: Uuid::now_v7().to_string(),
            sid: session_id.to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Verifies a token and returns its subject. Header fields such as `kid`, `jku`, `x5u`
    /// and `jwk` are never used: the only key is our secret (RFC 8725 3.10). A token
    /// without `sid` is refused when such tokens are turned off or its `exp` lies further
    /// ahead than their longest lifetime.
    pub fn verify(&self, token: &str) -> Result<TokenSubject, TokenError> {
        self.verify_at(token, OffsetDateTime::now_utc())
    }

    fn verify_at(&self, token: &str, now: OffsetDateTime) -> Result<TokenSubject, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let data = jsonwebtoken::decode::<VerifiedClaims>(token, &self.decoding, &self.validation)?;
        let user_id = Uuid::parse_str(&data.claims.sub).map_err(|_| TokenError::BadClaims)?;
        let session_id = data
            .claims
            .sid
            .as_deref()
            .map(Uuid::parse_str)
            .transpose()
            .map_err(|_| TokenError::BadClaims)?;
        if session_id.is_none() {
            if !self.sessionless {
                return Err(TokenError::Sessionless);
            }
            let latest = now.unix_timestamp() as f64
                + self.sessionless_max_ttl.as_secs_f64()
                + LEEWAY_SECONDS as f64;
            if data.claims.exp > latest {
                return Err(TokenError::LivesTooLong);
            }
        }
        Ok(TokenSubject {
            user_id,
            session_id,
            // Saturating float-to-int conversion: an absurd `iat` is simply far off.
            issued_at: data.claims.iat.map(|iat| iat.floor() as i64),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn tokens(configure: impl FnOnce(&mut Config)) -> Tokens {
        let mut config = Config::defaults();
        configure(&mut config);
        Tokens::new(&config, &SecretString::from("s".repeat(40)))
    }

    #[test]
    fn issued_tokens_verify_with_their_session() {
        let t = tokens(|_| {});
        let (user, sid) = (Uuid::now_v7(), Uuid::now_v7());
        let now = OffsetDateTime::now_utc();
        let jwt = t.issue(user, "a@example.com", sid, now).expect("sign");
        assert_eq!(
            t.verify(&jwt).expect("valid"),
            TokenSubject {
                user_id: user,
                session_id: Some(sid),
                issued_at: Some(now.unix_timestamp()),
            }
        );
    }

    #[test]
    fn expiry_allows_sixty_seconds_of_skew_and_no_more() {
        let t = tokens(|_| {});
        let ttl = t.ttl().as_secs() as i64;
        let user = Uuid::now_v7();
        let now = OffsetDateTime::now_utc();
        let barely = t
            .issue(
                user,
                "a@x.io",
                Uuid::now_v7(),
                now - time::Duration::seconds(ttl + 30),
            )
            .expect("sign");
        assert!(
            t.verify(&barely).is_ok(),
            "30 s past exp is within the leeway"
        );
        let expired = t
            .issue(
                user,
                "a@x.io",
                Uuid::now_v7(),
                now - time::Duration::seconds(ttl + 90),
            )
            .expect("sign");
        assert!(t.verify(&expired).is_err(), "90 s past exp is refused");
    }

    #[test]
    fn issuer_and_audience_are_checked_when_configured() {
        let strict = tokens(|c| {
            c.jwt_issuer = Some("https://taskward.example".into());
            c.jwt_audience = Some("taskward".into());
        });
        let lax = tokens(|_| {});
        let now = OffsetDateTime::now_utc();
        let from_lax = lax
            .issue(Uuid::now_v7(), "a@x.io", Uuid::now_v7(), now)
            .expect("sign");
        assert!(strict.verify(&from_lax).is_err(), "missing iss/aud refused");
        let from_strict = strict
            .issue(Uuid::now_v7(), "a@x.io", Uuid::now_v7(), now)
            .expect("sign");
        assert!(strict.verify(&from_strict).is_ok());
    }

    #[test]
    fn oversized_tokens_are_refused_before_parsing() {
        let t = tokens(|_| {});
        assert!(matches!(
            t.verify(&"a".repeat(MAX_TOKEN_BYTES + 1)),
            Err(TokenError::TooLarge)
        ));
    }

    /// A token minted by another component with the shared secret: no `sid`.
    fn sessionless(exp_in: i64) -> (Uuid, String) {
        let user = Uuid::now_v7();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let claims = serde_json::json!({"sub": user, "iat": now, "exp": now + exp_in});
        let jwt = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret("s".repeat(40).as_bytes()),
        )
        .expect("sign");
        (user, jwt)
    }

    #[test]
    fn sessionless_tokens_may_live_no_longer_than_their_cap() {
        let t = tokens(|c| c.sessionless_token_max_ttl = Duration::from_secs(3600));
        let (user, within) = sessionless(3600);
        let subject = t.verify(&within).expect("an hour is within the cap");
        assert_eq!((subject.user_id, subject.session_id), (user, None));
        assert!(subject.issued_at.is_some());
        let (_, beyond) = sessionless(3600 + 2 * LEEWAY_SECONDS as i64);
        assert!(matches!(t.verify(&beyond), Err(TokenError::LivesTooLong)));
    }

    #[test]
    fn sessionless_tokens_can_be_turned_off_without_touching_ours() {
        let t = tokens(|c| c.sessionless_tokens = false);
        let (_, foreign) = sessionless(300);
        assert!(matches!(t.verify(&foreign), Err(TokenError::Sessionless)));
        let ours = t
            .issue(
                Uuid::now_v7(),
                "a@x.io",
                Uuid::now_v7(),
                OffsetDateTime::now_utc(),
            )
            .expect("sign");
        assert!(t.verify(&ours).is_ok());
    }
}
