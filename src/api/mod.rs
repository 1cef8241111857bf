//! The JSON API: one router per resource, merged here.

mod auth;
mod health;

use axum::Router;

use crate::AppState;

/// Every API and service route.
pub fn router() -> Router<AppState> {
    Router::new().merge(health::router()).merge(auth::router())
}
