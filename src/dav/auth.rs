//! Who is calling: HTTP Basic with the account's email and a personal access token
//! (API-2.md sections 4 and 5). A password is never accepted here: a CalDAV client keeps
//! its password on a phone, so it gets a token the user can revoke alone.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use uuid::Uuid;

use super::reply;
use crate::auth::AccessTokens;
use crate::auth::pat::Scope;
use crate::state::AppState;

/// The challenge: Basic, in UTF-8 (RFC 7617).
const CHALLENGE: &str = r#"Basic realm="Taskward CalDAV", charset="UTF-8""#;

/// A caller proven by an access token.
#[derive(Debug, Clone)]
pub struct DavUser {
    /// The account.
    pub id: Uuid,
    /// Whether the token may write (`tasks:write`).
    pub write: bool,
}

impl DavUser {
    /// The `403` when the token may not write.
    pub fn refuse_write(&self) -> Option<Response> {
        if self.write {
            None
        } else {
            Some(reply::refuse(
                StatusCode::FORBIDDEN,
                &super::xml::PropName::dav("need-privileges"),
                "this access token may only read (scope tasks:read); make one with tasks:write",
            ))
        }
    }
}

/// `401` with the Basic challenge and a problem body saying what to send.
fn unauthorized(detail: &str) -> Response {
    let mut res = crate::error::AppError::Unauthorized {
        failure: crate::error::AuthFailure::BadCredentials,
        detail: detail.to_owned(),
    }
    .into_response();
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(CHALLENGE),
    );
    res
}

/// The email and secret of a Basic `Authorization` header.
fn basic(parts: &Parts) -> Option<(String, String)> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (email, secret) = text.rsplit_once(':')?;
    Some((email.to_owned(), secret.to_owned()))
}

impl<S> FromRequestParts<S> for DavUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some((email, secret)) = basic(parts) else {
            return Err(unauthorized(
                "sign in with your email and an access token (Account → Access tokens) as the password",
            ));
        };
        let tokens = AccessTokens::from_ref(&AppState::from_ref(state));
        match tokens.authenticate_basic(&email, &secret).await {
            Ok(Some(grant)) if grant.allows(Scope::TasksRead) => Ok(Self {
                id: grant.user_id,
                write: grant.allows(Scope::TasksWrite),
            }),
            Ok(_) => Err(unauthorized(
                "the email and access token do not match a live token (passwords are not accepted here)",
            )),
            Err(e) => Err(e.into_response()),
        }
    }
}
