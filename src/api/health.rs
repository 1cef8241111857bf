//! `/healthz` (the process runs) and `/readyz` (the database answers).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::responses::Always;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::DynStore;

/// How long `/readyz` waits for the database before calling it unavailable.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health_live))
        .routes(routes!(health_ready))
}

/// What the probes answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    #[schema(example = "ok")]
    status: &'static str,
}

/// Liveness: `200` while the process runs. It touches nothing else, so a load balancer
/// never restarts a node because its database is slow.
#[utoipa::path(get, path = "/healthz", tag = "service", security(),
    responses((status = 200, description = "The process runs", body = Health), Always))]
async fn health_live() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: `200` when the database answers within two seconds, else `503` with
/// `Retry-After`.
#[utoipa::path(get, path = "/readyz", tag = "service", security(),
    responses((status = 200, description = "The database answers", body = Health), Always))]
async fn health_ready(State(store): State<DynStore>) -> AppResult<Json<Health>> {
    match tokio::time::timeout(READY_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => Ok(Json(Health { status: "ready" })),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(AppError::Unavailable)
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            Err(AppError::Unavailable)
        }
    }
}
