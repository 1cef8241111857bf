//! Tokens of an external issuer (`JWT_JWKS_URL`, e.g. a Better Auth frontend): verified
//! against its key set and linked to a Taskward user on first sight (API.md "External
//! issuers").

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::jwks::{KeyError, KeySet};
use crate::auth::model::{DisplayName, Email};
use crate::config::ExternalIssuer;
use crate::error::AppError;
use crate::store::{IdentityStore, LinkOutcome, LinkedUser, NewUser, StoreError};

/// Clock skew allowed on `exp` and `nbf`, as for our own tokens.
const LEEWAY_SECONDS: u64 = 60;
/// Longest `sub` accepted; Better Auth's are 32 characters.
const MAX_SUBJECT: usize = 255;

/// The password hash of users created from external tokens: not a PHC, bcrypt or scrypt
/// string, so no password ever matches it; they sign in at their issuer.
pub const UNUSABLE_PASSWORD: &str = "!external";

/// What a valid external token says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ExternalClaims {
    /// The issuer's user id: any string.
    #[serde(rename = "sub")]
    pub subject: String,
    /// The user's email, needed to create the user on first sight.
    #[serde(default)]
    pub email: Option<String>,
    /// The user's display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// Why an external token was refused.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    /// Bad signature, algorithm, kid, claims or expiry: `401`.
    #[error("{0}")]
    Invalid(String),
    /// The key set cannot be fetched: `503`, never a guess.
    #[error("the issuer's key set cannot be fetched")]
    Unavailable,
}

/// Verifies the external issuer's tokens.
pub struct ExternalTokens {
    keys: KeySet,
    algorithms: Vec<Algorithm>,
    issuer: String,
    audience: String,
}

impl ExternalTokens {
    /// The verifier for the configured issuer.
    pub fn new(config: &ExternalIssuer) -> Result<Self, String> {
        Ok(Self {
            keys: KeySet::new(config.jwks_url.clone(), config.refetch_interval)?,
            algorithms: config.algorithms.clone(),
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
        })
    }

    /// The `iss` its identities are linked under.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Checks a token whose header is already decoded. Only `kid` selects a key, and only
    /// from the configured key set: `jku`, `x5u`, `jwk` and `x5c` are ignored (RFC 8725 3.10).
    pub async fn verify(
        &self,
        token: &str,
        header: &Header,
    ) -> Result<ExternalClaims, ExternalError> {
        let invalid = |why: &str| ExternalError::Invalid(why.to_owned());
        // RFC 8725 3.1: only the configured asymmetric algorithms.
        if !self.algorithms.contains(&header.alg) {
            return Err(invalid("algorithm not allowed"));
        }
        let kid = header.kid.as_deref().ok_or_else(|| invalid("no kid"))?;
        let key = self.keys.key(kid).await.map_err(|e| match e {
            KeyError::UnknownKid => invalid("unknown kid"),
            KeyError::Unavailable => ExternalError::Unavailable,
        })?;
        if !key.allows(header.alg) {
            return Err(invalid("the key is not for this algorithm"));
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        let data = jsonwebtoken::decode::<ExternalClaims>(token, key.decoding(), &validation)
            .map_err(|e| ExternalError::Invalid(e.to_string()))?;
        let subject = &data.claims.subject;
        if subject.is_empty()
            || subject.len() > MAX_SUBJECT
            || subject.chars().any(char::is_control)
        {
            return Err(invalid("malformed sub"));
        }
        Ok(data.claims)
    }
}

/// A new Taskward user for `subject` of `issuer` (an external issuer's or an OpenID
/// provider's), with `email` and the `name` given when it is a valid display name, and a
/// password hash no password matches.
pub fn new_linked_user(
    issuer: &str,
    subject: &str,
    email: &Email,
    name: Option<&str>,
) -> LinkedUser {
    let name = name
        .and_then(|n| DisplayName::parse(n).ok())
        .unwrap_or_else(|| DisplayName::from_email(email));
    LinkedUser {
        user: NewUser {
            id: Uuid::now_v7(),
            email: email.as_str().to_owned(),
            email_lower: email.lower().to_owned(),
            name: name.as_str().to_owned(),
            password_hash: UNUSABLE_PASSWORD.to_owned(),
            created_at: crate::timestamp::now(),
        },
        issuer: issuer.to_owned(),
        subject: subject.to_owned(),
    }
}

/// The Taskward user of an external identity, created on first sight with the token's
/// email and name. An account that already has the email is NOT linked: whoever controls
/// the issuer could otherwise take over any local account by minting a token with its
/// email (docs/better-auth.md). Such a caller gets `403`.
pub async fn linked_user(
    store: &dyn IdentityStore,
    issuer: &str,
    claims: &ExternalClaims,
) -> Result<Uuid, AppError> {
    if let Some(user) = store
        .user_by_external_identity(issuer, &claims.subject)
        .await?
    {
        return Ok(user.id);
    }
    let email = claims
        .email
        .as_deref()
        .and_then(|e| Email::parse(e).ok())
        .ok_or_else(|| {
            AppError::Forbidden(
                "the token carries no valid email, which a new Taskward account needs".into(),
            )
        })?;
    let linked = new_linked_user(issuer, &claims.subject, &email, claims.name.as_deref());
    let taken = || {
        AppError::Forbidden(
            "an account with this email already exists and is not linked to this issuer; see docs/better-auth.md".into(),
        )
    };
    match store.external_user_create(&linked).await {
        Ok(LinkOutcome::Created) => {
            tracing::info!(user_id = %linked.user.id, "linked a new external identity");
            Ok(linked.user.id)
        }
        Ok(LinkOutcome::AlreadyLinked(id)) => Ok(id),
        Ok(LinkOutcome::EmailTaken) => Err(taken()),
        // A concurrent first request linked it a moment ago.
        Err(StoreError::Conflict(_)) => store
            .user_by_external_identity(issuer, &claims.subject)
            .await?
            .map(|u| u.id)
            .ok_or_else(taken),
        Err(e) => Err(e.into()),
    }
}
