//! Who is calling, read from the request: [`CurrentUser`] from the `Authorization: Bearer`
//! header (checked by the [`Authenticator`]), the only way an API handler learns who is
//! calling; and [`ClientInfo`], the client's address and user agent for rate limits and
//! sessions.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use ipnet::IpNet;

use crate::auth::pat::{Scope, TOKEN_PREFIX};
use crate::auth::{AccessTokens, Authenticator, ClientInfo, CurrentUser, Recovery};
use crate::config::Config;
use crate::error::{AppError, AuthFailure};

/// The token of an `Authorization: Bearer <token>` header's value (the scheme in any
/// case); `None` for another scheme or no token.
fn bearer_of(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The token of a request's `Authorization: Bearer` header, if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_of)
}

/// The personal access token (`tw_pat_...`) a request carries as its bearer, if any.
pub fn personal_token(headers: &HeaderMap) -> Option<&str> {
    bearer_token(headers).filter(|token| token.starts_with(TOKEN_PREFIX))
}

fn invalid(detail: &str) -> AppError {
    AppError::Unauthorized {
        failure: AuthFailure::InvalidToken,
        detail: detail.to_owned(),
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    Arc<Authenticator>: FromRef<S>,
{
    type Rejection = AppError;

    /// Leaves the external subject, if the token had one, in the request's extensions
    /// beside the user it returns: `/api/{user_id}/tasks` accepts it as `{user_id}`.
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        // Only the Authorization header: a token in the query string (`?access_token=`)
        // ends up in logs and browser history, so it is never read (RFC 6750 5.3).
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(AppError::Unauthorized {
                failure: AuthFailure::Missing,
                detail: "this route needs an `Authorization: Bearer <access token>` header".into(),
            });
        };
        let token =
            value.to_str().ok().and_then(bearer_of).ok_or_else(|| {
                invalid("the Authorization header must be `Bearer <access token>`")
            })?;
        let authenticator = Arc::<Authenticator>::from_ref(state);
        let (user, external) = authenticator.authenticate(token).await?;
        if let Some(subject) = external {
            parts.extensions.insert(subject);
        }
        Ok(user)
    }
}

/// The caller of a route a personal access token may call as well as a session (API-2.md
/// section 5: tasks, lists, reminders, feeds): a `tw_pat_` bearer is checked by
/// [`AccessTokens`] (reads need `tasks:read`, every other method `tasks:write`, else `403`
/// with `error="insufficient_scope"`); any other bearer is a [`CurrentUser`]. Routes that
/// manage the account, its sessions or its tokens take a [`CurrentUser`] alone, so a
/// personal access token is `401` there. With `REQUIRE_EMAIL_VERIFICATION=on`, a caller
/// whose address is not verified is `403` here (and only here: the account routes stay
/// open, so that they can verify it).
#[derive(Debug, Clone, Copy)]
pub struct ScopedUser(pub CurrentUser);

impl<S> FromRequestParts<S> for ScopedUser
where
    S: Send + Sync,
    Arc<Authenticator>: FromRef<S>,
    AccessTokens: FromRef<S>,
    Arc<Recovery>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let user = Self::caller(parts, state).await?;
        Arc::<Recovery>::from_ref(state)
            .require_verified(user.0.id)
            .await?;
        Ok(user)
    }
}

impl ScopedUser {
    /// The caller: a personal access token's owner within its scopes, or a session's user.
    async fn caller<S>(parts: &mut Parts, state: &S) -> Result<Self, AppError>
    where
        S: Send + Sync,
        Arc<Authenticator>: FromRef<S>,
        AccessTokens: FromRef<S>,
    {
        let Some(secret) = personal_token(&parts.headers) else {
            return CurrentUser::from_request_parts(parts, state)
                .await
                .map(Self);
        };
        let Some(grant) = AccessTokens::from_ref(state).authenticate(secret).await? else {
            return Err(invalid(
                "this personal access token is unknown, expired or revoked",
            ));
        };
        let needed = if parts.method.is_safe() {
            Scope::TasksRead
        } else {
            Scope::TasksWrite
        };
        if !grant.allows(needed) {
            return Err(AppError::InsufficientScope {
                scope: needed.as_str(),
            });
        }
        Ok(Self(CurrentUser {
            id: grant.user_id,
            session_id: None,
        }))
    }
}

impl<S> FromRequestParts<S> for ClientInfo
where
    S: Send + Sync,
    Arc<Config>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)), |c| c.0);
        let config = Arc::<Config>::from_ref(state);
        let ip = client_ip(peer, &parts.headers, &config.trusted_proxies);
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(256).collect());
        Ok(Self { ip, user_agent })
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the right-most
/// address in `X-Forwarded-For` that is not itself a trusted proxy. Addresses further left
/// were written by the client and can be forged.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(&ip));
    let peer = peer.ip().to_canonical();
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip.to_canonical()) => continue,
            Ok(ip) => return ip.to_canonical(),
            // Garbage from here on was written by someone we do not trust.
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.9".parse().expect("header"),
        );
        let peer: SocketAddr = "10.0.0.2:5000".parse().expect("addr");
        assert_eq!(client_ip(peer, &headers, &[]), peer.ip());

        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("net")];
        // The proxy appended the real client; the left entry is the client's own forgery.
        assert_eq!(
            client_ip(peer, &headers, &trusted),
            "203.0.113.9".parse::<IpAddr>().expect("ip")
        );
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 10.0.0.9".parse().expect("header"),
        );
        assert_eq!(
            client_ip(peer, &headers, &trusted),
            "203.0.113.9".parse::<IpAddr>().expect("ip"),
            "trusted hops are skipped"
        );
    }
}
