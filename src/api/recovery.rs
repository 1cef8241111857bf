//! `/api/auth/password-reset...`, `/api/auth/verify-email...`, `/api/auth/email`:
//! account recovery by mailed links (API-2.md section 6). The links open the web app's
//! pages (`/reset-password`, `/verify-email`, `/confirm-email`); a client of its own may
//! read the `token` from them and confirm here.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::responses::{Always, Authenticated, BadRequest, Conflict, ReadsBody, TooManyRequests};
use super::wire::{Fields, body};
use crate::auth::model::{Email, Password};
use crate::auth::{ClientInfo, CurrentUser, Recovery};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::ApiJson;
use crate::state::AppState;

/// The recovery routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(password_reset))
        .routes(routes!(password_reset_confirm))
        .routes(routes!(verify_email))
        .routes(routes!(verify_email_confirm))
        .routes(routes!(email_change))
        .routes(routes!(email_change_confirm))
}

body! {
    /// The address of the account whose password is forgotten.
    struct ResetRequest {
        /// Any string: the answer is the same whether or not an account has it.
        #[schema(required, example = "ada@example.com")]
        email: String,
    }
}

/// Ask for a password-reset link. The answer is `202` whatever the email, at once: when
/// an account has the address, a link to `/reset-password?token=...` (single use, 30
/// minutes) is mailed to it afterwards.
#[utoipa::path(post, path = "/api/auth/password-reset", tag = "accounts",
    request_body = ResetRequest, security(),
    responses(
        (status = 202, description = "Accepted; a link is mailed if an account has the address"),
        (status = 429, response = TooManyRequests),
        ReadsBody, Always,
    ))]
async fn password_reset(
    State(recovery): State<Arc<Recovery>>,
    client: ClientInfo,
    ApiJson(body): ApiJson<ResetRequest>,
) -> AppResult<StatusCode> {
    let mut f = Fields::new();
    let email = f.required("email", body.email, Ok);
    let email = f.finish(email).map_err(AppError::Validation)?;
    recovery.request_reset(&email, &client).await?;
    Ok(StatusCode::ACCEPTED)
}

body! {
    /// A reset link's token and the new password.
    struct ResetConfirm {
        /// The `token` of the link.
        #[schema(required, example = "q1Xv1mJ0s4pHf2W0aZQ7y3cRkT9uLhB6eN8dG5oI2jA")]
        token: String,
        /// 8 to 128 characters, any characters.
        #[schema(required, example = "a new long passphrase", min_length = 8, max_length = 128)]
        new_password: String,
    }
}

/// Set a new password with a reset link's token. Every session of the account ends.
#[utoipa::path(post, path = "/api/auth/password-reset/confirm", tag = "accounts",
    request_body = ResetConfirm, security(),
    responses(
        (status = 204, description = "The password is changed; every session ended"),
        (status = 400, response = BadRequest),
        (status = 429, response = TooManyRequests),
        ReadsBody, Always,
    ))]
async fn password_reset_confirm(
    State(recovery): State<Arc<Recovery>>,
    client: ClientInfo,
    ApiJson(body): ApiJson<ResetConfirm>,
) -> AppResult<StatusCode> {
    let mut f = Fields::new();
    let token = f.required("token", body.token, Ok);
    let password = f.required("new_password", body.new_password, |p| {
        Password::parse("new_password", &p)
    });
    let (token, password) = f
        .finish(token.zip(password))
        .map_err(AppError::Validation)?;
    recovery.confirm_reset(&token, password, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mail the caller a link that verifies their address (`/verify-email?token=...`, single
/// use, 24 hours).
#[utoipa::path(post, path = "/api/auth/verify-email", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 202, description = "A link is on its way"),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
        Authenticated, Always,
    ))]
async fn verify_email(
    State(recovery): State<Arc<Recovery>>,
    user: CurrentUser,
) -> AppResult<StatusCode> {
    recovery.send_verification(user).await?;
    Ok(StatusCode::ACCEPTED)
}

body! {
    /// A mailed link's token.
    struct LinkToken {
        /// The `token` of the link.
        #[schema(required, example = "q1Xv1mJ0s4pHf2W0aZQ7y3cRkT9uLhB6eN8dG5oI2jA")]
        token: String,
    }
}

/// The token of a `LinkToken` body, or `422`.
fn token_of(body: LinkToken) -> AppResult<String> {
    let mut f = Fields::new();
    let token = f.required("token", body.token, Ok);
    f.finish(token).map_err(AppError::Validation)
}

/// Verify the address a verification link was sent to.
#[utoipa::path(post, path = "/api/auth/verify-email/confirm", tag = "accounts",
    request_body = LinkToken, security(),
    responses(
        (status = 204, description = "The address is verified"),
        (status = 400, response = BadRequest),
        (status = 429, response = TooManyRequests),
        ReadsBody, Always,
    ))]
async fn verify_email_confirm(
    State(recovery): State<Arc<Recovery>>,
    client: ClientInfo,
    ApiJson(body): ApiJson<LinkToken>,
) -> AppResult<StatusCode> {
    recovery
        .confirm_verification(&token_of(body)?, &client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

body! {
    /// The new address and the account's password.
    struct EmailChange {
        /// The address to use from now on.
        #[schema(required, example = "ada@lovelace.example", max_length = 254)]
        new_email: String,
        /// The account's password.
        #[schema(required, example = "correct horse battery")]
        password: String,
    }
}

/// Change the account's address: the new one is mailed a confirmation link
/// (`/confirm-email?token=...`, single use, 24 hours) and the old one is told. The
/// account keeps its address until the link is followed.
#[utoipa::path(post, path = "/api/auth/email", tag = "accounts", security(("bearer" = [])),
    request_body = EmailChange,
    responses(
        (status = 202, description = "A link is on its way to the new address"),
        (status = 429, response = TooManyRequests),
        Authenticated, ReadsBody, Always,
    ))]
async fn email_change(
    State(recovery): State<Arc<Recovery>>,
    user: CurrentUser,
    ApiJson(body): ApiJson<EmailChange>,
) -> AppResult<StatusCode> {
    let mut f = Fields::new();
    let email = f.required("new_email", body.new_email, |e| {
        Email::parse(&e).map_err(|e| FieldError::new("new_email", e.message))
    });
    let password = f.required("password", body.password, Ok);
    let (email, password) = f
        .finish(email.zip(password))
        .map_err(AppError::Validation)?;
    recovery
        .request_email_change(user, email, &password)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// Give the account the address an email-change link was sent to.
#[utoipa::path(post, path = "/api/auth/email/confirm", tag = "accounts",
    request_body = LinkToken, security(),
    responses(
        (status = 204, description = "The account has the new address, verified"),
        (status = 400, response = BadRequest),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
        ReadsBody, Always,
    ))]
async fn email_change_confirm(
    State(recovery): State<Arc<Recovery>>,
    client: ClientInfo,
    ApiJson(body): ApiJson<LinkToken>,
) -> AppResult<StatusCode> {
    recovery
        .confirm_email_change(&token_of(body)?, &client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
