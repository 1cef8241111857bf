//! Taskward: a self-hosted todo service in one binary.
//!
//! The library holds everything; `main.rs` only parses the command line. Tests and `main`
//! share one path to a running server: [`AppState::build`] then [`run`].

pub mod api;
pub mod auth;
pub mod better_auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod http;
pub mod import;
pub mod metrics;
pub mod store;
pub mod tasks;
pub mod telemetry;
pub mod tools;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::store::{ConnectOptions, DynStore, StoreError};

/// Everything a handler may use, shared by all requests. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// The database.
    pub store: DynStore,
    /// Passwords, tokens and rate limits.
    pub auth: Arc<auth::Auth>,
    /// Prometheus counters (exposed only when metrics are on).
    pub metrics: Arc<metrics::Metrics>,
}

/// Why the server could not start; each variant's text is one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is unusable (checked after parsing, e.g. the JWT secret file).
    #[error("{0}")]
    Config(String),
    /// The database could not be opened, reached or migrated.
    #[error("{0}")]
    Database(String),
    /// The listen address could not be used.
    #[error("{0}")]
    Bind(String),
}

impl AppState {
    /// Opens the database (running migrations) and assembles the shared state.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        install_tls_provider();
        let store = store::connect(
            &config.database_url,
            ConnectOptions {
                pool_size: config.database_pool_size,
                acquire_timeout: Duration::from_secs(5),
            },
        )
        .await
        .map_err(|e| match e {
            StoreError::Open(msg) => StartupError::Database(msg),
            other => StartupError::Database(format!(
                "cannot open the database `{}`: {other}",
                config.database_url.redacted()
            )),
        })?;
        // After the database: the generated secret lives next to the SQLite file.
        let auth = Arc::new(auth::Auth::new(&config)?);
        Ok(Self {
            config: Arc::new(config),
            store,
            auth,
            metrics: Arc::new(metrics::Metrics::new()),
        })
    }
}

/// Installs rustls' `ring` provider as the process-wide default (idempotent). Every
/// `reqwest` client with TLS needs one: reqwest is built with `rustls-no-provider`, since
/// its default provider (aws-lc-rs) needs a much longer C build. Called by
/// [`AppState::build`]; call it before building a client elsewhere.
pub fn install_tls_provider() {
    // `Err` only means a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The whole application as one router, with every middleware applied.
pub fn app(state: AppState) -> Router {
    let mut routes = api::router().merge(web::router());
    if state.config.metrics {
        routes = routes.merge(metrics::router());
    }
    http::with_middleware(routes, state)
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
