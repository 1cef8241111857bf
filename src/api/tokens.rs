//! `/api/auth/tokens...`: the caller's personal access tokens (API-2.md section 5), for
//! scripts and CalDAV clients. Managed with a session's access token only: a personal
//! access token never manages tokens.

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::ids::AccessTokenId;
use super::responses::{Always, Authenticated, NotFound, ReadsBody};
use super::wire::{Fields, body};
use crate::auth::pat::{AccessToken, ExpiresIn, Scope, Scopes, TokenName};
use crate::auth::{AccessTokens, CurrentUser, NewAccessToken};
use crate::error::{AppError, AppResult};
use crate::http::ApiJson;
use crate::state::AppState;

/// The token routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().nest(
        "/api/auth/tokens",
        OpenApiRouter::new()
            .routes(routes!(tokens_all, tokens_create))
            .routes(routes!(tokens_revoke)),
    )
}

/// What a token may do. `tasks:write` implies `tasks:read`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[schema(as = Scope)]
pub enum ScopeWire {
    /// Read lists, tasks, reminders and feeds.
    #[serde(rename = "tasks:read")]
    TasksRead,
    /// Read and change them.
    #[serde(rename = "tasks:write")]
    TasksWrite,
}

impl From<ScopeWire> for Scope {
    fn from(s: ScopeWire) -> Self {
        match s {
            ScopeWire::TasksRead => Self::TasksRead,
            ScopeWire::TasksWrite => Self::TasksWrite,
        }
    }
}

impl From<Scope> for ScopeWire {
    fn from(s: Scope) -> Self {
        match s {
            Scope::TasksRead => Self::TasksRead,
            Scope::TasksWrite => Self::TasksWrite,
        }
    }
}

body! {
    /// A new personal access token. Unknown members are ignored.
    pub struct AccessTokenInput {
        /// What it is for, to tell tokens apart: 1 to 100 characters.
        #[schema(required, example = "Thunderbird on the laptop", min_length = 1, max_length = 100)]
        name: String,
        /// What it may do: at least one scope.
        #[schema(required, example = json!(["tasks:read", "tasks:write"]))]
        scopes: Vec<ScopeWire>,
        /// Days until it stops working, 1 to 3650; absent or `null`: never (until revoked).
        #[schema(nullable, example = 90, minimum = 1, maximum = 3650)]
        expires_in_days: i64,
    }
}

/// A personal access token as its owner sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AccessToken)]
pub struct AccessTokenView {
    id: Uuid,
    name: String,
    /// The secret (`tw_pat_...`): in the answer to its creation only. Send it as the
    /// password of CalDAV's Basic authentication, with the account's email.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "tw_pat_q1Xv1mJ0s4pHf2W0aZQ7y3cRkT9uLhB6eN8dG5oI2jA")]
    token: Option<String>,
    scopes: Vec<ScopeWire>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
    /// When it stops working; `null`: never.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<OffsetDateTime>,
    /// When it was last accepted, to the minute; `null`: never.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_used_at: Option<OffsetDateTime>,
}

impl AccessTokenView {
    fn of(t: AccessToken, token: Option<String>) -> Self {
        Self {
            id: t.id,
            name: t.name,
            token,
            scopes: t.scopes.iter().map(ScopeWire::from).collect(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// The caller's personal access tokens, oldest first (without their secrets).
#[utoipa::path(get, path = "/", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, description = "The tokens", body = Vec<AccessTokenView>),
        Authenticated, Always,
    ))]
async fn tokens_all(State(tokens): State<AccessTokens>, user: CurrentUser) -> AppResult<Response> {
    let all: Vec<AccessTokenView> = tokens
        .list(user.id)
        .await?
        .into_iter()
        .map(|t| AccessTokenView::of(t, None))
        .collect();
    Ok(Json(all).into_response())
}

/// Make a personal access token (at most 50). The answer carries its secret `token`,
/// shown this once and sent with `Cache-Control: no-store`.
#[utoipa::path(post, path = "/", tag = "accounts", security(("bearer" = [])), request_body = AccessTokenInput,
    responses(
        (status = 201, description = "Created", body = AccessTokenView, headers(
            ("Location" = String, description = "The new token's URL in the API"),
            ("Cache-Control" = String, description = "`no-store`: the secret is never cached"))),
        Authenticated, ReadsBody, Always,
    ))]
async fn tokens_create(
    State(tokens): State<AccessTokens>,
    user: CurrentUser,
    OriginalUri(uri): OriginalUri,
    ApiJson(body): ApiJson<AccessTokenInput>,
) -> AppResult<Response> {
    let mut f = Fields::new();
    let name = f.required("name", body.name, |n| TokenName::parse(&n));
    let scopes = f.required("scopes", body.scopes, |s| {
        Scopes::new("scopes", s.into_iter().map(Scope::from))
    });
    let expires_in = f.optional("expires_in_days", body.expires_in_days, Some(None), |d| {
        ExpiresIn::days("expires_in_days", d).map(Some)
    });
    let new = name
        .zip(scopes)
        .zip(expires_in)
        .map(|((name, scopes), expires_in)| NewAccessToken {
            name,
            scopes,
            expires_in: expires_in.flatten(),
        });
    let new = f.finish(new).map_err(AppError::Validation)?;
    let (token, secret) = tokens.create(user.id, new).await?;
    let id = token.id;
    let mut res = (
        StatusCode::CREATED,
        Json(AccessTokenView::of(token, Some(secret))),
    )
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(super::located(res, &uri, id))
}

/// Revoke a personal access token: refused from now on.
#[utoipa::path(delete, path = "/{id}", tag = "accounts", security(("bearer" = [])), params(AccessTokenId),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, response = NotFound),
        Authenticated, Always,
    ))]
async fn tokens_revoke(
    State(tokens): State<AccessTokens>,
    user: CurrentUser,
    AccessTokenId(id): AccessTokenId,
) -> AppResult<StatusCode> {
    tokens.revoke(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
