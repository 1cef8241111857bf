//! Prometheus metrics: requests by route and status, latency histograms, database pool
//! occupancy, sign-in failures and rate-limit hits, rendered in the text format.
//!
//! Each app owns its own recorder (no global `metrics` recorder), so several apps in one
//! process (the tests) never mix their numbers. The HTTP side (timing every request,
//! serving `/metrics`) is `http::metrics`. Off by default: `METRICS=on` serves `/metrics`
//! on the main listener, `METRICS_BIND` on a separate address only.

use metrics::{Key, Label, Level, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

/// The occupancy of one connection pool of the database, as the store reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Which pool (`writer`, `reader` on SQLite; `main` on PostgreSQL).
    pub name: &'static str,
    /// Connections open.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Most connections the pool may open.
    pub max: u32,
}

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
const DELIVERIES: &str = "taskward_reminder_deliveries_total";
const LAG: &str = "taskward_reminder_lag_seconds";
const QUEUE: &str = "taskward_reminder_queue";
const ROUNDS: &str = "taskward_reminder_worker_rounds_total";

/// Reminder lag buckets in seconds: 100 ms to a day.
const LAG_BUCKETS: &[f64] = &[
    0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0, 86400.0,
];

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
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(LAG.into()), LAG_BUCKETS))
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
        describe(
            DELIVERIES,
            None,
            "Reminder and test deliveries by channel kind and outcome (delivered, retrying, failed, missed)",
        );
        describe(
            ROUNDS,
            None,
            "Times the reminder worker woke to look at the queue (a timer or a write; never a polling loop)",
        );
        recorder.describe_histogram(
            LAG.into(),
            Some(Unit::Seconds),
            SharedString::const_str(
                "How late a delivered reminder was, from its time to its acceptance",
            ),
        );
        recorder.describe_gauge(
            QUEUE.into(),
            None,
            SharedString::const_str(
                "Reminders due and deliveries not yet final, as the last worker round saw them",
            ),
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

    /// Counts an attempt of a delivery over a `channel` kind that ended as `outcome` (a
    /// delivery status), and for one delivered, how late it was.
    pub fn delivery(&self, channel: &'static str, outcome: &'static str, lag: Option<f64>) {
        let labels = vec![
            Label::new("channel", channel),
            Label::new("outcome", outcome),
        ];
        self.recorder
            .register_counter(&Key::from_parts(DELIVERIES, labels), &META)
            .increment(1);
        if let Some(seconds) = lag {
            self.recorder
                .register_histogram(&Key::from_name(LAG), &META)
                .record(seconds);
        }
    }

    /// Counts a round of the reminder worker.
    pub fn reminder_round(&self) {
        self.recorder
            .register_counter(&Key::from_name(ROUNDS), &META)
            .increment(1);
    }

    /// The depth of the reminder queue: fires due, deliveries not yet final.
    pub fn reminder_queue(&self, fires: u64, deliveries: u64) {
        for (queue, n) in [("fires", fires), ("deliveries", deliveries)] {
            self.recorder
                .register_gauge(
                    &Key::from_parts(QUEUE, vec![Label::new("queue", queue)]),
                    &META,
                )
                .set(n as f64);
        }
    }

    /// Counts a refused sign-in (API or web form).
    pub fn sign_in_failed(&self) {
        self.recorder
            .register_counter(&Key::from_name(SIGNIN_FAILURES), &META)
            .increment(1);
    }

    /// The text exposition, with the gauges of `pools` as read now.
    pub fn render(&self, pools: &[PoolStats]) -> String {
        for pool in pools {
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
