//! What the OAuth endpoints hand the service and get back: a registration, an
//! authorization request and its checked form ([`Consent`]) or refusal, a token request,
//! the tokens issued, and why a request failed.

use crate::auth::pat::Scopes;
use crate::error::AppError;
use crate::oauth::model::{OAuthClient, OAuthError};
use crate::store::StoreError;

/// Why a request was not served: refused as OAuth says (`400` with `error`), or failed.
#[derive(Debug)]
pub enum Failure {
    /// The client's request is refused.
    Refused(OAuthError),
    /// Taskward could not serve it (the database).
    Failed(AppError),
}

impl From<OAuthError> for Failure {
    fn from(e: OAuthError) -> Self {
        Self::Refused(e)
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Self::Failed(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Self::Failed(e.into())
    }
}

/// A registration as the client sent it (RFC 7591 section 2), members Taskward reads.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    /// `client_name`.
    pub client_name: Option<String>,
    /// `redirect_uris`.
    pub redirect_uris: Vec<String>,
    /// `grant_types`.
    pub grant_types: Option<Vec<String>>,
    /// `response_types`.
    pub response_types: Option<Vec<String>>,
}

/// The parameters of an authorization request (OAuth 2.1 section 4.1.1, RFC 8707).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuthorizeParams {
    /// `client_id`.
    pub client_id: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `response_type`: `code`.
    pub response_type: Option<String>,
    /// `code_challenge`.
    pub code_challenge: Option<String>,
    /// `code_challenge_method`: `S256`.
    pub code_challenge_method: Option<String>,
    /// `state`, given back.
    pub state: Option<String>,
    /// `scope`, space-separated.
    pub scope: Option<String>,
    /// `resource` (RFC 8707).
    pub resource: Option<String>,
}

/// A checked authorization request, for the consent page.
#[derive(Debug, Clone)]
pub struct Consent {
    /// The client asking.
    pub client: OAuthClient,
    /// Where the answer goes.
    pub redirect_uri: String,
    /// The client's `state`.
    pub state: Option<String>,
    /// What it asks for.
    pub scopes: Scopes,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
}

/// Why an authorization request is refused.
#[derive(Debug)]
pub enum AuthorizeRefusal {
    /// The client or its redirect URI is unknown: the user is told, and nothing is sent
    /// anywhere (OAuth 2.1 section 4.1.2.1).
    Page(String),
    /// Anything else goes back to the client's redirect URI.
    Redirect {
        /// The redirect URI.
        redirect_uri: String,
        /// The client's `state`.
        state: Option<String>,
        /// Why.
        error: OAuthError,
    },
    /// Taskward could not check it.
    Failed(AppError),
}

/// A token request (OAuth 2.1 section 4.1.3 and 4.3), its form fields.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TokenRequest {
    /// `authorization_code` or `refresh_token`.
    pub grant_type: Option<String>,
    /// The code.
    pub code: Option<String>,
    /// The redirect URI the code was sent to.
    pub redirect_uri: Option<String>,
    /// The client.
    pub client_id: Option<String>,
    /// The PKCE verifier.
    pub code_verifier: Option<String>,
    /// The refresh token.
    pub refresh_token: Option<String>,
    /// A narrower scope on refresh (never wider).
    pub scope: Option<String>,
}

/// Tokens issued by the token endpoint; the secrets are only here.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The access token (`tw_oat_`).
    pub access_token: String,
    /// The refresh token (`tw_ort_`).
    pub refresh_token: String,
    /// Seconds the access token lives.
    pub expires_in: i64,
    /// What they may do.
    pub scopes: Scopes,
}
