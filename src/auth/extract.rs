//! Extractors: [`CurrentUser`], the only way a handler learns who is calling, and
//! [`ClientInfo`], the caller's address and user agent for rate limits and sessions.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use jsonwebtoken::Algorithm;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::auth::external::{ExternalError, linked_user};
use crate::auth::token::MAX_TOKEN_BYTES;
use crate::error::{AppError, AuthFailure};

/// The authenticated caller of a protected route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentUser {
    /// The Taskward user id (the `sub` of our own tokens).
    pub id: Uuid,
    /// The session the access token belongs to; `None` for tokens minted by another
    /// component with the shared secret and for external issuers' tokens.
    pub session_id: Option<Uuid>,
}

/// The external issuer's user id (its token's `sub`) when the caller came with an external
/// token. The Bearer extractor leaves it in the request's extensions, beside the
/// [`CurrentUser`] it returns: `/api/{user_id}/tasks` accepts it as `{user_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalSubject(pub String);

impl CurrentUser {
    /// Whether `{user_id}` of a path names this caller: the Taskward id, or the external
    /// issuer's id the token carried.
    pub fn is_named_by(&self, path_user_id: &str, external: Option<&ExternalSubject>) -> bool {
        Uuid::parse_str(path_user_id).ok() == Some(self.id)
            || external.is_some_and(|e| e.0 == path_user_id)
    }
}

fn invalid(detail: &str) -> AppError {
    AppError::Unauthorized {
        failure: AuthFailure::InvalidToken,
        detail: detail.to_owned(),
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // Only the Authorization header: a token in the query string (`?access_token=`)
        // ends up in logs and browser history, so it is never read (RFC 6750 5.3).
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(AppError::Unauthorized {
                failure: AuthFailure::Missing,
                detail: "this route needs an `Authorization: Bearer <access token>` header".into(),
            });
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or_else(|| invalid("the Authorization header must be `Bearer <access token>`"))?;
        let (user, external) = authenticate_bearer(state, token).await?;
        if let Some(subject) = external {
            parts.extensions.insert(subject);
        }
        Ok(user)
    }
}

/// Checks an access token and that its session is still active: the one check behind the
/// Bearer header here and the web app's session cookie.
pub async fn authenticate(state: &AppState, token: &str) -> Result<CurrentUser, AppError> {
    authenticate_bearer(state, token)
        .await
        .map(|(user, _)| user)
}

/// [`authenticate`], with the external subject when the token came from the external
/// issuer. HS256 tokens are ours (or signed with the shared secret); asymmetric ones go to
/// the external issuer, when one is configured.
pub async fn authenticate_bearer(
    state: &AppState,
    token: &str,
) -> Result<(CurrentUser, Option<ExternalSubject>), AppError> {
    if let Some(external) = &state.auth.external
        && token.len() <= MAX_TOKEN_BYTES
        && let Ok(header) = jsonwebtoken::decode_header(token)
        && header.alg != Algorithm::HS256
    {
        let claims = external.verify(token, &header).await.map_err(|e| match e {
            ExternalError::Unavailable => AppError::Unavailable,
            ExternalError::Invalid(reason) => {
                tracing::debug!(%reason, "external access token refused");
                invalid("the access token is invalid or has expired")
            }
        })?;
        let id = linked_user(&state.store, external.issuer(), &claims).await?;
        return Ok((
            CurrentUser {
                id,
                session_id: None,
            },
            Some(ExternalSubject(claims.subject)),
        ));
    }
    // Everything else, `alg: none` and algorithm confusion included, meets the HS256-only
    // verifier and is refused there.
    let subject = state.auth.tokens.verify(token).map_err(|e| {
        tracing::debug!(reason = %e, "access token refused");
        invalid("the access token is invalid or has expired")
    })?;
    let now = OffsetDateTime::now_utc();
    // One indexed look-up per request, on every node: signing out takes effect at once.
    let alive = match subject.session_id {
        Some(sid) => {
            state
                .store
                .session_is_active(sid, subject.user_id, now)
                .await?
        }
        None => state.store.user_by_id(subject.user_id).await?.is_some(),
    };
    if !alive {
        return Err(invalid("the session has ended; sign in again"));
    }
    Ok((
        CurrentUser {
            id: subject.user_id,
            session_id: subject.session_id,
        },
        None,
    ))
}

/// Who is on the other end: the client IP (through trusted proxies) and the user agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address as far as we can trust it.
    pub ip: IpAddr,
    /// `User-Agent`, cut to 256 characters.
    pub user_agent: Option<String>,
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)), |c| c.0);
        let ip = state.auth.limits.client_ip(peer, &parts.headers);
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(256).collect());
        Ok(Self { ip, user_agent })
    }
}
