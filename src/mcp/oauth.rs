//! The OAuth endpoints MCP clients call without a user (API-2.md section 5): Protected
//! Resource Metadata (RFC 9728), Authorization Server Metadata (RFC 8414), dynamic client
//! registration (RFC 7591), the token endpoint (OAuth 2.1 section 3.2) and token
//! revocation (RFC 7009). The consent page, where the user is, is in the web app.
//!
//! Errors here are OAuth's own JSON (`{"error", "error_description"}`, RFC 6749 section
//! 5.2), which OAuth clients read, not problem+json. None of these endpoints reads a
//! cookie, so any origin may call them (`Access-Control-Allow-Origin: *`, for MCP clients
//! that run in a browser).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use tower_http::cors::CorsLayer;

use crate::auth::ClientInfo;
use crate::auth::pat::Scope;
use crate::http::public_base;
use crate::oauth::model::OAuthError;
use crate::oauth::{Failure, Registration, TokenRequest};
use crate::state::AppState;

/// Where the metadata of `/mcp` is (RFC 9728 section 3.1: the well-known prefix, then the
/// resource's path).
pub const RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource/mcp";

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/oauth-protected-resource", get(root_metadata))
        .route(RESOURCE_METADATA_PATH, get(mcp_metadata))
        .route(
            "/.well-known/oauth-authorization-server",
            get(server_metadata),
        )
        .route("/oauth/register", post(register))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .layer(CorsLayer::permissive())
}

/// The scopes, as the metadata lists them.
fn scopes() -> Vec<&'static str> {
    Scope::ALL.iter().map(|s| s.as_str()).collect()
}

/// RFC 9728 for `/mcp`.
async fn mcp_metadata(State(state): State<AppState>, headers: HeaderMap) -> Response {
    resource_metadata(&state, &headers, "/mcp")
}

/// RFC 9728 for the server as a whole (clients that look at the root first).
async fn root_metadata(State(state): State<AppState>, headers: HeaderMap) -> Response {
    resource_metadata(&state, &headers, "")
}

/// RFC 9728: the resource at `path` of this server is protected by Taskward itself.
fn resource_metadata(state: &AppState, headers: &HeaderMap, path: &str) -> Response {
    let base = public_base(&state.config, headers);
    Json(json!({
        "resource": format!("{base}{path}"),
        "authorization_servers": [base],
        "scopes_supported": scopes(),
        "bearer_methods_supported": ["header"],
        "resource_name": "Taskward",
        "resource_documentation": format!("{base}/help"),
    }))
    .into_response()
}

/// RFC 8414.
async fn server_metadata(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = public_base(&state.config, &headers);
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "registration_endpoint": format!("{base}/oauth/register"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "scopes_supported": scopes(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
    }))
    .into_response()
}

/// OAuth's error answer: `400` (`401` for an unknown client) with `error` and
/// `error_description`, never cached.
pub fn refused(e: &OAuthError) -> Response {
    let status = match e {
        OAuthError::InvalidClient(_) => StatusCode::UNAUTHORIZED,
        _ => StatusCode::BAD_REQUEST,
    };
    no_store(
        status,
        json!({"error": e.code(), "error_description": e.description()}),
    )
}

fn no_store(status: StatusCode, body: Value) -> Response {
    let mut res = (status, Json(body)).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

fn answer(failure: Failure) -> Response {
    match failure {
        Failure::Refused(e) => refused(&e),
        Failure::Failed(e) => e.into_response(),
    }
}

/// The strings of member `name` of a registration: absent, or an array of strings.
fn strings(body: &Value, name: &str) -> Result<Option<Vec<String>>, OAuthError> {
    let bad = || OAuthError::InvalidClientMetadata(format!("`{name}` must be an array of strings"));
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).ok_or_else(bad))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad()),
    }
}

/// Reads a registration's JSON (RFC 7591 section 2); unknown members are ignored.
fn registration(headers: &HeaderMap, body: &[u8]) -> Result<Registration, OAuthError> {
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json_type {
        return Err(OAuthError::InvalidClientMetadata(
            "send the registration as `Content-Type: application/json`".into(),
        ));
    }
    let body: Value = serde_json::from_slice(body)
        .map_err(|_| OAuthError::InvalidClientMetadata("the body is not a JSON object".into()))?;
    if !body.is_object() {
        return Err(OAuthError::InvalidClientMetadata(
            "the body is not a JSON object".into(),
        ));
    }
    let client_name = match body.get("client_name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(OAuthError::InvalidClientMetadata(
                "`client_name` must be a string".into(),
            ));
        }
    };
    Ok(Registration {
        client_name,
        redirect_uris: strings(&body, "redirect_uris")?.unwrap_or_default(),
        grant_types: strings(&body, "grant_types")?,
        response_types: strings(&body, "response_types")?,
    })
}

/// `POST /oauth/register`: `201` with the client's id and metadata (public clients only:
/// `token_endpoint_auth_method` is always `none`). Counted against the sign-in limit of
/// the caller's address.
async fn register(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = state.accounts.admit_anonymous(&client).await {
        return e.into_response();
    }
    let made = match registration(&headers, &body) {
        Ok(reg) => state.oauth.register(reg).await,
        Err(e) => Err(Failure::Refused(e)),
    };
    match made {
        Ok(c) => {
            let uris: Vec<&str> = c.redirect_uris.iter().map(|u| u.as_str()).collect();
            no_store(
                StatusCode::CREATED,
                json!({
                    "client_id": c.id,
                    "client_id_issued_at": c.created_at.unix_timestamp(),
                    "client_name": c.name,
                    "redirect_uris": uris,
                    "grant_types": ["authorization_code", "refresh_token"],
                    "response_types": ["code"],
                    "token_endpoint_auth_method": "none",
                    "scope": scopes().join(" "),
                }),
            )
        }
        Err(failure) => answer(failure),
    }
}

/// Reads a form body (`application/x-www-form-urlencoded`), as the token and revocation
/// endpoints take.
fn form<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, OAuthError> {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return Err(OAuthError::InvalidRequest(
            "send the parameters as `application/x-www-form-urlencoded`".into(),
        ));
    }
    serde_urlencoded::from_bytes(body).map_err(|_| {
        OAuthError::InvalidRequest(
            "the parameters could not be read (a parameter may be given only once)".into(),
        )
    })
}

/// `POST /oauth/token`: a code or a refresh token for tokens.
async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let req: TokenRequest = match form(&headers, &body) {
        Ok(req) => req,
        Err(e) => return refused(&e),
    };
    match state.oauth.token(&req).await {
        Ok(issued) => no_store(
            StatusCode::OK,
            json!({
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
                "refresh_token": issued.refresh_token,
                "scope": issued.scopes.to_string(),
            }),
        ),
        Err(failure) => answer(failure),
    }
}

#[derive(serde::Deserialize)]
struct RevokeRequest {
    token: Option<String>,
    client_id: Option<String>,
}

/// `POST /oauth/revoke` (RFC 7009): the client gives up its grant; `200` whether or not
/// the token was known.
async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let req: RevokeRequest = match form(&headers, &body) {
        Ok(req) => req,
        Err(e) => return refused(&e),
    };
    let Some(token) = req.token.filter(|t| !t.is_empty()) else {
        return refused(&OAuthError::InvalidRequest("`token` is required".into()));
    };
    match state
        .oauth
        .revoke_token(req.client_id.as_deref(), &token)
        .await
    {
        Ok(()) => no_store(StatusCode::OK, json!({})),
        Err(e) => e.into_response(),
    }
}
