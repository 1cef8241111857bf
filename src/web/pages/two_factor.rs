//! Two-factor sign-in in the web app (API-2.md sections 6 and 7), without JavaScript:
//! setting it up from the account page (the password, then `/account/2fa` with the QR
//! code drawn on the server and the secret in text, then a first code, answered by the
//! recovery codes, shown once), turning it off, and the second step of signing in
//! (`/signin/2fa`), which the sign-in page leads to with the challenge's token in a
//! 5-minute cookie (`taskward_mfa`).

use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::account::password_failure;
use super::{Chrome, landing, local_next, param, with_next};
use crate::auth::ClientInfo;
use crate::auth::totp::code::{DIGITS, normalise_code};
use crate::auth::totp::{CHALLENGE_FOR, Factor};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::cookies::{CookiePolicy, MFA};
use crate::web::error::WebError;
use crate::web::forms::{CsrfForm, Errors};
use crate::web::qr::svg_data_uri;
use crate::web::see_other;
use crate::web::session::{SessionState, SignedIn, Visitor};

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/2fa", get(setup_page))
        .route("/account/2fa/start", post(setup_start))
        .route("/account/2fa/confirm", post(setup_confirm))
        .route("/account/2fa/disable", post(disable))
        .route("/signin/2fa", get(second_page).post(second_submit))
}

#[derive(Template, WebTemplate)]
#[template(path = "totp_setup.html")]
struct SetupPage {
    chrome: Chrome,
    /// The `data:` URI of the QR code's SVG; `None` if it could not be drawn.
    qr: Option<String>,
    /// The secret in base32, in groups of four for reading.
    secret: String,
    errors: Errors,
}

#[derive(Template, WebTemplate)]
#[template(path = "totp_codes.html")]
struct CodesPage {
    chrome: Chrome,
    codes: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "signin_2fa.html")]
struct SecondPage {
    chrome: Chrome,
    /// Whether the form asks for a recovery code instead of a code of the app.
    recovery: bool,
    next: String,
    errors: Errors,
}

/// The error shown for a refused code.
fn code_failure(e: AppError, field: &str) -> Result<Errors, WebError> {
    let mut errors = Errors::default();
    match e {
        AppError::Validation(_) if field == "recovery_code" => errors.add(
            field,
            "That is not one of your unused recovery codes. Check it and try again.",
        ),
        AppError::Validation(_) => errors.add(
            field,
            "That code is wrong or was already used. Enter the code your app shows now.",
        ),
        AppError::RateLimited { retry_after } => errors.add(
            field,
            &format!("Too many codes tried. Please wait {retry_after} seconds and try again."),
        ),
        other => return Err(other.into()),
    }
    Ok(errors)
}

/// A code typed in a field that takes either: 6 digits are a code of the app, anything
/// else a recovery code.
fn either(typed: &str) -> Factor<'_> {
    let code = normalise_code(typed);
    if code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
        Factor::Code(typed)
    } else {
        Factor::RecoveryCode(typed)
    }
}

async fn setup_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    let Some(setup) = state.two_factor.pending(signed_in.user).await? else {
        return Ok(see_other("/account"));
    };
    let errors = signed_in
        .visitor
        .take_kept(&state, "/account/2fa")
        .await?
        .map(|k| Errors(k.errors))
        .unwrap_or_default();
    let grouped: Vec<String> = setup
        .secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    Ok(SetupPage {
        chrome: Chrome::new(&state, &signed_in.visitor, "account"),
        qr: svg_data_uri(&setup.otpauth_uri),
        secret: grouped.join(" "),
        errors,
    }
    .into_response())
}

#[derive(Deserialize)]
struct StartForm {
    #[serde(default)]
    password: String,
}

async fn setup_start(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, form }: CsrfForm<StartForm>,
) -> Result<Response, WebError> {
    match state.two_factor.begin(signed_in.user, &form.password).await {
        Ok(_) => Ok(see_other("/account/2fa")),
        Err(AppError::Conflict(_)) => Ok(see_other("/account")),
        Err(e) => {
            let errors = password_failure(e, "totp_password")?;
            visitor
                .refuse(&state, "2fa-start", "/account", errors)
                .await
        }
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn setup_confirm(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, form }: CsrfForm<CodeForm>,
) -> Result<Response, WebError> {
    match state.two_factor.confirm(signed_in.user, &form.code).await {
        // Shown by this answer, once: the codes are never kept for a redirect.
        Ok(codes) => Ok(CodesPage {
            chrome: Chrome::new(&state, &visitor, "account"),
            codes,
        }
        .into_response()),
        Err(AppError::Conflict(_)) => Ok(see_other("/account")),
        Err(e) => {
            let errors = code_failure(e, "code")?;
            visitor
                .refuse(&state, "2fa-confirm", "/account/2fa", errors)
                .await
        }
    }
}

#[derive(Deserialize)]
struct DisableForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

async fn disable(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, form }: CsrfForm<DisableForm>,
) -> Result<Response, WebError> {
    let factor = either(&form.code);
    match state
        .two_factor
        .disable(signed_in.user, &form.password, factor)
        .await
    {
        Ok(()) => {
            visitor.flash("2fa-off");
            Ok(see_other("/account"))
        }
        Err(AppError::Conflict(_)) => Ok(see_other("/account")),
        Err(e @ AppError::Unauthorized { .. }) => {
            let errors = password_failure(e, "totp_off_password")?;
            visitor.refuse(&state, "2fa-off", "/account", errors).await
        }
        Err(e) => {
            let errors = code_failure(e, "totp_off_code")?;
            visitor.refuse(&state, "2fa-off", "/account", errors).await
        }
    }
}

/// The second step's page for `next`, asking for a recovery code when `recovery`.
fn second_url(next: &str, recovery: bool) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if recovery {
        query.append_pair("recovery", "1");
    }
    if !next.is_empty() {
        query.append_pair("next", next);
    }
    let query = query.finish();
    if query.is_empty() {
        "/signin/2fa".to_owned()
    } else {
        format!("/signin/2fa?{query}")
    }
}

/// Where a sign-in whose password was right goes next: the second step's page, with the
/// challenge's token in a cookie that lasts as long as the challenge.
pub(super) fn to_second_step(visitor: &Visitor, mfa_token: &str, next: &str) -> Response {
    let age = Duration::from_secs(CHALLENGE_FOR.whole_seconds().unsigned_abs());
    visitor.set_cookie(MFA, mfa_token, age);
    see_other(&second_url(&local_next(Some(next.to_owned())), false))
}

async fn second_page(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let next = local_next(param(query.as_deref(), "next"));
    if matches!(visitor.session, SessionState::SignedIn(_)) {
        return Ok(see_other(landing(&next)));
    }
    if CookiePolicy::new(&state.config)
        .get(&headers, MFA)
        .is_none()
    {
        visitor.flash("2fa-expired");
        return Ok(see_other("/signin"));
    }
    let errors = visitor
        .take_kept(&state, "/signin/2fa")
        .await?
        .map(|k| Errors(k.errors))
        .unwrap_or_default();
    Ok(SecondPage {
        chrome: Chrome::new(&state, &visitor, ""),
        recovery: param(query.as_deref(), "recovery").as_deref() == Some("1"),
        next,
        errors,
    }
    .into_response())
}

#[derive(Deserialize)]
struct SecondForm {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    recovery_code: Option<String>,
    #[serde(default)]
    next: String,
}

async fn second_submit(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { visitor, form }: CsrfForm<SecondForm>,
) -> Result<Response, WebError> {
    let next = local_next(Some(form.next));
    let token = CookiePolicy::new(&state.config)
        .get(&headers, MFA)
        .unwrap_or_default()
        .to_owned();
    let (factor, recovery) = match (&form.recovery_code, &form.code) {
        (Some(r), _) => (Factor::RecoveryCode(r), true),
        (None, c) => (Factor::Code(c.as_deref().unwrap_or_default()), false),
    };
    match state
        .two_factor
        .sign_in_second(&token, factor, &client)
        .await
    {
        Ok(issued) => {
            visitor.clear_cookie(MFA);
            visitor.start_session(&state, &issued);
            Ok(see_other(landing(&next)))
        }
        Err(AppError::Unauthorized { .. }) => {
            visitor.clear_cookie(MFA);
            visitor.flash("2fa-expired");
            Ok(see_other(&with_next("/signin", &next)))
        }
        Err(e) => {
            let errors = code_failure(e, factor.field())?;
            let page = second_url(&next, recovery);
            visitor.refuse(&state, "signin-2fa", &page, errors).await
        }
    }
}
