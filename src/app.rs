//! The app: every face's routes in one router behind the HTTP shell, and the server
//! that serves it. The top of the crate: it assembles what is below and nothing imports it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::notify::Worker;
use crate::state::{AppState, StartupError};
use crate::{api, dav, http, mcp, web};

/// The whole application as one router, with every middleware applied.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let mut routes = api::router(&config)
        .merge(web::router())
        .merge(dav::router())
        .merge(mcp::router(&state));
    if config.metrics {
        routes = routes.merge(http::metrics::router());
    }
    let metrics_on = config.metrics || config.metrics_bind.is_some();
    let metrics = metrics_on.then(|| state.metrics.clone());
    // The fallback (a page for browsers, problem+json for API clients) is the web's.
    let routes = routes
        .with_state(state)
        .layer(axum::middleware::from_fn(dav::bare_host));
    http::with_middleware(routes, &config, metrics)
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

/// How long a stopping server waits for the reminder worker's batch in flight.
const WORKER_GRACE: std::time::Duration = std::time::Duration::from_secs(15);

/// The reminder worker of this node: the store's queue, sending with the app's senders,
/// webhooks carrying tasks as the API shows them.
fn reminder_worker(state: &AppState) -> Worker {
    Worker {
        queue: state.store.clone(),
        tasks: state.store.clone(),
        users: state.store.clone(),
        senders: state.notifications.senders().clone(),
        render: Arc::new(api::task_json),
        public_url: state.config.public_url.clone(),
        metrics: Arc::clone(&state.metrics),
    }
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
    let stop = Arc::new(Notify::new());
    let worker = tokio::spawn(reminder_worker(&state).run(Arc::clone(&stop)));
    let router = app(state);
    let served = http::serve(listener, router, header_timeout, shutdown).await;
    // The requests are done; the worker finishes the batch it is sending.
    stop.notify_one();
    if tokio::time::timeout(WORKER_GRACE, worker).await.is_err() {
        tracing::warn!(
            "the reminder worker did not stop in time; its claims run out and another node (or the next start) takes them"
        );
    }
    store.close().await;
    served
}
