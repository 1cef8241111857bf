//! `/api/auth/...`: accounts and tokens (API.md "Accounts and tokens").

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::responses::{Always, Authenticated, Conflict, ReadsBody, TooManyRequests, Unauthorized};
use super::wire::{Fields, Member, body};
use crate::auth::model::{DisplayName, Email, Password};
use crate::auth::{Accounts, ClientInfo, CurrentUser, Issued, SignUp};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::ApiJson;
use crate::state::AppState;
use crate::store::UserRecord;
use crate::zone::TimeZoneName;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth_signup))
        .routes(routes!(auth_refresh))
        .routes(routes!(auth_signout))
        .routes(routes!(auth_signout_all))
        .routes(routes!(auth_me, auth_me_update, auth_delete))
        .routes(routes!(auth_password))
}

/// An account as clients see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ab8d2-6c4e-7d1a-9a35-2f1e0c8b7a64", "email": "ada@example.com",
    "name": "ada", "timezone": "Europe/Berlin", "email_verified": true, "two_factor": false,
    "created_at": "2026-11-25T09:30:00Z"}))]
pub struct User {
    id: Uuid,
    email: String,
    name: String,
    /// The IANA time zone "today", "overdue" and all-day dates are reckoned in; `UTC`
    /// until set.
    timezone: String,
    /// Whether the address was proved: a verification link, a password reset or an email
    /// change was completed with a link mailed to it.
    email_verified: bool,
    /// Whether two-factor sign-in (TOTP) is on: signing in then asks for a code.
    two_factor: bool,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl From<UserRecord> for User {
    fn from(u: UserRecord) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            timezone: u.timezone,
            email_verified: u.email_verified,
            two_factor: u.two_factor,
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
    no_store(status, AuthResponse::from(issued))
}

/// `body` as JSON with `Cache-Control: no-store`: tokens and secrets are never cached.
pub(super) fn no_store<T: Serialize>(status: StatusCode, body: T) -> Response {
    let mut res = (status, Json(body)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

body! {
    /// A new account.
    struct CreateAccount {
        /// Trimmed; compared case-insensitively.
        #[schema(required, example = "ada@example.com", max_length = 254)]
        email: String,
        /// 8 to 128 characters, any characters.
        #[schema(required, example = "correct horse battery", min_length = 8, max_length = 128)]
        password: String,
        /// 1 to 100 characters; the part of the email before `@` when `null` or absent.
        #[schema(nullable, example = "Ada Lovelace", max_length = 100)]
        name: String,
    }
}

/// Create an account and sign it in.
#[utoipa::path(post, path = "/api/auth/signup", tag = "accounts", request_body = CreateAccount,
    security(),
    responses(
        (status = 201, description = "Account created and signed in", body = AuthResponse,
            headers(("Cache-Control" = String, description = "`no-store`: tokens are never cached"))),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
        ReadsBody, Always,
    ))]
async fn auth_signup(
    State(accounts): State<Arc<Accounts>>,
    client: ClientInfo,
    ApiJson(body): ApiJson<CreateAccount>,
) -> AppResult<Response> {
    let mut f = Fields::new();
    let email = f.required("email", body.email, |e| Email::parse(&e));
    let password = f.required("password", body.password, |p| {
        Password::parse("password", &p)
    });
    let name = f.optional("name", body.name, Some(None), |n| {
        DisplayName::parse(&n).map(Some)
    });
    let input = f
        .finish(email.zip(password).zip(name))
        .map_err(AppError::Validation)?;
    let ((email, password), name) = input;
    let issued = accounts
        .sign_up(
            SignUp {
                email,
                password,
                name: name.flatten(),
            },
            &client,
        )
        .await?;
    Ok(tokens_response(StatusCode::CREATED, issued))
}

body! {
    /// A refresh token to exchange.
    struct Refresh {
        /// The refresh token of the last sign-in or refresh.
        #[schema(required, example = "kq0GjzH0b2b0ftG6vQ6l8m8m2cYVtY8o1o3u0Vb5z8E")]
        refresh_token: String,
    }
}

/// Exchange a refresh token for a new pair (the old refresh token stops working; using
/// it again ends the whole session).
#[utoipa::path(post, path = "/api/auth/refresh", tag = "accounts", request_body = Refresh,
    security(),
    responses(
        (status = 200, description = "New tokens", body = AuthResponse,
            headers(("Cache-Control" = String, description = "`no-store`: tokens are never cached"))),
        (status = 401, response = Unauthorized),
        ReadsBody, Always,
    ))]
async fn auth_refresh(
    State(accounts): State<Arc<Accounts>>,
    ApiJson(body): ApiJson<Refresh>,
) -> AppResult<Response> {
    let mut f = Fields::new();
    let token = f.required("refresh_token", body.refresh_token, Ok);
    let token = f.finish(token).map_err(AppError::Validation)?;
    let issued = accounts.refresh(&token).await?;
    Ok(tokens_response(StatusCode::OK, issued))
}

/// End this session: its access and refresh tokens stop working at once.
#[utoipa::path(post, path = "/api/auth/signout", tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "Signed out"), Authenticated, Always))]
async fn auth_signout(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
) -> AppResult<StatusCode> {
    accounts.sign_out(user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End every session of the signed-in user.
#[utoipa::path(post, path = "/api/auth/signout-all", tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "Every session ended"), Authenticated, Always))]
async fn auth_signout_all(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
) -> AppResult<StatusCode> {
    accounts.sign_out_all(user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/auth/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "The account", body = User), Authenticated, Always))]
async fn auth_me(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
) -> AppResult<Json<User>> {
    Ok(Json(accounts.me(user).await?.into()))
}

body! {
    /// A new display name, time zone, or both (at least one).
    struct UpdateAccount {
        /// 1 to 100 characters after trimming.
        #[schema(example = "Countess of Lovelace", min_length = 1, max_length = 100)]
        name: String,
        /// An IANA time zone name (any case); an unknown one is `422`.
        #[schema(example = "Europe/Berlin", max_length = 64)]
        timezone: String,
    }
}

/// Change the display name or the time zone.
#[utoipa::path(patch, path = "/api/auth/me", tag = "accounts", security(("bearer" = [])), request_body = UpdateAccount,
    responses(
        (status = 200, description = "The changed account", body = User),
        Authenticated, ReadsBody, Always,
    ))]
async fn auth_me_update(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
    ApiJson(body): ApiJson<UpdateAccount>,
) -> AppResult<Json<User>> {
    let mut f = Fields::new();
    let nothing = matches!(
        (&body.name, &body.timezone),
        (Member::Absent, Member::Absent)
    );
    let name = f.optional("name", body.name, None, |n| DisplayName::parse(&n));
    let timezone = f.optional("timezone", body.timezone, None, |z| TimeZoneName::parse(&z));
    let (name, timezone) = f.finish(name.zip(timezone)).map_err(AppError::Validation)?;
    if nothing {
        return Err(AppError::Validation(vec![FieldError::new(
            "name",
            "is required unless `timezone` is given",
        )]));
    }
    Ok(Json(
        accounts.update_profile(user, name, timezone).await?.into(),
    ))
}

body! {
    /// The current and the new password.
    struct ChangePassword {
        /// The password the account has now.
        #[schema(required, example = "correct horse battery")]
        current_password: String,
        /// 8 to 128 characters, any characters.
        #[schema(required, example = "a new long passphrase", min_length = 8, max_length = 128)]
        new_password: String,
    }
}

/// Change the password; every other session ends.
#[utoipa::path(post, path = "/api/auth/password", tag = "accounts", security(("bearer" = [])), request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed; every other session ended"),
        (status = 429, response = TooManyRequests),
        Authenticated, ReadsBody, Always,
    ))]
async fn auth_password(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
    ApiJson(body): ApiJson<ChangePassword>,
) -> AppResult<StatusCode> {
    let mut f = Fields::new();
    let current = f.required("current_password", body.current_password, Ok);
    let new = f.required("new_password", body.new_password, |p| {
        Password::parse("new_password", &p)
    });
    let (current, new) = f.finish(current.zip(new)).map_err(AppError::Validation)?;
    accounts.change_password(user, &current, new).await?;
    Ok(StatusCode::NO_CONTENT)
}

body! {
    /// The password, to confirm.
    struct DeleteAccount {
        /// The account's password.
        #[schema(required, example = "correct horse battery")]
        password: String,
    }
}

/// Delete the account with its sessions and tasks.
#[utoipa::path(delete, path = "/api/auth/me", tag = "accounts", security(("bearer" = [])), request_body = DeleteAccount,
    responses(
        (status = 204, description = "The account and everything in it is gone"),
        (status = 429, response = TooManyRequests),
        Authenticated, ReadsBody, Always,
    ))]
async fn auth_delete(
    State(accounts): State<Arc<Accounts>>,
    user: CurrentUser,
    ApiJson(body): ApiJson<DeleteAccount>,
) -> AppResult<StatusCode> {
    let mut f = Fields::new();
    let password = f.required("password", body.password, Ok);
    let password = f.finish(password).map_err(AppError::Validation)?;
    accounts.delete_account(user, &password).await?;
    Ok(StatusCode::NO_CONTENT)
}
