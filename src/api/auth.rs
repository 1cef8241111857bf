//! `/api/auth/...`: accounts and tokens (API.md "Accounts and tokens").

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::auth::model::{DisplayName, Email, Password};
use crate::auth::session::{self, Issued, SignUp};
use crate::auth::{ClientInfo, CurrentUser};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::ApiJson;
use crate::store::UserRecord;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/signup", post(auth_signup))
        .route("/api/auth/signin", post(auth_signin))
        .route("/api/auth/refresh", post(auth_refresh))
        .route("/api/auth/signout", post(auth_signout))
        .route("/api/auth/signout-all", post(auth_signout_all))
        .route(
            "/api/auth/me",
            get(auth_me).patch(auth_me_update).delete(auth_delete),
        )
        .route("/api/auth/password", post(auth_password))
}

/// An account as clients see it.
#[derive(Debug, Serialize)]
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

/// Tokens and the account they belong to.
#[derive(Debug, Serialize)]
pub struct AuthResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
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

/// Collects the field errors of several parses into one 422.
fn all_valid(errors: impl IntoIterator<Item = Option<FieldError>>) -> AppResult<()> {
    let errors: Vec<FieldError> = errors.into_iter().flatten().collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

#[derive(Debug, Deserialize)]
struct CreateAccount {
    email: Option<String>,
    password: Option<String>,
    name: Option<String>,
}

async fn auth_signup(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(body): ApiJson<CreateAccount>,
) -> AppResult<Response> {
    let email = required("email", body.email).and_then(|e| Email::parse(&e));
    let password =
        required("password", body.password).and_then(|p| Password::parse("password", &p));
    let name = body.name.as_deref().map(DisplayName::parse).transpose();
    all_valid([
        email.as_ref().err().cloned(),
        password.as_ref().err().cloned(),
        name.as_ref().err().cloned(),
    ])?;
    let (Ok(email), Ok(password), Ok(name)) = (email, password, name) else {
        return Err(AppError::Internal("validation fell through".into()));
    };
    let issued = session::sign_up(
        &state,
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

#[derive(Debug, Deserialize)]
struct SignIn {
    email: Option<String>,
    password: Option<String>,
}

async fn auth_signin(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(body): ApiJson<SignIn>,
) -> AppResult<Response> {
    let email = required("email", body.email);
    let password = required("password", body.password);
    all_valid([
        email.as_ref().err().cloned(),
        password.as_ref().err().cloned(),
    ])?;
    let (Ok(email), Ok(password)) = (email, password) else {
        return Err(AppError::Internal("validation fell through".into()));
    };
    let issued = session::sign_in(&state, &email, &password, &client).await?;
    Ok(tokens_response(StatusCode::OK, issued))
}

#[derive(Debug, Deserialize)]
struct Refresh {
    refresh_token: Option<String>,
}

async fn auth_refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Refresh>,
) -> AppResult<Response> {
    let token =
        required("refresh_token", body.refresh_token).map_err(|e| AppError::Validation(vec![e]))?;
    let issued = session::refresh(&state, &token).await?;
    Ok(tokens_response(StatusCode::OK, issued))
}

async fn auth_signout(State(state): State<AppState>, user: CurrentUser) -> AppResult<StatusCode> {
    session::sign_out(&state, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn auth_signout_all(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<StatusCode> {
    session::sign_out_all(&state, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn auth_me(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<User>> {
    Ok(Json(session::me(&state, user).await?.into()))
}

#[derive(Debug, Deserialize)]
struct UpdateAccount {
    name: Option<String>,
}

async fn auth_me_update(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<UpdateAccount>,
) -> AppResult<Json<User>> {
    let name = required("name", body.name)
        .and_then(|n| DisplayName::parse(&n))
        .map_err(|e| AppError::Validation(vec![e]))?;
    Ok(Json(session::rename(&state, user, name).await?.into()))
}

#[derive(Debug, Deserialize)]
struct ChangePassword {
    current_password: Option<String>,
    new_password: Option<String>,
}

async fn auth_password(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<ChangePassword>,
) -> AppResult<StatusCode> {
    let current = required("current_password", body.current_password);
    let new = required("new_password", body.new_password)
        .and_then(|p| Password::parse("new_password", &p));
    all_valid([current.as_ref().err().cloned(), new.as_ref().err().cloned()])?;
    let (Ok(current), Ok(new)) = (current, new) else {
        return Err(AppError::Internal("validation fell through".into()));
    };
    session::change_password(&state, user, &current, new).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct DeleteAccount {
    password: Option<String>,
}

async fn auth_delete(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<DeleteAccount>,
) -> AppResult<StatusCode> {
    let password =
        required("password", body.password).map_err(|e| AppError::Validation(vec![e]))?;
    session::delete_account(&state, user, &password).await?;
    Ok(StatusCode::NO_CONTENT)
}
