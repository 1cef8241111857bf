//! Extractors: [`CurrentUser`], the only way a handler learns who is calling, and
//! [`ClientInfo`], the caller's address and user agent for rate limits and sessions.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, AuthFailure};

/// The authenticated caller of a protected route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentUser {
    /// The user's id (the token's `sub`).
    pub id: Uuid,
    /// The session the access token belongs to; `None` for tokens minted by another
    /// component with the shared secret.
    pub session_id: Option<Uuid>,
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
        authenticate(state, token).await
    }
}

/// Checks an access token and that its session is still active: the one check behind the
/// Bearer header here and the web app's session cookie.
pub async fn authenticate(state: &AppState, token: &str) -> Result<CurrentUser, AppError> {
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
    Ok(CurrentUser {
        id: subject.user_id,
        session_id: subject.session_id,
    })
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
