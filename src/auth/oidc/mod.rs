//! Single sign-on with an OpenID provider (issue 20, API-2.md section 6): the
//! authorization code flow with PKCE, `state` and `nonce` ([`flow`]), the provider's
//! discovery document and key set, and the ID token's checks (`iss`, `aud`, `azp`, `exp`,
//! `nonce`, the signature with an asymmetric algorithm the provider announced), then the
//! Taskward user of the identity: the one linked before, an existing account with the
//! same email only when the provider vouches for the email and the operator allows it
//! (`OIDC_LINK_BY_EMAIL`), or a new account.
//!
//! The JOSE work is `jsonwebtoken` and the key set of [`super::jwks`], which external
//! issuers use already (docs/decisions.md says why not a second OIDC stack).

pub mod flow;

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tokio::sync::OnceCell;
use url::Url;
use uuid::Uuid;

use super::external::new_linked_user;
use super::jwks::{KeyError, KeySet};
use super::model::Email;
use crate::config::oidc::OidcConfig;
use crate::error::AppError;
use crate::store::{IdentityStore, LinkOutcome, UserStore};
pub use flow::Flow;

/// Clock skew allowed on the ID token's `exp` and `iat`.
const LEEWAY_SECONDS: u64 = 60;

/// The asymmetric algorithms an ID token may be signed with (never `none` or HMAC with
/// the client secret).
const ASYMMETRIC: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Why a sign-in with the provider did not happen; the text is for the person.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Refused: a forged or stale callback, a bad ID token, an account that may not be
    /// linked.
    #[error("{0}")]
    Refused(String),
    /// The provider cannot be reached or answered nonsense.
    #[error("{0}")]
    Unavailable(String),
    /// Taskward itself failed (the database).
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<crate::store::StoreError> for OidcError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::App(e.into())
    }
}

fn refused(why: impl Into<String>) -> OidcError {
    OidcError::Refused(why.into())
}

/// The provider's discovery document, the members used.
#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    id_token_signing_alg_values_supported: Vec<String>,
}

/// What was learnt from the provider, once.
struct Provider {
    issuer: String,
    authorization_endpoint: Url,
    token_endpoint: Url,
    keys: KeySet,
    algorithms: Vec<Algorithm>,
}

/// The ID token's claims Taskward reads.
#[derive(Debug, Deserialize)]
struct IdClaims {
    sub: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    aud: serde_json::Value,
    #[serde(default)]
    email: Option<String>,
    /// A boolean, or (some providers) the string `"true"`.
    #[serde(default)]
    email_verified: serde_json::Value,
    #[serde(default)]
    name: Option<String>,
}

/// Single sign-on with the configured provider.
pub struct Oidc {
    config: OidcConfig,
    client_id: String,
    http: reqwest::Client,
    provider: OnceCell<Provider>,
    key: [u8; 32],
    identities: Arc<dyn IdentityStore>,
    users: Arc<dyn UserStore>,
}

fn trim_slash(s: &str) -> &str {
    s.strip_suffix('/').unwrap_or(s)
}

impl Oidc {
    /// The service for `config` (`None` when no provider is configured); `key` seals the
    /// flows in flight.
    pub fn new(
        config: &OidcConfig,
        key: [u8; 32],
        identities: Arc<dyn IdentityStore>,
        users: Arc<dyn UserStore>,
    ) -> Result<Option<Self>, String> {
        let Some(client_id) = config.oidc_client_id.clone() else {
            return Ok(None);
        };
        if config.oidc_issuer.is_none() {
            return Ok(None);
        }
        let http = super::jwks::outbound_client(Duration::from_secs(10))
            .map_err(|e| format!("cannot build the OpenID Connect client: {e}"))?;
        Ok(Some(Self {
            config: config.clone(),
            client_id,
            http,
            provider: OnceCell::new(),
            key,
            identities,
            users,
        }))
    }

    /// The name on the sign-in button.
    pub fn name(&self) -> String {
        self.config.display_name().unwrap_or_default()
    }

    /// The provider's metadata, fetched on first use (and again after a failure).
    async fn provider(&self) -> Result<&Provider, OidcError> {
        self.provider.get_or_try_init(|| self.discover()).await
    }

    async fn discover(&self) -> Result<Provider, OidcError> {
        let issuer = self
            .config
            .oidc_issuer
            .as_ref()
            .ok_or_else(|| OidcError::Unavailable("no provider is configured".into()))?;
        let unavailable = |why: String| {
            tracing::warn!(%issuer, "oidc: discovery failed: {why}");
            OidcError::Unavailable(
                "The sign-in provider cannot be reached right now. Try again later, or sign in with your password.".into(),
            )
        };
        let url = format!(
            "{}/.well-known/openid-configuration",
            trim_slash(issuer.as_str())
        );
        let res = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        if !res.status().is_success() {
            return Err(unavailable(format!("{url} answered {}", res.status())));
        }
        let doc: Discovery = res.json().await.map_err(|e| unavailable(e.to_string()))?;
        // OIDC Discovery 4.3: the document's issuer is the one asked (no mix-up).
        if trim_slash(&doc.issuer) != trim_slash(issuer.as_str()) {
            return Err(unavailable(format!(
                "the document names the issuer {} instead",
                doc.issuer
            )));
        }
        let announced: Vec<Algorithm> = doc
            .id_token_signing_alg_values_supported
            .iter()
            .filter_map(|a| a.parse::<Algorithm>().ok())
            .filter(|a| ASYMMETRIC.contains(a))
            .collect();
        let endpoint = |raw: &str| {
            Url::parse(raw)
                .ok()
                .filter(|u| matches!(u.scheme(), "https" | "http"))
                .ok_or_else(|| unavailable(format!("`{raw}` is not an http(s) URL")))
        };
        Ok(Provider {
            authorization_endpoint: endpoint(&doc.authorization_endpoint)?,
            token_endpoint: endpoint(&doc.token_endpoint)?,
            keys: KeySet::new(endpoint(&doc.jwks_uri)?, Duration::from_secs(60))
                .map_err(unavailable)?,
            issuer: doc.issuer,
            algorithms: if announced.is_empty() {
                vec![Algorithm::RS256]
            } else {
                announced
            },
        })
    }

    /// Starts a sign-in that returns to `base` and then `next`: the provider's
    /// authorization URL and the sealed flow for the cookie.
    pub async fn begin(
        &self,
        base: &str,
        next: &str,
        now: i64,
    ) -> Result<(String, String), OidcError> {
        let provider = self.provider().await?;
        let flow = Flow::new(next, now)?;
        let mut url = provider.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &callback(base))
            .append_pair("scope", "openid email profile")
            .append_pair("state", &flow.state)
            .append_pair("nonce", &flow.nonce)
            .append_pair("code_challenge", &flow.challenge())
            .append_pair("code_challenge_method", "S256");
        Ok((url.into(), flow.seal(&self.key)))
    }

    /// Finishes a sign-in at the callback: the flow of the cookie must be live and its
    /// `state` the one returned; the code is exchanged and the ID token checked. The
    /// user signed in and the page to land on.
    pub async fn finish(
        &self,
        base: &str,
        sealed: Option<&str>,
        state: &str,
        code: &str,
        now: i64,
    ) -> Result<(Uuid, String), OidcError> {
        let flow = sealed
            .and_then(|s| Flow::open(s, &self.key, now))
            .ok_or_else(|| refused("This sign-in was not started here, or took too long. Start again from the sign-in page."))?;
        if !bool::from(flow.state.as_bytes().ct_eq(state.as_bytes())) {
            return Err(refused(
                "The answer from the sign-in provider does not belong to this sign-in (its state differs). Start again from the sign-in page.",
            ));
        }
        let provider = self.provider().await?;
        let id_token = self.exchange(provider, base, code, &flow).await?;
        let claims = self.verify(provider, &id_token, &flow).await?;
        let user = self.user_of(provider, &claims).await?;
        Ok((user, flow.next))
    }

    /// The code for an ID token at the token endpoint.
    async fn exchange(
        &self,
        provider: &Provider,
        base: &str,
        code: &str,
        flow: &Flow,
    ) -> Result<String, OidcError> {
        let redirect = callback(base);
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect.as_str()),
            ("code_verifier", flow.verifier.as_str()),
        ];
        let secret = self
            .config
            .oidc_client_secret
            .as_ref()
            .map(SecretString::expose_secret);
        let mut req = self.http.post(provider.token_endpoint.clone());
        if let Some(secret) = secret {
            // RFC 6749 2.3.1: both parts form-encoded before Basic.
            let enc =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            req = req.basic_auth(enc(&self.client_id), Some(enc(secret)));
        } else {
            // A public client names itself in the body.
            form.push(("client_id", self.client_id.as_str()));
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&form)
            .finish();
        let res = req
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!("oidc: the token request failed: {e}");
                OidcError::Unavailable(
                    "The sign-in provider cannot be reached right now. Try again later.".into(),
                )
            })?;
        let status = res.status();
        let answer: serde_json::Value = res.json().await.unwrap_or_default();
        if !status.is_success() {
            tracing::info!(%status, error = %answer["error"], "oidc: the provider refused the code");
            return Err(refused(
                "The sign-in provider refused this sign-in (the code was used already or has expired). Start again from the sign-in page.",
            ));
        }
        answer["id_token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| refused("The sign-in provider sent no ID token."))
    }

    /// Checks the ID token: signature by the provider's key with an announced asymmetric
    /// algorithm, `iss`, `aud` (and `azp`), `exp`, `nonce`.
    async fn verify(
        &self,
        provider: &Provider,
        token: &str,
        flow: &Flow,
    ) -> Result<IdClaims, OidcError> {
        let bad = |why: &str| {
            tracing::info!("oidc: an ID token was refused: {why}");
            refused(
                "The sign-in provider's answer could not be verified. Start again from the sign-in page.",
            )
        };
        let header = jsonwebtoken::decode_header(token).map_err(|_| bad("malformed"))?;
        if !provider.algorithms.contains(&header.alg) {
            return Err(bad("algorithm not announced"));
        }
        let kid = header.kid.as_deref().ok_or_else(|| bad("no kid"))?;
        let key = provider.keys.key(kid).await.map_err(|e| match e {
            KeyError::UnknownKid => bad("unknown kid"),
            KeyError::Unavailable => OidcError::Unavailable(
                "The sign-in provider's keys cannot be fetched right now. Try again later.".into(),
            ),
        })?;
        if !key.allows(header.alg) {
            return Err(bad("the key is not for this algorithm"));
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_issuer(&[&provider.issuer]);
        validation.set_audience(&[&self.client_id]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        let claims = jsonwebtoken::decode::<IdClaims>(token, key.decoding(), &validation)
            .map_err(|e| bad(&e.to_string()))?
            .claims;
        let several = claims.aud.as_array().is_some_and(|a| a.len() > 1);
        if several && claims.azp.as_deref() != Some(self.client_id.as_str()) {
            return Err(bad("several audiences and azp is not this client"));
        }
        let same_nonce = claims
            .nonce
            .as_deref()
            .is_some_and(|n| bool::from(n.as_bytes().ct_eq(flow.nonce.as_bytes())));
        if !same_nonce {
            return Err(bad("nonce differs"));
        }
        if claims.sub.is_empty()
            || claims.sub.len() > 255
            || claims.sub.chars().any(char::is_control)
        {
            return Err(bad("malformed sub"));
        }
        Ok(claims)
    }

    /// The Taskward user of the identity (linked, linked now by a vouched email when
    /// allowed, or new).
    async fn user_of(&self, provider: &Provider, claims: &IdClaims) -> Result<Uuid, OidcError> {
        let issuer = provider.issuer.as_str();
        if let Some(user) = self
            .identities
            .user_by_external_identity(issuer, &claims.sub)
            .await?
        {
            return Ok(user.id);
        }
        let email = claims
            .email
            .as_deref()
            .and_then(|e| Email::parse(e).ok())
            .ok_or_else(|| refused("The sign-in provider did not share a valid email address, which a Taskward account needs."))?;
        let verified = matches!(&claims.email_verified, serde_json::Value::Bool(true))
            || claims.email_verified.as_str() == Some("true");
        if let Some(existing) = self.users.user_by_email(email.lower()).await? {
            if !(self.config.oidc_link_by_email && verified) {
                return Err(refused(format!(
                    "An account with the email {} already exists. Sign in with its password; this provider is not allowed to sign in to it.",
                    email.as_str()
                )));
            }
            self.identities
                .external_identity_link(issuer, &claims.sub, existing.id)
                .await?;
            tracing::info!(user_id = %existing.id, "oidc: an identity was linked to an account by its verified email");
            return Ok(existing.id);
        }
        let linked = new_linked_user(issuer, &claims.sub, &email, claims.name.as_deref());
        match self.identities.external_user_create(&linked).await? {
            LinkOutcome::Created => {
                tracing::info!(user_id = %linked.user.id, "oidc: a new account from the provider");
                Ok(linked.user.id)
            }
            LinkOutcome::AlreadyLinked(id) => Ok(id),
            LinkOutcome::EmailTaken => Err(refused(
                "An account with this email was just created. Try again.",
            )),
        }
    }
}

/// The redirect URI registered at the provider.
pub fn callback(base: &str) -> String {
    format!("{base}/auth/oidc/callback")
}
