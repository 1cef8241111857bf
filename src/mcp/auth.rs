//! Who calls `/mcp`: a personal access token (`tw_pat_`) or an OAuth access token
//! (`tw_oat_`) as the bearer, never a web session's. The layer in front of the transport
//! checks it on every request (the transport keeps no sessions, so any node answers any
//! request) and puts the caller in the request's extensions, where the tools read it.
//! Without a live token: `401` with the address of the resource metadata (RFC 9728
//! section 5.1), where an MCP client learns how to get one.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use rmcp::ErrorData;
use rmcp::handler::server::common::{AsRequestContext, FromContextPart};
use uuid::Uuid;

use super::oauth::RESOURCE_METADATA_PATH;
use crate::auth::pat::{Scope, TokenGrant};
use crate::error::{AppError, AppResult, AuthFailure};
use crate::http::auth::bearer_token;
use crate::http::public_base;
use crate::oauth::model::ACCESS_PREFIX;
use crate::state::AppState;

/// The caller of a tool.
#[derive(Debug, Clone, Copy)]
pub struct McpCaller {
    /// The user.
    pub user: Uuid,
    /// Whether the token may write (`tasks:write`); every token may read.
    pub write: bool,
}

/// The caller as a tool reads it: the [`McpCaller`] this layer put in the HTTP request,
/// whose head rmcp hands the tool (its `Extension<Parts>` would copy the whole head, every
/// header, to read it), or none.
pub struct Caller(pub Option<McpCaller>);

impl<C: AsRequestContext> FromContextPart<C> for Caller {
    fn from_context_part(context: &mut C) -> Result<Self, ErrorData> {
        let parts = context.as_request_context().extensions.get::<Parts>();
        Ok(Self(
            parts.and_then(|p| p.extensions.get::<McpCaller>().copied()),
        ))
    }
}

/// What the bearer `secret` grants, if it is a live token of either kind.
async fn grant_of(state: &AppState, secret: &str) -> AppResult<Option<TokenGrant>> {
    if secret.starts_with(ACCESS_PREFIX) {
        state.oauth.authenticate(secret).await
    } else {
        state.access_tokens.authenticate(secret).await
    }
}

/// Checks the bearer; `401` without a live token.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let secret = bearer_token(req.headers()).map(str::to_owned);
    let grant = match &secret {
        Some(secret) => match grant_of(&state, secret).await {
            Ok(grant) => grant,
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    let Some(grant) = grant.filter(|g| g.allows(Scope::TasksRead)) else {
        let (failure, error) = if secret.is_some() {
            (AuthFailure::InvalidToken, r#"error="invalid_token", "#)
        } else {
            (AuthFailure::Missing, "")
        };
        let mut res = AppError::Unauthorized {
            failure,
            detail: "send an access token as `Authorization: Bearer ...`: a personal access \
                     token (Access tokens page), or one from Taskward's OAuth authorization \
                     (the resource metadata in `WWW-Authenticate` says where)"
                .into(),
        }
        .into_response();
        let base = public_base(&state.config, req.headers());
        let challenge = format!(
            r#"Bearer {error}resource_metadata="{base}{RESOURCE_METADATA_PATH}", scope="tasks:read tasks:write""#
        );
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        return res;
    };
    // REQUIRE_EMAIL_VERIFICATION closes the tools as it closes the task API.
    if let Err(e) = state.recovery.require_verified(grant.user_id).await {
        return e.into_response();
    }
    req.extensions_mut().insert(McpCaller {
        user: grant.user_id,
        write: grant.allows(Scope::TasksWrite),
    });
    next.run(req).await
}
