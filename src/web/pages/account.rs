//! The account page: change name and password, the email address (its verification and
//! a change), two-factor sign-in (its forms are `two_factor`'s), the sessions with a
//! sign-out each, delete the account. Signing out lives
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

use super::task_row::Clock;
use super::{Chrome, IdPath as SessionPath};
use crate::auth::model::{DisplayName, Email, Password};
use crate::auth::totp::Status;
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
        .route("/account/verify-email", post(account_verify))
        .route("/account/email", post(account_email))
        .route("/account/sessions/{id}/end", post(account_session_end))
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
    /// Whether the address is verified.
    verified: bool,
    /// The new address typed in the change form, after a refusal.
    new_email: String,
    /// The sessions that still work, newest first.
    sessions: Vec<SessionRow>,
    /// Two-factor sign-in: on, pending, and the recovery codes left.
    two_factor: Status,
    errors: Errors,
}

/// A session as the account page lists it.
struct SessionRow {
    id: uuid::Uuid,
    /// The device, in words ("Firefox on Linux").
    device: String,
    ip: String,
    started: String,
    last_used: String,
    /// Whether it is this browser's.
    current: bool,
}

/// A device in words from its `User-Agent`: the browser and the system when they are
/// known ones, else the start of the string.
fn device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.filter(|ua| !ua.trim().is_empty()) else {
        return "Unknown device".to_owned();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(mark, _)| ua.contains(mark))
    .map(|(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(mark, _)| ua.contains(mark))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        _ => ua.chars().take(60).collect(),
    }
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    typed: Option<ProfileForm>,
    errors: Errors,
) -> Result<AccountPage, WebError> {
    let user = state.accounts.me(signed_in.user).await?;
    let clock = Clock::in_zone(&user.timezone);
    let sessions = state
        .accounts
        .sessions(signed_in.user)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            id: s.id,
            device: device(s.user_agent.as_deref()),
            ip: s.ip.unwrap_or_else(|| "unknown".to_owned()),
            started: clock.instant(s.created_at),
            last_used: clock.instant(s.last_used_at),
            current: signed_in.user.session_id == Some(s.id),
        })
        .collect();
    let (name, timezone, new_email) = match typed {
        // A kept email form has no name or time zone: the stored ones are shown.
        Some(t) if t.name.is_empty() && t.timezone.is_empty() => {
            (user.name, user.timezone, t.new_email)
        }
        Some(t) => (t.name, t.timezone, t.new_email),
        None => (user.name, user.timezone, String::new()),
    };
    let two_factor = state.two_factor.status(signed_in.user).await?;
    Ok(AccountPage {
        chrome: Chrome::new(state, &signed_in.visitor, "account"),
        email: user.email,
        since: user.created_at.format(DATE_SHOWN).unwrap_or_default(),
        name,
        timezone,
        verified: user.email_verified,
        new_email,
        sessions,
        two_factor,
        errors,
    })
}

async fn account_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    let kept = signed_in.visitor.take_kept(&state, "/account").await?;
    let (typed, errors) = match kept {
        // The name and email forms keep what was typed; the password forms keep nothing
        // typed.
        Some(k) => match k.of::<ProfileForm>("name").or_else(|| k.of("email")) {
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

/// What the name and email forms keep of what was typed.
#[derive(Deserialize)]
struct ProfileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    new_email: String,
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
pub(super) fn password_failure(e: AppError, field: &str) -> Result<Errors, WebError> {
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

/// A form with no fields of its own (only the CSRF token).
#[derive(Deserialize)]
struct NoFields {}

async fn account_verify(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, .. }: CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    match state.recovery.send_verification(signed_in.user).await {
        Ok(()) => visitor.flash("verification-sent"),
        Err(AppError::Conflict(_)) => visitor.flash("email-verified"),
        Err(AppError::RateLimited { retry_after }) => {
            let mut errors = Errors::default();
            errors.add(
                "form",
                &format!("Too many links asked for. Please wait {retry_after} seconds."),
            );
            return refused(&state, &signed_in, "verify", errors).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(see_other("/account"))
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    password: String,
}

async fn account_email(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, form }: CsrfForm<EmailForm>,
) -> Result<Response, WebError> {
    let email = match Email::parse(&form.new_email) {
        Ok(email) => email,
        Err(e) => {
            let errors = Errors(vec![crate::error::FieldError::new("new_email", e.message)]);
            return refused(&state, &signed_in, "email", errors).await;
        }
    };
    match state
        .recovery
        .request_email_change(signed_in.user, email, &form.password)
        .await
    {
        Ok(()) => {
            visitor.flash("email-change-sent");
            Ok(see_other("/account"))
        }
        Err(AppError::Validation(fields)) => {
            refused(&state, &signed_in, "email", Errors(fields)).await
        }
        Err(e) => {
            let errors = password_failure(e, "email_password")?;
            refused(&state, &signed_in, "email", errors).await
        }
    }
}

async fn account_session_end(
    State(state): State<AppState>,
    signed_in: SignedIn,
    SessionPath(id): SessionPath,
    CsrfForm { visitor, .. }: CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    state.accounts.end_session(signed_in.user, id).await?;
    if signed_in.user.session_id == Some(id) {
        visitor.end_session();
        visitor.flash("signed-out");
        return Ok(see_other("/signin"));
    }
    visitor.flash("session-ended");
    Ok(see_other("/account"))
}

#[cfg(test)]
mod tests {
    use super::device;

    #[test]
    fn devices_are_named_from_their_user_agent() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
        assert_eq!(device(Some(firefox)), "Firefox on Linux");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0";
        assert_eq!(device(Some(edge)), "Edge on Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device(Some(iphone)), "Safari on iPhone");
        assert_eq!(device(Some("reqwest/0.12")), "reqwest/0.12");
        assert_eq!(device(None), "Unknown device");
    }
}
