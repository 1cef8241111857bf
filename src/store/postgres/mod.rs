//! The PostgreSQL store: a connection pool shared by the handlers of one node; several
//! nodes may share one database because no state lives in the process. A file per
//! resource, as in the SQLite store.
//!
//! Migrations take PostgreSQL's advisory lock (sqlx does this), so nodes started at the
//! same time do not run them twice.

mod access_tokens;
mod account_tokens;
mod database;
mod dav;
mod feeds;
mod identities;
mod import;
mod kept;
mod limits;
mod lists;
mod notify;
mod oauth;
mod sessions;
mod task_rows;
mod tasks;
mod trash;
mod two_factor;
mod users;

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::{ConnectOptions, StoreError, StoreResult};
use crate::config::redact_url;

/// PostgreSQL behind a pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(super) pool: PgPool,
    /// Wakes the reminder worker when a fire or a delivery is written, by this node or
    /// (once it listens) by any.
    signal: std::sync::Arc<tokio::sync::Notify>,
}

impl PgStore {
    /// Connects to `url` and runs pending migrations.
    pub async fn connect(url: &str, options: ConnectOptions) -> StoreResult<Self> {
        let shown = redact_url(url);
        let connect = PgConnectOptions::from_str(url).map_err(|e| {
            StoreError::Open(format!(
                "DATABASE_URL `{shown}` is not a PostgreSQL URL: {e}"
            ))
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(options.pool_size)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect.application_name("taskward"))
            .await
            .map_err(|e| {
                StoreError::Open(format!(
                    "cannot connect to PostgreSQL at `{shown}`: {}",
                    describe(&e)
                ))
            })?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| {
                StoreError::Open(format!(
                    "cannot migrate the PostgreSQL database `{shown}`: {e}"
                ))
            })?;
        Ok(Self {
            pool,
            signal: std::sync::Arc::default(),
        })
    }

    /// The pool, for tests and tools that need raw access.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::PoolTimedOut => {
            "no answer in time (is the server running and reachable?)".into()
        }
        other => other.to_string(),
    }
}
