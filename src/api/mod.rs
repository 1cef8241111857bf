//! The JSON API: one router per resource, merged here.

mod auth;
mod health;
mod tasks;

use axum::Router;

use crate::AppState;

/// Every API and service route.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(tasks::router())
}
