//! Taskward: a self-hosted todo service in one binary.
//!
//! The library holds everything; `main.rs` only parses the command line. The layers, from
//! the top: the app ([`app`]: the router and the server) and the command line ([`cli`]);
//! the faces ([`api`] for JSON, [`web`] for pages, [`dav`] for CalDAV) over the HTTP
//! shell ([`http`]); the app state ([`state`]) that assembles the domain services
//! ([`auth`], [`tasks`]); the [`store`]; and the leaves every layer may use ([`error`],
//! [`timestamp`], [`precondition`], [`config`], [`metrics`], [`tls`]). Imports only point
//! down; `docs/architecture.md` has the picture. Tests and `main` share one path to a
//! running server: [`AppState::build`] then [`run`].

pub mod api;
pub mod app;
pub mod auth;
pub mod calendars;
pub mod cli;
pub mod config;
pub mod dav;
pub mod error;
pub mod http;
pub mod import;
pub mod kept;
pub mod lists;
pub mod mcp;
pub mod metrics;
pub mod notify;
pub mod oauth;
pub mod outbound;
pub mod precondition;
pub mod state;
pub mod store;
pub mod tasks;
pub mod telemetry;
pub mod timestamp;
pub mod tls;
pub mod tools;
pub mod web;
pub mod zone;

pub use app::{app, bind, run};
pub use state::{AppState, StartupError};
pub use tls::install_tls_provider;
