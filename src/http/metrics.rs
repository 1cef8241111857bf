//! The HTTP side of the metrics: every request timed and counted by its matched route,
//! and `GET /metrics` in Prometheus' text format, on the main listener or its own.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{FromRef, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

use crate::metrics::Metrics;
use crate::store::DynStore;

/// Middleware: times every request and counts it by its matched route.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    // The route template (`/api/tasks/{id}`), so ids never become label values.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let res = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    metrics.request(&method, &route, res.status().as_u16(), seconds);
    res
}

async fn metrics_get(
    State(metrics): State<Arc<Metrics>>,
    State(store): State<DynStore>,
) -> Response {
    let body = metrics.render(&store.pool_stats());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// `GET /metrics`, to merge into the main router when `METRICS=on`.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Metrics>: FromRef<S>,
    DynStore: FromRef<S>,
{
    Router::new().route("/metrics", get(metrics_get))
}

/// Serves only `GET /metrics` on `listener` (the `METRICS_BIND` address) until `shutdown`.
pub async fn serve<S>(
    listener: TcpListener,
    state: S,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: Clone + Send + Sync + 'static,
    Arc<Metrics>: FromRef<S>,
    DynStore: FromRef<S>,
{
    axum::serve(listener, router().with_state(state))
        .with_graceful_shutdown(shutdown)
        .await
}
