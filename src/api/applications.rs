//! `/api/auth/applications...`: the caller's connected applications (API-2.md section 5),
//! the MCP clients they allowed through OAuth, beside their personal access tokens.
//! Managed with a session's access token only.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::ids::ApplicationId;
use super::responses::{Always, Authenticated, NotFound};
use super::tokens::ScopeWire;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::oauth::OAuth;
use crate::state::AppState;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().nest(
        "/api/auth/applications",
        OpenApiRouter::new()
            .routes(routes!(applications_all))
            .routes(routes!(applications_revoke)),
    )
}

/// An application the user connected through OAuth (an MCP client).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ConnectedApplication)]
pub struct ApplicationView {
    id: Uuid,
    /// The name the application registered with (its own words).
    #[schema(example = "Claude")]
    name: String,
    /// What it may do.
    scopes: Vec<ScopeWire>,
    /// When the user allowed it.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
    /// When it was last accepted, to the minute; `null`: never.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_used_at: Option<OffsetDateTime>,
}

/// The caller's connected applications, newest first.
#[utoipa::path(get, path = "/", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, description = "The applications", body = Vec<ApplicationView>),
        Authenticated, Always,
    ))]
async fn applications_all(
    State(oauth): State<OAuth>,
    user: CurrentUser,
) -> AppResult<Json<Vec<ApplicationView>>> {
    let all = oauth
        .grants(user.id)
        .await?
        .into_iter()
        .map(|a| ApplicationView {
            id: a.grant.id,
            name: a.client_name,
            scopes: a.grant.scopes.iter().map(ScopeWire::from).collect(),
            created_at: a.grant.created_at,
            last_used_at: a.grant.last_used_at,
        })
        .collect();
    Ok(Json(all))
}

/// Disconnect an application: its tokens are refused from now on, on every node.
#[utoipa::path(delete, path = "/{id}", tag = "accounts", security(("bearer" = [])), params(ApplicationId),
    responses(
        (status = 204, description = "Disconnected"),
        (status = 404, response = NotFound),
        Authenticated, Always,
    ))]
async fn applications_revoke(
    State(oauth): State<OAuth>,
    user: CurrentUser,
    ApplicationId(id): ApplicationId,
) -> AppResult<StatusCode> {
    oauth.revoke(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
