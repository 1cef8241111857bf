//! `/api/auth/sessions...`: the caller's sign-in sessions (API-2.md section 6), one per
//! device, and ending one of them. With a session's access token only.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::ids::SessionId;
use super::responses::{Always, Authenticated, NotFound};
use crate::auth::{Accounts, CurrentUser};
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::SessionRecord;

/// The session routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sessions_all))
        .routes(routes!(sessions_end))
}

/// A session that still works: a device signed in to the account.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Session, example = json!({"id": "019ab8d2-6c4e-7d1a-9a35-2f1e0c8b7a64",
    "current": true, "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    "ip": "203.0.113.9", "created_at": "2026-11-25T09:30:00Z",
    "last_used_at": "2026-11-26T08:00:00Z", "expires_at": "2026-12-26T08:00:00Z"}))]
pub struct SessionView {
    id: Uuid,
    /// Whether it is the session of the access token of this request.
    current: bool,
    /// The `User-Agent` that signed in; `null` when none was sent.
    user_agent: Option<String>,
    /// The client address that signed in (after trusted proxies); `null` for sessions
    /// older than this field.
    ip: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
    /// Its last refresh (access tokens live 15 minutes, so it is at most that old while
    /// the device is in use).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    last_used_at: OffsetDateTime,
    /// When it ends unless refreshed.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    expires_at: OffsetDateTime,
}

impl SessionView {
    fn of(s: SessionRecord, current: Option<Uuid>) -> Self {
        Self {
            current: current == Some(s.id),
            id: s.id,
            user_agent: s.user_agent,
            ip: s.ip,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            expires_at: s.expires_at,
        }
    }
}

/// The caller's sessions that still work, newest first.
#[utoipa::path(get, path = "/api/auth/sessions", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, description = "The sessions", body = Vec<SessionView>),
        Authenticated, Always,
    ))]
async fn sessions_all(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
) -> AppResult<Json<Vec<SessionView>>> {
    let all = accounts.sessions(user).await?;
    Ok(Json(
        all.into_iter()
            .map(|s| SessionView::of(s, user.session_id))
            .collect(),
    ))
}

/// End one of the caller's sessions: its access and refresh tokens stop working at once,
/// on every node. Ending the current one signs out.
#[utoipa::path(delete, path = "/api/auth/sessions/{id}", tag = "accounts", security(("bearer" = [])),
    params(SessionId),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, response = NotFound),
        Authenticated, Always,
    ))]
async fn sessions_end(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
    SessionId(id): SessionId,
) -> AppResult<StatusCode> {
    accounts.end_session(user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
