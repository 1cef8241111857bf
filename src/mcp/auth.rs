//! Who calls `/mcp`: a personal access token as the bearer (OAuth access tokens for MCP
//! clients come next, docs/decisions.md). The layer in front of the transport checks it on
//! every request (the transport keeps no sessions, so any node answers any request) and
//! puts the caller in the request's extensions, where the tools read it.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::auth::AccessTokens;
use crate::auth::pat::Scope;
use crate::error::{AppError, AuthFailure};
use crate::http::auth::personal_token;

/// The caller of a tool.
#[derive(Debug, Clone, Copy)]
pub struct McpCaller {
    /// The user.
    pub user: Uuid,
    /// Whether the token may write (`tasks:write`); every token may read.
    pub write: bool,
}

/// Checks the bearer; `401` without a live token.
pub async fn authenticate(
    State(tokens): State<AccessTokens>,
    mut req: Request,
    next: Next,
) -> Response {
    let secret = personal_token(req.headers()).map(str::to_owned);
    let grant = match secret {
        Some(secret) => match tokens.authenticate(&secret).await {
            Ok(grant) => grant,
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    let Some(grant) = grant.filter(|g| g.allows(Scope::TasksRead)) else {
        let mut res = AppError::Unauthorized {
            failure: AuthFailure::Missing,
            detail: "send a personal access token (Access tokens page) as `Authorization: Bearer tw_pat_...`"
                .into(),
        }
        .into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Bearer realm="Taskward MCP""#),
        );
        return res;
    };
    req.extensions_mut().insert(McpCaller {
        user: grant.user_id,
        write: grant.allows(Scope::TasksWrite),
    });
    next.run(req).await
}
