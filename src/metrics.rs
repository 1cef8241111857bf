//! Prometheus metrics: requests by route and status, latency histograms, database pool
//! occupancy, sign-in failures and rate-limit hits, rendered in the text format.
//!
//! Each [`AppState`] owns its own recorder (no global `metrics` recorder), so several apps in
//! one process (the tests) never mix their numbers. Off by default: `METRICS=on` serves
//! `/metrics` on the main listener, `METRICS_BIND` on a separate address only.

use std::future::Future;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics::{Key, Label, Level, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use tokio::net::TcpListener;

use crate::AppState;

/// Latency buckets in seconds: 1 ms to 10 s.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const REQUESTS: &str = "taskward_http_requests_total";
const LATENCY: &str = "taskward_http_request_duration_seconds";
const SIGNIN_FAILURES: &str = "taskward_signin_failures_total";
const RATE_LIMITED: &str = "taskward_rate_limited_total";
const POOL_SIZE: &str = "taskward_db_pool_connections";
const POOL_IDLE: &str = "taskward_db_pool_idle_connections";
const POOL_MAX: &str = "taskward_db_pool_max_connections";

static META: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// The counters of one app.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// A fresh recorder with every metric described.
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(LATENCY.into()), BUCKETS)
            .map_or_else(
                |_| PrometheusBuilder::new().build_recorder(),
                |b| b.build_recorder(),
            );
        let describe = |name: &'static str, unit: Option<Unit>, help: &'static str| {
            recorder.describe_counter(name.into(), unit, SharedString::const_str(help));
        };
        describe(REQUESTS, None, "HTTP requests by method, route and status");
        describe(
            SIGNIN_FAILURES,
            None,
            "Sign-ins refused for a wrong email or password",
        );
        describe(
            RATE_LIMITED,
            None,
            "Requests answered 429 by a rate limit, by route",
        );
        recorder.describe_histogram(
            LATENCY.into(),
            Some(Unit::Seconds),
            SharedString::const_str("HTTP request latency by method and route"),
        );
        let handle = recorder.handle();
        Self { recorder, handle }
    }

    /// Counts one answered request. `route` is the matched route template, never the path.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = vec![
            Label::new("method", method.to_owned()),
            Label::new("route", route.to_owned()),
        ];
        let mut with_status = labels.clone();
        with_status.push(Label::new("status", status.to_string()));
        self.recorder
            .register_counter(&Key::from_parts(REQUESTS, with_status), &META)
            .increment(1);
        self.recorder
            .register_histogram(&Key::from_parts(LATENCY, labels), &META)
            .record(seconds);
        if status == 429 {
            self.recorder
                .register_counter(
                    &Key::from_parts(RATE_LIMITED, vec![Label::new("route", route.to_owned())]),
                    &META,
                )
                .increment(1);
        }
    }

    /// Counts a refused sign-in (API or web form).
    pub fn sign_in_failed(&self) {
        self.recorder
            .register_counter(&Key::from_name(SIGNIN_FAILURES), &META)
            .increment(1);
    }

    /// The text exposition, with the pool gauges read now.
    pub fn render(&self, state: &AppState) -> String {
        for pool in state.store.pool_stats() {
            let labels = || vec![Label::new("pool", pool.name)];
            for (name, value) in [
                (POOL_SIZE, pool.size),
                (POOL_IDLE, pool.idle),
                (POOL_MAX, pool.max),
            ] {
                self.recorder
                    .register_gauge(&Key::from_parts(name, labels()), &META)
                    .set(f64::from(value));
            }
        }
        self.handle.render()
    }
}

/// Middleware: times every request and counts it by its matched route.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    // The route template (`/api/tasks/{id}`), so ids never become label values.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let res = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    state
        .metrics
        .request(&method, &route, res.status().as_u16(), seconds);
    res
}

async fn metrics_get(State(state): State<AppState>) -> Response {
    let body = state.metrics.render(&state);
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
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics_get))
}

/// Serves only `GET /metrics` on `listener` (the `METRICS_BIND` address) until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router().with_state(state))
        .with_graceful_shutdown(shutdown)
        .await
}
