//! The MCP face (issue 19, API-2.md section 5): a Model Context Protocol server for AI
//! assistants at `/mcp`, on the official Rust SDK (`rmcp`) over the Streamable HTTP
//! transport at its current protocol version, without sessions: every request carries its
//! token and any node answers it. [`auth`] checks the bearer; [`tools`] are the tools;
//! [`wire`] their inputs and outputs; [`answer`] writes an output as the tool's result;
//! [`oauth`] the OAuth endpoints MCP clients use to get a token (the consent page is in the
//! web app).

mod answer;
mod auth;
mod oauth;
mod tools;
mod wire;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

use crate::state::AppState;
use tools::Assistant;

/// `/mcp`, over the app's services.
pub fn router(state: &AppState) -> Router<AppState> {
    let assistant = Assistant::new(state.tasks.clone(), state.lists.clone());
    let mut config = StreamableHttpServerConfig::default();
    config.legacy_session_mode = false;
    config.json_response = true;
    // Taskward is reached by its public name, whatever it is: the `Host` guard against DNS
    // rebinding protects servers on a developer's machine, and every request here needs a
    // token a page in a browser does not have.
    config.allowed_hosts = Vec::new();
    let service = StreamableHttpService::new(
        // The tools (their routes and JSON schemas) are built once; each request gets a
        // clone, which shares them.
        move || Ok(assistant.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    Router::new()
        .nest_service("/mcp", service)
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .merge(oauth::router())
}
