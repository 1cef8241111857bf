//! The app: every face's routes in one router behind the HTTP shell, and the server
//! that serves it. The top of the crate: it assembles what is below and nothing imports it.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

use crate::error::AppError;
use crate::state::{AppState, StartupError};
use crate::{api, http, web};

/// The whole application as one router, with every middleware applied.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let mut routes = api::router(&config).merge(web::router());
    if config.metrics {
        routes = routes.merge(http::metrics::router());
    }
    let metrics_on = config.metrics || config.metrics_bind.is_some();
    let metrics = metrics_on.then(|| state.metrics.clone());
    let routes = routes.fallback(not_found).with_state(state);
    http::with_middleware(routes, &config, metrics)
}

/// Unknown routes: a friendly page for a browser navigating outside `/api/`, else the
/// problem+json 404 that API clients rely on.
async fn not_found(uri: Uri, headers: HeaderMap) -> Response {
    let api = uri.path() == "/api" || uri.path().starts_with("/api/");
    if !api && web::wants_html(&headers) {
        return web::error::not_found();
    }
    AppError::not_found().into_response()
}

/// Binds the configured address, with a clear message when that is impossible.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, StartupError> {
    TcpListener::bind(addr).await.map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => "is already in use by another program".to_owned(),
            std::io::ErrorKind::PermissionDenied => {
                "needs privileges this process does not have (use a port above 1023)".to_owned()
            }
            std::io::ErrorKind::AddrNotAvailable => "is not an address of this machine".to_owned(),
            _ => format!("cannot be used: {e}"),
        };
        StartupError::Bind(format!(
            "BIND {addr} {why}; choose another with BIND or --bind"
        ))
    })
}

/// Serves `state` on `listener` until `shutdown` completes, then lets in-flight requests
/// finish and closes the database. `main` and the tests both start the server this way.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let header_timeout = http::header_read_timeout(state.config.request_timeout);
    let router = app(state);
    let served = http::serve(listener, router, header_timeout, shutdown).await;
    store.close().await;
    served
}
