//! `/healthz` (the process runs) and `/readyz` (the database answers).

use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{AppError, AppResult};

/// How long `/readyz` waits for the database before calling it unavailable.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health_live))
        .route("/readyz", get(health_ready))
}

/// `200` while the process runs; it touches nothing else, so a load balancer never
/// restarts a node because its database is slow.
async fn health_live() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `200` when the database answers within two seconds, else `503` with `Retry-After`.
async fn health_ready(State(state): State<AppState>) -> AppResult<Json<Value>> {
    match tokio::time::timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => Ok(Json(json!({ "status": "ready" }))),
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
