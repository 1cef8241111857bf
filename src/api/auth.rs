//! `/api/auth/...`: accounts and tokens (API.md "Accounts and tokens").

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::model::{DisplayName, Email, Password};
use crate::auth::{Accounts, ClientInfo, CurrentUser, Issued, SignUp};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::ApiJson;
use crate::http::problem::Problem;
use crate::state::AppState;
use crate::store::UserRecord;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth_signup))
        .routes(routes!(auth_signin))
        .routes(routes!(auth_refresh))
        .routes(routes!(auth_signout))
        .routes(routes!(auth_signout_all))
        .routes(routes!(auth_me, auth_me_update, auth_delete))
        .routes(routes!(auth_password))
}

/// An account as clients see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ab8d2-6c4e-7d1a-9a35-2f1e0c8b7a64", "email": "ada@example.com",
    "name": "ada", "created_at": "2026-11-25T09:30:00Z"}))]
pub struct User {
    id: Uuid,
    email: String,
    name: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl From<UserRecord> for User {
    fn from(u: UserRecord) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            created_at: u.created_at,
        }
    }
}

/// Tokens and the account they belong to; sent with `Cache-Control: no-store`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthResponse {
    /// JWT (HS256) for `Authorization: Bearer`.
    #[schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...")]
    access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    expires_in: u64,
    /// Opaque; exchange it at `/api/auth/refresh` for a new pair. Single use.
    #[schema(example = "kq0GjzH0b2b0ftG6vQ6l8m8m2cYVtY8o1o3u0Vb5z8E")]
    refresh_token: String,
    user: User,
}

impl From<Issued> for AuthResponse {
    fn from(i: Issued) -> Self {
        Self {
            access_token: i.access_token,
            token_type: "Bearer",
            expires_in: i.expires_in,
            refresh_token: i.refresh_token,
            user: i.user.into(),
        }
    }
}

/// Tokens must not be cached by browsers or proxies (RFC 6749 5.1).
fn tokens_response(status: StatusCode, issued: Issued) -> Response {
    let mut res = (status, Json(AuthResponse::from(issued))).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A required string field, or the error naming it.
fn required(field: &str, value: Option<String>) -> Result<String, FieldError> {
    value.ok_or_else(|| FieldError::new(field, "is required"))
}

/// One 422 naming every field whose parse failed, in order.
fn invalid_fields(errors: impl IntoIterator<Item = Option<FieldError>>) -> AppError {
    AppError::Validation(errors.into_iter().flatten().collect())
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
struct CreateAccount {
    /// Trimmed; compared case-insensitively.
    #[schema(example = "ada@example.com")]
    email: Option<String>,
    /// 8 to 128 characters, any characters.
    #[schema(example = "correct horse battery", min_length = 8, max_length = 128)]
    password: Option<String>,
    /// Defaults to the part of the email before `@`.
    #[schema(example = "Ada Lovelace")]
    name: Option<String>,
}

/// Create an account and sign it in.
#[utoipa::path(post, path = "/api/auth/signup", tag = "accounts", request_body = CreateAccount,
    responses(
        (status = 201, description = "Account created and signed in", body = AuthResponse),
        (status = 409, description = "The email is already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid email, password or name", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn auth_signup(
    State(accounts): State<Arc<Accounts>>,
    client: ClientInfo,
    ApiJson(body): ApiJson<CreateAccount>,
) -> AppResult<Response> {
    let email = required("email", body.email).and_then(|e| Email::parse(&e));
    let password =
        required("password", body.password).and_then(|p| Password::parse("password", &p));
    let name = body.name.as_deref().map(DisplayName::parse).transpose();
    let (email, password, name) = match (email, password, name) {
        (Ok(e), Ok(p), Ok(n)) => (e, p, n),
        (e, p, n) => return Err(invalid_fields([e.err(), p.err(), n.err()])),
    };
    let issued = accounts
        .sign_up(
            SignUp {
                email,
                password,
                name,
            },
            &client,
        )
        .await?;
    Ok(tokens_response(StatusCode::CREATED, issued))
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
struct SignIn {
    #[schema(example = "ada@example.com")]
    email: Option<String>,
    #[schema(example = "correct horse battery")]
    password: Option<String>,
}

/// Sign in with email and password.
#[utoipa::path(post, path = "/api/auth/signin", tag = "accounts", request_body = SignIn,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 401, description = "Wrong email or password (one answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn auth_signin(
    State(accounts): State<Arc<Accounts>>,
    client: ClientInfo,
    ApiJson(body): ApiJson<SignIn>,
) -> AppResult<Response> {
    let email = required("email", body.email);
    let password = required("password", body.password);
    let (email, password) = match (email, password) {
        (Ok(e), Ok(p)) => (e, p),
        (e, p) => return Err(invalid_fields([e.err(), p.err()])),
    };
    let issued = accounts.sign_in(&email, &password, &client).await?;
    Ok(tokens_response(StatusCode::OK, issued))
}

/// A refresh token to exchange.
#[derive(Debug, Deserialize, ToSchema)]
struct Refresh {
    #[schema(example = "kq0GjzH0b2b0ftG6vQ6l8m8m2cYVtY8o1o3u0Vb5z8E")]
    refresh_token: Option<String>,
}

/// Exchange a refresh token for a new pair (the old refresh token stops working; using
/// it again ends the whole session).
#[utoipa::path(post, path = "/api/auth/refresh", tag = "accounts", request_body = Refresh,
    responses(
        (status = 200, description = "New tokens", body = AuthResponse),
        (status = 401, description = "Unknown, expired or used refresh token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The token is missing", body = Problem, content_type = "application/problem+json"),
    ))]
async fn auth_refresh(
    State(accounts): State<Arc<Accounts>>,
    ApiJson(body): ApiJson<Refresh>,
) -> AppResult<Response> {
    let token =
        required("refresh_token", body.refresh_token).map_err(|e| AppError::Validation(vec![e]))?;
    let issued = accounts.refresh(&token).await?;
    Ok(tokens_response(StatusCode::OK, issued))
}

/// End this session: its access and refresh tokens stop working at once.
#[utoipa::path(post, path = "/api/auth/signout", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
    ))]
async fn auth_signout(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
) -> AppResult<StatusCode> {
    accounts.sign_out(user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End every session of the signed-in user.
#[utoipa::path(post, path = "/api/auth/signout-all", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 204, description = "Every session ended"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
    ))]
async fn auth_signout_all(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
) -> AppResult<StatusCode> {
    accounts.sign_out_all(user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/auth/me", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = User),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
    ))]
async fn auth_me(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
) -> AppResult<Json<User>> {
    Ok(Json(accounts.me(user).await?.into()))
}

/// A new display name.
#[derive(Debug, Deserialize, ToSchema)]
struct UpdateAccount {
    /// 1 to 100 characters after trimming.
    #[schema(example = "Countess of Lovelace")]
    name: Option<String>,
}

/// Change the display name.
#[utoipa::path(patch, path = "/api/auth/me", tag = "accounts", security(("bearer" = [])),
    request_body = UpdateAccount,
    responses(
        (status = 200, description = "The renamed account", body = User),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name", body = Problem, content_type = "application/problem+json"),
    ))]
async fn auth_me_update(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
    ApiJson(body): ApiJson<UpdateAccount>,
) -> AppResult<Json<User>> {
    let name = required("name", body.name)
        .and_then(|n| DisplayName::parse(&n))
        .map_err(|e| AppError::Validation(vec![e]))?;
    Ok(Json(accounts.rename(user, name).await?.into()))
}

/// The current and the new password.
#[derive(Debug, Deserialize, ToSchema)]
struct ChangePassword {
    #[schema(example = "correct horse battery")]
    current_password: Option<String>,
    #[schema(example = "a new long passphrase", min_length = 8, max_length = 128)]
    new_password: Option<String>,
}

/// Change the password; every other session ends.
#[utoipa::path(post, path = "/api/auth/password", tag = "accounts", security(("bearer" = [])),
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed; other sessions ended"),
        (status = 401, description = "Wrong current password, or missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid new password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords", body = Problem, content_type = "application/problem+json"),
    ))]
async fn auth_password(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
    ApiJson(body): ApiJson<ChangePassword>,
) -> AppResult<StatusCode> {
    let current = required("current_password", body.current_password);
    let new = required("new_password", body.new_password)
        .and_then(|p| Password::parse("new_password", &p));
    let (current, new) = match (current, new) {
        (Ok(c), Ok(n)) => (c, n),
        (c, n) => return Err(invalid_fields([c.err(), n.err()])),
    };
    accounts.change_password(user, &current, new).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The password, to confirm.
#[derive(Debug, Deserialize, ToSchema)]
struct DeleteAccount {
    #[schema(example = "correct horse battery")]
    password: Option<String>,
}

/// Delete the account with its sessions and tasks.
#[utoipa::path(delete, path = "/api/auth/me", tag = "accounts", security(("bearer" = [])),
    request_body = DeleteAccount,
    responses(
        (status = 204, description = "The account and everything in it is gone"),
        (status = 401, description = "Wrong password, or missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password is missing", body = Problem, content_type = "application/problem+json"),
    ))]
async fn auth_delete(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
    ApiJson(body): ApiJson<DeleteAccount>,
) -> AppResult<StatusCode> {
    let password =
        required("password", body.password).map_err(|e| AppError::Validation(vec![e]))?;
    accounts.delete_account(user, &password).await?;
    Ok(StatusCode::NO_CONTENT)
}
