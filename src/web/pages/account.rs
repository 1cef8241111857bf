//! The account page: change name and password, delete the account. Signing out lives
//! in `auth`, next to signing in.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use super::Chrome;
use crate::auth::model::{DisplayName, Password};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::forms::{CsrfForm, Errors};
use crate::web::see_other;
use crate::web::session::SignedIn;
use crate::zone::TimeZoneName;

const DATE_SHOWN: &[BorrowedFormatItem<'static>] =
    format_description!("[day padding:none] [month repr:long] [year]");

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account_page))
        .route("/account/name", post(account_rename))
        .route("/account/password", post(account_password))
        .route("/account/delete", post(account_delete))
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    email: String,
    since: String,
    /// The name field's value (what was typed, after a failed change).
    name: String,
    /// The time zone field's value (likewise).
    timezone: String,
    errors: Errors,
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    typed: Option<ProfileForm>,
    errors: Errors,
) -> Result<AccountPage, WebError> {
    let user = state.accounts.me(signed_in.user).await?;
    let (name, timezone) = typed.map_or((user.name, user.timezone), |t| (t.name, t.timezone));
    Ok(AccountPage {
        chrome: Chrome::new(state, &signed_in.visitor, "account"),
        email: user.email,
        since: user.created_at.format(DATE_SHOWN).unwrap_or_default(),
        name,
        timezone,
        errors,
    })
}

async fn account_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    let kept = signed_in.visitor.take_kept(&state, "/account").await?;
    let (typed, errors) = match kept {
        // The name form keeps what was typed; the password forms keep nothing typed.
        Some(k) => match k.of::<ProfileForm>("name") {
            Some((typed, errors)) => (Some(typed), errors),
            None => (None, Errors(k.errors)),
        },
        None => (None, Errors::default()),
    };
    Ok(render(&state, &signed_in, typed, errors)
        .await?
        .into_response())
}

/// A refused form of the account page: kept for it, which shows the errors once.
async fn refused(
    state: &AppState,
    signed_in: &SignedIn,
    form: &str,
    errors: Errors,
) -> Result<Response, WebError> {
    signed_in
        .visitor
        .refuse(state, form, "/account", errors)
        .await
}

#[derive(Deserialize)]
struct ProfileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    timezone: String,
}

async fn account_rename(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, form }: CsrfForm<ProfileForm>,
) -> Result<Response, WebError> {
    let mut errors = Errors::default();
    let name = DisplayName::parse(&form.name)
        .map_err(|e| errors.0.push(e))
        .ok();
    let timezone = TimeZoneName::parse(&form.timezone)
        .map_err(|e| errors.0.push(e))
        .ok();
    match (name, timezone) {
        (Some(name), Some(timezone)) => {
            state
                .accounts
                .update_profile(signed_in.user, Some(name), Some(timezone))
                .await?;
            visitor.flash("name-changed");
            Ok(see_other("/account"))
        }
        _ => refused(&state, &signed_in, "name", errors).await,
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// The error shown for a failed password check.
fn password_failure(e: AppError, field: &str) -> Result<Errors, WebError> {
    let mut errors = Errors::default();
    match e {
        AppError::Unauthorized { .. } => errors.add(field, "The password is wrong."),
        AppError::RateLimited { retry_after } => errors.add(
            field,
            &format!("Too many wrong attempts. Please wait {retry_after} seconds and try again."),
        ),
        other => return Err(other.into()),
    }
    Ok(errors)
}

async fn account_password(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, form }: CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    let new = match Password::parse("new_password", &form.new_password) {
        Ok(p) => p,
        Err(e) => return refused(&state, &signed_in, "password", Errors(vec![e])).await,
    };
    match state
        .accounts
        .change_password(signed_in.user, &form.current_password, new)
        .await
    {
        Ok(()) => {
            visitor.flash("password-changed");
            Ok(see_other("/account"))
        }
        Err(e) => {
            let errors = password_failure(e, "current_password")?;
            refused(&state, &signed_in, "password", errors).await
        }
    }
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    password: String,
}

async fn account_delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, form }: CsrfForm<DeleteForm>,
) -> Result<Response, WebError> {
    match state
        .accounts
        .delete_account(signed_in.user, &form.password)
        .await
    {
        Ok(()) => {
            visitor.end_session();
            visitor.flash("account-deleted");
            Ok(see_other("/signup"))
        }
        Err(e) => {
            let errors = password_failure(e, "delete_password")?;
            refused(&state, &signed_in, "delete", errors).await
        }
    }
}
